/**
 * `apply` on a group: one call run in a member greenlet, or right in the caller when the caller
 * is a member itself, whatever kind of function the body is.
 */
import { Operation, call, type Steps } from './operation.js';
import { Greenlet, getCurrent, type GreenletBody } from './greenlet.js';
import type { BaseGroup, Body } from './pool.js';

function isGeneratorLike(value: unknown): value is Generator<unknown, unknown, unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { next?: unknown }).next === 'function' &&
    typeof (value as { throw?: unknown }).throw === 'function'
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Runs `fn(...args)` in the running greenlet, whatever kind of function it is. */
function* runInline<R>(fn: Body, args: unknown[]): Steps<R> {
  const out = fn(...args);
  if (isGeneratorLike(out)) return (yield* out as Steps<unknown>) as R;
  if (isThenable(out)) return (yield* call(out)) as R;
  return out as R;
}

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
