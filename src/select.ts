/**
 * `select` over greenlets sockets: wait until some of them are ready, the way the seeds'
 * I/O-multiplexing server does with Python's `select.select`. Mirrors `gevent.select`.
 */
import { getHub } from './hub.js';
import { Operation, type Steps } from './operation.js';
import { TIMED_OUT, Waiter, parkFor, runningGreenlet } from './waiter.js';
import { checkDuration, describeValue } from './errors.js';
import type { Greenlet } from './greenlet.js';
import { isSelectable, type Selectable } from './socket-readiness.js';
import { socketError } from './socket-errors.js';

export type { Selectable } from './socket-readiness.js';

/** @internal A greenlet parked in `select`, hooked into every socket it watches. */
class SelectWaiter extends Waiter {
  constructor(
    greenlet: Greenlet,
    private readonly watched: Selectable[],
  ) {
    super(greenlet);
  }

  unhook(): void {
    for (const s of this.watched) s.selectWatchers.delete(this);
  }

  describe(): string {
    return `select() on ${this.watched.length} socket(s)`;
  }
}

function toList<T>(what: string, objects: Iterable<T>): T[] {
  if (objects === null || typeof (objects as { [Symbol.iterator]?: unknown })?.[Symbol.iterator] !== 'function') {
    throw new TypeError(`select() ${what} must be an iterable of sockets, got ${describeValue(objects)}`);
  }
  const list = [...objects];
  for (const o of list) {
    if (!isSelectable(o)) throw new TypeError(`select() ${what} may hold only greenlets sockets, got ${describeValue(o)}`);
    if ((o as { closed?: boolean }).closed === true) throw socketError('EBADF', 'select', `a closed socket in ${what}`);
  }
  return list;
}

class SelectOperation<R extends Selectable, W extends Selectable, X extends Selectable> extends Operation<[R[], W[], X[]]> {
  constructor(
    private readonly rlist: Iterable<R>,
    private readonly wlist: Iterable<W>,
    private readonly xlist: Iterable<X>,
    private readonly timeout: number | undefined,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<[R[], W[], X[]]> {
    const r = toList('rlist', this.rlist);
    const w = toList('wlist', this.wlist);
    const x = toList('xlist', this.xlist);
    for (const s of r) s.selectStartReading();
    const poll = (): [R[], W[], X[]] | null => {
      const readable = r.filter((s) => s.selectReadable());
      const writable = w.filter((s) => s.selectWritable());
      const exceptional = x.filter((s) => s.selectExceptional());
      return readable.length + writable.length + exceptional.length > 0 ? [readable, writable, exceptional] : null;
    };
    const ready = poll();
    if (ready !== null) return ready;
    const timeout = this.timeout;
    if (timeout === 0) return [[], [], []];
    const g = runningGreenlet('select()');
    const watched = [...new Set<Selectable>([...r, ...w, ...x])];
    const deadline = timeout === undefined ? undefined : getHub().clock.now() + timeout;
    for (;;) {
      const waiter = new SelectWaiter(g, watched);
      for (const s of watched) s.selectWatchers.add(waiter);
      let woke: unknown;
      try {
        woke = yield* parkFor(waiter, deadline === undefined ? undefined : Math.max(0, deadline - getHub().clock.now()));
      } finally {
        // A plain wake does not unhook; the other sockets must forget this waiter too.
        waiter.unhook();
      }
      if (woke === TIMED_OUT) return [[], [], []];
      const now = poll();
      if (now !== null) return now;
    }
  }
}

/**
 * Waits until at least one socket of `rlist` is readable (data, the end of the stream, or a
 * connection to accept), one of `wlist` is writable, or one of `xlist` has an error, or until
 * `timeout` ms pass; returns the ready ones of each list (three empty lists on timeout). A
 * `timeout` of 0 polls without waiting. Mirrors `select.select`, with the timeout in
 * milliseconds.
 * @example
 * const reading = [listener];
 * for (;;) {
 *   const [readable] = yield* select(reading, [], []);
 *   for (const sock of readable) {
 *     if (sock === listener) reading.push((yield* listener.accept())[0]);
 *     else console.log(yield* sock.recv(1024));
 *   }
 * }
 */
export function select<R extends Selectable, W extends Selectable = R, X extends Selectable = R>(
  rlist: Iterable<R>,
  wlist: Iterable<W>,
  xlist: Iterable<X>,
  timeout?: number,
): Operation<[R[], W[], X[]]> {
  return new SelectOperation(rlist, wlist, xlist, checkDuration('select() timeout', timeout));
}
