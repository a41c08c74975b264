/**
 * @internal What `select` needs from a socket: whether it is ready for reading, writing or has
 * an error right now, and a set of parked `select` callers to wake when that may have changed.
 * The socket itself never parks here; only `select` does.
 */
import { wake } from './hub.js';
import type { Waiter } from './waiter.js';

/** @internal Implemented by `Socket` and `UdpSocket`. */
export interface Selectable {
  /** @internal Data, end of stream, an error or a connection waits to be taken. */
  selectReadable(): boolean;
  /** @internal A send would not have to wait. */
  selectWritable(): boolean;
  /** @internal An error is pending. */
  selectExceptional(): boolean;
  /** @internal Parked `select` callers, woken (not removed) on every change. */
  readonly selectWatchers: Set<Waiter>;
  /** @internal Readiness for reading can only be seen once the socket reads from the kernel. */
  selectStartReading(): void;
}

/** @internal Wakes every parked `select` caller; each one then looks at its sockets again. */
export function notifyWatchers(watchers: Set<Waiter>): void {
  if (watchers.size === 0) return;
  for (const w of watchers) wake(w, undefined);
}

/** @internal */
export function isSelectable(value: unknown): value is Selectable {
  return (
    value !== null &&
    typeof value === 'object' &&
    (value as Partial<Selectable>).selectWatchers instanceof Set &&
    typeof (value as Partial<Selectable>).selectReadable === 'function'
  );
}
