/**
 * 100,000 greenlets sleeping 10 ms at the same time: the wall time of spawning them all and
 * joining them, and the heap each sleeping greenlet holds, against async functions awaiting a
 * `setTimeout` promise. gevent needs about 8 KiB per blocked greenlet; the goal is 1 KiB.
 */
import { joinAll, killAll, operation, sleep, spawn, type Greenlet } from '../src/index.js';
import { heapUsedAfterGc, measure, median, note, perOp, report, RUNS, scaled, verdict } from './stats.js';

const COUNT = scaled(100_000);
const SLEEP_MS = 10;
const GEVENT_BYTES = 8 * 1024;

function* sleeper(ms: number) {
  yield* sleep(ms);
}

function greenletsSleeping(): Promise<void> {
  return Promise.resolve(
    operation(function* () {
      const all: Greenlet<void>[] = [];
      for (let i = 0; i < COUNT; i++) all.push(spawn(sleeper, SLEEP_MS));
      yield* joinAll(all);
    }),
  );
}

async function asyncSleeper(ms: number): Promise<void> {
  await new Promise<void>((resolve) => setTimeout(resolve, ms));
}

async function asyncSleeping(): Promise<void> {
  const all: Promise<void>[] = [];
  for (let i = 0; i < COUNT; i++) all.push(asyncSleeper(SLEEP_MS));
  await Promise.all(all);
}

const results = await measure([
  { name: 'greenlets: spawn, sleep(10), joinAll', run: greenletsSleeping },
  { name: 'async fn: setTimeout promise, all', run: asyncSleeping },
]);
report(`${COUNT.toLocaleString('en-US')} sleeping ${SLEEP_MS} ms concurrently (wall time)`, results, COUNT, 'sleeper');
note(`beyond the ${SLEEP_MS} ms sleep: greenlets ${(results[0].median - SLEEP_MS).toFixed(1)} ms, async ${(results[1].median - SLEEP_MS).toFixed(1)} ms`);
note(`per greenlet: ${perOp(results[0], COUNT).toFixed(3)} us of spawn, start, timer, wake-up and join`);

/**
 * Heap per sleeping greenlet: the greenlets sleep long enough that none wakes while the heap is
 * measured (starting 100,000 takes several hub slices, with Node's timers running in between),
 * and are killed afterwards. Everything they hold counts: greenlet, body generator, waiter,
 * timer-heap slot and the caller's array slot.
 */
function greenletBytes(): Promise<number> {
  return Promise.resolve(
    operation(function* () {
      const before = heapUsedAfterGc();
      const all: Greenlet<void>[] = [];
      for (let i = 0; i < COUNT; i++) all.push(spawn(sleeper, 60_000));
      // Behind every sleeper in the ready queue: when this resumes, all of them are parked.
      yield* sleep(0);
      const during = heapUsedAfterGc();
      yield* killAll(all);
      return (during - before) / COUNT;
    }),
  );
}

/** The same for async functions; measured synchronously, so no timer can fire meanwhile. */
async function asyncBytes(): Promise<number> {
  const before = heapUsedAfterGc();
  const all: Promise<void>[] = [];
  for (let i = 0; i < COUNT; i++) all.push(asyncSleeper(SLEEP_MS));
  const during = heapUsedAfterGc();
  await Promise.all(all);
  return (during - before) / COUNT;
}

const ours: number[] = [];
const theirs: number[] = [];
for (let i = 0; i < Math.max(3, RUNS); i++) {
  ours.push(await greenletBytes());
  theirs.push(await asyncBytes());
}
const oursBytes = median(ours);
console.log(`\n## heap per sleeping task, ${COUNT.toLocaleString('en-US')} sleeping (median of ${ours.length})`);
note(`greenlet sleeping in sleep():              ${oursBytes.toFixed(0)} bytes`);
note(`async fn awaiting a setTimeout promise:    ${median(theirs).toFixed(0)} bytes`);
note(`gevent (reference): about ${GEVENT_BYTES} bytes per blocked greenlet`);
verdict('at most 1 KiB per sleeping greenlet', oursBytes <= 1024, `${oursBytes.toFixed(0)} bytes`);
