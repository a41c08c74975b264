/**
 * `apply` on a group: one call run in a member greenlet, or right in the caller when the caller
 * is a member itself, whatever kind of function the body is.
 */
import { Operation, stepsOf, type Steps } from './operation.js';
import { Greenlet, getCurrent, type GreenletBody } from './greenlet.js';
import type { BaseGroup, Body } from './pool.js';

/** Runs `fn(...args)` in the running greenlet, whatever kind of function it is. */
function runInline<R>(fn: Body, args: unknown[]): Steps<R> {
  return stepsOf<R>(fn(...args));
}

/** @internal `Group.apply`: in a new member, or inline when the caller is a member already. */
export class ApplyOperation<R> extends Operation<R> {
  constructor(
    private readonly group: BaseGroup,
    private readonly fn: Body,
    private readonly args: unknown[],
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<R> {
    const group = this.group;
    const current = getCurrent();
    // From a member of a full pool, waiting for a slot could wait for the caller itself.
    if (current !== null && group.members.has(current)) return yield* runInline<R>(this.fn, this.args);
    if (!group.trySlot()) yield* group.waitSlot();
    const g = new Greenlet<R>(this.fn as GreenletBody<R, unknown[]>, ...this.args);
    g.reportsErrors = false; // the error goes to the caller
    group.track(g);
    g.start();
    try {
      return yield* g.get();
    } finally {
      if (!g.dead) group.killone(g);
    }
  }
}
