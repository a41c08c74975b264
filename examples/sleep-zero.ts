/**
 * Seed 003, "5.3 同步和异步执行": two spawned greenlets that each print, `sleep(0)`, and print
 * again, printing 12 56 34 78.
 *
 * `sleep(0)` blocks for no time at all, yet it is a switch: the greenlet goes to the back of
 * the ready queue and every other ready greenlet runs first.
 */
import { joinAll, sleep, spawn } from '../src/index.js';

function* test1() {
  console.log(12);
  yield* sleep(0);
  console.log(34);
}

function* test2() {
  console.log(56);
  yield* sleep(0);
  console.log(78);
}

await joinAll([spawn(test1), spawn(test2)]);
