// Random schedules over a Pool: spawners that wait for a slot (some killed or timed out while
// they wait), members that finish, fail or are killed, and pool.kill() at random points; then
// map, imap and imapUnordered over random inputs with failing and killed items. Whatever
// happens, no more than `capacity` run at once, a spawner that did not get its greenlet created
// none, blocked spawners are served in arrival order, every input's outcome comes out exactly
// once, and at the end every slot is free, the pool is empty and nothing waits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  GreenletExit,
  Pool,
  Timeout,
  getCurrent,
  getHub,
  joinAll,
  killAll,
  operation,
  sleep,
  spawn,
  withTimeout,
  type Greenlet,
  type Operation,
  type Stream,
  type Steps,
} from '../src/index.js';

/** The error a failing item or member throws on purpose. */
class ItemFailure extends Error {
  constructor(readonly id: number) {
    super(`item ${id} failed`);
  }
}

/** Members fail on purpose here: keep their reports out of the test output, and nothing else. */
function* quietFailures<T>(body: () => Steps<T>): Steps<T> {
  const hub = getHub();
  const original = hub.handleError;
  hub.handleError = (context, error) => {
    if (!(error instanceof ItemFailure)) original.call(hub, context, error);
  };
  try {
    return yield* body();
  } finally {
    hub.handleError = original;
  }
}

interface Work {
  kind: 'none' | 'yield' | 'sleep';
  ms: number;
  fail: boolean;
}

const workArb: fc.Arbitrary<Work> = fc.record({
  kind: fc.constantFrom('none', 'yield', 'sleep', 'sleep'),
  ms: fc.integer({ min: 1, max: 3 }),
  fail: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
});

function work(w: Work): Operation<void> | null {
  if (w.kind === 'none') return null;
  return w.kind === 'yield' ? sleep(0) : sleep(w.ms);
}

interface SpawnOp {
  pause: 'none' | 'yield' | 'sleep';
  mode: 'block' | 'outerTimeout' | 'waitAvailable';
  timeout: number;
  /** waitAvailable only: wait without a limit. */
  unlimited: boolean;
  work: Work;
}

interface Kill {
  /** `afterHandOff`: a member is discarded, which hands its slot to the first waiting spawner,
   * and that spawner is killed at once, before it could run. */
  target: 'spawner' | 'waitingSpawner' | 'member' | 'pool' | 'afterHandOff';
  index: number;
  at: number;
}

interface SpawnScenario {
  capacity: number;
  spawners: { startDelay: number; ops: SpawnOp[] }[];
  kills: Kill[];
}

const spawnScenarioArb: fc.Arbitrary<SpawnScenario> = fc.record({
  capacity: fc.integer({ min: 1, max: 3 }),
  spawners: fc.array(
    fc.record({
      startDelay: fc.integer({ min: 0, max: 2 }),
      ops: fc.array(
        fc.record({
          pause: fc.constantFrom('none', 'yield', 'sleep'),
          mode: fc.constantFrom<SpawnOp['mode']>('block', 'block', 'outerTimeout', 'waitAvailable'),
          timeout: fc.integer({ min: 0, max: 3 }),
          unlimited: fc.boolean(),
          work: workArb,
        }),
        { minLength: 1, maxLength: 5 },
      ),
    }),
    { minLength: 1, maxLength: 5 },
  ),
  kills: fc.array(
    fc.record({
      target: fc.constantFrom<Kill['target']>(
        'spawner',
        'waitingSpawner',
        'waitingSpawner',
        'member',
        'member',
        'pool',
        'afterHandOff',
        'afterHandOff',
      ),
      index: fc.nat(),
      at: fc.integer({ min: 0, max: 6 }),
    }),
    { maxLength: 4 },
  ),
});

interface SpawnCoverage {
  blockedGrants: number;
  gaveUp: number;
  killedWaiting: number;
  killedAfterHandOff: number;
  killedMembers: number;
  poolKills: number;
}

interface SpawnOutcome {
  grants: { arrival: number; grant: number; spawner: Greenlet }[];
  coverage: SpawnCoverage;
}

function* runSpawnScenario(s: SpawnScenario): Steps<SpawnOutcome> {
  const pool = new Pool(s.capacity);
  const capacity = s.capacity;
  let nextId = 0;
  /** The members running their body and still in the pool (a discarded one no longer counts). */
  const running = new Set<Greenlet>();
  const discarded = new Set<Greenlet>();
  let arrivals = 0;
  let grantCount = 0;
  const returned = new Set<number>();
  const started = new Set<number>();
  const members: Greenlet[] = [];
  /** Spawners waiting for a slot, with their arrival. */
  const waiting = new Map<Greenlet, number>();
  const grants: { arrival: number; grant: number; spawner: Greenlet }[] = [];
  /** Spawners some helper killed: a kill right after a hand-off may let a later spawner resume first. */
  const killed = new Set<Greenlet>();
  const coverage: SpawnCoverage = { blockedGrants: 0, gaveUp: 0, killedWaiting: 0, killedAfterHandOff: 0, killedMembers: 0, poolKills: 0 };

  function checkSlots(): void {
    assert.ok(running.size <= capacity, `${running.size} members run in a Pool(${capacity})`);
    assert.ok(pool.size <= capacity, `${pool.size} members in a Pool(${capacity})`);
    assert.ok(pool.freeCount() >= 0 && pool.freeCount() <= capacity, `freeCount() ${pool.freeCount()}`);
    // A slot handed to a spawner that has not run yet is taken but holds no member yet.
    assert.ok(pool.size + pool.freeCount() <= capacity, `${pool.size} members and ${pool.freeCount()} free slots`);
  }

  function* member(id: number, w: Work): Steps<void> {
    // Only a spawner whose spawn() returned has a greenlet: it recorded the id before its next
    // yield*, so before this body could start.
    assert.ok(returned.has(id), `member ${id} runs, but its spawn() never returned`);
    assert.ok(!started.has(id));
    started.add(id);
    const me = getCurrent()!;
    if (!discarded.has(me)) running.add(me);
    checkSlots();
    try {
      const wait = work(w);
      if (wait !== null) yield* wait;
    } finally {
      running.delete(me);
    }
    if (w.fail) throw new ItemFailure(id);
  }

  function* spawner(plan: SpawnScenario['spawners'][number]): Steps<void> {
    yield* sleep(plan.startDelay);
    for (const op of plan.ops) {
      if (op.pause === 'yield') yield* sleep(0);
      else if (op.pause === 'sleep') yield* sleep(1);
      const me = getCurrent()!;
      if (op.mode === 'waitAvailable') {
        const free = yield* pool.waitAvailable(op.unlimited ? undefined : op.timeout);
        assert.ok(free >= 0 && free <= capacity, `waitAvailable() returned ${free}`);
        if (op.unlimited) assert.ok(free > 0, 'waitAvailable() without a timeout returned with no free slot');
        continue;
      }
      const id = nextId++;
      const blocks = pool.full();
      const arrival = blocks ? arrivals++ : -1;
      if (blocks) waiting.set(me, arrival);
      let g: Greenlet;
      try {
        g =
          op.mode === 'outerTimeout'
            ? yield* withTimeout(op.timeout, pool.spawn(member, id, op.work))
            : yield* pool.spawn(member, id, op.work);
      } catch (error) {
        // Killed or timed out while waiting: no greenlet was made for it, every member is one
        // that some spawn() returned.
        for (const m of pool) assert.ok(members.includes(m), 'a spawn() that failed left a member behind');
        if (!(error instanceof Timeout)) throw error;
        coverage.gaveUp++;
        continue;
      } finally {
        waiting.delete(me);
      }
      returned.add(id);
      members.push(g);
      assert.ok(pool.has(g) || g.dead, 'a spawned greenlet is a member until it dies');
      checkSlots();
      if (arrival >= 0) grants.push({ arrival, grant: grantCount++, spawner: me });
    }
  }

  const spawners = s.spawners.map((plan) => spawn(spawner, plan));
  const helpers = s.kills.map((kill) =>
    spawn(function* () {
      yield* sleep(kill.at);
      if (kill.target === 'pool') {
        coverage.poolKills++;
        pool.kill();
        return;
      }
      if (kill.target === 'afterHandOff') {
        // A dying member hands its slot over from a link, and the spawner runs right after the
        // link; discard() hands it over from here, so a kill can come in between.
        const current = [...pool];
        if (current.length === 0) return;
        const member = current[kill.index % current.length];
        // The first in line gets the slot (one killed or timed out has already left the line).
        const first = pool.slotWaiters.head?.greenlet;
        pool.discard(member);
        discarded.add(member);
        running.delete(member);
        if (first === undefined) return;
        coverage.killedAfterHandOff++;
        killed.add(first);
        first.kill();
        return;
      }
      const targets =
        kill.target === 'spawner' ? spawners : kill.target === 'waitingSpawner' ? [...waiting.keys()] : [...pool];
      if (targets.length === 0) return;
      const victim = targets[kill.index % targets.length];
      if (waiting.has(victim) && [...pool.slotWaiters].some((w) => w.greenlet === victim)) coverage.killedWaiting++;
      if (pool.has(victim)) coverage.killedMembers++;
      else killed.add(victim);
      victim.kill();
    }),
  );

  // Every member ends by itself in a few ms, so every spawner gets its slots in the end.
  for (let spins = 0; spins < 2000; spins++) {
    if (helpers.every((g) => g.dead) && spawners.every((g) => g.dead)) break;
    yield* sleep(1);
  }
  const leftovers = spawners.filter((g) => !g.dead);
  const stuck = `${leftovers.length} spawners stayed blocked (${String(pool)}, ${pool.slotWaiters.size} waiting)`;
  yield* killAll(leftovers, { timeout: 1000 });
  assert.equal(leftovers.length, 0, stuck);
  for (const g of spawners) assert.equal(g.exception, undefined, 'no spawner failed');

  assert.equal(yield* pool.join({ timeout: 1000 }), true, 'the pool empties');
  assert.equal(running.size, 0);
  assert.equal(pool.size, 0, 'size is back to 0');
  assert.equal(pool.freeCount(), capacity, 'freeCount() is back to the capacity');
  assert.equal(pool.full(), false);
  assert.equal(pool.slotWaiters.size, 0, 'no spawner waits for a slot');
  // Discarded members run on outside the pool.
  yield* joinAll(members, { timeout: 1000 });
  for (const g of members) assert.ok(g.dead);
  for (const id of started) assert.ok(returned.has(id));
  // The slots are really there: `capacity` spawns go through at once, and the next one waits.
  for (let i = 0; i < capacity; i++) {
    yield* pool.spawn(function* () {
      yield* sleep(1);
    });
  }
  assert.equal(pool.full(), true);
  assert.equal(yield* pool.waitAvailable(0), 0);
  yield* pool.join();
  assert.equal(pool.freeCount(), capacity);
  // Blocked spawners get their slots in arrival order. The order compared is the one in which
  // their spawn() returned, among those nobody killed: a slot handed from a greenlet body (the
  // discard() above) leaves its spawner behind a dead member's links already queued, and the
  // spawner those links hand the next slot to runs at once, so it can return first.
  const kept = grants.filter((g) => !killed.has(g.spawner));
  coverage.blockedGrants = kept.length;
  return { grants: kept, coverage };
}

test('random spawns, kills and timeouts over a Pool: capacity kept, fair, no slot lost, nothing blocked', async () => {
  let runs = 0;
  const total: SpawnCoverage = { blockedGrants: 0, gaveUp: 0, killedWaiting: 0, killedAfterHandOff: 0, killedMembers: 0, poolKills: 0 };
  await fc.assert(
    fc.asyncProperty(spawnScenarioArb, async (scenario) => {
      const { grants, coverage } = await operation(() => quietFailures(() => runSpawnScenario(scenario)));
      const byArrival = [...grants].sort((a, b) => a.arrival - b.arrival).map((g) => g.grant);
      assert.deepEqual(byArrival, [...byArrival].sort((a, b) => a - b), 'blocked spawners are served in arrival order');
      for (const key of Object.keys(total) as (keyof SpawnCoverage)[]) total[key] += coverage[key];
      runs++;
    }),
    { numRuns: 1000, includeErrorInReport: true },
  );
  assert.equal(runs, 1000);
  for (const [what, count] of Object.entries(total)) assert.ok(count >= 50, `only ${count} ${what} in ${runs} schedules`);
});

type MapMethod = 'map' | 'imap' | 'imapUnordered';

interface MapScenario {
  capacity: number;
  method: MapMethod;
  maxsize: number | null;
  items: Work[];
  /** Pauses of the reader between two next() calls. */
  readerPauses: ('none' | 'yield' | 'sleep')[];
  /** Streams only: close after this many outcomes. */
  closeAfter: number | null;
  kills: { target: 'member' | 'pool'; index: number; at: number }[];
}

const mapScenarioArb: fc.Arbitrary<MapScenario> = fc.record({
  capacity: fc.integer({ min: 1, max: 4 }),
  method: fc.constantFrom<MapMethod>('map', 'imap', 'imapUnordered'),
  maxsize: fc.option(fc.integer({ min: 1, max: 4 }), { freq: 2 }),
  items: fc.array(workArb, { maxLength: 14 }),
  readerPauses: fc.array(fc.constantFrom('none', 'yield', 'sleep'), { minLength: 1, maxLength: 5 }),
  closeAfter: fc.option(fc.integer({ min: 0, max: 8 }), { freq: 4 }),
  kills: fc.array(
    fc.record({
      target: fc.constantFrom<'member' | 'pool'>('member', 'member', 'member', 'pool'),
      index: fc.nat(),
      at: fc.integer({ min: 0, max: 5 }),
    }),
    { maxLength: 3 },
  ),
});

/** What came out for one input: its value, its error, or the GreenletExit of its kill. */
type Outcome = { id: number; value: number } | { id: number; error: number } | { id: number; killed: true };

function describe(outcome: unknown, id: number): Outcome {
  if (outcome instanceof GreenletExit) return { id, killed: true };
  if (typeof outcome === 'number') return { id, value: outcome };
  throw new Error(`unexpected outcome ${String(outcome)} for item ${id}`);
}

interface MapCoverage {
  failed: number;
  killedRunning: number;
  killedBeforeStart: number;
  closed: number;
  runs: Record<MapMethod, number>;
}

function* runMapScenario(s: MapScenario, coverage: MapCoverage): Steps<void> {
  const pool = new Pool(s.capacity);
  const { capacity, items } = s;
  const window = s.maxsize ?? 2 * capacity;
  let running = 0;
  let read = 0;
  let taken = 0;
  const starts = items.map(() => 0);
  /** How each item's body ended, if it ran: 'ok', 'fail' or 'killed'. */
  const fates: (string | null)[] = items.map(() => null);

  function* input(): Generator<number, void, undefined> {
    for (let id = 0; id < items.length; id++) {
      // Read only with a free slot in hand, and (for streams) within the window.
      assert.ok(pool.size < capacity, `item ${id} read with ${pool.size} running in a Pool(${capacity})`);
      if (s.method !== 'map') assert.ok(read - taken < window, `item ${id} read with ${read - taken} not taken (window ${window})`);
      read++;
      yield id;
    }
  }

  function* fn(id: number): Steps<number> {
    starts[id]++;
    running++;
    assert.ok(running <= capacity, `${running} items run in a Pool(${capacity})`);
    assert.ok(pool.size <= capacity);
    try {
      const wait = work(items[id]);
      if (wait !== null) yield* wait;
    } catch (error) {
      if (error instanceof GreenletExit) fates[id] = 'killed';
      throw error;
    } finally {
      running--;
    }
    fates[id] = items[id].fail ? 'fail' : 'ok';
    if (items[id].fail) throw new ItemFailure(id);
    return id * 10;
  }

  const helpers = s.kills.map((kill) =>
    spawn(function* () {
      yield* sleep(kill.at);
      if (kill.target === 'pool') {
        pool.kill();
        return;
      }
      const members = [...pool];
      if (members.length > 0) members[kill.index % members.length].kill();
    }),
  );

  function expected(id: number): Outcome {
    const fate = fates[id];
    // An item killed before it started never ran its body: its value is the GreenletExit too.
    if (fate === null || fate === 'killed') return { id, killed: true };
    return fate === 'ok' ? { id, value: id * 10 } : { id, error: id };
  }

  let outcomes: Outcome[] = [];
  let closed = false;
  if (s.method === 'map') {
    let values: unknown[] | null = null;
    let failure: unknown = null;
    try {
      values = yield* pool.map(fn, input());
    } catch (error) {
      failure = error;
    }
    const firstFailed = fates.findIndex((f) => f === 'fail');
    if (firstFailed >= 0) {
      assert.ok(failure instanceof ItemFailure, `map() threw ${String(failure)}`);
      assert.equal(failure.id, firstFailed, 'map() throws the first failure in input order');
    } else {
      assert.equal(failure, null);
      outcomes = values!.map(describe);
    }
    assert.equal(read, items.length, 'map() reads the whole input');
  } else {
    const stream: Stream<number> =
      s.method === 'imap'
        ? pool.imap(fn, input(), s.maxsize === null ? undefined : { maxsize: s.maxsize })
        : pool.imapUnordered(fn, input(), s.maxsize === null ? undefined : { maxsize: s.maxsize });
    for (let step = 0; ; step++) {
      if (s.closeAfter !== null && outcomes.length >= s.closeAfter) {
        stream.close();
        closed = true;
        assert.equal((yield* stream.next()).done, true, 'a closed stream is at its end');
        break;
      }
      const pauseKind = s.readerPauses[step % s.readerPauses.length];
      if (pauseKind === 'yield') yield* sleep(0);
      else if (pauseKind === 'sleep') yield* sleep(1);
      try {
        const r = yield* stream.next();
        if (r.done === true) break;
        taken++;
        // A killed item's value is its GreenletExit, whatever the type says. The id is in the
        // value (id * 10): unordered outcomes say which input they belong to.
        const value: unknown = r.value;
        outcomes.push(value instanceof GreenletExit ? { id: -1, killed: true } : describe(value, r.value / 10));
      } catch (error) {
        taken++;
        assert.ok(error instanceof ItemFailure, `next() threw ${String(error)}`);
        outcomes.push({ id: error.id, error: error.id });
      }
    }
  }

  for (let spins = 0; spins < 1000 && helpers.some((g) => !g.dead); spins++) yield* sleep(1);
  assert.equal(yield* pool.join({ timeout: 1000 }), true, 'the pool empties');
  assert.equal(running, 0);
  assert.equal(pool.size, 0);
  assert.equal(pool.freeCount(), capacity);
  assert.equal(pool.slotWaiters.size, 0);
  for (const [id, n] of starts.entries()) assert.ok(n <= 1, `item ${id} ran ${n} times`);
  coverage.runs[s.method]++;
  if (closed) coverage.closed++;
  for (const [id, fate] of fates.entries()) {
    if (fate === 'fail') coverage.failed++;
    else if (fate === 'killed') coverage.killedRunning++;
    else if (fate === null && id < read) coverage.killedBeforeStart++;
  }

  if (s.method === 'map') {
    // Without a failure, the list has every input's outcome at its place.
    if (!fates.includes('fail')) assert.deepEqual(outcomes, items.map((_, id) => expected(id)));
    return;
  }
  const all = items.map((_, id) => expected(id));
  if (s.method === 'imap') {
    // Input order, each outcome at its place; a killed item's id is known from its place.
    const placed = outcomes.map((o, i) => ('killed' in o ? { id: i, killed: true as const } : o));
    assert.deepEqual(placed, all.slice(0, placed.length));
    if (!closed) assert.equal(placed.length, items.length, 'every input comes out');
  } else {
    // Completion order: every outcome exactly once, with no place to check.
    const key = (o: Outcome): string => ('value' in o ? `v${o.id}` : 'error' in o ? `e${o.id}` : 'k');
    const got = outcomes.map(key).sort();
    const want = all.map(key);
    if (!closed) assert.deepEqual(got, [...want].sort(), 'every input comes out exactly once');
    else {
      const left = [...want];
      for (const k of got) {
        const at = left.indexOf(k);
        assert.ok(at >= 0, `outcome ${k} came out but was not expected (or came out twice)`);
        left.splice(at, 1);
      }
    }
  }
}

test('map, imap and imapUnordered over random inputs with failures and kills: every input once, capacity kept', async () => {
  let runs = 0;
  const coverage: MapCoverage = {
    failed: 0,
    killedRunning: 0,
    killedBeforeStart: 0,
    closed: 0,
    runs: { map: 0, imap: 0, imapUnordered: 0 },
  };
  await fc.assert(
    fc.asyncProperty(mapScenarioArb, async (scenario) => {
      await operation(() => runMapScenario(scenario, coverage));
      runs++;
    }),
    { numRuns: 1000, includeErrorInReport: true },
  );
  assert.equal(runs, 1000);
  const { runs: perMethod, ...events } = coverage;
  for (const [what, count] of Object.entries({ ...perMethod, ...events })) {
    assert.ok(count >= 20, `only ${count} ${what} in ${runs} schedules`);
  }
});
