/**
 * Timeouts: a deadline on the greenlet that starts it. On expiry the Timeout throws itself (or
 * the exception it was given) into that greenlet at its current `yield*`. Mirrors
 * `gevent.Timeout` and `gevent.with_timeout`, with durations in milliseconds.
 */
import { interrupt, withdrawInterrupt, getHub } from './hub.js';
import { checkDuration, describeValue, nameErrorClass } from './errors.js';
import { Operation, stepsOf, type Steps } from './operation.js';
import { runningGreenlet } from './waiter.js';
import type { Greenlet } from './greenlet.js';
import type { TimerEntry } from './clock.js';

class TimeoutTimer implements TimerEntry {
  deadline = 0;
  seq = 0;
  heapIndex = -1;

  constructor(private readonly timeout: Timeout) {}

  fire(): void {
    this.timeout.expire();
  }
}

/**
 * A deadline for the greenlet that starts it, and the error thrown when it passes. Nested
 * timeouts fire independently: catching an inner one never swallows an outer one, because each
 * throws itself and `withTimeout` only catches its own.
 * @example
 * using t = Timeout.startNew(500); // cancelled when the block ends
 * const line = yield* sock.readline();
 * @example
 * const t = new Timeout(500);
 * t.start();
 * try { yield* work(); } catch (e) { if (e !== t) throw e; console.log('too slow'); }
 * finally { t.cancel(); }
 */
export class Timeout extends Error {
  /** The duration in milliseconds, or undefined for "no limit". */
  readonly ms: number | undefined;
  /** What is thrown on expiry instead of the Timeout itself, if given. */
  readonly exception: Error | (new () => Error) | undefined;
  private owner: Greenlet | null = null;
  private timer: TimeoutTimer | null = null;
  private delivered: unknown = undefined;
  private closed = false;

  constructor(ms?: number, exception?: Error | (new () => Error), message?: string) {
    super(message ?? (ms === undefined ? 'timed out' : `timed out after ${ms} ms`));
    this.ms = checkDuration('Timeout duration', ms);
    if (
      exception !== undefined &&
      !(exception instanceof Error) &&
      !(typeof exception === 'function' && exception.prototype instanceof Error)
    ) {
      throw new TypeError(`Timeout exception must be an Error instance or class, got ${describeValue(exception)}`);
    }
    this.exception = exception;
  }

  /**
   * Creates and starts a Timeout for the running greenlet.
   * @example
   * const t = Timeout.startNew(100);
   */
  static startNew(ms?: number, exception?: Error | (new () => Error)): Timeout {
    const t = new Timeout(ms, exception);
    t.start();
    return t;
  }

  /** True while the timer runs. */
  get pending(): boolean {
    return this.timer !== null && this.timer.heapIndex >= 0;
  }

  /** Starts the timer for the running greenlet; a cancelled or fired Timeout can start again. */
  start(): this {
    if (this.closed) throw new Error('this Timeout was closed and cannot be started again');
    if (this.pending) throw new Error(`this Timeout is already running; cancel() it before starting it again`);
    this.owner = runningGreenlet('Timeout.start()');
    this.delivered = undefined;
    if (this.ms === undefined || this.ms === Infinity) return this;
    this.timer ??= new TimeoutTimer(this);
    getHub().clock.add(this.timer, this.ms);
    return this;
  }

  /** Stops the timer; if it fired but the error has not reached the greenlet yet, withdraws it. */
  cancel(): void {
    if (this.timer !== null) getHub().clock.remove(this.timer);
    if (this.owner !== null && this.delivered !== undefined) withdrawInterrupt(this.owner, this.delivered);
    this.delivered = undefined;
  }

  /** Cancels for good: the Timeout cannot be started again. */
  close(): void {
    this.cancel();
    this.closed = true;
    this.owner = null;
  }

  [Symbol.dispose](): void {
    this.cancel();
  }

  /** @internal The timer fired. */
  expire(): void {
    const owner = this.owner;
    if (owner === null || owner.dead) return;
    const exception = this.exception;
    const error =
      exception === undefined ? this : exception instanceof Error ? exception : new exception();
    this.delivered = error;
    interrupt(owner, error);
  }
}
nameErrorClass(Timeout);

/** Options of `withTimeout`. */
export interface WithTimeoutOptions<V> {
  /** Returned instead of throwing `Timeout` on expiry. */
  timeoutValue?: V;
}

class WithTimeoutOperation<T, V> extends Operation<T | V> {
  constructor(
    private readonly ms: number | undefined,
    private readonly work: Operation<T> | (() => unknown),
    private readonly hasValue: boolean,
    private readonly timeoutValue: V | undefined,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<T | V> {
    const t = new Timeout(this.ms);
    t.start();
    try {
      const work = this.work;
      if (work instanceof Operation) return yield* work;
      // An Operation or a generator runs right here, under this deadline; a promise through call().
      return yield* stepsOf<T>(work());
    } catch (error) {
      if (error === t && this.hasValue) return this.timeoutValue as V;
      throw error;
    } finally {
      t.cancel();
    }
  }
}

/**
 * Runs an Operation (or a function: a generator function's body runs inline, a promise is
 * awaited) with a deadline: throws `Timeout` on expiry, or returns `timeoutValue` when given.
 * @example
 * const page = yield* withTimeout(2000, urlopen(url));
 * const maybe = yield* withTimeout(100, queue.get(), { timeoutValue: null });
 */
export function withTimeout<T, V = never>(
  ms: number | undefined,
  work: Operation<T> | (() => Steps<T>) | (() => PromiseLike<T>) | (() => T),
  options?: WithTimeoutOptions<V>,
): Operation<T | V> {
  checkDuration('withTimeout() duration', ms);
  if (!(work instanceof Operation) && typeof work !== 'function') {
    throw new TypeError(`withTimeout() needs an Operation or a function, got ${describeValue(work)}`);
  }
  const hasValue = options !== undefined && 'timeoutValue' in options;
  return new WithTimeoutOperation<T, V>(ms, work, hasValue, options?.timeoutValue);
}
