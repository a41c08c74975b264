/**
 * Seed 001, "greenlet 真正的协程模块就是使用greenlet完成的切换": eat and play taking turns through
 * raw greenlet switches.
 *
 * The switches decide the order, not any waiting: eating start, playing start, eating end,
 * playing end.
 */
import { RawGreenlet } from '../src/index.js';

function* eat() {
  console.log('eating start');
  yield* g2.switch();
  console.log('eating end');
  yield* g2.switch();
}

function* play() {
  console.log('playing start');
  yield* g1.switch();
  console.log('playing end');
}

const g1 = new RawGreenlet(eat);
const g2 = new RawGreenlet(play);
await g1.switch();
