/**
 * Greenlets: lightweight tasks whose bodies are generator functions run by the hub. A body
 * blocks only at its `yield*`s, which is also exactly where a kill or timeout lands, so its
 * `finally` blocks always run. Mirrors `gevent.Greenlet`.
 */
import {
  NO_ERROR,
  State,
  callSoon,
  currentGreenlet,
  getHub,
  interrupt,
  makeReady,
  wakeFromLink,
} from './hub.js';
import { GreenletExit, checkDuration, describeValue } from './errors.js';
import { Operation, call, isGeneratorLike, isThenable, setCarrierFactory, type Steps } from './operation.js';
import { SLEEP_ZERO } from './sleep.js';
import { TIMED_OUT, Waiter, parkFor, runningGreenlet } from './waiter.js';
import type { TimerEntry } from './clock.js';
import { Timeout } from './timeout.js';

/** What a greenlet can run: a generator function (the usual body), an async or a plain function. */
export type GreenletBody<T, A extends unknown[]> =
  | ((...args: A) => Generator<unknown, T, unknown>)
  | ((...args: A) => PromiseLike<T>)
  | ((...args: A) => T);

/** Options of `kill` and `killAll`. */
export interface KillOptions {
  /** Thrown into the body; an Error instance or class. Default: a new `GreenletExit`. */
  exception?: Error | (new () => Error);
  /** Whether running the returned Operation waits for death. Default true. */
  block?: boolean;
  /** How long (ms) the Operation waits for death at most. Default: no limit. */
  timeout?: number;
}

/** Options of `Greenlet.get` and `AsyncResult.get`. */
export interface GetOptions {
  /** Wait for the result (default), or throw `Timeout` at once when it is not ready. */
  block?: boolean;
  /** How long (ms) to wait at most before throwing `Timeout`. Default: no limit. */
  timeout?: number;
}

/** A callback run in the hub after a greenlet dies. */
export type LinkCallback<T> = (greenlet: Greenlet<T>) => void;

const enum LinkKind {
  Value = 1,
  Exception = 2,
}

// Links are stored without their greenlet's type, so that a Greenlet<number> is also a
// Greenlet<unknown> (joinAll over greenlets of different types).
type StoredCallback = (greenlet: never) => void;

class FilteredLink {
  constructor(
    readonly callback: StoredCallback,
    readonly kind: LinkKind,
  ) {}
}

type Link = StoredCallback | FilteredLink | JoinWaiter;

class JoinWaiter extends Waiter {
  constructor(
    greenlet: Greenlet,
    private readonly target: Greenlet<unknown>,
  ) {
    super(greenlet);
  }

  unhook(): void {
    this.target.removeLink(this);
  }

  describe(): string {
    return `${String(this.target)}.join()`;
  }
}

class StartTimer implements TimerEntry {
  deadline = 0;
  seq = 0;
  heapIndex = -1;

  constructor(private readonly greenlet: Greenlet<unknown>) {}

  fire(): void {
    makeReady(this.greenlet);
  }
}

// Small integers for names, reused once a greenlet is garbage-collected, as gevent does.
const freeIdents: number[] = [];
let nextIdent = 1;
const identRegistry = new FinalizationRegistry<number>((ident) => {
  freeIdents.push(ident);
  freeIdents.sort((a, b) => b - a);
});

// Compared by identity: reading `fn.constructor.name` on every spawn was measurable.
const AsyncGeneratorFunctionPrototype: unknown = Object.getPrototypeOf(async function* () {});
const GeneratorFunctionPrototype: unknown = Object.getPrototypeOf(function* () {});

/** @internal */
export function checkBody(what: string, fn: unknown): void {
  if (typeof fn !== 'function') {
    throw new TypeError(
      `${what} needs a function (a generator function, an async or a plain function), got ${describeValue(fn)}`,
    );
  }
  if (Object.getPrototypeOf(fn) === AsyncGeneratorFunctionPrototype) {
    throw new TypeError(
      `${what} cannot run an async generator function (${describeValue(fn)}); ` +
        'use a generator function (function*) and `yield*` Operations instead',
    );
  }
}

/** @internal Normalises `exception` options to an Error instance. */
export function toException(what: string, exception: unknown): Error {
  if (exception === undefined) return new GreenletExit();
  if (exception instanceof Error) return exception;
  if (typeof exception === 'function' && exception.prototype instanceof Error) {
    return new (exception as new () => Error)();
  }
  throw new TypeError(`${what} needs an Error instance or class to throw, got ${describeValue(exception)}`);
}

// `spawn(fn, ...args)` hands its rest array to the constructor through here, instead of
// spreading it into the constructor's own rest parameter: one array per spawn, not two.
let handedArgs: unknown[] | null = null;

const enum Flag {
  Failed = 1,
  Silent = 2,
  Carrier = 4,
}

/** The rarely used parts of a greenlet, allocated on first use. */
class GreenletExtra {
  customName: string | null = null;
  ident = 0;
  startTimer: StartTimer | null = null;
  /** How many links have run (links run from the hub, possibly over several steps). */
  linkCursor = 0;
}

/**
 * A lightweight task run by the hub. Create one with `spawn(fn, ...args)`, or with
 * `new Greenlet(fn, ...args)` then `start()`. A Greenlet is not thenable (so it travels through
 * promises unchanged): wait for it with `join()` or `get()`.
 * @example
 * const g = spawn(function* (n: number) {
 *   yield* sleep(10);
 *   return n * 2;
 * }, 21);
 * console.log(yield* g.get()); // 42
 */
export class Greenlet<T = unknown> {
  /** @internal */ state: State = State.New;
  /** @internal */ gen: Generator<unknown, unknown, unknown> | null = null;
  /** @internal What this greenlet is parked on; null when running or ready. */
  parkedOn: Waiter | null = null;
  /** @internal */ resumeValue: unknown = undefined;
  /** @internal */ resumeError: unknown = NO_ERROR;
  /** @internal The resume value must not be lost to a kill (see `handOff`). */
  resumeCarries = false;
  /** @internal Kills and timeouts waiting for this greenlet's next `yield*`. */
  pendingThrows: unknown[] | null = null;
  /** @internal */ liveNext: Greenlet<unknown> | null = null;
  /** @internal */ livePrev: Greenlet<unknown> | null = null;
  /** @internal Bits of `Flag`: booleans that are rarely set, kept in one field. */
  private flags = 0;

  private fn: ((...args: unknown[]) => unknown) | null;
  /** @internal */ args: unknown[] | null;
  private result: unknown = undefined;
  /** One link (the common case: a joiner, a group) without an array, or several in order. */
  private links: Link | Link[] | null = null;
  /** What few greenlets need: a name, an ident, a start timer, a link cursor. */
  private extra: GreenletExtra | null = null;

  // One signature per kind of body, most specific first, so `T` is inferred from what the body
  // gives back (`function* () { return 1 }` and `async () => 1` both make a Greenlet<number>).
  constructor(fn: (...args: never[]) => Generator<unknown, T, unknown>, ...args: unknown[]);
  constructor(fn: (...args: never[]) => PromiseLike<T>, ...args: unknown[]);
  constructor(fn: (...args: never[]) => T, ...args: unknown[]);
  constructor(fn: GreenletBody<T, never[]> | GreenletBody<T, unknown[]>, ...args: unknown[]);
  constructor(fn: GreenletBody<T, never[]> | GreenletBody<T, unknown[]>, ...args: unknown[]) {
    checkBody('Greenlet', fn);
    this.fn = fn as (...args: unknown[]) => unknown;
    this.args = handedArgs ?? args;
    handedArgs = null;
  }

  /**
   * Creates and starts a greenlet: the same as `spawn(fn, ...args)`.
   * @example
   * const g = Greenlet.spawn(function* () { return 1; });
   */
  static spawn<R, A extends unknown[]>(fn: (...args: A) => Generator<unknown, R, unknown>, ...args: A): Greenlet<R>;
  static spawn<R, A extends unknown[]>(fn: (...args: A) => PromiseLike<R>, ...args: A): Greenlet<R>;
  static spawn<R, A extends unknown[]>(fn: (...args: A) => R, ...args: A): Greenlet<R>;
  static spawn<R, A extends unknown[]>(fn: GreenletBody<R, A>, ...args: A): Greenlet<R>;
  static spawn<R, A extends unknown[]>(fn: GreenletBody<R, A>, ...args: A): Greenlet<R> {
    const g = new Greenlet<R>(fn as GreenletBody<R, unknown[]>, ...args);
    g.start();
    return g;
  }

  /** Schedules the greenlet to run; it starts once the running code next blocks. */
  start(): void {
    if (this.state !== State.New) return;
    this.state = State.Scheduled;
    makeReady(this);
  }

  /** Schedules the greenlet to start in `ms` milliseconds. */
  startLater(ms: number): void {
    checkDuration('startLater() delay', ms);
    if (this.state !== State.New) return;
    this.state = State.Scheduled;
    // Never due: no timer, which would only keep the process alive.
    if (ms === Infinity) return;
    const timer = ((this.extra ??= new GreenletExtra()).startTimer = new StartTimer(this));
    getHub().clock.add(timer, ms);
  }

  /** True once the greenlet has finished, however it finished. */
  get dead(): boolean {
    return this.state === State.Dead;
  }

  /** True when started (or scheduled to start) and not yet dead. */
  get started(): boolean {
    return this.state === State.Scheduled || this.state === State.Active;
  }

  /** True when dead (its value or exception is available). */
  ready(): boolean {
    return this.state === State.Dead;
  }

  /** @internal Errors go to whoever awaits (a carrier) or to a parent (raw): not reported. */
  get reportsErrors(): boolean {
    return (this.flags & Flag.Silent) === 0;
  }

  set reportsErrors(reports: boolean) {
    this.flags = reports ? this.flags & ~Flag.Silent : this.flags | Flag.Silent;
  }

  /** @internal Runs an awaited Operation for plain async code. */
  get isCarrier(): boolean {
    return (this.flags & Flag.Carrier) !== 0;
  }

  set isCarrier(carrier: boolean) {
    this.flags = carrier ? this.flags | Flag.Carrier : this.flags & ~Flag.Carrier;
  }

  private get failed(): boolean {
    return (this.flags & Flag.Failed) !== 0;
  }

  /** True when dead without an error; a greenlet ended by `GreenletExit` counts as successful. */
  successful(): boolean {
    return this.state === State.Dead && !this.failed;
  }

  /** The return value once successful (the `GreenletExit` instance after a kill), else undefined. */
  get value(): T | GreenletExit | undefined {
    return this.failed ? undefined : (this.result as T | GreenletExit | undefined);
  }

  /** The error that ended the body, or undefined. */
  get exception(): unknown {
    return this.failed ? this.result : undefined;
  }

  /** A small integer unique among living greenlets; it is reused after garbage collection. */
  get minimalIdent(): number {
    const extra = (this.extra ??= new GreenletExtra());
    if (extra.ident === 0) {
      extra.ident = freeIdents.pop() ?? nextIdent++;
      identRegistry.register(this, extra.ident);
    }
    return extra.ident;
  }

  /** `Greenlet-<minimalIdent>` unless set. */
  get name(): string {
    return this.extra?.customName ?? `Greenlet-${this.minimalIdent}`;
  }

  set name(name: string) {
    (this.extra ??= new GreenletExtra()).customName = String(name);
  }

  toString(): string {
    return `<Greenlet "${this.name}">`;
  }

  /**
   * Waits until the greenlet is dead, or `timeout` ms pass. Never throws the body's error.
   * @example
   * yield* g.join(1000);
   * if (!g.dead) console.log('still running');
   */
  join(timeout?: number): Operation<void> {
    checkDuration('join() timeout', timeout);
    return new JoinOperation(this, timeout);
  }

  /**
   * The body's return value, or throws the body's error. Throws `Timeout` when not ready and
   * `block` is false or `timeout` ms pass.
   * @example
   * const value = yield* g.get({ timeout: 500 });
   */
  get(options: GetOptions = {}): Operation<T> {
    const timeout = checkDuration('get() timeout', options.timeout);
    return new GetOperation<T>(this, options.block !== false, timeout);
  }

  /**
   * Kills the greenlet, at once: `exception` (default `GreenletExit`) is thrown into the body at
   * its current `yield*`, so its `finally` blocks run; a greenlet not yet started never runs.
   * Running the returned Operation waits for death (up to `timeout`; it never throws on
   * timeout). Killing a dead greenlet does nothing.
   * @example
   * g.kill();                  // fire and forget
   * yield* g.kill({ timeout: 100 }); // and wait for it to finish its cleanup
   */
  kill(options: KillOptions = {}): Operation<void> {
    const exception = toException('kill()', options.exception);
    const timeout = checkDuration('kill() timeout', options.timeout);
    this.throwIn(exception);
    if (options.block === false) return DONE;
    // A greenlet that kills itself and waits receives the exception right there, as in gevent.
    if (this === currentGreenlet()) return SLEEP_ZERO;
    return new JoinOperation(this, timeout);
  }

  /** @internal Kill without the Operation: dies at once if never started. */
  throwIn(exception: unknown): void {
    if (this.state === State.New || this.state === State.Scheduled) {
      const timer = this.extra?.startTimer;
      if (timer) getHub().clock.remove(timer);
      this.die(undefined, exception);
    } else if (this.state === State.Active) {
      interrupt(this, exception);
    }
  }

  /** Runs `cb(greenlet)` in the hub after death, in link order (soon, if already dead). */
  link(cb: LinkCallback<T>): void {
    this.addLink(checkCallback('link()', cb));
  }

  /** Like `link`, only when the greenlet ends successfully. */
  linkValue(cb: LinkCallback<T>): void {
    this.addLink(new FilteredLink(checkCallback('linkValue()', cb), LinkKind.Value));
  }

  /** Like `link`, only when the greenlet ends with an error. */
  linkException(cb: LinkCallback<T>): void {
    this.addLink(new FilteredLink(checkCallback('linkException()', cb), LinkKind.Exception));
  }

  /** The same as `link`; the name `wait()`, `joinAll` and friends use on any waitable. */
  rawlink(cb: LinkCallback<T>): void {
    this.addLink(checkCallback('rawlink()', cb));
  }

  /** Removes every link to `cb`. */
  unlink(cb: LinkCallback<T>): void {
    const links = this.links;
    if (links === null) return;
    const matches = (link: Link): boolean =>
      link === cb || (link instanceof FilteredLink && link.callback === cb);
    if (!Array.isArray(links)) {
      if (matches(links)) this.links = null;
      return;
    }
    const cursor = this.extra?.linkCursor ?? 0;
    for (let i = links.length - 1; i >= cursor; i--) if (matches(links[i])) links.splice(i, 1);
  }

  /** @internal */
  addLink(link: Link): void {
    const links = this.links;
    if (links === null) {
      this.links = link;
      // Already dead: the link runs soon, from the hub.
      if (this.state === State.Dead) makeReady(this);
    } else if (Array.isArray(links)) {
      links.push(link);
    } else {
      this.links = [links, link];
    }
  }

  /** @internal */
  removeLink(link: Link): void {
    const links = this.links;
    if (links === null) return;
    if (!Array.isArray(links)) {
      if (links === link) this.links = null;
      return;
    }
    const index = links.indexOf(link, this.extra?.linkCursor ?? 0);
    if (index >= 0) links.splice(index, 1);
  }

  /**
   * @internal Called by the hub after death: runs the links in order, including those added
   * meanwhile. It stops after a link that woke a greenlet (into `woken`), so that greenlet runs
   * before the next link, as in gevent; it returns true when links remain to run.
   */
  runLinks(woken: readonly Greenlet<unknown>[]): boolean {
    const links = this.links;
    if (links === null) return false;
    if (!Array.isArray(links)) {
      // A link added by this one finds `links` empty and schedules its own run, soon.
      this.links = null;
      this.runLink(links);
      return false;
    }
    const extra = (this.extra ??= new GreenletExtra());
    while (extra.linkCursor < links.length) {
      this.runLink(links[extra.linkCursor++]);
      if (woken.length > 0 && extra.linkCursor < links.length) return true;
    }
    this.links = null;
    extra.linkCursor = 0;
    return false;
  }

  private runLink(link: Link): void {
    if (link instanceof Waiter) {
      wakeFromLink(link, undefined);
      return;
    }
    let callback: StoredCallback | null = null;
    if (typeof link === 'function') callback = link;
    else if (link.kind === (this.failed ? LinkKind.Exception : LinkKind.Value)) callback = link.callback;
    if (callback === null) return;
    try {
      (callback as LinkCallback<T>)(this);
    } catch (error) {
      getHub().handleError(this, error);
    }
  }

  /** @internal Called by the hub to enter the body; returns its first step. */
  begin(): IteratorResult<unknown, unknown> {
    this.state = State.Active;
    const hub = getHub();
    const head = hub.liveHead;
    this.liveNext = head;
    if (head !== null) head.livePrev = this;
    hub.liveHead = this;
    const fn = this.fn!;
    const args = this.args!;
    this.args = null;
    const out = args.length === 0 ? fn() : fn(...args);
    // The usual body: a generator function always returns a fresh generator, nothing to check.
    if (Object.getPrototypeOf(fn) === GeneratorFunctionPrototype) {
      this.gen = out as Generator<unknown, unknown, unknown>;
      return this.gen.next();
    }
    if (out instanceof Operation) {
      // A plain function that returns an Operation (`() => queue.get()`): run it right here.
      const gen = out[Symbol.iterator]() as Generator<unknown, unknown, unknown>;
      this.gen = gen;
      return gen.next();
    }
    if (isGeneratorLike(out)) {
      if (typeof (out as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function') {
        throw new TypeError(
          `${String(this)}'s body returned an async iterator, which the hub cannot run; ` +
            'use a generator function (function*) and `yield*` Operations instead',
        );
      }
      this.gen = out;
      return out.next();
    }
    if (isThenable(out)) {
      const gen = call(out)[Symbol.iterator]() as Generator<unknown, unknown, unknown>;
      this.gen = gen;
      return gen.next();
    }
    return { done: true, value: out };
  }

  /** @internal Called by the hub when the body returns (`error` is NO_ERROR) or throws. */
  die(value: unknown, error: unknown): void {
    if (this.state === State.Dead) return;
    const hub = getHub();
    if (this.state === State.Active) {
      const prev = this.livePrev;
      const next = this.liveNext;
      if (prev === null) hub.liveHead = next;
      else prev.liveNext = next;
      if (next !== null) next.livePrev = prev;
      this.livePrev = this.liveNext = null;
    }
    this.state = State.Dead;
    this.gen = null;
    this.fn = null;
    this.args = null;
    this.parkedOn = null;
    this.pendingThrows = null;
    if (error === NO_ERROR) {
      this.result = value;
    } else if (error instanceof GreenletExit && !this.isCarrier) {
      this.result = error;
    } else {
      this.result = error;
      this.flags |= Flag.Failed;
    }
    const delivered = this.afterDeath();
    if (this.failed && this.reportsErrors && !delivered) hub.handleError(this, error);
    if (this.links !== null) makeReady(this);
  }

  /** @internal Hook for RawGreenlet (hands the result to its parent); true when it did. */
  protected afterDeath(): boolean {
    return false;
  }
}

function checkCallback<T>(what: string, cb: LinkCallback<T>): LinkCallback<T> {
  if (typeof cb !== 'function') throw new TypeError(`${what} needs a callback function, got ${describeValue(cb)}`);
  return cb;
}

class DoneOperation extends Operation<void> {
  *[Symbol.iterator](): Steps<void> {}
}
const DONE = new DoneOperation();

class JoinOperation extends Operation<void> {
  constructor(
    private readonly target: Greenlet<unknown>,
    private readonly timeout: number | undefined,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<void> {
    const target = this.target;
    if (target.dead) return;
    const g = runningGreenlet('join()');
    if (g === target) throw new Error(`${String(target)} cannot join itself: it would wait forever`);
    const w = new JoinWaiter(g, target);
    target.addLink(w);
    yield* parkFor(w, this.timeout);
  }
}

class GetOperation<T> extends Operation<T> {
  constructor(
    private readonly target: Greenlet<T>,
    private readonly block: boolean,
    private readonly timeout: number | undefined,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<T> {
    const target = this.target;
    if (!target.dead) {
      if (!this.block) throw new Timeout(undefined, undefined, `${String(target)} is not ready`);
      yield* new JoinOperation(target, this.timeout);
      if (!target.dead) throw new Timeout(this.timeout, undefined, `${String(target)} did not finish`);
    }
    if (!target.successful()) throw target.exception;
    return target.value as T;
  }
}

/**
 * Creates a greenlet for `fn(...args)` and schedules it. It starts when the spawner next
 * blocks or yields (`sleep(0)`), in spawn order. `fn` is a generator function (the usual body),
 * or an async or plain function; anything else throws `TypeError` at once.
 * @example
 * const a = spawn(function* () { yield* sleep(10); return 'a'; });
 * const b = spawn(async () => 'b');
 * yield* joinAll([a, b]);
 */
export function spawn<T, A extends unknown[]>(fn: (...args: A) => Generator<unknown, T, unknown>, ...args: A): Greenlet<T>;
export function spawn<T, A extends unknown[]>(fn: (...args: A) => PromiseLike<T>, ...args: A): Greenlet<T>;
export function spawn<T, A extends unknown[]>(fn: (...args: A) => T, ...args: A): Greenlet<T>;
export function spawn<T, A extends unknown[]>(fn: GreenletBody<T, A>, ...args: A): Greenlet<T>;
export function spawn<T, A extends unknown[]>(fn: GreenletBody<T, A>, ...args: A): Greenlet<T> {
  handedArgs = args;
  const g = new Greenlet<T>(fn as GreenletBody<T, unknown[]>);
  g.state = State.Scheduled;
  makeReady(g);
  return g;
}

/**
 * Like `spawn`, but the greenlet starts `ms` milliseconds from now.
 * @example
 * const reminder = spawnLater(1000, () => console.log('a second passed'));
 */
export function spawnLater<T, A extends unknown[]>(
  ms: number,
  fn: (...args: A) => Generator<unknown, T, unknown>,
  ...args: A
): Greenlet<T>;
export function spawnLater<T, A extends unknown[]>(ms: number, fn: (...args: A) => PromiseLike<T>, ...args: A): Greenlet<T>;
export function spawnLater<T, A extends unknown[]>(ms: number, fn: (...args: A) => T, ...args: A): Greenlet<T>;
export function spawnLater<T, A extends unknown[]>(ms: number, fn: GreenletBody<T, A>, ...args: A): Greenlet<T>;
export function spawnLater<T, A extends unknown[]>(ms: number, fn: GreenletBody<T, A>, ...args: A): Greenlet<T> {
  checkDuration('spawnLater() delay', ms);
  const g = new Greenlet<T>(fn as GreenletBody<T, unknown[]>, ...args);
  g.startLater(ms);
  return g;
}

/**
 * The running greenlet, or `null` outside one (in plain async code or a hub callback).
 * @example
 * spawn(function* () { console.log(getCurrent()?.name); });
 */
export function getCurrent(): Greenlet | null {
  return currentGreenlet();
}

// `await op` runs `op` in a fresh "carrier" greenlet and settles with its result. Carriers are
// what LoopExit watches: the awaiting code outside any greenlet has nothing else to wake it.
setCarrierFactory(<R>(op: Operation<R>): Promise<R> => {
  return new Promise<R>((resolve, reject) => {
    const carrier = new Greenlet<R>(function* () {
      return yield* op;
    });
    carrier.isCarrier = true;
    carrier.reportsErrors = false;
    const hub = getHub();
    hub.carriers.add(carrier);
    hub.installExitHook();
    carrier.rawlink(() => {
      hub.carriers.delete(carrier);
      if (carrier.successful()) resolve(carrier.value as R);
      // A body may throw any value, not only Errors; the awaiting code gets exactly that value.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      else reject(carrier.exception);
    });
    carrier.start();
  });
});

// Re-exported for modules that need to run hub callbacks without importing hub internals.
export { callSoon, TIMED_OUT };
