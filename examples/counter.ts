/**
 * Seed 002, "线程的互斥锁": a shared counter `n = 100` decremented by 100 workers, each reading
 * `n`, yielding, then writing `temp - 1`; once without a lock and once with a `Lock`.
 *
 * Greenlets switch only where they block, so the race needs a switch between the read and the
 * write (the seed's `time.sleep`; `sleep(0)` here): without a lock every worker reads 100 before
 * anyone writes, and n ends at 99. With a `Lock` around read-switch-write, the updates take
 * turns and n ends at 0; only the locked part is serial, the rest still runs concurrently.
 */
import { Lock, joinAll, sleep, spawn } from '../src/index.js';

let n = 100;

function* work() {
  const temp = n;
  yield* sleep(0);
  n = temp - 1;
}

await joinAll(Array.from({ length: 100 }, () => spawn(work)));
console.log(`without a lock: n = ${n}`);

n = 100;
const mutex = new Lock();

function* lockedWork() {
  yield* mutex.acquire();
  try {
    const temp = n;
    yield* sleep(0);
    n = temp - 1;
  } finally {
    mutex.release();
  }
}

await joinAll(Array.from({ length: 100 }, () => spawn(lockedWork)));
console.log(`with a Lock: n = ${n}`);
