/**
 * Sleeping and yielding: `sleep(ms)` parks the running greenlet on a timer, `sleep(0)` sends it
 * behind every other ready greenlet, `idle()` waits until nothing else is ready. Mirrors
 * `gevent.sleep` and `gevent.idle`, with durations in milliseconds.
 */
import { YIELD_NOW, YIELDED_NOW, getHub, wake } from './hub.js';
import { checkDuration } from './errors.js';
import { Operation, type Steps, type Suspend } from './operation.js';
import { Waiter, runningGreenlet } from './waiter.js';
import type { TimerEntry } from './clock.js';

class SleepWaiter extends Waiter implements TimerEntry {
  deadline = 0;
  seq = 0;
  heapIndex = -1;

  fire(): void {
    wake(this, undefined);
  }

  unhook(): void {
    getHub().clock.remove(this);
  }

  describe(): string {
    return 'sleep()';
  }
}

class SleepOperation extends Operation<void> {
  constructor(private readonly ms: number) {
    super();
  }

  *[Symbol.iterator](): Steps<void> {
    const w = new SleepWaiter(runningGreenlet('sleep()'));
    if (this.ms !== Infinity) getHub().clock.add(w, this.ms);
    yield w.park();
  }
}

// `sleep(0)` is the busiest Operation there is, so its steps allocate nothing: one shared,
// stateless iterator. The hub resumes a greenlet that yielded YIELD_NOW with YIELDED_NOW, which is
// how the iterator tells its first call (from `yield*`) from the resumption.
const YIELD_STEP: IteratorResult<Suspend, void> = Object.freeze({
  done: false,
  value: YIELD_NOW as unknown as Suspend,
});
const DONE_STEP: IteratorResult<Suspend, void> = Object.freeze({ done: true, value: undefined });
const yieldSteps: Iterator<Suspend, void, unknown> = {
  next(resumed?: unknown): IteratorResult<Suspend, void> {
    if (resumed === YIELDED_NOW) return DONE_STEP;
    runningGreenlet('sleep(0)');
    return YIELD_STEP;
  },
  throw(error?: unknown): IteratorResult<Suspend, void> {
    throw error;
  },
  return(): IteratorResult<Suspend, void> {
    return DONE_STEP;
  },
};

class YieldOperation extends Operation<void> {
  [Symbol.iterator](): Iterator<Suspend, void, unknown> {
    return yieldSteps;
  }
}
/** @internal The one `sleep(0)` Operation. */
export const SLEEP_ZERO = new YieldOperation();

/**
 * Blocks the running greenlet for `ms` milliseconds. `sleep(0)` (the default) lets every other
 * ready greenlet run first.
 * @example
 * yield* sleep(100);
 * yield* sleep(); // let the others run
 */
export function sleep(ms = 0): Operation<void> {
  checkDuration('sleep() duration', ms);
  return ms === 0 ? SLEEP_ZERO : new SleepOperation(ms);
}

class IdleWaiter extends Waiter {
  unhook(): void {
    getHub().idlers.delete(this);
  }

  describe(): string {
    return 'idle()';
  }
}

class IdleOperation extends Operation<void> {
  *[Symbol.iterator](): Steps<void> {
    const w = new IdleWaiter(runningGreenlet('idle()'));
    const hub = getHub();
    hub.idlers.add(w);
    if (!hub.scheduled) hub.queueIdleCheck();
    yield w.park();
  }
}
const IDLE = new IdleOperation();

/**
 * Blocks until nothing else is ready to run (and Node's pending I/O has been polled).
 * @example
 * yield* idle(); // everything else has had its turn
 */
export function idle(): Operation<void> {
  return IDLE;
}
