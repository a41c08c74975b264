/**
 * Seed 002, "十、协程": eat(name) and play(name) as raw greenlets, each receiving its argument
 * from the first switch into it.
 *
 * The first `switch('ckl')` calls the body with 'ckl'; later switches just resume it. Prints
 * "ckl eat 1", "ckl play 1", "ckl eat 2", "ckl play 2".
 */
import { RawGreenlet } from '../src/index.js';

function* eat(name: string) {
  console.log(`${name} eat 1`);
  yield* g2.switch('ckl'); // the first switch into play passes its argument
  console.log(`${name} eat 2`);
  yield* g2.switch();
}

function* play(name: string) {
  console.log(`${name} play 1`);
  yield* g1.switch();
  console.log(`${name} play 2`);
}

const g1 = new RawGreenlet(eat);
const g2 = new RawGreenlet(play);
await g1.switch('ckl'); // the first switch passes eat's argument
