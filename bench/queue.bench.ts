/**
 * Items through queues: 1,000,000 from one producer to one consumer through an unbounded
 * `Queue`, and through a bounded `Queue(100)` with 10 producers and 10 consumers, against
 * Effection's queue and channel, Effect's `Queue`, and a plain promise-based async queue; and
 * 1,000,000 rendezvous hand-offs through a `Channel`.
 *
 * Effection's queues buffer with `Array.prototype.unshift`, which turns quadratic once tens of
 * thousands of items are buffered (a producer that never blocks buffers them all), so Effection
 * runs 20,000 items.
 */
import { Channel, Queue, joinAll, operation, spawn, type Greenlet } from '../src/index.js';
import { createChannel, createQueue, run as effectionRun, spawn as effectionSpawn, type Task } from 'effection';
import { Effect, Fiber, Queue as EffectQueue } from 'effect';
import { AsyncQueue } from './async-queue.js';
import { measure, note, perOp, report, scaled, verdict, type CaseResult } from './stats.js';

const ITEMS = scaled(1_000_000);
const EFFECTION_ITEMS = scaled(20_000);
const SIDES = 10;

/** `producers` greenlets put `items` in total, `consumers` greenlets get them all. */
function greenletQueue(make: () => Queue<number> | Channel<number>, items: number, producers: number, consumers: number): Promise<void> {
  return Promise.resolve(
    operation(function* () {
      const queue = make();
      const all: Greenlet<void>[] = [];
      for (let c = 0; c < consumers; c++) {
        all.push(
          spawn(function* () {
            for (let i = 0; i < items / consumers; i++) yield* queue.get();
          }),
        );
      }
      for (let p = 0; p < producers; p++) {
        all.push(
          spawn(function* () {
            for (let i = 0; i < items / producers; i++) yield* queue.put(i);
          }),
        );
      }
      yield* joinAll(all);
    }),
  );
}

async function asyncQueue(maxsize: number, items: number, producers: number, consumers: number): Promise<void> {
  const queue = new AsyncQueue<number>(maxsize);
  const all: Promise<void>[] = [];
  for (let c = 0; c < consumers; c++) {
    all.push(
      (async () => {
        for (let i = 0; i < items / consumers; i++) await queue.get();
      })(),
    );
  }
  for (let p = 0; p < producers; p++) {
    all.push(
      (async () => {
        for (let i = 0; i < items / producers; i++) await queue.put(i);
      })(),
    );
  }
  await Promise.all(all);
}

function effectQueue(bounded: boolean, items: number, producers: number, consumers: number): Promise<void> {
  return Effect.runPromise(
    Effect.gen(function* () {
      const queue = bounded ? yield* EffectQueue.bounded<number>(100) : yield* EffectQueue.unbounded<number>();
      const fibers: Fiber.Fiber<void>[] = [];
      for (let c = 0; c < consumers; c++) {
        fibers.push(
          yield* Effect.forkChild(
            Effect.gen(function* () {
              for (let i = 0; i < items / consumers; i++) yield* EffectQueue.take(queue);
            }),
          ),
        );
      }
      for (let p = 0; p < producers; p++) {
        fibers.push(
          yield* Effect.forkChild(
            Effect.gen(function* () {
              for (let i = 0; i < items / producers; i++) yield* EffectQueue.offer(queue, i);
            }),
          ),
        );
      }
      for (const fiber of fibers) yield* Fiber.join(fiber);
    }),
  );
}

/** Effection's `createQueue`: unbounded, `add` is synchronous, several consumers may `next()`. */
function effectionQueue(items: number, producers: number, consumers: number): Promise<void> {
  return effectionRun(function* () {
    const queue = createQueue<number, void>();
    const tasks: Task<void>[] = [];
    for (let c = 0; c < consumers; c++) {
      tasks.push(
        yield* effectionSpawn(function* () {
          for (let i = 0; i < items / consumers; i++) yield* queue.next();
        }),
      );
    }
    for (let p = 0; p < producers; p++) {
      tasks.push(
        yield* effectionSpawn(function* () {
          for (let i = 0; i < items / producers; i++) queue.add(i);
        }),
      );
    }
    for (const task of tasks) yield* task;
  });
}

/** Effection's `createChannel` with one subscriber: `send` is an Operation. */
function effectionChannel(items: number): Promise<void> {
  return effectionRun(function* () {
    const channel = createChannel<number>();
    const inbox = yield* channel;
    const consumer = yield* effectionSpawn(function* () {
      for (let i = 0; i < items; i++) yield* inbox.next();
    });
    for (let i = 0; i < items; i++) yield* channel.send(i);
    yield* consumer;
  });
}

function goals(results: CaseResult[], ops: number, geventUs: number, anchors: { name: string; index: number; factor: number }[]): void {
  const ours = perOp(results[0], ops);
  note(`gevent (reference): ${geventUs} us per item`);
  verdict('>= 5x gevent', geventUs / ours >= 5, `${ours.toFixed(3)} us vs ${geventUs} us: ${(geventUs / ours).toFixed(1)}x`);
  for (const a of anchors) {
    const ratio = perOp(results[a.index], ops) / ours;
    verdict(`>= ${a.factor}x ${a.name}`, ratio >= a.factor, `${ratio.toFixed(1)}x`);
  }
}

const oneToOne = await measure([
  { name: 'greenlets Queue()', run: () => greenletQueue(() => new Queue<number>(), ITEMS, 1, 1) },
  { name: 'plain async queue', run: () => asyncQueue(Infinity, ITEMS, 1, 1) },
  { name: 'Effect Queue.unbounded', run: () => effectQueue(false, ITEMS, 1, 1) },
  { name: 'Effection createQueue', run: () => effectionQueue(EFFECTION_ITEMS, 1, 1), ops: EFFECTION_ITEMS },
  { name: 'Effection createChannel', run: () => effectionChannel(EFFECTION_ITEMS), ops: EFFECTION_ITEMS },
]);
report(`${ITEMS.toLocaleString('en-US')} items, 1 producer -> 1 consumer, unbounded queue`, oneToOne, ITEMS, 'item');
goals(oneToOne, ITEMS, 0.49, [
  { name: 'Effect', index: 2, factor: 10 },
  { name: 'Effection (queue)', index: 3, factor: 10 },
  { name: 'Effection (channel)', index: 4, factor: 10 },
]);
note(`vs the plain async queue: ${(perOp(oneToOne[1], ITEMS) / perOp(oneToOne[0], ITEMS)).toFixed(2)}x`);

const manyToMany = await measure([
  { name: 'greenlets Queue(100)', run: () => greenletQueue(() => new Queue<number>(100), ITEMS, SIDES, SIDES) },
  { name: 'plain async queue(100)', run: () => asyncQueue(100, ITEMS, SIDES, SIDES) },
  { name: 'Effect Queue.bounded(100)', run: () => effectQueue(true, ITEMS, SIDES, SIDES) },
  { name: 'Effection createQueue (unbounded)', run: () => effectionQueue(EFFECTION_ITEMS, SIDES, SIDES), ops: EFFECTION_ITEMS },
]);
report(`${ITEMS.toLocaleString('en-US')} items, 10 producers -> 10 consumers, bounded to 100`, manyToMany, ITEMS, 'item');
note('Effection has no bounded queue: its producers never wait, so it buffers everything');
goals(manyToMany, ITEMS, 0.65, [
  { name: 'Effect', index: 2, factor: 10 },
  { name: 'Effection', index: 3, factor: 10 },
]);
note(`vs the plain async queue: ${(perOp(manyToMany[1], ITEMS) / perOp(manyToMany[0], ITEMS)).toFixed(2)}x`);

const rendezvous = await measure([
  { name: 'greenlets Channel', run: () => greenletQueue(() => new Channel<number>(), ITEMS, 1, 1) },
  { name: 'plain async queue(1)', run: () => asyncQueue(1, ITEMS, 1, 1) },
]);
report(`${ITEMS.toLocaleString('en-US')} hand-offs through an unbuffered Channel, 1 -> 1`, rendezvous, ITEMS, 'item');
goals(rendezvous, ITEMS, 9.6, []);
