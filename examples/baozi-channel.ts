/**
 * Seed 000, "yield的简单实现", the gevent way: the baozi producer and its two consumers as
 * greenlets handing baozi over a `Channel`.
 *
 * A `Channel` has no buffer: `put` waits until a consumer takes the baozi, and consumers
 * waiting in `get` are served in arrival order, c1 then c2. Shutting the channel down ends the
 * consumers' loops once the three rounds are eaten.
 */
import { Channel, joinAll, sleep, spawn } from '../src/index.js';

const baozi = new Channel<number>();

function* consumer(name: string) {
  console.log('--->ready to eat baozi...');
  const bun = baozi.stream();
  for (let r = yield* bun.next(); !r.done; r = yield* bun.next()) {
    console.log(`[${name}] is eating baozi ${r.value}`);
  }
}

function* producer() {
  for (let n = 0; n < 6; n += 2) {
    yield* sleep(100);
    console.log(`[producer] is making baozi ${n} and ${n + 1}`);
    yield* baozi.put(n);
    yield* baozi.put(n + 1);
  }
  baozi.shutdown();
}

await joinAll([spawn(consumer, 'c1'), spawn(consumer, 'c2'), spawn(producer)]);
