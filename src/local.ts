/**
 * Greenlet-local storage: one value per greenlet, like a thread-local for greenlets. Mirrors
 * `gevent.local.local`.
 */
import { currentGreenlet } from './hub.js';
import { describeValue } from './errors.js';
import type { Greenlet } from './greenlet.js';

/**
 * A value per greenlet: each greenlet that calls `get()` sees what it last `set()`, never what
 * another greenlet set. Use it for context that follows one task through the calls it makes
 * (a request id, a connection, a cache) without passing it around. Code outside any greenlet
 * has one slot of its own. Values are held weakly by greenlet, so a dead greenlet's value is
 * collected with it.
 *
 * `init`, when given, is a factory called once per greenlet, on its first `get()` when it has
 * not `set()` a value: the counterpart of a gevent `local` subclass's `__init__`. Without
 * `init`, `get()` returns `undefined` until the greenlet sets a value, so declare the type as
 * `Local<T | undefined>` when that can happen.
 * @example
 * const requestId = new Local<string>(() => 'none');
 * spawn(function* () {
 *   requestId.set('req-1');
 *   yield* sleep(10);
 *   console.log(requestId.get()); // 'req-1', whatever other greenlets set meanwhile
 * });
 * spawn(function* () { console.log(requestId.get()); }); // 'none'
 */
export class Local<T> {
  private readonly values = new WeakMap<Greenlet, T>();
  private outside: { value: T } | null = null;
  private readonly init: (() => T) | undefined;

  constructor(init?: () => T) {
    if (init !== undefined && typeof init !== 'function') {
      throw new TypeError(`Local init must be a function returning the initial value, got ${describeValue(init)}`);
    }
    this.init = init;
  }

  /**
   * The running greenlet's value: what it last set, else what `init` returns (called once per
   * greenlet), else `undefined`.
   */
  get(): T {
    const g = currentGreenlet();
    if (g === null) {
      if (this.outside === null) {
        if (this.init === undefined) return undefined as T;
        this.outside = { value: this.init() };
      }
      return this.outside.value;
    }
    const values = this.values;
    // `has` first: a stored `undefined` is a value, not an absence.
    if (values.has(g)) return values.get(g) as T;
    if (this.init === undefined) return undefined as T;
    const value = this.init();
    values.set(g, value);
    return value;
  }

  /** Sets the running greenlet's value; other greenlets keep theirs. */
  set(value: T): void {
    const g = currentGreenlet();
    if (g === null) this.outside = { value };
    else this.values.set(g, value);
  }

  /** True when the running greenlet has a value (set, or made by `init`). */
  has(): boolean {
    const g = currentGreenlet();
    return g === null ? this.outside !== null : this.values.has(g);
  }

  /** Forgets the running greenlet's value; its next `get()` calls `init` again. */
  delete(): boolean {
    const g = currentGreenlet();
    if (g !== null) return this.values.delete(g);
    const had = this.outside !== null;
    this.outside = null;
    return had;
  }
}

/**
 * Creates a `Local`: a value per greenlet. Mirrors `gevent.local.local()`.
 * @example
 * const user = local<string | undefined>();
 * spawn(function* () { user.set('ann'); yield* sleep(1); console.log(user.get()); }); // 'ann'
 * spawn(function* () { console.log(user.get()); }); // undefined
 */
export function local<T>(init?: () => T): Local<T> {
  return new Local<T>(init);
}
