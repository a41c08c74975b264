/**
 * Events: `Event`, a flag greenlets wait on, and `AsyncResult`, a one-off value or error that
 * greenlets wait for. Both are waitable, so `wait`, `iwait` and `joinAll`-style helpers accept
 * them next to greenlets. Mirrors `gevent.event`.
 */
import { callSoon, getHub } from './hub.js';
import { checkDuration, describeValue } from './errors.js';
import { Operation, type Steps } from './operation.js';
import { TIMED_OUT, WaitList, parkFor, runningGreenlet } from './waiter.js';
import { Timeout } from './timeout.js';
import type { GetOptions } from './greenlet.js';
import type { Waitable } from './wait.js';

type LinkCallback<S> = (source: S) => void;

/**
 * @internal What Event and AsyncResult share: parked waiters, and `rawlink` callbacks run from
 * the hub once ready. Like gevent's links, a callback runs once and is then dropped.
 */
abstract class Linkable implements Waitable {
  /** @internal */
  protected readonly waiters: WaitList<undefined>;
  private readonly links: LinkCallback<this>[] = [];
  private notifyQueued = false;

  constructor(what: string) {
    this.waiters = new WaitList<undefined>(what);
  }

  abstract ready(): boolean;

  /**
   * Calls `cb(this)` once, from the hub, when this becomes ready (soon, if it already is).
   * The hook `wait()` and `iwait()` use; most code calls `wait()` instead.
   */
  rawlink(cb: LinkCallback<this>): void {
    if (typeof cb !== 'function') throw new TypeError(`rawlink() needs a callback function, got ${describeValue(cb)}`);
    this.links.push(cb);
    if (this.ready()) this.queueNotify();
  }

  /** Removes every pending `rawlink` of `cb`. */
  unlink(cb: LinkCallback<this>): void {
    // In place: a callback may unlink one that has not run yet in the same notification.
    const links = this.links;
    for (let i = links.length - 1; i >= 0; i--) if (links[i] === cb) links.splice(i, 1);
  }

  /** @internal Called when this becomes ready: wakes the parked waiters, then the links. */
  protected notify(value: unknown): void {
    this.waiters.wakeAll(value);
    if (this.links.length > 0) this.queueNotify();
  }

  private queueNotify(): void {
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    callSoon(() => this.runLinks());
  }

  private runLinks(): void {
    this.notifyQueued = false;
    // Every link present now runs, even if an Event was cleared since: it *was* set, and a
    // waiter in `wait([...])` must hear of it (gevent's Event notifies all the same way).
    // Links added by the callbacks themselves wait for their own notification.
    const links = this.links;
    const last = links[links.length - 1];
    const hub = getHub();
    while (links.length > 0) {
      const cb = links.shift()!;
      try {
        cb(this);
      } catch (error) {
        hub.handleError(null, error);
      }
      if (cb === last) break;
    }
  }
}

class EventWaitOperation extends Operation<boolean> {
  constructor(
    private readonly event: Event,
    private readonly waiters: WaitList<undefined>,
    private readonly timeout: number | undefined,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<boolean> {
    if (this.event.isSet()) return true;
    const w = this.waiters.enqueue(runningGreenlet('Event.wait()'), undefined);
    // set() wakes with true, so a clear() before this greenlet runs cannot turn it into false.
    return (yield* parkFor<boolean>(w, this.timeout)) !== TIMED_OUT;
  }
}

/**
 * A flag that greenlets wait on: `wait()` blocks until someone calls `set()`. Use it to tell
 * any number of greenlets "go" at once; `set()` wakes every waiter, in arrival order, with
 * `true`, even if `clear()` follows before they run.
 * @example
 * const ready = new Event();
 * spawn(function* () {
 *   if (yield* ready.wait(1000)) console.log('go');
 *   else console.log('gave up');
 * });
 * spawn(function* () { yield* sleep(10); ready.set(); });
 */
export class Event extends Linkable {
  private flag = false;

  constructor() {
    super('Event.wait()');
  }

  /** Sets the flag and wakes every waiter; later `wait()` calls return at once. */
  set(): void {
    if (this.flag) return;
    this.flag = true;
    this.notify(true);
  }

  /** Resets the flag, so later `wait()` calls block again; waiters already woken stay woken. */
  clear(): void {
    this.flag = false;
  }

  /** True while the flag is set. Mirrors gevent's `is_set()`. */
  isSet(): boolean {
    return this.flag;
  }

  /** The same as `isSet()`: the name `wait()` and `iwait()` use on any waitable. */
  ready(): boolean {
    return this.flag;
  }

  /**
   * Waits until the flag is set: true when it is, false when `timeout` ms pass first.
   * @example
   * const ok = yield* event.wait(500);
   */
  wait(timeout?: number): Operation<boolean> {
    return new EventWaitOperation(this, this.waiters, checkDuration('Event.wait() timeout', timeout));
  }

  override toString(): string {
    return `<Event ${this.flag ? 'set' : 'clear'}, ${this.waiters.size} waiting>`;
  }
}

const enum ResultState {
  Pending = 0,
  Value = 1,
  Error = 2,
}

class ResultWaitOperation<T> extends Operation<T | undefined> {
  constructor(
    private readonly result: AsyncResult<T>,
    private readonly waiters: WaitList<undefined>,
    private readonly timeout: number | undefined,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<T | undefined> {
    if (!this.result.ready()) {
      yield* parkFor(this.waiters.enqueue(runningGreenlet('AsyncResult.wait()'), undefined), this.timeout);
    }
    return this.result.value;
  }
}

class ResultGetOperation<T> extends Operation<T> {
  constructor(
    private readonly result: AsyncResult<T>,
    private readonly waiters: WaitList<undefined>,
    private readonly block: boolean,
    private readonly timeout: number | undefined,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<T> {
    const result = this.result;
    if (!result.ready()) {
      if (!this.block) throw new Timeout(undefined, undefined, 'AsyncResult.get(): no result yet');
      const w = this.waiters.enqueue(runningGreenlet('AsyncResult.get()'), undefined);
      if ((yield* parkFor(w, this.timeout)) === TIMED_OUT) {
        throw new Timeout(this.timeout, undefined, `AsyncResult.get(): no result after ${this.timeout} ms`);
      }
    }
    if (!result.successful()) throw result.exception;
    return result.value as T;
  }
}

/**
 * A value or an error that arrives later, once: one greenlet calls `set(value)` or
 * `setException(err)`, and any number of others `get()` it. Use it to hand a single result
 * from a producer (a callback, another greenlet) to whoever needs it.
 * @example
 * const result = new AsyncResult<number>();
 * spawn(function* () { yield* sleep(10); result.set(42); });
 * console.log(yield* result.get()); // 42
 */
export class AsyncResult<T = unknown> extends Linkable {
  private state: ResultState = ResultState.Pending;
  private outcome: unknown = undefined;

  constructor() {
    super('AsyncResult.get()');
  }

  /** Stores `value` and wakes every waiter. Setting again replaces the outcome, as in gevent. */
  set(value: T): void {
    this.state = ResultState.Value;
    this.outcome = value;
    this.notify(undefined);
  }

  /** Stores `error`, which `get()` then throws, and wakes every waiter. Mirrors `set_exception`. */
  setException(error: unknown): void {
    this.state = ResultState.Error;
    this.outcome = error;
    this.notify(undefined);
  }

  /** True once a value or an error is stored. */
  ready(): boolean {
    return this.state !== ResultState.Pending;
  }

  /** True once a value (not an error) is stored. */
  successful(): boolean {
    return this.state === ResultState.Value;
  }

  /** The stored value, or undefined while pending or after an error. */
  get value(): T | undefined {
    return this.state === ResultState.Value ? (this.outcome as T) : undefined;
  }

  /** The stored error, or undefined while pending or after a value. */
  get exception(): unknown {
    return this.state === ResultState.Error ? this.outcome : undefined;
  }

  /**
   * The value, or throws the stored error. Throws `Timeout` when there is no result yet and
   * `block` is false, or `timeout` ms pass first.
   * @example
   * const v = yield* result.get({ timeout: 500 });
   */
  get(options: GetOptions = {}): Operation<T> {
    const timeout = checkDuration('AsyncResult.get() timeout', options.timeout);
    return new ResultGetOperation<T>(this, this.waiters, options.block !== false, timeout);
  }

  /**
   * The value, or throws the stored error, or throws `Timeout` at once when there is none yet.
   * Mirrors `get_nowait()`.
   */
  getNowait(): Operation<T> {
    return this.get({ block: false });
  }

  /**
   * Waits until ready, then returns the value; returns undefined after an error or when
   * `timeout` ms pass first. Never throws the stored error (use `get()` for that), as in gevent.
   * @example
   * const v = yield* result.wait(100); // undefined if nothing arrived in time
   */
  wait(timeout?: number): Operation<T | undefined> {
    return new ResultWaitOperation<T>(this, this.waiters, checkDuration('AsyncResult.wait() timeout', timeout));
  }

  override toString(): string {
    const state = ['pending', 'value', 'error'][this.state];
    return `<AsyncResult ${state}, ${this.waiters.size} waiting>`;
  }
}
