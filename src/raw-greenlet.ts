/**
 * Raw greenlets: the `greenlet` module's model of explicit switching. Control moves only when a
 * greenlet switches; a finished greenlet hands its return value (or error) to its parent.
 * Built on the hub's one park/wake mechanism: a greenlet that switched away is parked on a
 * SwitchWaiter until something switches back to it.
 */
import { NO_ERROR, State, currentGreenlet, getHub, makeReady, wake, wakeThrow, type Hub } from './hub.js';
import { GreenletExit, InvalidSwitch, describeValue } from './errors.js';
import { Greenlet, checkBody } from './greenlet.js';
import { Operation, type Steps } from './operation.js';
import { Waiter, runningGreenlet } from './waiter.js';

class SwitchWaiter extends Waiter {
  unhook(): void {
    const index = mainSwitchers.indexOf(this);
    if (index >= 0) mainSwitchers.splice(index, 1);
  }

  describe(): string {
    return 'a switch() back to it';
  }
}

// Plain async code that awaits `g.switch()` plays greenlet's implicit main greenlet: these are
// the awaiting greenlets parked in such a switch, most recent last.
const mainSwitchers: SwitchWaiter[] = [];

type Parent = Greenlet<unknown> | null;

function parentOf(g: Greenlet<unknown>): Parent {
  return g instanceof RawGreenlet ? g.parent : null;
}

/** Follows dead greenlets up their parents; null is the main greenlet. */
function liveTarget(target: Parent): Parent {
  while (target !== null && target.dead) target = parentOf(target);
  return target;
}

function packArgs(args: unknown[]): unknown {
  return args.length === 0 ? undefined : args.length === 1 ? args[0] : args;
}

/**
 * Passes control to `target`: starts it with `args`, or resumes its pending switch with `value`
 * or by throwing `error`. Throws InvalidSwitch when the target cannot receive control.
 */
function transfer(target: Parent, args: unknown[], error: unknown): void {
  target = liveTarget(target);
  if (target === null) {
    const w = mainSwitchers.pop();
    if (w === undefined) throw new InvalidSwitch('cannot switch to the main greenlet: nothing awaits a switch() there');
    if (error === NO_ERROR) wake(w, packArgs(args), true);
    else wakeThrow(w, error, true);
    return;
  }
  if (target.state === State.New && target instanceof RawGreenlet) {
    if (error !== NO_ERROR) {
      // greenlet semantics: an unstarted greenlet that is thrown into dies without running, and
      // its parent receives the outcome.
      target.die(undefined, error);
      return;
    }
    target.args = args;
    target.state = State.Scheduled;
    makeReady(target, true);
    return;
  }
  const parked = target.parkedOn;
  if (parked instanceof SwitchWaiter) {
    if (error === NO_ERROR) wake(parked, packArgs(args), true);
    else wakeThrow(parked, error, true);
    return;
  }
  const doing = parked === null ? 'running or ready to run' : `blocked on ${parked.describe()}`;
  throw new InvalidSwitch(`cannot switch to ${String(target)}: it is ${doing}, not waiting in a switch()`);
}

class SwitchOperation extends Operation<unknown> {
  constructor(
    private readonly target: RawGreenlet,
    private readonly args: unknown[],
    private readonly error: unknown,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<unknown> {
    const self = runningGreenlet('switch()');
    const target = this.target;
    if (target.hub !== getHub()) throw new InvalidSwitch(`cannot switch to ${String(target)}: it belongs to another thread`);
    if (liveTarget(target) === self) {
      if (this.error !== NO_ERROR) throw this.error;
      return packArgs(this.args);
    }
    // Park before transferring: control may come straight back (an unstarted target that is
    // thrown into dies at once and its parent may be this greenlet, or the main one).
    const w = new SwitchWaiter(self);
    const suspend = w.park();
    if (self.isCarrier) mainSwitchers.push(w);
    try {
      transfer(target, this.args, this.error);
    } catch (error) {
      self.parkedOn = null;
      w.unhook();
      throw error;
    }
    return yield suspend;
  }
}

/**
 * A greenlet in the `greenlet` module's sense: it runs only when switched to. The first
 * `switch(...args)` calls `run(...args)`; a later `switch(v)` makes the target's pending `switch`
 * return `v`. When `run` returns, its value is returned by the parent's pending `switch`; when
 * it throws, the error is thrown in the parent. Created outside any greenlet, its parent is the
 * main greenlet: the plain async code that awaits `switch()`.
 * @example
 * const gr1 = new RawGreenlet(function* () {
 *   console.log(12); yield* gr2.switch(); console.log(34); yield* gr2.switch();
 * });
 * const gr2 = new RawGreenlet(function* () {
 *   console.log(56); yield* gr1.switch(); console.log(78);
 * });
 * await gr1.switch(); // 12 56 34 78
 */
export class RawGreenlet extends Greenlet<unknown> {
  /** @internal */
  readonly hub: Hub = getHub();
  private parentGreenlet: Parent;

  constructor(
    run: ((...args: never[]) => Generator<unknown, unknown, unknown>) | ((...args: never[]) => unknown),
    parent?: Greenlet<unknown> | null,
  ) {
    checkBody('RawGreenlet', run);
    super(run);
    this.parentGreenlet = currentGreenlet();
    if (parent !== undefined) this.parent = parent;
  }

  /** Where control and the result go when this greenlet finishes; null is the main greenlet. */
  get parent(): Greenlet<unknown> | null {
    return this.parentGreenlet;
  }

  set parent(parent: Greenlet<unknown> | null) {
    if (parent !== null && !(parent instanceof Greenlet)) {
      throw new TypeError(`a RawGreenlet parent must be a greenlet or null, got ${describeValue(parent)}`);
    }
    if (parent instanceof RawGreenlet && parent.hub !== this.hub) {
      throw new InvalidSwitch('a RawGreenlet parent must belong to the same thread');
    }
    for (let p: Parent = parent; p !== null; p = parentOf(p)) {
      if (p === this) throw new InvalidSwitch(`cyclic parent chain: ${String(this)} would be its own ancestor`);
    }
    this.parentGreenlet = parent;
  }

  /** Transfers control to this greenlet; returns what is later switched back to the caller. */
  switch(...args: unknown[]): Operation<unknown> {
    return new SwitchOperation(this, args, NO_ERROR);
  }

  /**
   * Switches to this greenlet and throws `error` (default `GreenletExit`) there at once. A
   * greenlet that has not started dies without running; its parent receives the outcome.
   */
  throw(error: unknown = new GreenletExit()): Operation<unknown> {
    return new SwitchOperation(this, [], error);
  }

  override toString(): string {
    return `<RawGreenlet "${this.name}">`;
  }

  protected override afterDeath(): boolean {
    // The result goes to the parent's pending switch: the value (GreenletExit counts as one),
    // or the error thrown there.
    try {
      if (this.successful()) transfer(this.parentGreenlet, [this.value], NO_ERROR);
      else transfer(this.parentGreenlet, [], this.exception);
      return true;
    } catch {
      return false;
    }
  }
}
