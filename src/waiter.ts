/**
 * @internal The one park/wake mechanism. A greenlet that blocks creates a Waiter (its single
 * pointer back to what it waits on), hooks it into that thing, and yields it to the hub. Whoever
 * it waits on wakes it through `wake`/`handOff`; a kill or timeout unhooks it through
 * `unhook()` in O(1). Event, Semaphore, Queue, Pool, sockets and executors all park this way.
 */
import { currentGreenlet, getHub, wake, wakeThrow } from './hub.js';
import type { Greenlet } from './greenlet.js';
import type { Suspend } from './operation.js';
import type { TimerEntry } from './clock.js';

/** @internal What a Waiter's greenlet receives when its wait timed out. */
export const TIMED_OUT: unique symbol = Symbol('greenlets.timedOut');

/** @internal The running greenlet, or a clear error when an Operation runs outside one. */
export function runningGreenlet(what: string): Greenlet {
  const g = currentGreenlet();
  if (g === null) {
    throw new Error(
      `${what} was run outside a greenlet: run it with \`yield*\` inside a greenlet body, ` +
        'or `await` it from plain async code',
    );
  }
  return g;
}

/**
 * @internal A parked greenlet and the one pointer back to what it is parked on. Subclasses say
 * how to unhook (remove themselves from what they wait on) and what to call it in LoopExit.
 */
export abstract class Waiter {
  readonly greenlet: Greenlet;

  constructor(greenlet: Greenlet) {
    this.greenlet = greenlet;
  }

  /** Parks the greenlet on this waiter; yield the result (`yield w.park()`). */
  park(): Suspend {
    this.greenlet.parkedOn = this;
    return this as unknown as Suspend;
  }

  /**
   * Removes this waiter from what it waits on: the greenlet is being resumed by something else,
   * `reason` (a kill or timeout error) when there is one.
   */
  abstract unhook(reason?: unknown): void;

  /** What the greenlet waits on, for LoopExit messages: `Event.wait()`. */
  abstract describe(): string;
}

/** @internal A waiter in a WaitList: an intrusive doubly-linked node, so unhooking is O(1). */
export class ListWaiter<D = unknown> extends Waiter {
  prev: ListWaiter<D> | null = null;
  next: ListWaiter<D> | null = null;
  list: WaitList<D> | null = null;
  /** What the waiter brings or wants: the item a putter puts, the count an acquirer needs. */
  data: D;

  constructor(greenlet: Greenlet, data: D) {
    super(greenlet);
    this.data = data;
  }

  unhook(): void {
    this.list?.remove(this);
  }

  describe(): string {
    return this.list?.what ?? 'nothing (already woken)';
  }
}

/**
 * @internal A waiter kept in a Set, for waits where everyone is woken together (a server's
 * start or stop, a child's exit), so order does not matter and unhooking is O(1).
 */
export class SetWaiter extends Waiter {
  constructor(
    greenlet: Greenlet,
    private readonly waiters: Set<SetWaiter>,
    private readonly what: string,
  ) {
    super(greenlet);
  }

  unhook(): void {
    this.waiters.delete(this);
  }

  describe(): string {
    return this.what;
  }
}

/**
 * @internal A FIFO of parked greenlets, served first come, first served. `what` names the wait
 * in LoopExit messages, e.g. `Queue.get()`.
 */
export class WaitList<D = unknown> {
  head: ListWaiter<D> | null = null;
  tail: ListWaiter<D> | null = null;
  size = 0;

  constructor(readonly what: string) {}

  /** Parks the running greenlet at the back of this list; yield `w.park()` next. */
  enqueue(greenlet: Greenlet, data: D): ListWaiter<D> {
    const w = new ListWaiter<D>(greenlet, data);
    w.list = this;
    w.prev = this.tail;
    if (this.tail === null) this.head = w;
    else this.tail.next = w;
    this.tail = w;
    this.size++;
    return w;
  }

  remove(w: ListWaiter<D>): void {
    if (w.list !== this) return;
    if (w.prev === null) this.head = w.next;
    else w.prev.next = w.next;
    if (w.next === null) this.tail = w.prev;
    else w.next.prev = w.prev;
    w.prev = w.next = null;
    w.list = null;
    this.size--;
  }

  /** Removes and returns the first waiter, or null. */
  shift(): ListWaiter<D> | null {
    const w = this.head;
    if (w !== null) this.remove(w);
    return w;
  }

  /** Wakes every waiter with `value`, in arrival order. */
  wakeAll(value: unknown): void {
    for (let w = this.shift(); w !== null; w = this.shift()) wake(w, value);
  }

  /** Wakes every waiter by throwing `error` at its `yield*` (e.g. ShutDown). */
  throwAll(error: () => unknown): void {
    for (let w = this.shift(); w !== null; w = this.shift()) wakeThrow(w, error());
  }

  *[Symbol.iterator](): Generator<ListWaiter<D>, void, undefined> {
    for (let w = this.head; w !== null; w = w.next) yield w;
  }
}


/**
 * @internal A deadline on a parked greenlet: when it fires first, the waiter is unhooked and
 * its greenlet resumes with TIMED_OUT. Cancel it once the wait is over.
 */
export class WaitDeadline implements TimerEntry {
  deadline = 0;
  seq = 0;
  heapIndex = -1;

  constructor(private readonly waiter: Waiter) {}

  fire(): void {
    const w = this.waiter;
    if (w.greenlet.parkedOn !== w) return;
    w.unhook();
    wake(w, TIMED_OUT);
  }

  static start(waiter: Waiter, ms: number): WaitDeadline {
    const deadline = new WaitDeadline(waiter);
    getHub().clock.add(deadline, ms);
    return deadline;
  }

  cancel(): void {
    getHub().clock.remove(this);
  }
}

/**
 * @internal Parks on `w` (already hooked in) for at most `timeout` ms, and returns what the
 * waker sent, or TIMED_OUT. The usual body of a blocking Operation:
 * `const r = yield* parkFor(list.enqueue(g, data), timeout)`.
 */
export function* parkFor<T>(w: Waiter, timeout: number | undefined): Generator<Suspend, T | typeof TIMED_OUT, unknown> {
  if (timeout === undefined || timeout === Infinity) return (yield w.park()) as T;
  const deadline = WaitDeadline.start(w, timeout);
  try {
    return (yield w.park()) as T | typeof TIMED_OUT;
  } finally {
    deadline.cancel();
  }
}
