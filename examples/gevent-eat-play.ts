/**
 * Seed 002, "十、协程" (and seed 001's "gevent异步提交任务"): eat and play spawned as greenlets
 * that sleep, joined with `joinAll`.
 *
 * A sleeping greenlet lets the other one run, so the two sleeps overlap: play (200 ms) ends
 * before eat (300 ms), and the whole takes about the longest sleep rather than their sum.
 */
import { joinAll, sleep, spawn } from '../src/index.js';

function* eat(name: string) {
  console.log(`${name} eat 1`);
  yield* sleep(300);
  console.log(`${name} eat 2`);
}

function* play(name: string) {
  console.log(`${name} play 1`);
  yield* sleep(200);
  console.log(`${name} play 2`);
}

const start = performance.now();
const g1 = spawn(eat, 'ckl');
const g2 = spawn(play, 'ckl');
await joinAll([g1, g2]);
const elapsed = Math.round(performance.now() - start);
console.log(`cost time: ${elapsed} ms (eat slept 300 ms and play 200 ms, at the same time)`);
