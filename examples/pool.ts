/**
 * Seed 002, "concurrent的map的使用", and seed 004's `geventScan` with `gevent.pool.Pool(500)`:
 * mapping a function over many small tasks with a bounded pool.
 *
 * `map` returns the results in input order whatever order the tasks finish in, never runs more
 * than the pool's capacity at once, and reads its input lazily, so a generator of ten thousand
 * "ports" is consumed as slots free up.
 */
import { randomInt } from 'node:crypto';
import { Pool, sleep } from '../src/index.js';

function* range(start: number, end: number) {
  for (let i = start; i < end; i++) yield i;
}

// Seed 002: `p.map(work, range(10))`, each work sleeping a random while.
function* work(n: number) {
  yield* sleep(randomInt(1, 4) * 10);
  return n * 2;
}

const p = new Pool(500);
const res = await p.map(work, range(0, 10));
console.log(`[${res.join(', ')}]`);

// Seed 004: a port scan through Pool(500); each probe is a short sleep, a few ports answer.
const listening = new Set([22, 80, 443, 3306, 8080]);
let running = 0;
let most = 0;

function* probe(port: number) {
  running += 1;
  most = Math.max(most, running);
  try {
    yield* sleep(randomInt(1, 6));
    return listening.has(port);
  } finally {
    running -= 1;
  }
}

const ports = 10_000;
console.log(`scanning ports 1-${ports} with Pool(500)...`);
const open = await p.map(probe, range(1, ports + 1));
const found = open.flatMap((isOpen, i) => (isOpen ? [i + 1] : []));
console.log(`open ports: ${found.join(', ')}`);
console.log(`${open.length} probes, at most ${most} running at once`);
