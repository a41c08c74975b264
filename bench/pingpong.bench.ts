/**
 * 1,000,000 messages ping-ponging between two greenlets, per message: RawGreenlet switches, and
 * hand-offs through the sync layer's Event pair, Channel pair and Queue pair, against two async
 * tasks handing off through promises, Effection (two channels) and Effect (two queues).
 * A message is one transfer from one side to the other; a round trip is two messages.
 */
import { Channel, Event, Queue, RawGreenlet, operation, sleep, spawn } from '../src/index.js';
import { createChannel, run as effectionRun, spawn as effectionSpawn } from 'effection';
import { Effect, Fiber, Queue as EffectQueue } from 'effect';
import { measure, note, perOp, report, scaled, verdict } from './stats.js';

const MESSAGES = scaled(1_000_000);
const ROUNDS = MESSAGES >> 1;
const ANCHOR_MESSAGES = scaled(200_000);
const GEVENT_SWITCH_US = 0.24;

/** Raw greenlets: every message is one `switch(value)`; pong's last answer is its return. */
function rawSwitches(): Promise<unknown> {
  const ping: RawGreenlet = new RawGreenlet(function* (): Generator<unknown, unknown, unknown> {
    let value: unknown = 0;
    for (let i = 0; i < ROUNDS; i++) value = yield* pong.switch(i);
    return value;
  });
  const pong: RawGreenlet = new RawGreenlet(function* (first: unknown): Generator<unknown, unknown, unknown> {
    let value = first;
    for (let i = 1; i < ROUNDS; i++) value = yield* ping.switch(value);
    return value;
  }, ping);
  return Promise.resolve(ping.switch());
}

/** Two spawned greenlets taking turns with `sleep(0)`: the hub's ready queue is the hand-off. */
function yieldTurns(): Promise<void> {
  return Promise.resolve(
    operation(function* () {
      let slot = 0;
      const side = function* () {
        for (let i = 0; i < ROUNDS; i++) {
          slot++;
          yield* sleep(0);
        }
      };
      const a = spawn(side);
      const b = spawn(side);
      yield* a.join();
      yield* b.join();
      if (slot !== MESSAGES - (MESSAGES % 2)) throw new Error(`lost turns: ${slot}`);
    }),
  );
}

/** Each side sets the other's Event and waits on its own, clearing it once woken. */
function eventPair(): Promise<void> {
  return Promise.resolve(
    operation(function* () {
      const toPing = new Event();
      const toPong = new Event();
      const pong = spawn(function* () {
        for (let i = 0; i < ROUNDS; i++) {
          yield* toPong.wait();
          toPong.clear();
          toPing.set();
        }
      });
      const ping = spawn(function* () {
        for (let i = 0; i < ROUNDS; i++) {
          toPong.set();
          yield* toPing.wait();
          toPing.clear();
        }
      });
      yield* ping.join();
      yield* pong.join();
    }),
  );
}

/** Two queues of the given kind, one each way. */
function queuePair(make: () => Queue<number> | Channel<number>): Promise<void> {
  return Promise.resolve(
    operation(function* () {
      const toPing = make();
      const toPong = make();
      const pong = spawn(function* () {
        for (let i = 0; i < ROUNDS; i++) yield* toPing.put(yield* toPong.get());
      });
      const ping = spawn(function* () {
        for (let i = 0; i < ROUNDS; i++) {
          yield* toPong.put(i);
          yield* toPing.get();
        }
      });
      yield* ping.join();
      yield* pong.join();
    }),
  );
}

/** A one-slot mailbox for plain async code: `receive()` is a promise the sender resolves. */
class Mailbox<T> {
  private receiver: ((value: T) => void) | null = null;
  private held: { value: T } | null = null;

  send(value: T): void {
    const receiver = this.receiver;
    if (receiver === null) {
      this.held = { value };
    } else {
      this.receiver = null;
      receiver(value);
    }
  }

  receive(): Promise<T> {
    const held = this.held;
    if (held !== null) {
      this.held = null;
      return Promise.resolve(held.value);
    }
    return new Promise<T>((resolve) => {
      this.receiver = resolve;
    });
  }
}

async function asyncPingPong(): Promise<void> {
  const toPing = new Mailbox<number>();
  const toPong = new Mailbox<number>();
  const pong = (async () => {
    for (let i = 0; i < ROUNDS; i++) toPing.send(await toPong.receive());
  })();
  for (let i = 0; i < ROUNDS; i++) {
    toPong.send(i);
    await toPing.receive();
  }
  await pong;
}

function effectionPingPong(rounds: number): Promise<void> {
  return effectionRun(function* () {
    const toPing = createChannel<number>();
    const toPong = createChannel<number>();
    const pingInbox = yield* toPing;
    const pongInbox = yield* toPong;
    const pong = yield* effectionSpawn(function* () {
      for (let i = 0; i < rounds; i++) {
        const next = yield* pongInbox.next();
        yield* toPing.send(next.done === true ? -1 : next.value);
      }
    });
    for (let i = 0; i < rounds; i++) {
      yield* toPong.send(i);
      yield* pingInbox.next();
    }
    yield* pong;
  });
}

function effectPingPong(rounds: number): Promise<void> {
  return Effect.runPromise(
    Effect.gen(function* () {
      const toPing = yield* EffectQueue.unbounded<number>();
      const toPong = yield* EffectQueue.unbounded<number>();
      const pong = yield* Effect.forkChild(
        Effect.gen(function* () {
          for (let i = 0; i < rounds; i++) yield* EffectQueue.offer(toPing, yield* EffectQueue.take(toPong));
        }),
      );
      for (let i = 0; i < rounds; i++) {
        yield* EffectQueue.offer(toPong, i);
        yield* EffectQueue.take(toPing);
      }
      yield* Fiber.join(pong);
    }),
  );
}

const results = await measure([
  { name: 'RawGreenlet switch', run: rawSwitches },
  { name: 'greenlets: Event pair', run: eventPair },
  { name: 'greenlets: Channel pair (rendezvous)', run: () => queuePair(() => new Channel<number>()) },
  { name: 'greenlets: Queue pair', run: () => queuePair(() => new Queue<number>()) },
  { name: 'greenlets: sleep(0) turns', run: yieldTurns },
  { name: 'async tasks: promise mailbox', run: asyncPingPong },
  { name: 'Effect: two Queue.unbounded', run: () => effectPingPong(ANCHOR_MESSAGES >> 1), ops: ANCHOR_MESSAGES },
  { name: 'Effection: two channels', run: () => effectionPingPong(ANCHOR_MESSAGES >> 1), ops: ANCHOR_MESSAGES },
]);
report(`${MESSAGES.toLocaleString('en-US')} messages ping-ponging between two tasks`, results, MESSAGES, 'message');
const us = results.map((r) => perOp(r, MESSAGES));
note(`gevent (reference): ${GEVENT_SWITCH_US} us per raw greenlet switch; RawGreenlet is ${(GEVENT_SWITCH_US / us[0]).toFixed(1)}x that`);
note('issue reference points: async tasks about 0.2 us, Effection 3-4 us, Effect about 6 us per message');
verdict('a message hand-off under 0.2 us (RawGreenlet switch)', us[0] < 0.2, `${us[0].toFixed(3)} us`);
verdict('a message hand-off under 0.2 us (Event pair)', us[1] < 0.2, `${us[1].toFixed(3)} us`);
