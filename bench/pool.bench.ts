/**
 * `Pool(100).map` over 1,000,000 trivial tasks, against `p-limit` and `p-map` with concurrency
 * 100 and Effect's `forEach` with `concurrency: 100`. The task adds one to its input: as a
 * generator body (the usual greenlet body) and as a plain function.
 *
 * Effect runs two ways: with `Effect.sync(() => x + 1)`, a fiber per item, and with
 * `Effect.succeed(x + 1)`, which `forEach` recognises as an already finished result and records
 * without starting any fiber (so nothing runs concurrently there at all).
 */
import { Pool, operation, type GreenletBody } from '../src/index.js';
import pLimit from 'p-limit';
import pMap from 'p-map';
import { Effect } from 'effect';
import { measure, note, perOp, report, scaled, verdict } from './stats.js';

const TASKS = scaled(1_000_000);
const CONCURRENCY = 100;
const GEVENT_US = 18.7;

const inputs = Array.from({ length: TASKS }, (_, i) => i);

function* addOne(x: number): Generator<never, number> {
  return x + 1;
}

function poolMap(body: GreenletBody<number, [number]>): Promise<number[]> {
  return Promise.resolve(
    operation(function* () {
      return yield* new Pool(CONCURRENCY).map(body, inputs);
    }),
  );
}

function pLimitMap(): Promise<number[]> {
  const limit = pLimit(CONCURRENCY);
  return Promise.all(inputs.map((x) => limit(async () => x + 1)));
}

function pMapMap(): Promise<number[]> {
  return pMap(inputs, async (x) => x + 1, { concurrency: CONCURRENCY });
}

function effectForEach(task: (x: number) => Effect.Effect<number>): Promise<number[]> {
  return Effect.runPromise(Effect.forEach(inputs, task, { concurrency: CONCURRENCY }));
}

const results = await measure([
  { name: 'greenlets Pool(100).map, generator', run: () => poolMap(addOne) },
  { name: 'greenlets Pool(100).map, plain fn', run: () => poolMap((x) => x + 1) },
  { name: 'p-limit(100) + Promise.all', run: pLimitMap },
  { name: 'p-map, concurrency 100', run: pMapMap },
  { name: 'Effect.forEach(100), Effect.sync', run: () => effectForEach((x) => Effect.sync(() => x + 1)) },
  { name: 'Effect.forEach(100), Effect.succeed', run: () => effectForEach((x) => Effect.succeed(x + 1)) },
]);
report(`map over ${TASKS.toLocaleString('en-US')} trivial tasks, 100 at a time`, results, TASKS, 'task');
const ours = perOp(results[0], TASKS);
note(`gevent (reference): ${GEVENT_US} us per item of Pool(100).map`);
verdict('>= 5x gevent', GEVENT_US / ours >= 5, `${ours.toFixed(3)} us: ${(GEVENT_US / ours).toFixed(1)}x`);
for (const [index, name, factor] of [
  [2, 'p-limit', 2],
  [3, 'p-map', 2],
  [4, 'Effect (Effect.sync: a fiber per task)', 10],
  [5, 'Effect (Effect.succeed: no fiber at all)', 10],
] as const) {
  const ratio = perOp(results[index], TASKS) / ours;
  verdict(`>= ${factor}x ${name}`, ratio >= factor, `${ratio.toFixed(1)}x`);
}
