/**
 * greenlets: gevent's programming model for TypeScript on Node.js.
 * @packageDocumentation
 */
export { GreenletExit, LoopExit, Full, Empty, ShutDown, InvalidSwitch } from './errors.js';
export { Hub, getHub } from './hub.js';
export { Operation, Stream, operation, call, constant, type Suspend, type Steps } from './operation.js';
export {
  Greenlet,
  spawn,
  spawnLater,
  getCurrent,
  type GreenletBody,
  type KillOptions,
  type GetOptions,
  type LinkCallback,
} from './greenlet.js';
export { sleep, idle } from './sleep.js';
export { RawGreenlet } from './raw-greenlet.js';
export { Timeout, withTimeout, type WithTimeoutOptions } from './timeout.js';
export { joinAll, killAll, wait, iwait, type Waitable, type WaitOptions, type JoinAllOptions } from './wait.js';
export { Group, Pool, BaseGroup, type GroupJoinOptions, type ImapOptions, type PoolAddOptions, type ResultOf } from './pool.js';
export { Queue, JoinableQueue, SimpleQueue, LifoQueue, PriorityQueue, Channel, type QueueOptions } from './queue.js';
export { Event, AsyncResult } from './event.js';
export { Semaphore, BoundedSemaphore, Lock, RLock, DummySemaphore, type AcquireOptions, type HoldingBody } from './lock.js';
export { Local, local } from './local.js';
