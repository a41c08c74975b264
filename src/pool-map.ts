/**
 * The runs of the map family on a group: one `map`, `imap` or `imapUnordered` over one input,
 * its feeder reading the input as slots free up, its tasks, and the Stream `imap` returns.
 */
import { wake } from './hub.js';
import { GreenletExit } from './errors.js';
import { Operation, Stream, type Steps } from './operation.js';
import { WaitList, parkFor, runningGreenlet } from './waiter.js';
import { Greenlet } from './greenlet.js';
import { sleep } from './sleep.js';
import { Deque } from './deque.js';
import type { BaseGroup, Body } from './pool.js';

// A feeder that never has to wait (a Group, or a Pool with room) still lets the others run this
// often, so a huge or endless input cannot hold the hub.
const SPAWNS_PER_YIELD = 1024;

/** @internal Which order a map run yields its results in. */
export const enum RunMode {
  /** `map`: every value goes into one list. */
  Collect,
  /** `imap`: values handed out in input order. */
  Ordered,
  /** `imapUnordered`: values handed out in completion order. */
  Unordered,
}

/** A member greenlet running one item of a map; it knows its place in the input. */
class MapTask extends Greenlet {
  index = 0;
  /** The run's list of unfinished tasks (intrusive, so adding and removing allocate nothing). */
  prevLive: MapTask | null = null;
  nextLive: MapTask | null = null;
}

/** The input's own error, handed out at its place like a failed item. */
class InputFailure {
  constructor(readonly error: unknown) {}
}

const NO_INPUT_ERROR: unique symbol = Symbol('greenlets.noInputError');

/**
 * One `map`, `imap` or `imapUnordered` over one input: a feeder reads the input only when it
 * can start the item (a free slot, and room in the window of items read and not yet taken),
 * and the tasks' links collect what they produce.
 */
export class MapRun {
  read = 0;
  private taken = 0;
  inFlight = 0;
  exhausted = false;
  closed = false;
  inputError: unknown = NO_INPUT_ERROR;
  feeder: Greenlet | null = null;
  /** Collect: the values, in input order, and the first failure in input order. */
  readonly values: unknown[] = [];
  failedIndex = Infinity;
  failedError: unknown = undefined;
  /** Ordered: the tasks read and not yet taken, in input order. */
  private readonly pending = new Deque<MapTask>();
  /** Unordered: what finished and was not yet taken, in completion order. */
  private readonly finished = new Deque<MapTask | InputFailure>();
  /** The unfinished tasks, in input order. */
  private liveHead: MapTask | null = null;
  private liveTail: MapTask | null = null;
  private readonly readers: WaitList<undefined>;
  private readonly feederWait: WaitList<undefined>;

  readonly onTaskDone = (g: Greenlet): void => {
    const task = g as MapTask;
    this.group.onMemberDeath(task);
    this.inFlight--;
    const prev = task.prevLive;
    const next = task.nextLive;
    if (prev === null) this.liveHead = next;
    else prev.nextLive = next;
    if (next === null) this.liveTail = prev;
    else next.prevLive = prev;
    task.prevLive = task.nextLive = null;
    if (this.closed) return;
    if (this.mode === RunMode.Collect) {
      if (task.successful()) {
        this.values[task.index] = task.value;
      } else if (task.index < this.failedIndex) {
        this.failedIndex = task.index;
        this.failedError = task.exception;
      }
      if (this.inFlight === 0 && this.exhausted) this.wakeFeeder();
      return;
    }
    if (this.mode === RunMode.Unordered) this.finished.push(task);
    this.passOn();
  };

  constructor(
    readonly group: BaseGroup,
    private readonly fn: Body,
    private readonly iterator: Iterator<unknown>,
    readonly mode: RunMode,
    private readonly window: number,
    readonly what: string,
  ) {
    this.readers = new WaitList(`${what} next()`);
    this.feederWait = new WaitList(`${what} input (waiting for the reader)`);
  }

  /** Reads the input and starts its items, in the running greenlet, until the input ends. */
  *feed(): Steps<void> {
    const { group, iterator, fn } = this;
    const feeder = runningGreenlet(this.what);
    let burst = 0;
    let handedOne = false;
    while (!this.closed) {
      if (this.read - this.taken >= this.window) {
        yield* parkFor(this.feederWait.enqueue(feeder, undefined), undefined);
        continue;
      }
      if (++burst >= SPAWNS_PER_YIELD) {
        burst = 0;
        yield* sleep(0);
        continue;
      }
      if (!group.trySlot()) {
        burst = 0;
        if (handedOne) {
          // Tasks tend to finish in batches, and the woken feeder runs before the links of the
          // rest of the batch free their slots: one turn lets them, so it can take them all at
          // once instead of parking once per item.
          handedOne = false;
          yield* sleep(0);
          continue;
        }
        // Parked directly (no generator per wait): this is the hot wait of a busy pool.
        yield group.slotWaiters.enqueue(feeder, undefined).park();
        handedOne = true;
        if (this.closed) {
          group.releaseSlot();
          return;
        }
      }
      // Holding a slot: read one item and start it, without yielding, so a kill that arrives
      // meanwhile lands at the next `yield*`, with the slot spent or given back.
      let step: IteratorResult<unknown>;
      try {
        step = iterator.next();
      } catch (error) {
        group.releaseSlot();
        this.endInput(error);
        return;
      }
      if (step.done === true) {
        group.releaseSlot();
        this.endInput(NO_INPUT_ERROR);
        return;
      }
      const task = new MapTask(fn, step.value);
      task.index = this.read++;
      task.reportsErrors = false; // the error goes to whoever takes the value
      this.inFlight++;
      const tail = this.liveTail;
      task.prevLive = tail;
      if (tail === null) this.liveHead = task;
      else tail.nextLive = task;
      this.liveTail = task;
      if (this.mode === RunMode.Collect) this.values.push(undefined);
      else if (this.mode === RunMode.Ordered) this.pending.push(task);
      // One link does both jobs (membership and collecting), so a task costs a single link.
      group.members.add(task);
      task.link(this.onTaskDone);
      task.start();
    }
  }

  /** The input ended (`error` is NO_INPUT_ERROR) or threw. */
  endInput(error: unknown): void {
    if (this.exhausted) return;
    this.exhausted = true;
    if (error !== NO_INPUT_ERROR) {
      if (this.mode === RunMode.Unordered) this.finished.push(new InputFailure(error));
      else this.inputError = error;
    }
    if (this.mode === RunMode.Collect) {
      if (this.inFlight === 0) this.wakeFeeder();
    } else if (this.outputReady()) {
      this.readers.wakeAll(undefined);
    }
  }

  /** Collect: waits (in the map's caller) until every started item has finished. */
  *awaitAll(): Steps<void> {
    while (this.inFlight > 0) {
      yield* parkFor(this.feederWait.enqueue(runningGreenlet(this.what), undefined), undefined);
    }
  }

  /** Whether a reader would not wait: a value, an error or the end is there to take. */
  outputReady(): boolean {
    if (this.closed) return true;
    if (this.mode === RunMode.Ordered) {
      const head = this.pending.peekFirst();
      return head === undefined ? this.exhausted : head.dead;
    }
    return this.finished.length > 0 || (this.exhausted && this.inFlight === 0);
  }

  /** Hands out the next value (or throws the next error), waiting for it; the end is `done`. */
  *take(): Steps<IteratorResult<never, undefined>> {
    for (;;) {
      if (this.closed) return { done: true, value: undefined };
      if (this.mode === RunMode.Ordered) {
        const head = this.pending.peekFirst();
        if (head !== undefined) {
          if (head.dead) {
            this.pending.shift();
            this.gave();
            return resultOf(head);
          }
        } else if (this.exhausted) {
          const error = this.inputError;
          if (error === NO_INPUT_ERROR) return { done: true, value: undefined };
          this.inputError = NO_INPUT_ERROR;
          this.passOn();
          throw error;
        }
      } else if (this.finished.length > 0) {
        const item = this.finished.shift();
        if (item instanceof InputFailure) {
          this.passOn();
          throw item.error;
        }
        this.gave();
        return resultOf(item);
      } else if (this.exhausted && this.inFlight === 0) {
        return { done: true, value: undefined };
      }
      const w = this.readers.enqueue(runningGreenlet(`${this.what} next()`), undefined);
      try {
        yield* parkFor(w, undefined);
      } catch (error) {
        // Woken for a value, then killed before taking it: the next reader takes it instead.
        this.passOn();
        throw error;
      }
    }
  }

  /** Stops reading, kills the unfinished items, and ends the stream for its readers. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.exhausted = true;
    const feeder = this.feeder;
    if (feeder !== null && !feeder.dead) feeder.throwIn(new GreenletExit());
    for (let task = this.liveHead; task !== null; task = task.nextLive) this.group.killone(task);
    this.pending.clear();
    this.finished.clear();
    this.readers.wakeAll(undefined);
    this.feederWait.wakeAll(undefined);
  }

  private gave(): void {
    this.taken++;
    if (this.feederWait.size > 0 && this.read - this.taken < this.window) this.wakeFeeder();
    this.passOn();
  }

  /** A reader took something; the next waiting reader may find something too. */
  private passOn(): void {
    if (this.readers.size > 0 && this.outputReady()) this.wakeReader();
  }

  private wakeFeeder(): void {
    const w = this.feederWait.shift();
    if (w !== null) wake(w, undefined);
  }

  private wakeReader(): void {
    const w = this.readers.shift();
    if (w !== null) wake(w, undefined);
  }
}

function resultOf(task: MapTask): IteratorResult<never, undefined> {
  if (!task.successful()) throw task.exception;
  return { done: false, value: task.value as never };
}

/** @internal `map`: a run that collects every result in input order. */
export class MapOperation<T, R> extends Operation<R[]> {
  constructor(
    private readonly group: BaseGroup,
    private readonly fn: Body,
    private readonly iterable: Iterable<T>,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<R[]> {
    const group = this.group;
    const what = `${group.kind}.map()`;
    const run = new MapRun(group, this.fn, this.iterable[Symbol.iterator](), RunMode.Collect, Infinity, what);
    let complete = false;
    try {
      // The caller itself feeds the input: it waits for slots in line with other spawners.
      yield* run.feed();
      yield* run.awaitAll();
      complete = true;
    } finally {
      if (!complete) run.close();
    }
    if (run.failedIndex !== Infinity) throw run.failedError;
    if (run.inputError !== NO_INPUT_ERROR) throw run.inputError;
    return run.values as R[];
  }
}

class NextOperation<R> extends Operation<IteratorResult<R, undefined>> {
  constructor(private readonly run: MapRun) {
    super();
  }

  [Symbol.iterator](): Steps<IteratorResult<R, undefined>> {
    return this.run.take();
  }
}

/** The Stream of `imap` and `imapUnordered`; its feeder greenlet starts at once. */
export class MapStream<R> extends Stream<R> {
  private readonly nextOperation: NextOperation<R>;

  constructor(private readonly run: MapRun) {
    super();
    this.nextOperation = new NextOperation<R>(run);
    const feeder = new Greenlet<unknown>(function* () {
      try {
        yield* run.feed();
      } catch (error) {
        // Killed from outside while the input was not finished: the readers get the error at
        // the input's place instead of waiting for an end that would never come.
        if (!run.closed) run.endInput(error);
      }
    });
    run.feeder = feeder;
    feeder.start();
  }

  next(): Operation<IteratorResult<R, undefined>> {
    return this.nextOperation;
  }

  override close(): void {
    this.run.close();
  }
}
