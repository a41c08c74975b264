/**
 * The hub: one per thread, on Node's own event loop. It keeps the ready queue of greenlets and
 * drives their generator bodies in a tight synchronous loop, one `next()`/`throw()` per step,
 * with no promise per step. It goes back to Node's event loop after a bounded slice of work (so
 * I/O is never starved by a busy set of greenlets) and whenever nothing is ready.
 *
 * Everything that blocks parks a greenlet on a Waiter (see waiter.ts) and yields that waiter up
 * to here; everything that wakes goes through `wake`, `handOff` or `interrupt` below. That is
 * the one park/wake mechanism the whole library uses.
 */
import { Deque } from './deque.js';
import { Clock } from './clock.js';
import { GreenletExit, LoopExit, describeValue } from './errors.js';
import type { Greenlet } from './greenlet.js';
import { Waiter } from './waiter.js';

/** @internal Marks "no error to throw on resume"; `undefined` is a legal thing to throw. */
export const NO_ERROR: unique symbol = Symbol('greenlets.noError');

/** @internal Yielded by `sleep(0)`: back of the ready queue, parked on nothing. */
export const YIELD_NOW: unique symbol = Symbol('greenlets.yieldNow');

/** @internal What a greenlet that yielded YIELD_NOW is resumed with (see `sleep(0)`). */
export const YIELDED_NOW: unique symbol = Symbol('greenlets.yieldedNow');

/** @internal Greenlet lifecycle, kept as small integers for the hot loop. */
export const enum State {
  New = 0,
  Scheduled = 1,
  Active = 2,
  Dead = 3,
}

/** How long one slice of greenlet work may run before Node's event loop gets a turn. */
const SLICE_MS = 2;
/** How many steps pass between two looks at the clock. */
const STEPS_PER_CLOCK_CHECK = 64;

type ReadyItem = Greenlet | (() => void);

/**
 * The per-thread scheduler. `getHub()` returns it. Its `handleError` may be replaced to route
 * the errors that escape greenlet bodies (by default they are printed to stderr, as gevent does).
 */
export class Hub {
  /** @internal */
  readonly ready = new Deque<ReadyItem>(1024);
  /** @internal */
  readonly clock = new Clock(() => this.clock.fireDue());
  /** @internal Greenlets whose body has begun and not ended, for LoopExit's report. */
  liveHead: Greenlet | null = null;
  /** @internal Greenlets waiting in `idle()`. */
  readonly idlers = new Set<Waiter>();
  /** @internal Greenlets that run an awaited Operation for plain async code. */
  readonly carriers = new Set<Greenlet>();
  /** @internal True while a drain is queued or running. */
  scheduled = false;
  private idleCheckQueued = false;
  private exitHookInstalled = false;

  /**
   * Reports an error that escaped a greenlet body or a link callback. Replace it to send errors
   * elsewhere; it must not throw. `context` is the greenlet concerned, or null.
   */
  handleError(context: Greenlet | null, error: unknown): void {
    if (error instanceof GreenletExit) return;
    const stack = error instanceof Error ? (error.stack ?? String(error)) : String(error);
    const kind = error instanceof Error ? error.name : typeof error;
    const where = context === null ? 'hub callback' : String(context);
    process.stderr.write(`${stack}\n${where} failed with ${kind}\n\n`);
  }

  /** The number of greenlets ready to run right now. */
  get pending(): number {
    return this.ready.length;
  }

  /** @internal */
  installExitHook(): void {
    if (this.exitHookInstalled) return;
    this.exitHookInstalled = true;
    process.on('beforeExit', () => this.onLoopEmpty());
  }

  /** @internal Describes every blocked greenlet, one per line. */
  describeBlocked(): string {
    const lines: string[] = [];
    for (let g = this.liveHead; g !== null; g = g.liveNext) {
      if (g.parkedOn === null) continue;
      const who = g.isCarrier ? `${String(g)} (an await in plain code)` : String(g);
      lines.push(`  ${who} waits on ${g.parkedOn.describe()}`);
    }
    // The live list starts with the most recent greenlet; report them in the order they began.
    return lines.reverse().join('\n');
  }

  /**
   * Node's event loop is about to empty: no timer, socket or other handle can wake anything any
   * more. Whoever awaits an Operation that is still blocked would otherwise see the process
   * exit silently (code 13); it gets LoopExit instead, thrown at the point it is blocked.
   */
  private onLoopEmpty(): void {
    if (this.carriers.size === 0) return;
    const blocked = [...this.carriers].filter((g) => g.parkedOn !== null);
    if (blocked.length === 0) return;
    const message =
      'the event loop is empty but an awaited operation is still blocked; nothing is left that ' +
      `could wake it. Blocked greenlets:\n${this.describeBlocked()}`;
    for (const g of blocked) interrupt(g, new LoopExit(message));
    // Node emits 'beforeExit' again only if the loop came alive after it; the awaiting code may
    // well block again once it has handled this LoopExit, and must then get another one.
    setImmediate(() => {});
  }

  /** @internal */
  queueIdleCheck(): void {
    if (this.idleCheckQueued) return;
    this.idleCheckQueued = true;
    // After Node's I/O poll, so "idle" also means no I/O callback was waiting.
    setImmediate(() => {
      this.idleCheckQueued = false;
      if (this.ready.length > 0 || this.idlers.size === 0) return;
      const idlers = [...this.idlers];
      this.idlers.clear();
      for (const w of idlers) wake(w, undefined);
    });
  }
}

const hub = new Hub();
let current: Greenlet | null = null;
/**
 * While a dead greenlet's links run, the joiners they switch to (`wakeFromLink`: a `join()`,
 * `wait()`, `joinAll()`, `iwait()`) are collected here and run next, in order, before anything
 * else that is ready: as in gevent, where such a link switches straight into the waiting
 * greenlet. Any other wake (a slot or permit handed on by a link callback) queues at the back,
 * in arrival order, as gevent's scheduled notifications do.
 */
let wokenByLinks: Greenlet[] | null = null;
const wokenScratch: Greenlet[] = [];

/**
 * The hub of this thread (each worker thread has its own).
 * @example
 * getHub().handleError = (greenlet, error) => logger.error({ greenlet: String(greenlet), error });
 */
export function getHub(): Hub {
  return hub;
}

/** @internal The greenlet whose body is running, or null in hub callbacks and plain code. */
export function currentGreenlet(): Greenlet | null {
  return current;
}

/** When the current burst of drains began; -1 once Node's event loop has turned since. */
let burstStart = -1;

function endBurst(): void {
  burstStart = -1;
}

/** @internal Queues a drain of the ready queue if none is queued. */
export function schedule(): void {
  if (hub.scheduled) return;
  hub.scheduled = true;
  // Drains chained through microtasks (a promise wakes a greenlet that waits for another
  // promise, or plain code awaits Operations in a loop) would never let Node's event loop turn:
  // past a slice, the next drain goes through it.
  if (burstStart >= 0 && hub.clock.now() - burstStart >= SLICE_MS) setImmediate(drain);
  else queueMicrotask(drainSoon);
}

/**
 * One more microtask before draining: `spawn(...); await op` in plain code calls `op.then` from
 * a microtask queued after the first one, and its greenlet must be queued behind those already
 * scheduled, not behind everything they do until they block.
 */
function drainSoon(): void {
  queueMicrotask(drain);
}

/** @internal Runs `fn` in the hub soon, after the greenlets already ready. */
export function callSoon(fn: () => void): void {
  hub.ready.push(fn);
  schedule();
}

/** @internal Puts a greenlet on the ready queue (at the back, or next when `first`). */
export function makeReady(g: Greenlet, first = false): void {
  if (first) hub.ready.unshift(g);
  else hub.ready.push(g);
  schedule();
}

/** Puts a woken greenlet on the ready queue. */
function makeResumed(g: Greenlet, first: boolean): void {
  if (first) hub.ready.unshift(g);
  else hub.ready.push(g);
  schedule();
}

/**
 * @internal Wakes a greenlet waiting for a death, the way gevent's link switches into it: when
 * called from a dead greenlet's links it runs right after that link (see `wokenByLinks`).
 */
export function wakeFromLink(w: Waiter, value: unknown): boolean {
  return resumeFromLink(w, value, NO_ERROR);
}

/** @internal `wakeFromLink`, resuming by throwing `error`. */
export function wakeThrowFromLink(w: Waiter, error: unknown): boolean {
  return resumeFromLink(w, undefined, error);
}

function resumeFromLink(w: Waiter, value: unknown, error: unknown): boolean {
  const g = w.greenlet;
  if (g.parkedOn !== w) return false;
  g.parkedOn = null;
  g.resumeValue = value;
  g.resumeError = error;
  if (wokenByLinks === null) {
    makeResumed(g, false);
  } else {
    wokenByLinks.push(g);
    schedule();
  }
  return true;
}

/**
 * @internal Resumes the greenlet parked on `w` with `value`, unless it was already resumed by
 * something else (killed, timed out, woken). Returns whether it was this call that woke it.
 */
export function wake(w: Waiter, value: unknown, first = false): boolean {
  const g = w.greenlet;
  if (g.parkedOn !== w) return false;
  g.parkedOn = null;
  g.resumeValue = value;
  makeResumed(g, first);
  return true;
}

/**
 * @internal Like `wake`, but `value` is something that must not be lost (a queue item, a
 * semaphore permit): a kill or timeout that arrives before the greenlet runs is then delivered
 * at its next `yield*` instead, after the value was received.
 */
export function handOff(w: Waiter, value: unknown, first = false): boolean {
  const g = w.greenlet;
  if (g.parkedOn !== w) return false;
  g.parkedOn = null;
  g.resumeValue = value;
  g.resumeCarries = true;
  makeResumed(g, first);
  return true;
}

/** @internal Resumes the greenlet parked on `w` by throwing `error` at its `yield*`. */
export function wakeThrow(w: Waiter, error: unknown, first = false): boolean {
  const g = w.greenlet;
  if (g.parkedOn !== w) return false;
  g.parkedOn = null;
  g.resumeError = error;
  makeResumed(g, first);
  return true;
}

/**
 * @internal Throws `error` into `g` at the `yield*` it is suspended in: it is unhooked from
 * whatever it is parked on (O(1)) and made ready. A greenlet that is running, or that was woken
 * with a value that must not be lost, gets the error at its next `yield*`.
 */
export function interrupt(g: Greenlet, error: unknown): void {
  if (g.state === State.Dead) return;
  const parked = g.parkedOn;
  if (parked !== null) {
    g.parkedOn = null;
    parked.unhook(error);
    g.resumeValue = undefined;
    g.resumeError = error;
    makeReady(g);
    return;
  }
  if (g !== current && g.resumeError === NO_ERROR && !g.resumeCarries) {
    // Ready with nothing to lose (after sleep(0), a timer, an event): throw it right there.
    g.resumeValue = undefined;
    g.resumeError = error;
    return;
  }
  (g.pendingThrows ??= []).push(error);
}

/** @internal Withdraws an interrupt that has not been delivered yet (a cancelled Timeout). */
export function withdrawInterrupt(g: Greenlet, error: unknown): void {
  const pending = g.pendingThrows;
  if (pending === null) return;
  const index = pending.indexOf(error);
  if (index >= 0) pending.splice(index, 1);
  if (pending.length === 0) g.pendingThrows = null;
}

function takePending(g: Greenlet): unknown {
  const pending = g.pendingThrows!;
  const error = pending.shift();
  if (pending.length === 0) g.pendingThrows = null;
  return error;
}

function badYield(value: unknown): TypeError {
  let what: string;
  if (value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function') {
    what = typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function' ? 'an Operation' : 'a promise';
  } else {
    what = describeValue(value);
  }
  return new TypeError(
    `a greenlet body yielded ${what} with \`yield\`; run Operations with \`yield*\` ` +
      '(e.g. `yield* sleep(10)`), and promises with `yield* call(promise)`',
  );
}

/** Runs a dead greenlet's links; the joiners they switch to run next (see `wokenByLinks`). */
function runLinks(g: Greenlet): void {
  // Never re-entered (a link callback cannot step a greenlet), so one array serves every death.
  const woken = wokenScratch;
  wokenByLinks = woken;
  let more: boolean;
  try {
    more = g.runLinks(woken);
  } finally {
    wokenByLinks = null;
  }
  if (more) hub.ready.unshift(g);
  for (let i = woken.length - 1; i >= 0; i--) hub.ready.unshift(woken[i]);
  if (woken.length > 0) woken.length = 0;
}

/** One greenlet step: start or resume the body, run it to its next suspension or its end. */
function step(g: Greenlet): void {
  const state = g.state;
  if (state === State.Dead) {
    runLinks(g);
    return;
  }
  current = g;
  let r: IteratorResult<unknown, unknown>;
  try {
    if (state === State.Scheduled) {
      r = g.begin();
    } else {
      const gen = g.gen!;
      const error = g.resumeError;
      g.resumeCarries = false;
      if (error !== NO_ERROR) {
        g.resumeError = NO_ERROR;
        r = gen.throw(error);
      } else {
        const value = g.resumeValue;
        g.resumeValue = undefined;
        r = gen.next(value);
      }
    }
    for (;;) {
      if (r.done === true) {
        current = null;
        g.die(r.value, NO_ERROR);
        return;
      }
      const yielded = r.value;
      const parked = g.parkedOn;
      if (yielded === parked && parked !== null) {
        if (g.pendingThrows === null) break;
        g.parkedOn = null;
        const error = takePending(g);
        parked.unhook(error);
        r = g.gen!.throw(error);
      } else if (yielded === YIELD_NOW) {
        if (g.pendingThrows === null) {
          g.resumeValue = YIELDED_NOW;
          hub.ready.push(g);
          break;
        }
        r = g.gen!.throw(takePending(g));
      } else if (yielded instanceof Waiter && yielded.greenlet === g) {
        // Resumed between park() and this yield (a switch that came straight back, an interrupt
        // from the code in between): it is already on the ready queue with what to resume with.
        break;
      } else {
        r = g.gen!.throw(badYield(yielded));
      }
    }
  } catch (error) {
    current = null;
    g.die(undefined, error);
    return;
  }
  current = null;
}

function drain(): void {
  const ready = hub.ready;
  const start = hub.clock.now();
  if (burstStart < 0) {
    burstStart = start;
    setImmediate(endBurst);
  }
  let steps = 0;
  while (ready.length > 0) {
    const item = ready.shift();
    if (typeof item === 'function') {
      try {
        item();
      } catch (error) {
        hub.handleError(null, error);
      }
    } else {
      step(item);
    }
    if (++steps % STEPS_PER_CLOCK_CHECK === 0 && hub.clock.now() - start >= SLICE_MS) break;
  }
  if (ready.length > 0) {
    // Stay scheduled, but through the macrotask queue so timers and I/O run in between.
    setImmediate(drain);
    return;
  }
  hub.scheduled = false;
  if (hub.idlers.size > 0) hub.queueIdleCheck();
}
