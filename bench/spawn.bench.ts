/**
 * Spawn + join: many greenlets that return at once (100,000 and 1,000,000), and 100,000 that
 * each `sleep(0)` once, against plain async functions with `Promise.all`, Effection (`spawn` and
 * waiting on each task inside `run`) and Effect (`Effect.forkChild` + `Fiber.join`).
 * Effection and, for the million, Effect run a smaller count: the tables show it after the name
 * and compare time per spawn+join.
 */
import { joinAll, operation, sleep, spawn, type Greenlet } from '../src/index.js';
import { run as effectionRun, spawn as effectionSpawn, sleep as effectionSleep, type Task } from 'effection';
import { Effect, Fiber } from 'effect';
import { measure, note, perOp, report, scaled, verdict, type CaseResult, type Contender } from './stats.js';

/** gevent's figure on this kind of machine: 39 us per spawn+join. */
const GEVENT_US = 39;
/** The issue's figure for plain async/await: 100,000 no-op tasks in about 0.1 s. */
const ISSUE_ASYNC_US = 1;

function* returnAtOnce(): Generator<never, number> {
  return 1;
}

function* yieldOnce() {
  yield* sleep(0);
  return 1;
}

function greenlets(count: number, body: () => Generator<unknown, number>): Promise<Greenlet<number>[]> {
  return Promise.resolve(
    operation(function* () {
      const all: Greenlet<number>[] = [];
      for (let i = 0; i < count; i++) all.push(spawn(body));
      return yield* joinAll(all);
    }),
  );
}

async function returnAsync(): Promise<number> {
  return 1;
}

async function yieldAsync(): Promise<number> {
  // Awaiting a settled promise is plain async code's way to let the others run.
  await Promise.resolve();
  return 1;
}

function asyncTasks(count: number, body: () => Promise<number>): Promise<number[]> {
  const all: Promise<number>[] = [];
  for (let i = 0; i < count; i++) all.push(body());
  return Promise.all(all);
}

function effectionTasks(count: number, yields: boolean): Promise<void> {
  return effectionRun(function* () {
    const tasks: Task<number>[] = [];
    for (let i = 0; i < count; i++) {
      tasks.push(
        yield* effectionSpawn(function* () {
          // Effection's way to let the others run is a zero sleep.
          if (yields) yield* effectionSleep(0);
          return 1;
        }),
      );
    }
    for (const task of tasks) yield* task;
  });
}

function effectFibers(count: number, yields: boolean): Promise<void> {
  const child = yields ? Effect.as(Effect.yieldNow, 1) : Effect.succeed(1);
  return Effect.runPromise(
    Effect.gen(function* () {
      const fibers: Fiber.Fiber<number>[] = [];
      for (let i = 0; i < count; i++) fibers.push(yield* Effect.forkChild(child));
      for (const fiber of fibers) yield* Fiber.join(fiber);
    }),
  );
}

interface Counts {
  greenlets: number;
  effect: number;
  effection: number;
}

function contenders(counts: Counts, yields: boolean): Contender[] {
  const n = counts.greenlets;
  return [
    { name: 'greenlets spawn + joinAll', run: () => greenlets(n, yields ? yieldOnce : returnAtOnce) },
    { name: 'async fn + Promise.all', run: () => asyncTasks(n, yields ? yieldAsync : returnAsync) },
    { name: 'Effect forkChild + Fiber.join', run: () => effectFibers(counts.effect, yields), ops: counts.effect },
    { name: 'Effection spawn + yield* task', run: () => effectionTasks(counts.effection, yields), ops: counts.effection },
  ];
}

function judge(results: CaseResult[], ops: number): void {
  const [ours, plain, effect, effection] = results.map((r) => perOp(r, ops));
  note(`gevent (reference): ${GEVENT_US} us per spawn+join; greenlets are ${(GEVENT_US / ours).toFixed(0)}x faster`);
  note(
    `issue reference points: plain async ${ISSUE_ASYNC_US} us per task (100,000 in about 0.1 s), ` +
      'Effect about 4.5x that, Effection about 250x',
  );
  verdict('no slower than plain async/await measured in this run', ours <= plain, `${ours.toFixed(3)} vs ${plain.toFixed(3)} us`);
  verdict(
    `no slower than the issue's plain async/await figure (${ISSUE_ASYNC_US} us)`,
    ours <= ISSUE_ASYNC_US,
    `${ours.toFixed(3)} us`,
  );
  verdict('>= 4x Effect', effect / ours >= 4, `${(effect / ours).toFixed(1)}x`);
  verdict('>= 200x Effection', effection / ours >= 200, `${(effection / ours).toFixed(0)}x`);
}

function counted(n: number): string {
  return n.toLocaleString('en-US');
}

const cases: { what: string; counts: Counts; yields: boolean }[] = [
  {
    what: 'that return at once',
    counts: { greenlets: scaled(100_000), effect: scaled(100_000), effection: scaled(5_000) },
    yields: false,
  },
  {
    what: 'that return at once',
    counts: { greenlets: scaled(1_000_000), effect: scaled(200_000), effection: scaled(5_000) },
    yields: false,
  },
  {
    what: 'that each sleep(0) once',
    counts: { greenlets: scaled(100_000), effect: scaled(100_000), effection: scaled(5_000) },
    yields: true,
  },
];

for (const c of cases) {
  const results = await measure(contenders(c.counts, c.yields));
  report(`spawn + join of ${counted(c.counts.greenlets)} greenlets ${c.what}`, results, c.counts.greenlets, 'task');
  if (c.yields) note('the yield: sleep(0) / await Promise.resolve() / Effect.yieldNow / Effection sleep(0)');
  judge(results, c.counts.greenlets);
}
