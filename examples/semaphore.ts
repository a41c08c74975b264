/**
 * Seed 002, "六、semaphore": `Semaphore(3)` lets three of ten greenlets eat noodles at a time.
 *
 * All ten are spawned at once, but only three hold a permit together; each one leaving the
 * table hands its permit to the next in line, first come, first served. Random meal times of
 * 20 to 100 ms stand in for the seed's one to five seconds.
 */
import { randomInt } from 'node:crypto';
import { Semaphore, getCurrent, joinAll, sleep, spawn } from '../src/index.js';

const sm = new Semaphore(3);

function* work() {
  yield* sm.acquire();
  try {
    console.log(`${getCurrent()?.name} is eating noodles`);
    yield* sleep(randomInt(1, 6) * 20);
    console.log(`${getCurrent()?.name} is full`);
  } finally {
    sm.release();
  }
}

const eaters = Array.from({ length: 10 }, (_, i) => {
  const g = spawn(work);
  g.name = `Thread-${i + 1}`;
  return g;
});
await joinAll(eaters);
