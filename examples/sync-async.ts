/**
 * Seed 003, "5.4 同步vs异步": five tasks with a random sleep each, run one after the other and
 * then all at once.
 *
 * Synchronously, the tasks finish in order 0 to 4. Spawned as greenlets, they sleep at the same
 * time and finish in the order of their random sleeps (equal sleeps in spawn order).
 */
import { randomInt } from 'node:crypto';
import { joinAll, operation, sleep, spawn } from '../src/index.js';

function* task(pid: number) {
  yield* sleep(randomInt(0, 3) * 10);
  console.log(`Task ${pid} done`);
}

function* synchronous() {
  for (let i = 0; i < 5; i++) yield* task(i);
}

function* asynchronous() {
  const threads = [0, 1, 2, 3, 4].map((i) => spawn(task, i));
  yield* joinAll(threads);
}

console.log('Synchronous:');
await operation(synchronous);
console.log('Asynchronous:');
await operation(asynchronous);
