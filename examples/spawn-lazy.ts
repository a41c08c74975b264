/**
 * Seed 003, "5.2 创建协程任务": a spawned greenlet does not run until the main code blocks.
 *
 * `spawn` only schedules: however long the main code runs without blocking, eat prints
 * nothing. The moment the main code blocks (the seed's `gevent.sleep(2)`), eat runs; it
 * finishes its own sleep while the main code is still sleeping.
 */
import { sleep, spawn } from '../src/index.js';

function* eat() {
  console.log('Fengyun is eating');
  yield* sleep(100);
  console.log('Fengyun finished eat');
}

const g1 = spawn(eat);
console.log('main: eat spawned, nothing printed yet');
let busy = 0;
for (let i = 0; i < 1_000_000; i++) busy += i;
console.log(`main: computed ${busy} without blocking, still nothing from eat`);
await sleep(200);
console.log(`main: slept 200 ms; eat ran meanwhile (dead: ${g1.dead})`);
