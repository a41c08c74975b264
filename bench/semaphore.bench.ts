/**
 * Semaphore(1) acquire/release pairs: 1,000,000 contended pairs among 100 greenlets, and
 * 1,000,000 uncontended pairs from one, against async-mutex's `Semaphore(1)` and Effect's
 * `Semaphore.withPermit`.
 *
 * Contended means that every holder lets the others run while it holds the permit (`sleep(0)`,
 * `await Promise.resolve()`, `Effect.yieldNow`), so the other 99 queue up and every acquire
 * waits: between greenlets there is no contention without a switch inside the critical
 * section. Uncontended pairs never wait (async-mutex still pays a promise per acquire).
 */
import { Semaphore, joinAll, operation, sleep, spawn, type Greenlet } from '../src/index.js';
import { Semaphore as MutexSemaphore } from 'async-mutex';
import { Effect, Fiber, Semaphore as EffectSemaphore } from 'effect';
import { measure, note, perOp, report, scaled, verdict, type CaseResult } from './stats.js';

const PAIRS = scaled(1_000_000);
const EFFECT_PAIRS = scaled(200_000);
const TASKS = 100;
const GEVENT_UNCONTENDED_US = 0.48;

function greenletPairs(pairs: number, tasks: number, yieldWhileHolding: boolean): Promise<void> {
  return Promise.resolve(
    operation(function* () {
      const semaphore = new Semaphore(1);
      const all: Greenlet<void>[] = [];
      for (let t = 0; t < tasks; t++) {
        all.push(
          spawn(function* () {
            for (let i = 0; i < pairs / tasks; i++) {
              yield* semaphore.acquire();
              try {
                if (yieldWhileHolding) yield* sleep(0);
              } finally {
                semaphore.release();
              }
            }
          }),
        );
      }
      yield* joinAll(all);
    }),
  );
}

async function asyncMutexPairs(pairs: number, tasks: number, yieldWhileHolding: boolean): Promise<void> {
  const semaphore = new MutexSemaphore(1);
  const all: Promise<void>[] = [];
  for (let t = 0; t < tasks; t++) {
    all.push(
      (async () => {
        for (let i = 0; i < pairs / tasks; i++) {
          const [, release] = await semaphore.acquire();
          try {
            if (yieldWhileHolding) await Promise.resolve();
          } finally {
            release();
          }
        }
      })(),
    );
  }
  await Promise.all(all);
}

function effectPairs(pairs: number, tasks: number, yieldWhileHolding: boolean): Promise<void> {
  const critical = yieldWhileHolding ? Effect.yieldNow : Effect.void;
  return Effect.runPromise(
    Effect.gen(function* () {
      const semaphore = yield* EffectSemaphore.make(1);
      const fibers: Fiber.Fiber<void>[] = [];
      for (let t = 0; t < tasks; t++) {
        fibers.push(
          yield* Effect.forkChild(
            Effect.gen(function* () {
              for (let i = 0; i < pairs / tasks; i++) yield* semaphore.withPermit(critical);
            }),
          ),
        );
      }
      for (const fiber of fibers) yield* Fiber.join(fiber);
    }),
  );
}

function goals(results: CaseResult[]): void {
  const ours = perOp(results[0], PAIRS);
  const mutex = perOp(results[1], PAIRS) / ours;
  const effect = perOp(results[2], PAIRS) / ours;
  verdict('>= 2x async-mutex', mutex >= 2, `${mutex.toFixed(1)}x`);
  verdict('>= 10x Effect', effect >= 10, `${effect.toFixed(1)}x`);
}

const contended = await measure([
  { name: 'greenlets Semaphore(1)', run: () => greenletPairs(PAIRS, TASKS, true) },
  { name: 'async-mutex Semaphore(1)', run: () => asyncMutexPairs(PAIRS, TASKS, true) },
  { name: 'Effect Semaphore withPermit', run: () => effectPairs(EFFECT_PAIRS, TASKS, true), ops: EFFECT_PAIRS },
]);
report(`${PAIRS.toLocaleString('en-US')} contended acquire/release pairs among ${TASKS} tasks`, contended, PAIRS, 'pair');
note('each holder yields once while holding (sleep(0) / await Promise.resolve() / Effect.yieldNow), so every acquire waits');
goals(contended);
note(`gevent (reference, uncontended): ${GEVENT_UNCONTENDED_US} us per pair`);

const uncontended = await measure([
  { name: 'greenlets Semaphore(1)', run: () => greenletPairs(PAIRS, 1, false) },
  { name: 'async-mutex Semaphore(1)', run: () => asyncMutexPairs(PAIRS, 1, false) },
  { name: 'Effect Semaphore withPermit', run: () => effectPairs(PAIRS, 1, false) },
]);
report(`${PAIRS.toLocaleString('en-US')} uncontended acquire/release pairs, one task`, uncontended, PAIRS, 'pair');
const ours = perOp(uncontended[0], PAIRS);
note(`gevent (reference): ${GEVENT_UNCONTENDED_US} us per uncontended pair`);
verdict('>= 5x gevent', GEVENT_UNCONTENDED_US / ours >= 5, `${ours.toFixed(3)} us: ${(GEVENT_UNCONTENDED_US / ours).toFixed(1)}x`);
goals(uncontended);
