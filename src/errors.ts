/**
 * The error classes users catch by name, as in gevent. Each sets `name` to its class name on the
 * prototype (not on every instance), so `err.name`, `String(err)` and the first line of the stack
 * carry the name users search for, even after minification renames the class.
 */

function nameClass(cls: { prototype: Error; name: string }): void {
  Object.defineProperty(cls.prototype, 'name', {
    value: cls.name,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

/**
 * Thrown into a greenlet to kill it; a body that ends with it counts as a successful end.
 * Mirrors gevent's `GreenletExit`.
 * @example
 * const g = spawn(function* () { try { yield* sleep(1000) } finally { cleanup() } });
 * yield* g.kill(); // g's finally ran; g.successful() === true, g.value is the GreenletExit
 */
export class GreenletExit extends Error {
  constructor(message = 'greenlet killed', options?: ErrorOptions) {
    super(message, options);
  }
}
nameClass(GreenletExit);

/**
 * Thrown to whoever awaits an Operation that can never finish: the event loop emptied while it
 * was still blocked. The message names every blocked greenlet and what it waits on.
 * Mirrors gevent's `LoopExit`.
 */
export class LoopExit extends Error {}
nameClass(LoopExit);

/** Thrown by a non-blocking or timed-out `put` on a full queue. Mirrors `queue.Full`. */
export class Full extends Error {}
nameClass(Full);

/** Thrown by a non-blocking or timed-out `get` on an empty queue. Mirrors `queue.Empty`. */
export class Empty extends Error {}
nameClass(Empty);

/** Thrown by `put` after `shutdown()`, and by `get` once a shut-down queue is drained. */
export class ShutDown extends Error {}
nameClass(ShutDown);

/**
 * Thrown by a switch that greenlet semantics forbid: a parent cycle, a switch to a greenlet of
 * another thread, or a switch to a greenlet that is blocked on something else.
 * Mirrors `greenlet.error` / gevent's `InvalidSwitch`.
 */
export class InvalidSwitch extends Error {}
nameClass(InvalidSwitch);

/** @internal Gives a class defined elsewhere the same prototype `name` treatment. */
export const nameErrorClass = nameClass;

/** @internal A short, safe description of any value for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return 'an array';
  const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
  if (!ctor || ctor === 'Object') return 'an object';
  return /^[AEIOU]/.test(ctor) ? `an ${ctor}` : `a ${ctor}`;
}

/** @internal Validates a duration in milliseconds; `undefined` means "no limit". */
export function checkDuration(what: string, ms: unknown): number | undefined {
  if (ms === undefined) return undefined;
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) {
    throw new RangeError(
      `${what} must be a non-negative number of milliseconds, got ${describeValue(ms)}`,
    );
  }
  return ms;
}
