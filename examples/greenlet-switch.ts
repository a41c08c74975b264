/**
 * Seed 000, "Greenlet模块": `test1` and `test2` passing control back and forth with explicit
 * switches, printing 12 56 34 78.
 *
 * Nothing runs unless switched to. When `test2` returns, control goes to its parent, the main
 * code awaiting the first switch, so `test1` never gets to its last line and that is fine: an
 * abandoned raw greenlet is simply garbage.
 */
import { RawGreenlet } from '../src/index.js';

function* test1() {
  console.log(12);
  yield* gr2.switch();
  console.log(34);
  yield* gr2.switch();
}

function* test2() {
  console.log(56);
  yield* gr1.switch();
  console.log(78);
}

const gr1 = new RawGreenlet(test1);
const gr2 = new RawGreenlet(test2);
await gr1.switch();
