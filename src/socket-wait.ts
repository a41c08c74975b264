/**
 * @internal How a socket call waits: parked on one of the socket's wait lists, within what is
 * left of the socket's timeout for this call. Shared by TCP and UDP sockets.
 */
import { getHub } from './hub.js';
import type { Suspend } from './operation.js';
import { TIMED_OUT, WaitList, parkFor, runningGreenlet } from './waiter.js';
import { BlockingIOError, SocketTimeout } from './socket-errors.js';

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
