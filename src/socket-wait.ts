/**
 * @internal How a socket call waits: parked on one of the socket's wait lists, within what is
 * left of the socket's timeout for this call; and the wait for a connection. Shared by TCP and
 * UDP sockets.
 */
import { getHub } from './hub.js';
import type { Suspend } from './operation.js';
import type { Greenlet } from './greenlet.js';
import { TIMED_OUT, WaitDeadline, WaitList, Waiter, parkFor, runningGreenlet } from './waiter.js';
import { BlockingIOError, SocketTimeout, type Address } from './socket-errors.js';

/**
 * @internal Parks the running greenlet on `list` until woken. `timeout` is the socket's
 * (0: non-blocking, so throw `BlockingIOError` instead); a call that parks several times keeps
 * one deadline, returned for the next round.
 */
export function* parkOn(
  list: WaitList<void>,
  what: string,
  timeout: number | undefined,
  deadline: number | undefined,
): Generator<Suspend, number | undefined, unknown> {
  if (timeout === 0) {
    throw new BlockingIOError(`${what} would block: the socket is non-blocking and nothing is ready`);
  }
  const g = runningGreenlet(what);
  let wait: number | undefined;
  if (timeout !== undefined) {
    const now = getHub().clock.now();
    deadline ??= now + timeout;
    wait = Math.max(0, deadline - now);
  }
  const r = yield* parkFor(list.enqueue(g, undefined), wait);
  if (r === TIMED_OUT) throw new SocketTimeout(`${what} timed out after ${timeout} ms`);
  return deadline;
}

/** @internal What a pending connection does when its waiting greenlet is killed or times out. */
export interface Connecting {
  abortConnect(): void;
}

/** @internal Parks a greenlet until its connection (or TLS handshake) completes. */
export class ConnectWaiter extends Waiter {
  /** The socket's timeout for this wait, cancelled by whatever ends the wait first. */
  deadline: WaitDeadline | null = null;

  constructor(
    greenlet: Greenlet,
    private readonly connecting: Connecting,
    readonly what: string,
  ) {
    super(greenlet);
  }

  // Killed or timed out while connecting: the half-open connection is released at once.
  unhook(): void {
    this.connecting.abortConnect();
  }

  describe(): string {
    return this.what;
  }
}

/**
 * @internal What a failed connect wakes its greenlet with; the connect steps throw its error
 * from their own `next()`, once, rather than having it thrown into the greenlet's frames and
 * thrown again at each.
 */
export class ConnectFailure {
  constructor(readonly error: Error) {}
}

/**
 * @internal The wait for a connection, as a plain iterator rather than a generator: a port
 * scan fails tens of thousands of connects, and each failure is thrown through every frame
 * between the hub and the caller, so this wait adds none. It parks once, then finishes with
 * `result`, or throws `SocketTimeout`, or lets the thrown connect error through.
 */
export class ConnectSteps<T> implements Iterator<Suspend, T, unknown> {
  private parked = false;

  constructor(
    private readonly waiter: ConnectWaiter,
    private readonly timeout: number | undefined,
    private readonly peer: Address,
    private readonly result: T,
  ) {}

  next(value?: unknown): IteratorResult<Suspend, T> {
    if (!this.parked) {
      this.parked = true;
      return { done: false, value: this.waiter.park() };
    }
    if (value instanceof ConnectFailure) throw value.error;
    if (value === TIMED_OUT) {
      throw new SocketTimeout(`${this.waiter.what}: no connection to ${this.peer[0]}:${this.peer[1]} within ${this.timeout} ms`);
    }
    return { done: true, value: this.result };
  }

  throw(error: unknown): IteratorResult<Suspend, T> {
    throw error;
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/**
 * @internal What an Operation runs as when it needs no waiting: an iterator that is already
 * done. `recv` with bytes buffered and a `sendall` that Node takes at once (the common case on
 * a busy connection) then cost no generator.
 */
export class Finished<T> implements Iterator<Suspend, T, unknown> {
  constructor(private readonly value: T) {}

  next(): IteratorResult<Suspend, T> {
    return { done: true, value: this.value };
  }
}
