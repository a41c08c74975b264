/**
 * Locks between greenlets of one thread: `Semaphore`, `BoundedSemaphore`, `Lock`, `RLock` and
 * `DummySemaphore`. Waiters are served first come, first served: a release hands its permit
 * straight to the first waiter, so a newcomer cannot overtake it and a kill cannot lose it.
 * Mirrors `gevent.lock`.
 */
import { handOff } from './hub.js';
import { checkDuration, describeValue } from './errors.js';
import { Operation, type Steps } from './operation.js';
import { TIMED_OUT, WaitList, parkFor, runningGreenlet } from './waiter.js';
import { Timeout } from './timeout.js';
import { getCurrent, type Greenlet } from './greenlet.js';

/** Options of `acquire`, `hold` and `holding`. */
export interface AcquireOptions {
  /** Wait for a permit (default), or give up at once when none is free. */
  blocking?: boolean;
  /** How long (ms) to wait at most. Default: no limit. */
  timeout?: number;
}

const NO_OPTIONS: AcquireOptions = Object.freeze({});

/** What `holding` runs: an Operation, or a generator function (a greenlet body). */
export type HoldingBody<R> = Operation<R> | (() => Steps<R>);

interface Acquirer {
  acquire(options?: AcquireOptions): Operation<boolean>;
  release(): unknown;
}

class Held implements Disposable {
  private released = false;

  constructor(private readonly lock: Acquirer) {}

  [Symbol.dispose](): void {
    if (this.released) return;
    this.released = true;
    this.lock.release();
  }
}

class HoldOperation extends Operation<Disposable> {
  constructor(
    private readonly lock: Acquirer,
    private readonly options: AcquireOptions,
    private readonly what: string,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<Disposable> {
    if (!(yield* this.lock.acquire(this.options))) {
      const timeout = this.options.timeout;
      throw new Timeout(
        timeout,
        undefined,
        timeout === undefined ? `${this.what}: not available` : `${this.what}: not acquired within ${timeout} ms`,
      );
    }
    return new Held(this.lock);
  }
}

class HoldingOperation<R> extends Operation<R> {
  constructor(
    private readonly lock: Acquirer,
    private readonly body: HoldingBody<R>,
    private readonly options: AcquireOptions,
    private readonly what: string,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<R> {
    using _held = yield* new HoldOperation(this.lock, this.options, this.what);
    const body = this.body;
    return yield* body instanceof Operation ? body : body();
  }
}

function checkHoldingBody(what: string, body: unknown): void {
  if (!(body instanceof Operation) && typeof body !== 'function') {
    throw new TypeError(`${what} needs an Operation or a generator function, got ${describeValue(body)}`);
  }
}

/**
 * @internal The scoped forms every lock shares, on top of its `acquire` and `release`.
 */
abstract class Lockable implements Acquirer {
  abstract acquire(options?: AcquireOptions): Operation<boolean>;
  abstract release(): unknown;

  /**
   * Acquires, and returns a Disposable that releases: with `using`, the release happens when
   * the block ends by return, throw or kill. Throws `Timeout` when `blocking` is false or
   * `timeout` passes without a permit. The `with lock:` of gevent.
   * @example
   * using _held = yield* lock.hold();
   * yield* sock.sendall(data); // nobody else writes meanwhile
   */
  hold(options: AcquireOptions = {}): Operation<Disposable> {
    checkDuration(`${this.constructor.name}.hold() timeout`, options.timeout);
    return new HoldOperation(this, options, `${this.constructor.name}.hold()`);
  }

  /**
   * Runs `body` (an Operation or a generator function) while holding, and releases however it
   * ends; returns what `body` returns. Throws `Timeout` like `hold()`. The form for plain async
   * code: `await lock.holding(...)`.
   * @example
   * const n = yield* lock.holding(function* () {
   *   const v = yield* readCounter();
   *   yield* writeCounter(v + 1);
   *   return v + 1;
   * });
   */
  holding<R>(body: HoldingBody<R>, options: AcquireOptions = {}): Operation<R> {
    const what = `${this.constructor.name}.holding()`;
    checkHoldingBody(what, body);
    checkDuration(`${what} timeout`, options.timeout);
    return new HoldingOperation(this, body, options, what);
  }
}

function checkPermits(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`${what} value must be a non-negative integer, got ${describeValue(value)}`);
  }
  return value;
}

class AcquireOperation extends Operation<boolean> {
  constructor(
    private readonly sem: Semaphore,
    private readonly waiters: WaitList<undefined>,
    private readonly blocking: boolean,
    private readonly timeout: number | undefined,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<boolean> {
    if (this.sem.takePermit()) return true;
    if (!this.blocking) return false;
    const w = this.waiters.enqueue(runningGreenlet(this.waiters.what), undefined);
    // A timed-out or killed waiter was only a node in the list: the counter never moved for it.
    return (yield* parkFor<boolean>(w, this.timeout)) !== TIMED_OUT;
  }
}

/**
 * A counter of permits: `acquire()` takes one, waiting while none is free, and `release()`
 * gives one back. Use it to bound how many greenlets use a resource at once; waiters are
 * served first come, first served.
 * @example
 * const slots = new Semaphore(3);
 * spawn(function* () {
 *   using _slot = yield* slots.hold();
 *   yield* download(url); // at most 3 at a time
 * });
 */
export class Semaphore extends Lockable {
  private permits: number;
  private readonly waiters: WaitList<undefined>;

  constructor(value = 1) {
    super();
    this.permits = checkPermits(new.target.name, value);
    this.waiters = new WaitList<undefined>(`${new.target.name}.acquire()`);
  }

  /** How many permits are free right now. */
  get counter(): number {
    return this.permits;
  }

  /** True when `acquire()` would block (no permit is free). */
  locked(): boolean {
    return this.permits <= 0;
  }

  /**
   * Takes a permit: true once taken, false when `blocking` is false and none is free, or
   * `timeout` ms pass first. A timed-out or killed acquire leaves the counter untouched.
   * @example
   * if (yield* sem.acquire({ timeout: 100 })) {
   *   try { yield* work(); } finally { sem.release(); }
   * }
   */
  acquire(options: AcquireOptions = NO_OPTIONS): Operation<boolean> {
    // The message is only built for a bad value: acquire() is a hot path.
    const timeout =
      options.timeout === undefined
        ? undefined
        : checkDuration(`${this.constructor.name}.acquire() timeout`, options.timeout);
    return new AcquireOperation(this, this.waiters, options.blocking !== false, timeout);
  }

  /**
   * Gives a permit back: to the first waiter if there is one, else to the counter. Returns the
   * counter. Never blocks.
   */
  release(): number {
    this.checkRelease();
    // The permit goes straight to the first waiter: a newcomer cannot overtake it, and a kill
    // arriving before it runs cannot lose it (handOff delivers the permit first).
    for (let w = this.waiters.shift(); w !== null; w = this.waiters.shift()) {
      if (handOff(w, true)) return this.permits;
    }
    this.permits++;
    return this.permits;
  }

  /** @internal Takes a free permit if there is one. */
  takePermit(): boolean {
    if (this.permits <= 0) return false;
    this.permits--;
    return true;
  }

  /** @internal Hook for BoundedSemaphore. */
  protected checkRelease(): void {}

  override toString(): string {
    return `<${this.constructor.name} counter=${this.permits}, ${this.waiters.size} waiting>`;
  }
}

/**
 * A Semaphore that refuses to be released more often than acquired: releasing above its
 * initial value throws. Use it instead of `Semaphore` to catch a double release.
 * @example
 * const sem = new BoundedSemaphore(2);
 * sem.release(); // throws RangeError: released too many times
 */
export class BoundedSemaphore extends Semaphore {
  /** The initial value, which the counter may never exceed. */
  readonly bound: number;

  constructor(value = 1) {
    super(value);
    this.bound = value;
  }

  protected override checkRelease(): void {
    if (this.counter >= this.bound) {
      throw new RangeError(
        `${this.constructor.name} released too many times: its counter would exceed its initial value ${this.bound}`,
      );
    }
  }
}

/**
 * A mutual-exclusion lock: a `BoundedSemaphore(1)`. Use it to let one greenlet at a time
 * through a section that blocks in the middle (a plain section with no `yield*` needs none).
 * @example
 * const lock = new Lock();
 * spawn(function* () {
 *   using _held = yield* lock.hold();
 *   yield* sock.sendall(header);
 *   yield* sock.sendall(body);
 * });
 */
export class Lock extends BoundedSemaphore {
  constructor() {
    super(1);
  }
}

/**
 * A Semaphore that never blocks: `acquire()` is always true at once, `release()` does nothing.
 * Use it where code takes a semaphore but the resource is unlimited.
 * @example
 * const guard = limit === undefined ? new DummySemaphore() : new Semaphore(limit);
 */
export class DummySemaphore extends Lockable {
  /** Accepts and ignores a value, for compatibility with `Semaphore`. */
  constructor(_value?: number) {
    super();
  }

  /** Always `Infinity`: there is always a permit. */
  get counter(): number {
    return Infinity;
  }

  /** Always false. */
  locked(): boolean {
    return false;
  }

  /** Always true, at once; the options are ignored. */
  acquire(_options?: AcquireOptions): Operation<boolean> {
    return ALWAYS;
  }

  /** Does nothing. */
  release(): void {}

  override toString(): string {
    return '<DummySemaphore>';
  }
}

class AlwaysOperation extends Operation<boolean> {
  *[Symbol.iterator](): Steps<boolean> {
    return true;
  }
}
const ALWAYS = new AlwaysOperation();

class RLockAcquireOperation extends Operation<boolean> {
  constructor(
    private readonly lock: RLock,
    private readonly inner: Operation<boolean>,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<boolean> {
    const me = runningGreenlet('RLock.acquire()');
    if (this.lock.reenter(me)) return true;
    if (!(yield* this.inner)) return false;
    this.lock.own(me);
    return true;
  }
}

/**
 * A lock its owning greenlet may acquire again without blocking; each `acquire()` needs a
 * matching `release()`, and only the owner may release. Use it when a locked section calls
 * code that takes the same lock.
 * @example
 * const lock = new RLock();
 * function* update(): Steps<void> {
 *   using _held = yield* lock.hold();
 *   yield* validate(); // may itself hold the lock: no deadlock
 * }
 */
export class RLock extends Lockable {
  private readonly block = new Semaphore(1);
  private ownerGreenlet: Greenlet | null = null;
  private count = 0;

  /** The greenlet holding the lock, or null. */
  get owner(): Greenlet | null {
    return this.ownerGreenlet;
  }

  /** True while some greenlet holds the lock. */
  locked(): boolean {
    return this.block.locked();
  }

  /**
   * Acquires for the running greenlet: at once when it already owns the lock (counting one
   * more level), else like `Semaphore.acquire`.
   */
  acquire(options: AcquireOptions = {}): Operation<boolean> {
    checkDuration('RLock.acquire() timeout', options.timeout);
    return new RLockAcquireOperation(this, this.block.acquire(options));
  }

  /**
   * Releases one level; the last one frees the lock for the next waiter. Throws when the
   * running greenlet does not own the lock. From plain async code, where no greenlet runs,
   * use `await lock.holding(...)` so that acquire and release happen in the same greenlet.
   */
  release(): void {
    const me = getCurrent();
    if (this.ownerGreenlet === null || this.ownerGreenlet !== me) {
      const owner = this.ownerGreenlet === null ? 'nobody holds it' : `it is held by ${String(this.ownerGreenlet)}`;
      const caller = me === null ? 'code outside any greenlet' : String(me);
      throw new Error(`cannot release un-acquired RLock: ${owner}, and the release came from ${caller}`);
    }
    if (--this.count === 0) {
      this.ownerGreenlet = null;
      this.block.release();
    }
  }

  /** @internal */
  reenter(me: Greenlet): boolean {
    if (this.ownerGreenlet !== me) return false;
    this.count++;
    return true;
  }

  /** @internal */
  own(me: Greenlet): void {
    this.ownerGreenlet = me;
    this.count = 1;
  }

  override toString(): string {
    const owner = this.ownerGreenlet === null ? 'unowned' : `owner=${String(this.ownerGreenlet)} count=${this.count}`;
    return `<RLock ${owner}>`;
  }
}
