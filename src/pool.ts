/**
 * Groups and pools of greenlets. A `Group` tracks greenlets until they die, so they can be
 * joined or killed together and mapped over an input; a `Pool` is a group with a capacity,
 * whose `spawn` waits for a free slot. Mirrors `gevent.pool`.
 */
import { getHub, handOff } from './hub.js';
import { Full, checkDuration, describeValue } from './errors.js';
import { Operation, constant, type Steps, type Stream } from './operation.js';
import { TIMED_OUT, WaitList, parkFor, runningGreenlet } from './waiter.js';
import { Greenlet, checkBody, toException, type GreenletBody, type KillOptions } from './greenlet.js';
import { joinAll } from './wait.js';
import { MapOperation, MapRun, MapStream, RunMode } from './pool-map.js';
import { ApplyOperation } from './pool-apply.js';

/** Options of `Group.join` and `Pool.join`. */
export interface GroupJoinOptions {
  /** How long (ms) to wait at most for the group to become empty. Default: no limit. */
  timeout?: number;
  /** Throw the error of a member that failed during the wait. Default false. */
  raiseError?: boolean;
}

/** Options of `imap` and `imapUnordered`. */
export interface ImapOptions {
  /**
   * At most this many items are read from the input and not yet taken by the reader (running,
   * or finished and waiting). It bounds memory, and bounds the reorder buffer of `imap`.
   * Default: twice the capacity of a Pool, no limit for a Group.
   */
  maxsize?: number;
}

/** Options of `Pool.add`. */
export interface PoolAddOptions {
  /** Wait for a free slot (default), or throw `Full` at once when there is none. */
  block?: boolean;
  /** How long (ms) to wait for a slot at most before throwing `Full`. Default: no limit. */
  timeout?: number;
}

/** @internal A greenlet body of any kind, as the group calls it. */
export type Body = (...args: unknown[]) => unknown;

/**
 * What a greenlet body produces: the return value of a generator function, what an async
 * function's promise resolves to, or a plain function's return value. It is worked out for each
 * member of a union, so a `GreenletBody<R, A>` gives `R`.
 */
export type ResultOf<F> = F extends (...args: never[]) => Generator<unknown, infer R, unknown>
  ? R
  : F extends (...args: never[]) => PromiseLike<infer R>
    ? R
    : F extends (...args: never[]) => infer R
      ? R
      : never;

const DONE: Operation<void> = constant(undefined);

function checkIterable(what: string, iterable: unknown): void {
  if (
    iterable === null ||
    iterable === undefined ||
    typeof (iterable as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function'
  ) {
    throw new TypeError(`${what} needs an iterable of inputs, got ${describeValue(iterable)}`);
  }
}

function checkArgs(what: string, args: unknown): unknown[] {
  if (args === undefined) return [];
  if (!Array.isArray(args)) throw new TypeError(`${what} needs an array of arguments, got ${describeValue(args)}`);
  return args;
}

function checkCallback(what: string, callback: unknown): void {
  if (callback !== undefined && typeof callback !== 'function') {
    throw new TypeError(`${what} needs a callback function, got ${describeValue(callback)}`);
  }
}

/**
 * What Group and Pool share: membership (a greenlet leaves when it dies, through a link),
 * joining, killing, and the map family. Use `Group` or `Pool`; this class is the type that
 * accepts either. Mirrors gevent's `Group`, of which gevent's `Pool` is a subclass.
 */
export abstract class BaseGroup implements Iterable<Greenlet> {
  /** @internal */ readonly members = new Set<Greenlet>();
  /** @internal Members already killed, so a second kill does not interrupt their cleanup. */
  readonly dying = new Set<Greenlet>();
  /** @internal */ readonly emptyWaiters: WaitList<undefined>;
  /** @internal Spawners waiting for a slot, first come, first served (only a Pool has any). */
  readonly slotWaiters: WaitList<undefined>;
  /** @internal The class name, for error messages. */
  abstract readonly kind: string;

  /** @internal */
  readonly onMemberDeath = (g: Greenlet): void => {
    if (this.members.delete(g)) this.left(g);
  };

  constructor(what: string) {
    this.emptyWaiters = new WaitList(`${what}.join()`);
    this.slotWaiters = new WaitList(`${what}.spawn() (waiting for a free slot)`);
  }

  /** The number of members (greenlets tracked and not yet dead), as `Set.size`. */
  get size(): number {
    return this.members.size;
  }

  /** The members, as a read-only set. */
  get greenlets(): ReadonlySet<Greenlet> {
    return this.members;
  }

  /** Iterates over the members. */
  [Symbol.iterator](): IterableIterator<Greenlet> {
    return this.members.values();
  }

  /** Whether `g` is a member. */
  has<T>(g: Greenlet<T>): boolean {
    return this.members.has(g);
  }

  /**
   * Stops tracking `g` (it keeps running); in a Pool this frees its slot.
   * @example
   * group.discard(g);
   */
  discard<T>(g: Greenlet<T>): void {
    const member = g as Greenlet<unknown>;
    if (!this.members.delete(member)) return;
    member.unlink(this.onMemberDeath);
    this.left(member);
  }

  /** Whether `spawn` would wait: always false for a Group. */
  full(): boolean {
    return false;
  }

  toString(): string {
    return `<${this.kind} of ${this.members.size}>`;
  }

  /**
   * Waits until the group is empty (at least once), or `timeout` ms pass; returns whether it
   * became empty. With `raiseError`, the error of the first member that failed (among those in
   * the group when the join began) is thrown once the wait is over, as gevent does.
   * @example
   * yield* group.join();                       // every member has finished
   * yield* group.join({ raiseError: true });   // and throws if one of them failed
   */
  join(options: GroupJoinOptions = {}): Operation<boolean> {
    const timeout = checkDuration(`${this.kind}.join() timeout`, options.timeout);
    return new GroupJoinOperation(this, timeout, options.raiseError === true);
  }

  /**
   * Kills every member, at once (like `Greenlet.kill`); running the returned Operation waits
   * for them to die (up to `timeout`, never throwing on it). Greenlets added afterwards are not
   * affected. In a Pool, spawners waiting for a slot get one as the killed greenlets die. A map
   * or stream running on the group goes on with the rest of its input, the killed items' values
   * being their `GreenletExit`, as in gevent; `close()` a stream to stop it.
   * @example
   * group.kill();                        // fire and forget
   * yield* group.kill({ timeout: 500 }); // and wait for their cleanup
   */
  kill(options: KillOptions = {}): Operation<void> {
    const timeout = checkDuration(`${this.kind}.kill() timeout`, options.timeout);
    toException(`${this.kind}.kill()`, options.exception);
    const victims = [...this.members];
    for (const g of victims) this.killMember(g, options.exception);
    if (options.block === false) return DONE;
    return new KillOperation(victims, timeout);
  }

  /**
   * Kills `g` if it is a member, at once; running the returned Operation waits for it to die
   * (up to `timeout`). Does nothing for a greenlet that is not a member.
   * @example
   * yield* pool.killone(g);
   */
  killone<T>(g: Greenlet<T>, options: KillOptions = {}): Operation<void> {
    const timeout = checkDuration(`${this.kind}.killone() timeout`, options.timeout);
    toException(`${this.kind}.killone()`, options.exception);
    const member = g as Greenlet<unknown>;
    if (!this.members.has(member)) return DONE;
    this.killMember(member, options.exception);
    if (options.block === false) return DONE;
    return member.join(timeout);
  }

  /**
   * Runs `fn(...args)` and returns its value (or throws its error). From one of the group's own
   * greenlets it runs right there in the caller, so it never waits for a slot it holds itself;
   * otherwise it runs in a new member greenlet (in a Pool, once a slot is free). A caller killed
   * while waiting kills that greenlet too.
   * @example
   * const size = yield* pool.apply(fetchSize, [url]);
   */
  apply<R, A extends unknown[]>(fn: GreenletBody<R, A>, args?: A): Operation<R> {
    checkBody(`${this.kind}.apply()`, fn);
    return new ApplyOperation<R>(this, fn as Body, checkArgs(`${this.kind}.apply()`, args));
  }

  /**
   * Starts `fn(...args)` without ever blocking and returns its greenlet; `callback`, if given,
   * gets the value when it succeeds. In a full Pool the returned greenlet is not a member: it
   * waits for a slot and runs `fn` in a member (join the returned greenlet, not the pool).
   * @example
   * pool.applyAsync(fetchSize, [url], (size) => console.log(size));
   */
  applyAsync<R, A extends unknown[]>(fn: GreenletBody<R, A>, args?: A, callback?: (value: R) => void): Greenlet<R> {
    const what = `${this.kind}.applyAsync()`;
    checkBody(what, fn);
    const argList = checkArgs(what, args);
    checkCallback(what, callback);
    if (this.trySlot()) {
      const g = new Greenlet<R>(fn as Body as GreenletBody<R, unknown[]>, ...argList);
      this.track(g);
      if (callback !== undefined) g.linkValue((done) => callback(done.value as R));
      g.start();
      return g;
    }
    const group = this;
    const wrapper = new Greenlet<R>(function* () {
      const value = yield* group.apply(fn as Body as GreenletBody<R, unknown[]>, argList);
      if (callback !== undefined) callback(value);
      return value;
    });
    wrapper.start();
    return wrapper;
  }

  /**
   * Calls `fn(item)` for every item of `iterable`, each in a member greenlet, and returns the
   * values in input order. In a Pool at most `capacity` run at once, and the input is read only
   * as slots free up. Every item runs; if some fail, the error of the first failed item (in
   * input order) is thrown once all have finished. A killed item's value is its `GreenletExit`.
   * The caller killed (or timed out) while it waits kills the items still running.
   * @example
   * const sizes = yield* pool.map(fetchSize, urls);
   */
  map<T, F extends GreenletBody<unknown, [T]>>(fn: F, iterable: Iterable<T>): Operation<ResultOf<F>[]> {
    checkBody(`${this.kind}.map()`, fn);
    checkIterable(`${this.kind}.map()`, iterable);
    return new MapOperation<T, ResultOf<F>>(this, fn as Body, iterable);
  }

  /**
   * Starts `map(fn, iterable)` in a new greenlet (not a member) and returns it: its value is the
   * list; `callback`, if given, gets the list too.
   * @example
   * const g = pool.mapAsync(fetchSize, urls, (sizes) => console.log(sizes));
   */
  mapAsync<T, F extends GreenletBody<unknown, [T]>>(
    fn: F,
    iterable: Iterable<T>,
    callback?: (values: ResultOf<F>[]) => void,
  ): Greenlet<ResultOf<F>[]> {
    const what = `${this.kind}.mapAsync()`;
    checkBody(what, fn);
    checkIterable(what, iterable);
    checkCallback(what, callback);
    const op = new MapOperation<T, ResultOf<F>>(this, fn as Body, iterable);
    const g = new Greenlet<ResultOf<F>[]>(function* () {
      const values = yield* op;
      if (callback !== undefined) callback(values);
      return values;
    });
    g.start();
    return g;
  }

  /**
   * Like `map`, as a `Stream` of the values in input order, produced while the items run. A
   * failed item throws from the `next()` at its place, and later `next()` calls go on with the
   * rest. The items start at once, as in gevent (not at the first `next()`), and the input is
   * read lazily: at most `maxsize` items are read and not yet taken. `close()` the stream (a
   * `for await` loop that breaks does) to stop it early: it stops reading and kills its running
   * items.
   * @example
   * for await (const size of pool.imap(fetchSize, urls)) console.log(size);
   * // inside a greenlet
   * const s = pool.imap(fetchSize, urls);
   * for (let r = yield* s.next(); !r.done; r = yield* s.next()) console.log(r.value);
   */
  imap<T, F extends GreenletBody<unknown, [T]>>(fn: F, iterable: Iterable<T>, options: ImapOptions = {}): Stream<ResultOf<F>> {
    return this.startStream(`${this.kind}.imap()`, fn as Body, iterable, options, RunMode.Ordered);
  }

  /**
   * Like `imap`, but the values come in the order the items finish. Mirrors gevent's
   * `imap_unordered`.
   * @example
   * for await (const page of pool.imapUnordered(fetchPage, urls)) save(page);
   */
  imapUnordered<T, F extends GreenletBody<unknown, [T]>>(
    fn: F,
    iterable: Iterable<T>,
    options: ImapOptions = {},
  ): Stream<ResultOf<F>> {
    return this.startStream(`${this.kind}.imapUnordered()`, fn as Body, iterable, options, RunMode.Unordered);
  }

  /** @internal Takes a slot without waiting, if one is free (a Group always has one). */
  abstract trySlot(): boolean;

  /** @internal Parks the running greenlet until a slot is handed to it. */
  *waitSlot(): Steps<void> {
    yield* parkFor<undefined>(this.slotWaiters.enqueue(runningGreenlet(`${this.kind}.spawn()`), undefined), undefined);
  }

  /** @internal Gives a slot back (to the first waiting spawner, if any). */
  abstract releaseSlot(): void;

  /** @internal The default `maxsize` of the streams. */
  abstract defaultWindow(): number;

  /** @internal Makes `g` a member; in a Pool the caller holds a slot for it. */
  track(g: Greenlet): void {
    this.members.add(g);
    g.link(this.onMemberDeath);
  }

  private left(g: Greenlet): void {
    this.dying.delete(g);
    this.releaseSlot();
    if (this.members.size === 0) this.emptyWaiters.wakeAll(true);
  }

  private killMember(g: Greenlet, exception: KillOptions['exception']): void {
    if (this.dying.has(g)) return;
    this.dying.add(g);
    g.throwIn(toException(`${this.kind}.kill()`, exception));
  }

  private startStream(what: string, fn: Body, iterable: unknown, options: ImapOptions, mode: RunMode): Stream<never> {
    checkBody(what, fn);
    checkIterable(what, iterable);
    const maxsize = options.maxsize ?? this.defaultWindow();
    if (maxsize !== Infinity && (!Number.isInteger(maxsize) || maxsize < 1)) {
      throw new RangeError(`${what} maxsize must be a positive integer, got ${describeValue(maxsize)}`);
    }
    const iterator = (iterable as Iterable<unknown>)[Symbol.iterator]();
    return new MapStream<never>(new MapRun(this, fn, iterator, mode, maxsize, what));
  }
}

/**
 * A set of greenlets, tracked until they die, that can be joined, killed and mapped over an
 * input together, with no limit on how many run at once. Use it to keep hold of the greenlets
 * you start so you can wait for or stop them all; use `Pool` to bound concurrency.
 * Mirrors `gevent.pool.Group`.
 * @example
 * const group = new Group();
 * group.spawn(worker, 1);
 * group.spawn(worker, 2);
 * yield* group.join();
 */
export class Group extends BaseGroup {
  /** @internal */ readonly kind = 'Group';

  /** A group tracking `greenlets` (none by default). */
  constructor(greenlets?: Iterable<Greenlet<unknown>>) {
    super('Group');
    if (greenlets !== undefined) {
      checkIterable('Group', greenlets);
      for (const g of greenlets) this.add(g);
    }
  }

  /**
   * Creates a greenlet for `fn(...args)`, adds it and schedules it, like the global `spawn`;
   * never blocks.
   * @example
   * const g = group.spawn(function* (n: number) { yield* sleep(10); return n; }, 1);
   */
  spawn<T, A extends unknown[]>(fn: GreenletBody<T, A>, ...args: A): Greenlet<T> {
    const g = new Greenlet<T>(fn as GreenletBody<T, unknown[]>, ...args);
    this.track(g);
    g.start();
    return g;
  }

  /**
   * Starts tracking `g` (started or not) until it dies.
   * @example
   * group.add(spawn(worker));
   */
  add<T>(g: Greenlet<T>): void {
    checkGreenlet('Group.add()', g);
    const member = g as Greenlet<unknown>;
    if (!this.members.has(member)) this.track(member);
  }

  /** @internal */ trySlot(): boolean {
    return true;
  }

  /** @internal */ releaseSlot(): void {}

  /** @internal */ defaultWindow(): number {
    return Infinity;
  }
}

function checkGreenlet(what: string, g: unknown): void {
  if (!(g instanceof Greenlet)) throw new TypeError(`${what} needs a Greenlet, got ${describeValue(g)}`);
}

/**
 * A group that runs at most `capacity` greenlets at once: `spawn` waits for a free slot, and
 * `map`, `imap` and `imapUnordered` never run more than `capacity` items at a time. Use it to
 * bound concurrency (connections, requests in flight). Spawners are served first come, first
 * served; one killed or timed out while waiting takes no slot. Killing the pool kills its
 * members; spawners and `waitAvailable` callers blocked on it then go on as those greenlets die
 * and free their slots, as in gevent. Mirrors `gevent.pool.Pool`.
 * @example
 * const pool = new Pool(10);
 * const pages = yield* pool.map(fetchPage, urls); // at most 10 requests at a time
 */
export class Pool extends BaseGroup {
  /** @internal */ readonly kind = 'Pool';
  /** The greatest number of members running at once. */
  readonly capacity: number;
  private taken = 0;
  private readonly availabilityWaiters = new WaitList<undefined>('Pool.waitAvailable()');

  /** A pool of at most `capacity` (a positive integer) running greenlets. */
  constructor(capacity: number) {
    super('Pool');
    if (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Pool capacity must be a positive integer, got ${describeValue(capacity)}`);
    }
    this.capacity = capacity;
  }

  /**
   * Waits for a free slot, then creates a member greenlet for `fn(...args)`, schedules it and
   * returns it. `fn` is checked at once (a `TypeError` for a non-function).
   * @example
   * const g = yield* pool.spawn(fetchPage, url); // waits while `capacity` are running
   */
  spawn<T, A extends unknown[]>(fn: GreenletBody<T, A>, ...args: A): Operation<Greenlet<T>> {
    checkBody('Pool.spawn()', fn);
    return new PoolSpawnOperation<T>(this, fn as Body, args);
  }

  /**
   * Waits for a free slot, then tracks `g` until it dies; throws `Full` when `block` is false
   * and the pool is full, or when `timeout` passes. Add a greenlet that is not started yet:
   * a started one may run while it waits for its slot.
   * @example
   * const g = new Greenlet(worker);
   * yield* pool.add(g);
   * g.start();
   */
  add<T>(g: Greenlet<T>, options: PoolAddOptions = {}): Operation<void> {
    checkGreenlet('Pool.add()', g);
    const timeout = checkDuration('Pool.add() timeout', options.timeout);
    return new PoolAddOperation(this, g, options.block !== false, timeout);
  }

  /** How many more greenlets could be spawned now without waiting. Mirrors `free_count`. */
  freeCount(): number {
    return this.capacity - this.taken;
  }

  /** Whether `spawn` would wait now. */
  override full(): boolean {
    return this.taken >= this.capacity;
  }

  /**
   * Waits until a slot is free (not promised to a waiting spawner), or `timeout` ms pass, and
   * returns the number of free slots then (0 after a timeout). Mirrors `wait_available`.
   * @example
   * if ((yield* pool.waitAvailable(100)) > 0) yield* pool.spawn(job);
   */
  waitAvailable(timeout?: number): Operation<number> {
    return new WaitAvailableOperation(this, checkDuration('Pool.waitAvailable() timeout', timeout));
  }

  override toString(): string {
    return `<Pool ${this.taken}/${this.capacity}>`;
  }

  /** @internal */ trySlot(): boolean {
    // Waiting spawners were there first; a free slot with waiters cannot happen, since a freed
    // slot goes straight to the first of them.
    if (this.taken >= this.capacity || this.slotWaiters.size > 0) return false;
    this.taken++;
    return true;
  }

  /** @internal Like `waitSlot`, but gives up after `timeout`; returns whether it got one. */
  *waitSlotFor(timeout: number | undefined): Steps<boolean> {
    const w = this.slotWaiters.enqueue(runningGreenlet('Pool.add()'), undefined);
    return (yield* parkFor<undefined>(w, timeout)) !== TIMED_OUT;
  }

  /** @internal */ releaseSlot(): void {
    // The slot is handed over, not freed: a waiter killed before it runs still owns it, and
    // spends it (or gives it back) at once, so no slot is ever lost or doubled.
    for (let w = this.slotWaiters.shift(); w !== null; w = this.slotWaiters.shift()) {
      if (handOff(w, undefined)) return;
    }
    this.taken--;
    if (this.availabilityWaiters.size > 0) this.availabilityWaiters.wakeAll(undefined);
  }

  /** @internal */ defaultWindow(): number {
    return 2 * this.capacity;
  }

  /** @internal */
  *waitAvailableSteps(timeout: number | undefined): Steps<number> {
    if (this.freeCount() > 0) return this.freeCount();
    const clock = getHub().clock;
    const deadline = timeout === undefined ? Infinity : clock.now() + timeout;
    // A woken waiter may find the freed slot already taken by a greenlet that ran first: it
    // waits again, within the same deadline, as gevent's notifier would not have woken it.
    do {
      const w = this.availabilityWaiters.enqueue(runningGreenlet('Pool.waitAvailable()'), undefined);
      const left = deadline === Infinity ? undefined : Math.max(0, deadline - clock.now());
      if ((yield* parkFor<undefined>(w, left)) === TIMED_OUT) break;
    } while (this.freeCount() <= 0);
    return this.freeCount();
  }
}

class PoolSpawnOperation<T> extends Operation<Greenlet<T>> {
  constructor(
    private readonly pool: Pool,
    private readonly fn: Body,
    private readonly args: unknown[],
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<Greenlet<T>> {
    const pool = this.pool;
    if (!pool.trySlot()) yield* pool.waitSlot();
    // Holding the slot now; nothing below yields, so a kill that raced the hand-off lands at the
    // caller's next `yield*`, after the slot was spent on this greenlet.
    const g = new Greenlet<T>(this.fn as GreenletBody<T, unknown[]>, ...this.args);
    pool.track(g);
    g.start();
    return g;
  }
}

class PoolAddOperation extends Operation<void> {
  constructor(
    private readonly pool: Pool,
    private readonly g: Greenlet,
    private readonly block: boolean,
    private readonly timeout: number | undefined,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<void> {
    const { pool, g } = this;
    if (pool.members.has(g)) return;
    if (!pool.trySlot()) {
      if (!this.block) throw new Full(`Pool.add(): the pool is full (${pool.capacity} running)`);
      if (!(yield* pool.waitSlotFor(this.timeout))) {
        throw new Full(`Pool.add(): no slot became free within ${this.timeout} ms`);
      }
    }
    if (pool.members.has(g) || g.dead) {
      // Added by someone else, or finished, while this one waited: nothing to track.
      pool.releaseSlot();
      return;
    }
    pool.track(g);
  }
}

class WaitAvailableOperation extends Operation<number> {
  constructor(
    private readonly pool: Pool,
    private readonly timeout: number | undefined,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<number> {
    return yield* this.pool.waitAvailableSteps(this.timeout);
  }
}

class GroupJoinOperation extends Operation<boolean> {
  constructor(
    private readonly group: BaseGroup,
    private readonly timeout: number | undefined,
    private readonly raiseError: boolean,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<boolean> {
    const group = this.group;
    const watched = this.raiseError ? [...group.members] : [];
    let firstFailed: Greenlet | null = null;
    const onFailure = (g: Greenlet): void => {
      firstFailed ??= g;
    };
    for (const g of watched) g.linkException(onFailure);
    let emptied = true;
    try {
      if (group.members.size > 0) {
        const w = group.emptyWaiters.enqueue(runningGreenlet(`${group.kind}.join()`), undefined);
        emptied = (yield* parkFor<true>(w, this.timeout)) !== TIMED_OUT;
      }
    } finally {
      for (const g of watched) g.unlink(onFailure);
    }
    // A member that died just now may not have run its links yet: fall back to the order in
    // which the members joined.
    const failed = firstFailed ?? watched.find((g) => g.dead && !g.successful());
    if (failed !== undefined) throw failed.exception;
    return emptied;
  }
}

class KillOperation extends Operation<void> {
  constructor(
    private readonly victims: Greenlet[],
    private readonly timeout: number | undefined,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<void> {
    const alive = this.victims.filter((g) => !g.dead);
    if (alive.length > 0) yield* joinAll(alive, { timeout: this.timeout });
  }
}
