/**
 * Waiting on many things at once: `joinAll`, `killAll`, `wait` and `iwait`, over anything
 * waitable (Greenlet, Event, AsyncResult). Mirrors `gevent.joinall`, `gevent.killall`,
 * `gevent.wait` and `gevent.iwait`.
 */
import { getHub, wake, wakeFromLink, wakeThrowFromLink } from './hub.js';
import { checkDuration, describeValue } from './errors.js';
import { Operation, Stream, type Steps } from './operation.js';
import { Waiter, parkFor, runningGreenlet, TIMED_OUT } from './waiter.js';
import { Greenlet, toException, type KillOptions } from './greenlet.js';
import { Timeout } from './timeout.js';
import type { TimerEntry } from './clock.js';

/**
 * Something that becomes ready once and can be waited on: a Greenlet, an Event, an AsyncResult.
 * `rawlink(cb)` calls `cb(this)` from the hub once it is ready (soon, if it already is).
 */
export interface Waitable {
  ready(): boolean;
  rawlink(cb: (source: this) => void): void;
  unlink(cb: (source: this) => void): void;
}

/** Options of `wait`, `iwait` and `joinAll`. */
export interface WaitOptions {
  /** How long (ms) to wait at most. Default: no limit. */
  timeout?: number;
  /** Stop once this many are ready. Default: all of them. */
  count?: number;
}

/** Options of `joinAll`. */
export interface JoinAllOptions extends WaitOptions {
  /** Throw the first error of a greenlet as soon as it happens. Default false. */
  raiseError?: boolean;
}

function toList<W>(what: string, objects: Iterable<W>): W[] {
  if (objects === null || typeof (objects as { [Symbol.iterator]?: unknown })?.[Symbol.iterator] !== 'function') {
    throw new TypeError(`${what} needs an iterable of waitables, got ${describeValue(objects)}`);
  }
  const list = [...objects];
  for (const item of list) {
    if (item === null || typeof (item as { rawlink?: unknown }).rawlink !== 'function') {
      throw new TypeError(`${what} can only wait on Greenlets, Events and AsyncResults, got ${describeValue(item)}`);
    }
  }
  return list;
}

function checkCount(what: string, count: unknown): number | undefined {
  if (count === undefined) return undefined;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    throw new RangeError(`${what} count must be a non-negative integer, got ${describeValue(count)}`);
  }
  return count;
}

class GatherWaiter extends Waiter {
  unhook(): void {}
  describe(): string {
    return 'wait() on several objects';
  }
}

class GatherOperation<W extends Waitable> extends Operation<W[]> {
  constructor(
    private readonly objects: W[],
    private readonly timeout: number | undefined,
    private readonly count: number,
    private readonly raiseError: boolean,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<W[]> {
    const { objects, count, raiseError } = this;
    const done: W[] = [];
    if (count === 0) return done;
    const w = new GatherWaiter(runningGreenlet('wait()'));
    const onReady = (source: W): void => {
      done.push(source);
      if (raiseError && source instanceof Greenlet && !source.successful()) {
        wakeThrowFromLink(w, source.exception);
      } else if (done.length >= count) {
        wakeFromLink(w, undefined);
      }
    };
    for (const o of objects) o.rawlink(onReady);
    try {
      yield* parkFor(w, this.timeout);
    } finally {
      for (const o of objects) o.unlink(onReady);
    }
    return done.length > count ? done.slice(0, count) : done;
  }
}

/**
 * Waits until `count` (default: all) of `objects` are ready, or `timeout` passes, and returns
 * the ready ones in the order they became ready.
 * @example
 * const [first] = yield* wait([a, b, c], { count: 1 });
 */
export function wait<W extends Waitable>(objects: Iterable<W>, options: WaitOptions = {}): Operation<W[]> {
  const list = toList('wait()', objects);
  const timeout = checkDuration('wait() timeout', options.timeout);
  const count = checkCount('wait()', options.count) ?? list.length;
  return new GatherOperation(list, timeout, Math.min(count, list.length), false);
}

/**
 * Waits for greenlets to finish and returns the finished ones (in the order they finished).
 * With `raiseError`, the first error is thrown as soon as it happens.
 * @example
 * yield* joinAll([spawn(eat), spawn(play)]);
 */
export function joinAll<G extends Greenlet<unknown>>(greenlets: Iterable<G>, options: JoinAllOptions = {}): Operation<G[]> {
  const list = toList('joinAll()', greenlets);
  const timeout = checkDuration('joinAll() timeout', options.timeout);
  const count = checkCount('joinAll()', options.count) ?? list.length;
  const gather = new GatherOperation<Waitable>(list, timeout, Math.min(count, list.length), options.raiseError === true);
  // It hands back the very objects it was given.
  return gather as Operation<Waitable[]> as Operation<G[]>;
}

class KillAllOperation extends Operation<void> {
  constructor(
    private readonly greenlets: Greenlet<unknown>[],
    private readonly timeout: number | undefined,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<void> {
    const alive = this.greenlets.filter((g) => !g.dead);
    if (alive.length === 0) return;
    const finished = yield* new GatherOperation(alive, this.timeout, alive.length, false);
    if (finished.length < alive.length) {
      throw new Timeout(this.timeout, undefined, `killAll(): ${alive.length - finished.length} greenlet(s) still alive after ${this.timeout} ms`);
    }
  }
}

/**
 * Kills every greenlet of `greenlets`, at once (like `kill`); running the Operation waits for
 * them all to die, and throws `Timeout` if `timeout` passes with some still alive.
 * @example
 * killAll(workers);                        // fire and forget
 * yield* killAll(workers, { timeout: 500 }); // and wait
 */
export function killAll(greenlets: Iterable<Greenlet<unknown>>, options: KillOptions = {}): Operation<void> {
  const list = toList<Greenlet<unknown>>('killAll()', greenlets);
  const timeout = checkDuration('killAll() timeout', options.timeout);
  const exception = options.exception;
  toException('killAll()', exception);
  for (const g of list) g.throwIn(toException('killAll()', exception));
  if (options.block === false) return new KillAllOperation([], undefined);
  return new KillAllOperation(list, timeout);
}

class StreamWaiter extends Waiter {
  constructor(
    greenlet: ConstructorParameters<typeof Waiter>[0],
    private readonly stream: IwaitStream<Waitable>,
  ) {
    super(greenlet);
  }
  unhook(): void {
    this.stream.reader = null;
  }
  describe(): string {
    return 'iwait()';
  }
}

class StreamDeadline implements TimerEntry {
  deadline = 0;
  seq = 0;
  heapIndex = -1;
  constructor(private readonly stream: IwaitStream<Waitable>) {}
  fire(): void {
    this.stream.expire();
  }
}

class IwaitStream<W extends Waitable> extends Stream<W> {
  /** @internal */ reader: StreamWaiter | null = null;
  private readonly arrived: W[] = [];
  private given = 0;
  private begun = false;
  private finished = false;
  private deadline: StreamDeadline | null = null;
  private readonly onReady = (source: W): void => {
    this.arrived.push(source);
    const reader = this.reader;
    if (reader !== null) {
      this.reader = null;
      wakeFromLink(reader, undefined);
    }
  };

  constructor(
    private readonly objects: W[],
    private readonly timeout: number | undefined,
    private readonly count: number,
  ) {
    super();
  }

  next(): Operation<IteratorResult<W, undefined>> {
    const stream = this;
    return new (class extends Operation<IteratorResult<W, undefined>> {
      *[Symbol.iterator](): Steps<IteratorResult<W, undefined>> {
        return yield* stream.take();
      }
    })();
  }

  override close(): void {
    if (this.finished) return;
    this.finished = true;
    for (const o of this.objects) o.unlink(this.onReady);
    if (this.deadline !== null) getHub().clock.remove(this.deadline);
    const reader = this.reader;
    this.reader = null;
    if (reader !== null) wake(reader, undefined);
  }

  /** @internal */
  expire(): void {
    this.close();
  }

  private *take(): Steps<IteratorResult<W, undefined>> {
    if (!this.begun) {
      this.begun = true;
      for (const o of this.objects) o.rawlink(this.onReady);
      if (this.timeout !== undefined && this.timeout !== Infinity) {
        this.deadline = new StreamDeadline(this as unknown as IwaitStream<Waitable>);
        getHub().clock.add(this.deadline, this.timeout);
      }
    }
    for (;;) {
      if (this.given >= this.count) {
        this.close();
        return { done: true, value: undefined };
      }
      if (this.arrived.length > 0) {
        this.given++;
        return { done: false, value: this.arrived.shift()! };
      }
      if (this.finished) return { done: true, value: undefined };
      if (this.reader !== null) throw new Error('iwait(): another greenlet is already reading this stream');
      const w = new StreamWaiter(runningGreenlet('iwait().next()'), this as unknown as IwaitStream<Waitable>);
      this.reader = w;
      const r: unknown = yield* parkFor(w, undefined);
      if (r === TIMED_OUT) return { done: true, value: undefined };
    }
  }
}

/**
 * Yields each object as it becomes ready, up to `count`; a `timeout` ends the stream without an
 * error.
 * @example
 * const stream = iwait(greenlets);
 * for (let r = yield* stream.next(); !r.done; r = yield* stream.next()) console.log(r.value.value);
 * // or, outside a greenlet:
 * for await (const g of iwait(greenlets)) console.log(g.value);
 */
export function iwait<W extends Waitable>(objects: Iterable<W>, options: WaitOptions = {}): Stream<W> {
  const list = toList('iwait()', objects);
  const timeout = checkDuration('iwait() timeout', options.timeout);
  const count = checkCount('iwait()', options.count) ?? list.length;
  return new IwaitStream(list, timeout, Math.min(count, list.length));
}
