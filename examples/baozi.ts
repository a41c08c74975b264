/**
 * Seed 000, "yield的简单实现": the baozi (steamed bun) producer and its two consumers.
 *
 * First with plain JavaScript generators, the model greenlets are built on: `next(value)` is
 * Python's `send(value)`, and each consumer waits at its `yield` for the next baozi. Then the
 * same dialogue between raw greenlets: a `switch(value)` hands a baozi over and the consumer's
 * own `switch()` hands control back, so the producer may also block (sleep) in between.
 * Bounded to three rounds, with short sleeps instead of the seed's one second.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { RawGreenlet, sleep } from '../src/index.js';

const ROUNDS = 3;
const PAUSE_MS = 100;

// --- Plain generators: the producer drives, the consumers only react to `next(baozi)`. ---

function* consumer(name: string): Generator<void, never, number> {
  console.log('--->ready to eat baozi...');
  for (;;) {
    const baozi = yield;
    console.log(`[${name}] is eating baozi ${baozi}`);
  }
}

async function producer(): Promise<void> {
  const con = consumer('c1');
  const con2 = consumer('c2');
  // Python's `con.__next__()`: run each consumer up to its first `yield`.
  con.next();
  con2.next();
  for (let n = 0; n < 2 * ROUNDS; n += 2) {
    await delay(PAUSE_MS);
    console.log(`[producer] is making baozi ${n} and ${n + 1}`);
    con.next(n);
    con2.next(n + 1);
  }
}

console.log('== generators ==');
await producer();

// --- Raw greenlets: the same hand-over, but any of them may block in between. ---

function eater(name: string): RawGreenlet {
  return new RawGreenlet(function* () {
    console.log('--->ready to eat baozi...');
    for (;;) {
      // Back to the producer; it switches here again with the next baozi.
      const baozi = yield* baker.switch();
      console.log(`[${name}] is eating baozi ${String(baozi)}`);
    }
  });
}

const c1 = eater('c1');
const c2 = eater('c2');
const baker = new RawGreenlet(function* () {
  yield* c1.switch();
  yield* c2.switch();
  for (let n = 0; n < 2 * ROUNDS; n += 2) {
    yield* sleep(PAUSE_MS);
    console.log(`[producer] is making baozi ${n} and ${n + 1}`);
    yield* c1.switch(n);
    yield* c2.switch(n + 1);
  }
});

console.log('== greenlets ==');
await baker.switch();
