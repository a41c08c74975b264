// Random schedules of greenlets that acquire, hold and release Semaphores, BoundedSemaphores,
// Locks and RLocks (plain acquire/release and the scoped forms, blocking, non-blocking, with
// timeouts of their own or from outside), while others kill random holders and waiters. Whatever
// happens, no more than the permits are ever held, blocked acquirers are served in arrival order,
// every successful acquire is released exactly once (a kill included), and at the end the counter
// is back where it started, nobody waits and nobody owns the lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BoundedSemaphore,
  Lock,
  RLock,
  Semaphore,
  Timeout,
  getCurrent,
  killAll,
  operation,
  sleep,
  spawn,
  type AcquireOptions,
  type Greenlet,
  type Operation,
  type Steps,
} from '../src/index.js';

type Kind = 'semaphore' | 'bounded' | 'lock' | 'rlock';
type Form = 'acquire' | 'hold' | 'holding';
type Mode = 'block' | 'nowait' | 'timeout' | 'outerTimeout';

interface Op {
  pause: 'none' | 'yield' | 'sleep';
  form: Form;
  mode: Mode;
  timeout: number;
  hold: 'none' | 'yield' | 'sleep';
  holdFor: number;
  /** RLock only: how many levels the owner takes (the inner ones re-enter at once). */
  depth: number;
}

interface ActorPlan {
  startDelay: number;
  ops: Op[];
}

interface Kill {
  target: 'actor' | 'holder' | 'waiter';
  index: number;
  at: number;
}

interface Scenario {
  kind: Kind;
  permits: number;
  actors: ActorPlan[];
  kills: Kill[];
}

const opArb: fc.Arbitrary<Op> = fc.record({
  pause: fc.constantFrom('none', 'yield', 'sleep'),
  form: fc.constantFrom<Form>('acquire', 'acquire', 'hold', 'holding'),
  mode: fc.constantFrom<Mode>('block', 'block', 'nowait', 'timeout', 'timeout', 'outerTimeout'),
  timeout: fc.integer({ min: 0, max: 3 }),
  hold: fc.constantFrom('none', 'yield', 'sleep'),
  holdFor: fc.integer({ min: 1, max: 2 }),
  depth: fc.integer({ min: 1, max: 3 }),
});

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  kind: fc.constantFrom<Kind>('semaphore', 'bounded', 'lock', 'rlock'),
  permits: fc.integer({ min: 1, max: 3 }),
  actors: fc.array(
    fc.record({
      startDelay: fc.integer({ min: 0, max: 2 }),
      ops: fc.array(opArb, { minLength: 1, maxLength: 5 }),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  kills: fc.array(
    fc.record({
      target: fc.constantFrom<Kill['target']>('actor', 'holder', 'holder', 'waiter', 'waiter'),
      index: fc.nat(),
      at: fc.integer({ min: 0, max: 5 }),
    }),
    { maxLength: 4 },
  ),
});

type AnyLock = Semaphore | RLock;

function makeLock(kind: Kind, permits: number): AnyLock {
  switch (kind) {
    case 'semaphore':
      return new Semaphore(permits);
    case 'bounded':
      return new BoundedSemaphore(permits);
    case 'lock':
      return new Lock();
    case 'rlock':
      return new RLock();
  }
}

function pause(kind: 'none' | 'yield' | 'sleep', ms: number): Operation<void> | null {
  if (kind === 'none') return null;
  return kind === 'yield' ? sleep(0) : sleep(ms);
}

interface Actor {
  plan: ActorPlan;
  greenlet: Greenlet | null;
}

interface Grant {
  arrival: number;
  grant: number;
}

/** How often the interesting things happened, so the schedules are known to reach them. */
interface Coverage {
  blockedGrants: number;
  gaveUp: number;
  timedOutInBody: number;
  killedHolders: number;
  killedWaiters: number;
}

interface Outcome {
  grants: Grant[];
  coverage: Coverage;
}

function* runScenario(s: Scenario): Steps<Outcome> {
  const lock = makeLock(s.kind, s.permits);
  const permits = lock instanceof Semaphore ? lock.counter : 1;
  const rlock = lock instanceof RLock ? lock : null;
  const sem = lock instanceof Semaphore ? lock : null;

  /** Levels held by each greenlet, counted in the bodies. */
  const levels = new Map<Greenlet, number>();
  /** Levels a greenlet has left and must release (scoped forms release just after). */
  const owed = new Map<Greenlet, number>();
  const waiting = new Set<Greenlet>();
  const grants: Grant[] = [];
  let arrivals = 0;
  let grantCount = 0;
  let acquired = 0;
  let released = 0;
  const coverage: Coverage = { blockedGrants: 0, gaveUp: 0, timedOutInBody: 0, killedHolders: 0, killedWaiters: 0 };

  // Every release goes through here, the scoped forms' included: it must pay a level its
  // greenlet left, exactly once.
  const originalRelease = lock.release.bind(lock);
  lock.release = () => {
    const result = originalRelease();
    const me = getCurrent()!;
    const due = owed.get(me) ?? 0;
    assert.ok(due > 0, `${String(me)} released a permit it did not hold`);
    if (due === 1) owed.delete(me);
    else owed.set(me, due - 1);
    released++;
    return result;
  };

  function checkInvariants(me: Greenlet): void {
    if (sem !== null) {
      assert.ok(levels.size <= permits, `${levels.size} greenlets hold a Semaphore(${permits})`);
      // A permit handed to a waiter that has not run yet is neither free nor counted as held.
      assert.ok(sem.counter + levels.size <= permits, `counter ${sem.counter} with ${levels.size} holders`);
      assert.ok(sem.counter >= 0);
    } else {
      assert.ok(levels.size <= 1, `${levels.size} greenlets hold an RLock`);
      if (levels.size === 1) assert.equal(rlock!.owner, me);
    }
  }

  function entered(me: Greenlet, arrival: number): void {
    waiting.delete(me);
    levels.set(me, (levels.get(me) ?? 0) + 1);
    acquired++;
    checkInvariants(me);
    if (arrival >= 0) grants.push({ arrival, grant: grantCount++ });
  }

  function left(me: Greenlet): void {
    const n = levels.get(me)!;
    if (n === 1) levels.delete(me);
    else levels.set(me, n - 1);
    owed.set(me, (owed.get(me) ?? 0) + 1);
    checkInvariants(me);
  }

  function* inside(op: Op, level: number): Steps<void> {
    const wait = pause(op.hold, op.holdFor);
    if (wait !== null) yield* wait;
    if (rlock !== null && level < op.depth) {
      // The owner takes the lock again: never blocks, whatever the form.
      const forms: Form[] = ['acquire', 'hold', 'holding'];
      yield* attempt({ ...op, form: forms[(level + op.depth) % 3], mode: 'block' }, level + 1);
    }
    if (op.hold === 'yield') yield* sleep(0);
  }

  function* attempt(op: Op, level: number): Steps<void> {
    const me = getCurrent()!;
    const blocks = lock.locked() && (rlock === null || rlock.owner !== me);
    if (level > 1) assert.ok(!blocks, 'the owner of an RLock re-enters at once');
    if (rlock !== null && blocks) {
      assert.throws(() => originalRelease(), /cannot release un-acquired RLock/, 'only the owner may release an RLock');
    }
    const arrival = blocks && op.mode !== 'nowait' ? arrivals++ : -1;
    if (arrival >= 0) waiting.add(me);
    const options: AcquireOptions =
      op.mode === 'nowait' ? { blocking: false } : op.mode === 'timeout' ? { timeout: op.timeout } : {};
    const outer = op.mode === 'outerTimeout' ? Timeout.startNew(op.timeout) : null;
    let inBody = false;
    try {
      if (op.form === 'acquire') {
        let ok: boolean;
        try {
          ok = yield* lock.acquire(options);
        } finally {
          outer?.cancel();
        }
        if (!ok) {
          assert.ok(op.mode === 'nowait' || op.mode === 'timeout', `acquire() in mode ${op.mode} returned false`);
          if (op.mode === 'nowait') assert.ok(blocks, 'a non-blocking acquire failed with a permit free');
          coverage.gaveUp++;
          return;
        }
        inBody = true;
        entered(me, arrival);
        try {
          yield* inside(op, level);
        } finally {
          left(me);
          lock.release();
        }
      } else if (op.form === 'hold') {
        let held: Disposable;
        try {
          held = yield* lock.hold(options);
        } finally {
          outer?.cancel();
        }
        using _held = held;
        inBody = true;
        entered(me, arrival);
        try {
          yield* inside(op, level);
        } finally {
          left(me);
        }
      } else {
        // The outer timeout also covers the body here: a throw from the body must release too.
        yield* lock.holding(function* () {
          inBody = true;
          entered(me, arrival);
          try {
            yield* inside(op, level);
          } finally {
            left(me);
          }
        }, options);
      }
    } catch (error) {
      if (!(error instanceof Timeout)) throw error;
      // Our own timeout, or a hold that gave up; a Timeout from elsewhere is not ours to eat.
      if (error !== outer && inBody) throw error;
      if (!inBody) {
        assert.ok(op.mode !== 'block', 'a blocking hold without a timeout gave up');
        if (op.mode === 'nowait') assert.ok(blocks, 'a non-blocking hold failed with a permit free');
        coverage.gaveUp++;
      } else {
        coverage.timedOutInBody++;
      }
    } finally {
      outer?.cancel();
      waiting.delete(me);
    }
  }

  function* actorBody(actor: Actor): Steps<void> {
    yield* sleep(actor.plan.startDelay);
    for (const op of actor.plan.ops) {
      const wait = pause(op.pause, 1);
      if (wait !== null) yield* wait;
      yield* attempt(rlock === null ? { ...op, depth: 1 } : op, 1);
    }
  }

  const actors: Actor[] = s.actors.map((plan) => ({ plan, greenlet: null }));
  for (const actor of actors) actor.greenlet = spawn(actorBody, actor);
  const helpers = s.kills.map((kill) =>
    spawn(function* () {
      yield* sleep(kill.at);
      const pool =
        kill.target === 'actor'
          ? actors.map((a) => a.greenlet!)
          : kill.target === 'holder'
            ? [...levels.keys()]
            : [...waiting];
      if (pool.length === 0) return;
      const victim = pool[kill.index % pool.length];
      if (levels.has(victim)) coverage.killedHolders++;
      if (waiting.has(victim)) coverage.killedWaiters++;
      victim.kill();
    }),
  );

  // Every wait ends: the holders hold for a bounded time, so the waiters without a limit get
  // their permits too, unless one was lost.
  for (let spins = 0; spins < 2000; spins++) {
    if (helpers.every((g) => g.dead) && actors.every((a) => a.greenlet!.dead)) break;
    yield* sleep(1);
  }
  const leftovers = actors.map((a) => a.greenlet!).filter((g) => !g.dead);
  const stuck = `${leftovers.length} actors stayed blocked (${String(lock)}, ${waiting.size} waiting, ${levels.size} holding)`;
  yield* killAll(leftovers, { timeout: 1000 });
  for (const g of leftovers) assert.ok(g.dead, `${String(g)} survived a kill`);
  assert.equal(leftovers.length, 0, stuck);
  for (const a of actors) assert.equal(a.greenlet!.exception, undefined, 'no actor failed');

  assert.equal(levels.size, 0, 'nobody holds a permit at the end');
  assert.equal(owed.size, 0, 'every level left was released');
  assert.equal(released, acquired, 'every successful acquire was released exactly once');
  if (sem !== null) {
    assert.equal(sem.counter, permits, 'the counter is back to its initial value');
    assert.equal(sem.locked(), false);
    assert.match(String(sem), / 0 waiting>$/, 'no waiter is left in the list');
    // The permits are really there: all of them can be taken at once, and no more.
    for (let i = 0; i < permits; i++) assert.equal(yield* sem.acquire({ blocking: false }), true);
    assert.equal(yield* sem.acquire({ blocking: false }), false);
    for (let i = 0; i < permits; i++) originalRelease();
    assert.equal(sem.counter, permits);
  } else {
    assert.equal(rlock!.owner, null, 'the RLock has no owner at the end');
    assert.equal(rlock!.locked(), false);
    assert.equal(String(rlock), '<RLock unowned>');
    assert.equal(yield* rlock!.acquire({ blocking: false }), true);
    originalRelease();
    assert.equal(rlock!.owner, null);
  }
  coverage.blockedGrants = grants.length;
  return { grants, coverage };
}

test('random acquire/hold/release schedules with kills and timeouts: bounded, fair, nothing leaked', async () => {
  let runs = 0;
  const total: Coverage = { blockedGrants: 0, gaveUp: 0, timedOutInBody: 0, killedHolders: 0, killedWaiters: 0 };
  await fc.assert(
    fc.asyncProperty(scenarioArb, async (scenario) => {
      const { grants, coverage } = await operation(() => runScenario(scenario));
      // Blocked acquirers that got a permit got it in the order they arrived.
      const byArrival = [...grants].sort((a, b) => a.arrival - b.arrival).map((g) => g.grant);
      assert.deepEqual(byArrival, [...byArrival].sort((a, b) => a - b), 'blocked acquirers are served in arrival order');
      for (const key of Object.keys(total) as (keyof Coverage)[]) total[key] += coverage[key];
      runs++;
    }),
    { numRuns: 1200, includeErrorInReport: true },
  );
  assert.equal(runs, 1200);
  // The schedules reach what matters: waits that end in a grant, acquires that give up, outer
  // timeouts landing in a holding() body, kills of holders and of waiters.
  for (const [what, count] of Object.entries(total)) assert.ok(count >= 50, `only ${count} ${what} in ${runs} schedules`);
});

test('a full lock serves exactly its surviving waiters, in arrival order, and newcomers wait behind them', async () => {
  // A model check. The permits are all taken; waiters line up, some are killed while waiting;
  // every permit comes back at once, and then more waiters are killed, which for those just
  // handed a permit lands at their next yield* (they still take their turn and give it back);
  // non-blocking newcomers try right after and get in only if the line was shorter than the
  // permits. The rest of the line is then served one by one as the permits come round.
  const waiterArb = fc.record({
    fate: fc.constantFrom('wait', 'wait', 'killed', 'killedAfterRelease'),
    form: fc.constantFrom<Form>('acquire', 'hold', 'holding'),
  });
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom<Kind>('semaphore', 'bounded', 'lock', 'rlock'),
      fc.integer({ min: 1, max: 3 }),
      fc.array(waiterArb, { minLength: 0, maxLength: 12 }),
      fc.integer({ min: 0, max: 3 }),
      async (kind, n, waiters, newcomers) => {
        const lock = makeLock(kind, n);
        const permits = lock instanceof Semaphore ? lock.counter : 1;
        const served: number[] = [];
        const newcomerResults: boolean[] = [];
        await operation(function* () {
          for (let i = 0; i < permits; i++) assert.equal(yield* lock.acquire({ blocking: false }), true);
          const greenlets = waiters.map((w, index) =>
            spawn(function* () {
              const body = function* (): Steps<void> {
                served.push(index);
                yield* sleep(0);
              };
              if (w.form === 'acquire') {
                assert.equal(yield* lock.acquire(), true);
                try {
                  yield* body();
                } finally {
                  lock.release();
                }
              } else if (w.form === 'hold') {
                using _held = yield* lock.hold();
                yield* body();
              } else {
                yield* lock.holding(body);
              }
            }),
          );
          yield* sleep(0);
          for (const [i, w] of waiters.entries()) if (w.fate === 'killed') greenlets[i].kill();
          for (let i = 0; i < permits; i++) lock.release();
          for (const [i, w] of waiters.entries()) if (w.fate === 'killedAfterRelease') greenlets[i].kill();
          for (let i = 0; i < newcomers; i++) {
            const got = yield* lock.acquire({ blocking: false });
            newcomerResults.push(got);
            if (got) lock.release();
          }
          for (let spins = 0; spins < 100 && greenlets.some((g) => !g.dead); spins++) yield* sleep(0);
          for (const g of greenlets) {
            assert.ok(g.dead, `${String(g)} stayed blocked`);
            assert.equal(g.exception, undefined);
          }
        });
        const line = waiters.flatMap((w, i) => (w.fate === 'killed' ? [] : [i]));
        const handed = line.slice(0, permits);
        const later = line.slice(permits).filter((i) => waiters[i].fate === 'wait');
        assert.deepEqual(served, [...handed, ...later]);
        assert.deepEqual(newcomerResults, Array.from({ length: newcomers }, () => line.length < permits));
        if (lock instanceof Semaphore) {
          assert.equal(lock.counter, permits);
          assert.match(String(lock), / 0 waiting>$/);
        } else {
          assert.equal(lock.owner, null);
          assert.equal(lock.locked(), false);
        }
        runs++;
      },
    ),
    { numRuns: 1000, includeErrorInReport: true },
  );
  assert.equal(runs, 1000);
});
