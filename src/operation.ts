/**
 * Operations: how blocking works. A call that can block returns an `Operation<T>`, which does
 * nothing until it is run: with `yield*` inside a greenlet body, or with `await` from plain
 * async code (it is a lazy promise). Running one object twice runs it twice.
 */
import { Waiter, runningGreenlet } from './waiter.js';
import { wake, wakeThrow } from './hub.js';
import type { Greenlet } from './greenlet.js';

declare const suspendBrand: unique symbol;

/**
 * What a greenlet body yields to its hub, through `yield*`; opaque. Bodies never create one:
 * they `yield*` Operations, and the Operations yield these.
 */
export interface Suspend {
  readonly [suspendBrand]: true;
}

/** The generator type of a greenlet body or an Operation's steps that returns `T`. */
export type Steps<T> = Generator<Suspend, T, unknown>;

// The carrier factory lives in greenlet.ts; it is registered here at load time so this module
// does not import greenlet.ts (which extends the classes below).
let runInCarrier: (<T>(op: Operation<T>) => Promise<T>) | null = null;

/** @internal */
export function setCarrierFactory(factory: <T>(op: Operation<T>) => Promise<T>): void {
  runInCarrier = factory;
}

/**
 * A unit of blocking work: iterable with `yield*` inside greenlets, and awaitable outside them.
 * `await op` runs it in a fresh greenlet, queued behind those already scheduled, and settles
 * with its value or error.
 * @example
 * // inside a greenlet body
 * const item = yield* queue.get();
 * // in plain async code
 * const item2 = await queue.get();
 */
export abstract class Operation<T> implements PromiseLike<T> {
  abstract [Symbol.iterator](): Iterator<Suspend, T, unknown>;

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return runInCarrier!(this).then(onfulfilled, onrejected);
  }

  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return runInCarrier!(this).catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<T> {
    return runInCarrier!(this).finally(onfinally);
  }
}

class GeneratorOperation<T> extends Operation<T> {
  constructor(private readonly body: () => Steps<T>) {
    super();
  }

  [Symbol.iterator](): Iterator<Suspend, T, unknown> {
    return this.body();
  }
}

/**
 * Makes an Operation out of a generator function, for writing your own blocking calls.
 * Each run calls `body` afresh.
 * @example
 * function fetchBoth(a: string, b: string): Operation<[Response, Response]> {
 *   return operation(function* () {
 *     const ga = spawn(() => call(fetch(a)));
 *     const gb = spawn(() => call(fetch(b)));
 *     return [yield* ga.get(), yield* gb.get()];
 *   });
 * }
 */
export function operation<T>(body: () => Steps<T>): Operation<T> {
  if (typeof body !== 'function') {
    throw new TypeError(`operation() needs a generator function, got ${typeof body}`);
  }
  return new GeneratorOperation(body);
}

/** An Operation that finishes at once with `value`. */
export function constant<T>(value: T): Operation<T> {
  return new GeneratorOperation(function* () {
    return value;
  });
}

class PromiseWaiter extends Waiter {
  settled = false;

  constructor(greenlet: Greenlet, private readonly controller: AbortController | null) {
    super(greenlet);
  }

  unhook(reason?: unknown): void {
    // Killed or timed out while the promise is pending: tell the factory's work to stop.
    this.controller?.abort(reason);
  }

  describe(): string {
    return 'a promise (call())';
  }
}

/** @internal Whether `value` is a promise or any other thenable. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** @internal Whether `value` can be driven like a generator (`next` and `throw`). */
export function isGeneratorLike(value: unknown): value is Generator<unknown, unknown, unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { next?: unknown }).next === 'function' &&
    typeof (value as { throw?: unknown }).throw === 'function'
  );
}

/**
 * Turns a promise into an Operation, so a greenlet can wait for it with `yield*`. Given a
 * factory `(signal) => Promise`, the factory is called when the Operation runs, and `signal`
 * aborts when the waiting greenlet is killed or times out.
 * @example
 * const res = yield* call((signal) => fetch(url, { signal }));
 * const text = yield* call(res.text());
 */
export function call<T>(source: PromiseLike<T> | T | ((signal: AbortSignal) => PromiseLike<T> | T)): Operation<T> {
  return new GeneratorOperation<T>(function* () {
    const g = runningGreenlet('call()');
    let controller: AbortController | null = null;
    let pending: unknown;
    if (typeof source === 'function') {
      controller = new AbortController();
      pending = (source as (signal: AbortSignal) => PromiseLike<T> | T)(controller.signal);
    } else {
      pending = source;
    }
    if (!isThenable(pending)) return pending as T;
    const w = new PromiseWaiter(g, controller);
    pending.then(
      (value) => {
        w.settled = true;
        wake(w, value);
      },
      (error: unknown) => {
        w.settled = true;
        wakeThrow(w, error);
      },
    );
    return (yield w.park()) as T;
  });
}

/**
 * A sequence that arrives over time (`iwait`, `Pool.imap`, a queue drained until shutdown).
 * Inside a greenlet, `yield* stream.next()` gives an `IteratorResult`; outside one,
 * `for await (const x of stream)` works.
 * @example
 * for await (const g of iwait(greenlets)) console.log(g.value);
 */
export abstract class Stream<T> implements AsyncIterable<T> {
  /** The next item, or `{ done: true }` at the end. */
  abstract next(): Operation<IteratorResult<T, undefined>>;

  /** Stops the stream early and releases what it holds; later `next()` calls report the end. */
  close(): void {}

  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return {
      next: async () => this.next(),
      return: async () => {
        this.close();
        return { done: true, value: undefined };
      },
    };
  }
}

/**
 * @internal The steps of whatever a body function returned, run in the calling greenlet: an
 * Operation or a generator runs right here (under the caller's deadlines), a promise is waited
 * for through `call()`, and anything else is the result.
 */
export function* stepsOf<R>(out: unknown): Steps<R> {
  if (out instanceof Operation) return (yield* out) as R;
  if (isGeneratorLike(out)) return (yield* out as Steps<unknown>) as R;
  if (isThenable(out)) return (yield* call(out)) as R;
  return out as R;
}
