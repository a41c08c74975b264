/**
 * Queues for passing items between greenlets: FIFO (`Queue`, `SimpleQueue`), LIFO, priority and
 * the unbuffered `Channel`. Mirrors `gevent.queue` (and Python 3.13's `queue.Queue.shutdown`).
 *
 * Never lost, never doubled: a blocked getter is only a node in a wait list until a putter hands
 * it an item (`handOff`), so a get that times out or is killed consumes nothing, and an item
 * handed over reaches the getter even when a kill arrives right after. Putters likewise: a
 * waiting putter's item enters the buffer only at the moment a getter frees a slot for it.
 */
import { handOff, wake } from './hub.js';
import { Empty, Full, ShutDown, checkDuration, describeValue } from './errors.js';
import { Operation, Stream, type Steps } from './operation.js';
import { TIMED_OUT, WaitList, parkFor, runningGreenlet } from './waiter.js';
import { FifoStore, HeapStore, LifoStore, naturalOrder, type ItemStore } from './queue-store.js';

/** Options of the blocking queue calls (`put`, `get`, `peek`). */
export interface QueueOptions {
  /** Wait for room or an item (default), or throw `Full`/`Empty` at once. */
  block?: boolean;
  /** How long (ms) to wait at most before throwing `Full`/`Empty`. Default: no limit. */
  timeout?: number;
}

/** What a parked getter wants: to take the item, or only to look at it. */
const TAKE = 0;
const PEEK = 1;

function checkMaxsize(what: string, maxsize: unknown): number {
  if (maxsize === undefined || maxsize === null || maxsize === 0 || maxsize === Infinity) return Infinity;
  if (typeof maxsize !== 'number') {
    throw new TypeError(`${what} maxsize must be a number (or left out for unbounded), got ${describeValue(maxsize)}`);
  }
  if (!Number.isInteger(maxsize) || maxsize < 0) {
    throw new RangeError(
      `${what} maxsize must be a non-negative integer (0 or left out for unbounded), got ${describeValue(maxsize)}`,
    );
  }
  return maxsize;
}

/**
 * A FIFO queue without task counting: `put` waits while it is full (when given a `maxsize`),
 * `get` waits while it is empty, and blocked callers are served in arrival order. Use it to
 * pass items between greenlets when nobody needs `join()`; otherwise use `Queue`.
 * Mirrors `gevent.queue.SimpleQueue` (bounded when given a `maxsize`, as in gevent).
 * @example
 * const q = new SimpleQueue<string>();
 * spawn(function* () { yield* q.put('hello'); });
 * console.log(await q.get()); // 'hello'
 */
export class SimpleQueue<T> implements AsyncIterable<T> {
  /** @internal Buffered items, in the order `get` takes them. */
  store: ItemStore<T> = new FifoStore<T>();
  /** @internal Infinity when unbounded; 0 for a Channel (no buffer). */
  capacity: number;
  /** @internal Parked `get`s and `peek`s, in arrival order; `data` says which. */
  readonly getters: WaitList<number>;
  /** @internal Parked `put`s, in arrival order; `data` is the item each one brings. */
  readonly putters: WaitList<T>;
  /** @internal */ isShutDown = false;
  /** @internal Items put and not yet marked done (see `Queue.taskDone`). */
  unfinished = 0;
  /** @internal The class name, for messages. */
  readonly kind: string;
  private plainGet: Operation<T> | null = null;

  /**
   * @param maxsize The most items the queue holds; left out (or 0) for unbounded.
   */
  constructor(maxsize?: number) {
    this.kind = new.target.name;
    this.capacity = checkMaxsize(this.kind, maxsize);
    this.getters = new WaitList<number>(`${this.kind}.get()`);
    this.putters = new WaitList<T>(`${this.kind}.put()`);
  }

  /** The most items the queue holds: `Infinity` when unbounded, 0 for a `Channel`. */
  get maxsize(): number {
    return this.capacity;
  }

  /** How many items are buffered now. */
  qsize(): number {
    return this.store.length;
  }

  /** True when no item is buffered. */
  empty(): boolean {
    return this.store.length === 0;
  }

  /** True when a `put` would have to wait for room. */
  full(): boolean {
    return this.store.length >= this.capacity;
  }

  /**
   * Puts `item` in the queue, waiting for room while it is full. Throws `Full` when `block` is
   * false and there is no room, or when `timeout` ms pass; `ShutDown` after `shutdown()`. A put
   * that fails, times out or is killed inserts nothing.
   * @example
   * yield* q.put(job, { timeout: 100 });
   */
  put(item: T, options?: QueueOptions): Operation<void> {
    if (options === undefined) return new PutOperation(this, item, true, undefined);
    const timeout = checkDuration(`${this.kind}.put() timeout`, options.timeout);
    return new PutOperation(this, item, options.block !== false, timeout);
  }

  /**
   * Puts `item` at once, or throws `Full` when there is no room (`ShutDown` after `shutdown()`).
   * Mirrors `put_nowait`.
   * @example
   * q.putNowait(1);
   */
  putNowait(item: T): void {
    if (!this.offer(item)) throw this.fullError();
  }

  /**
   * Removes and returns the next item, waiting while the queue is empty. Throws `Empty` when
   * `block` is false and nothing is there, or when `timeout` ms pass; `ShutDown` once a shut-down
   * queue is drained. A get that times out or is killed consumes nothing.
   * @example
   * const job = yield* q.get({ timeout: 1000 });
   */
  get(options?: QueueOptions): Operation<T> {
    if (options === undefined) return (this.plainGet ??= new GetOperation(this, TAKE, true, undefined));
    const timeout = checkDuration(`${this.kind}.get() timeout`, options.timeout);
    return new GetOperation(this, TAKE, options.block !== false, timeout);
  }

  /**
   * Removes and returns the next item at once, or throws `Empty` (`ShutDown` once a shut-down
   * queue is drained). Mirrors `get_nowait`.
   * @example
   * const item = q.getNowait();
   */
  getNowait(): T {
    if (this.store.length > 0) return this.takeBuffered();
    if (this.putters.size > 0) return this.takeFromPutter();
    if (this.isShutDown) throw this.shutDownError();
    throw this.emptyError();
  }

  /**
   * Returns the next item without removing it, waiting like `get` while the queue is empty.
   * @example
   * const next = yield* q.peek({ timeout: 50 });
   */
  peek(options?: QueueOptions): Operation<T> {
    if (options === undefined) return new GetOperation(this, PEEK, true, undefined);
    const timeout = checkDuration(`${this.kind}.peek() timeout`, options.timeout);
    return new GetOperation(this, PEEK, options.block !== false, timeout);
  }

  /**
   * Returns the next item without removing it, or throws `Empty` at once. Mirrors `peek_nowait`.
   * @example
   * if (!q.empty()) console.log(q.peekNowait());
   */
  peekNowait(): T {
    if (this.store.length > 0) return this.store.first();
    if (this.putters.size > 0) return this.putters.head!.data;
    if (this.isShutDown) throw this.shutDownError();
    throw this.emptyError();
  }

  /**
   * Shuts the queue down: later puts throw `ShutDown`, gets drain what is left and then throw
   * `ShutDown`, and every greenlet blocked in `put`, `get` or `peek` is woken with `ShutDown`.
   * With `immediate`, the buffered items are discarded too. Use it to tell consumers that no
   * more items will come (iteration ends there). As Python 3.13's `Queue.shutdown`.
   * @example
   * q.shutdown();
   * for await (const item of q) console.log(item); // the rest, then the loop ends
   */
  shutdown(immediate = false): void {
    this.isShutDown = true;
    if (immediate) {
      this.unfinished = Math.max(0, this.unfinished - this.store.length);
      this.store.clear();
    }
    this.getters.throwAll(() => this.shutDownError());
    this.putters.throwAll(() => this.shutDownError());
  }

  /**
   * The items as a Stream, ending when the queue is shut down and drained. Use it to consume a
   * queue inside a greenlet (outside one, `for await (const x of q)` does the same).
   * @example
   * const items = q.stream();
   * for (let r = yield* items.next(); !r.done; r = yield* items.next()) handle(r.value);
   */
  stream(): Stream<T> {
    return new QueueStream(this);
  }

  /**
   * Iterates the items from plain async code, ending when the queue is shut down and drained;
   * leaving the loop early (`break`) leaves the queue and its items alone.
   * @example
   * for await (const job of jobs) await handle(job);
   */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return this.stream()[Symbol.asyncIterator]();
  }

  /**
   * @internal Puts without waiting: to the first parked getter (peekers ahead of it see the item
   * too), else into the buffer if there is room. False when it would have to wait.
   */
  offer(item: T): boolean {
    if (this.isShutDown) throw this.shutDownError();
    const getters = this.getters;
    // Parked getters mean an empty buffer, so the first one is owed this item.
    for (let w = getters.shift(); w !== null; w = getters.shift()) {
      if (w.data === PEEK) {
        wake(w, item);
      } else if (handOff(w, item)) {
        this.unfinished++;
        return true;
      }
    }
    if (this.store.length < this.capacity) {
      this.store.push(item);
      this.unfinished++;
      return true;
    }
    return false;
  }

  /** @internal Takes a buffered item and lets the first parked putter (if any) refill the slot. */
  takeBuffered(): T {
    const item = this.store.take();
    const putters = this.putters;
    while (putters.size > 0 && this.store.length < this.capacity) {
      const w = putters.shift()!;
      // The slot goes to the putter that has waited longest, before anyone else can take it.
      if (handOff(w, undefined)) {
        this.store.push(w.data);
        this.unfinished++;
      }
    }
    return item;
  }

  /** @internal With no buffer (a Channel), takes the item straight from the first parked putter. */
  takeFromPutter(): T {
    const w = this.putters.shift()!;
    handOff(w, undefined);
    this.unfinished++;
    return w.data;
  }

  /** @internal */
  fullError(): Full {
    if (this.capacity === 0) return new Full(`${this.kind}.put() would wait: no getter is waiting`);
    return new Full(`${this.kind} is full (maxsize ${this.capacity})`);
  }

  /** @internal */
  emptyError(): Empty {
    if (this.capacity === 0) return new Empty(`${this.kind}.get() would wait: no putter is waiting`);
    return new Empty(`${this.kind} is empty`);
  }

  /** @internal */
  shutDownError(): ShutDown {
    return new ShutDown(`${this.kind} was shut down`);
  }
}

class PutOperation<T> extends Operation<void> {
  constructor(
    private readonly queue: SimpleQueue<T>,
    private readonly item: T,
    private readonly block: boolean,
    private readonly timeout: number | undefined,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<void> {
    const q = this.queue;
    if (q.offer(this.item)) return;
    if (!this.block) throw q.fullError();
    const w = q.putters.enqueue(runningGreenlet(`${q.kind}.put()`), this.item);
    // The item stays with the waiter until a getter makes room: a putter unhooked by a kill or
    // timeout takes it away again, so nothing half-inserted is left behind.
    const r = yield* parkFor<undefined>(w, this.timeout);
    if (r === TIMED_OUT) {
      throw new Full(`${q.kind}.put() timed out after ${this.timeout} ms: the queue stayed full (maxsize ${q.capacity})`);
    }
  }
}

class GetOperation<T> extends Operation<T> {
  constructor(
    private readonly queue: SimpleQueue<T>,
    private readonly want: number,
    private readonly block: boolean,
    private readonly timeout: number | undefined,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<T> {
    const q = this.queue;
    const want = this.want;
    if (q.store.length > 0) return want === TAKE ? q.takeBuffered() : q.store.first();
    if (q.putters.size > 0) return want === TAKE ? q.takeFromPutter() : q.putters.head!.data;
    if (q.isShutDown) throw q.shutDownError();
    const what = want === TAKE ? 'get' : 'peek';
    if (!this.block) throw q.emptyError();
    const w = q.getters.enqueue(runningGreenlet(`${q.kind}.${what}()`), want);
    // Until a putter hands an item over, this getter is only a node in a list: a timeout or kill
    // unhooks it and no item is consumed.
    const r = yield* parkFor<T>(w, this.timeout);
    if (r === TIMED_OUT) {
      throw new Empty(`${q.kind}.${what}() timed out after ${this.timeout} ms: the queue stayed empty`);
    }
    return r;
  }
}

const END: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

class QueueStream<T> extends Stream<T> {
  /** @internal */ closed = false;
  private readonly nextItem: Operation<IteratorResult<T, undefined>>;

  constructor(readonly queue: SimpleQueue<T>) {
    super();
    this.nextItem = new StreamNextOperation(this);
  }

  next(): Operation<IteratorResult<T, undefined>> {
    return this.nextItem;
  }

  override close(): void {
    this.closed = true;
  }
}

class StreamNextOperation<T> extends Operation<IteratorResult<T, undefined>> {
  constructor(private readonly stream: QueueStream<T>) {
    super();
  }

  *[Symbol.iterator](): Steps<IteratorResult<T, undefined>> {
    const stream = this.stream;
    if (stream.closed) return END;
    try {
      return { done: false, value: yield* stream.queue.get() };
    } catch (error) {
      if (error instanceof ShutDown && stream.queue.isShutDown) {
        stream.closed = true;
        return END;
      }
      throw error;
    }
  }
}

class JoinQueueOperation extends Operation<boolean> {
  constructor(
    private readonly queue: Queue<unknown>,
    private readonly timeout: number | undefined,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<boolean> {
    const q = this.queue;
    if (q.unfinished === 0) return true;
    const w = q.joiners.enqueue(runningGreenlet(`${q.kind}.join()`), undefined);
    return (yield* parkFor<boolean>(w, this.timeout)) !== TIMED_OUT;
  }
}

/**
 * A FIFO queue that also counts tasks, like Python's `queue.Queue`: every put adds an unfinished
 * task, `taskDone()` finishes one, and `join()` waits until none is left. Use it for work
 * queues whose producer must know when every job was processed.
 * Mirrors `gevent.queue.Queue` (>= 25.4) and `JoinableQueue`.
 * @example
 * const jobs = new Queue<number>(10);
 * spawn(function* () {
 *   for (;;) { const n = yield* jobs.get(); console.log(n); jobs.taskDone(); }
 * });
 * for (let i = 0; i < 3; i++) yield* jobs.put(i);
 * yield* jobs.join(); // all three were processed
 */
export class Queue<T> extends SimpleQueue<T> {
  /** @internal Greenlets parked in `join()`. */
  readonly joiners: WaitList<undefined>;

  /**
   * @param maxsize The most items the queue holds; left out (or 0) for unbounded.
   */
  constructor(maxsize?: number) {
    super(maxsize);
    this.joiners = new WaitList<undefined>(`${this.kind}.join()`);
  }

  /** How many items were put and not yet marked done with `taskDone()`. */
  get unfinishedTasks(): number {
    return this.unfinished;
  }

  /**
   * Marks one item as processed; when none is left unfinished, `join()` callers wake up. Call it
   * once per item taken, after handling it. Throws when called more often than items were put.
   * Mirrors `task_done`.
   * @example
   * const item = yield* q.get();
   * try { handle(item); } finally { q.taskDone(); }
   */
  taskDone(): void {
    if (this.unfinished <= 0) {
      throw new Error(
        `${this.kind}.taskDone() was called more times than items were put: no unfinished task is left`,
      );
    }
    if (--this.unfinished === 0) this.joiners.wakeAll(true);
  }

  /**
   * Waits until every item put has been marked done with `taskDone()`: true then, false when
   * `timeout` ms pass first.
   * @example
   * const finished = yield* q.join(5000);
   */
  join(timeout?: number): Operation<boolean> {
    return new JoinQueueOperation(this, checkDuration(`${this.kind}.join() timeout`, timeout));
  }

  /**
   * As `SimpleQueue.shutdown`; with `immediate`, the discarded items count as done, so `join()`
   * callers may wake up.
   */
  override shutdown(immediate = false): void {
    super.shutdown(immediate);
    if (this.unfinished === 0) this.joiners.wakeAll(true);
  }
}

/**
 * `Queue` under gevent's older name: the same class, with `taskDone()` and `join()`.
 * @example
 * const q = new JoinableQueue<string>();
 */
export const JoinableQueue = Queue;
/** `Queue` under gevent's older name. */
export type JoinableQueue<T> = Queue<T>;

/**
 * A last-in, first-out queue (a stack), with task counting like `Queue`. Use it when the newest
 * item should be handled first. Mirrors `gevent.queue.LifoQueue`.
 * @example
 * const stack = new LifoQueue<number>();
 * stack.putNowait(1); stack.putNowait(2);
 * console.log(stack.getNowait()); // 2
 */
export class LifoQueue<T> extends Queue<T> {
  /**
   * @param maxsize The most items the queue holds; left out (or 0) for unbounded.
   */
  constructor(maxsize?: number) {
    super(maxsize);
    this.store = new LifoStore<T>();
  }
}

/**
 * A queue that gives the smallest item first, with task counting like `Queue`. Items compare
 * like Python values: numbers and strings naturally, arrays element-wise like tuples, so
 * `[priority, data]` entries work; or pass a `comparator` (negative when `a` comes first).
 * Items that compare equal come out in insertion order (data objects that have no order count
 * as equal, so `[priority, {...}]` entries of one priority stay first in, first out). Use it for
 * schedulers and anything served by urgency. Mirrors `gevent.queue.PriorityQueue`; a binary heap.
 * @example
 * const q = new PriorityQueue<[number, string]>();
 * q.putNowait([10, 'data1']); q.putNowait([12, 'data2']); q.putNowait([8, 'data3']);
 * console.log(q.getNowait()); // [8, 'data3']
 */
export class PriorityQueue<T> extends Queue<T> {
  /**
   * @param maxsize The most items the queue holds; left out (or 0) for unbounded.
   * @param comparator Orders two items: negative when `a` comes first, positive when `b` does.
   */
  constructor(maxsize?: number, comparator?: (a: T, b: T) => number) {
    super(maxsize);
    if (comparator !== undefined && typeof comparator !== 'function') {
      throw new TypeError(`${this.kind} comparator must be a function (a, b) => number, got ${describeValue(comparator)}`);
    }
    this.store = new HeapStore<T>(comparator ?? naturalOrder);
  }
}

/**
 * A queue with no buffer: `put` waits until a getter takes the item, and `get` waits for a
 * putter (a rendezvous). `put` with `block: false` throws `Full` unless a getter is waiting.
 * Use it to hand work over only when someone is ready for it. Mirrors `gevent.queue.Channel`.
 * @example
 * const ch = new Channel<string>();
 * spawn(function* () { yield* ch.put('ping'); console.log('taken'); });
 * console.log(await ch.get()); // 'ping'
 */
export class Channel<T> extends SimpleQueue<T> {
  constructor() {
    super();
    this.capacity = 0;
  }

  /** Parked putters minus parked getters (and peekers): positive when items wait for takers. */
  get balance(): number {
    return this.putters.size - this.getters.size;
  }
}
