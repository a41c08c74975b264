// Random schedules of greenlets waiting on an Event or an AsyncResult (with and without
// timeouts), of set/clear calls at random points, and of kills. Whatever happens, every waiter
// still waiting at a set() returns true (or gets the result), a wait returns false (or throws
// Timeout) only once its own deadline passed with nothing set, the waiters woken by one set()
// run in arrival order, and at the end nothing is left waiting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AsyncResult, Event, Timeout, getCurrent, operation, sleep, spawn, type Greenlet, type Steps } from '../src/index.js';

interface WaitOp {
  pause: 'none' | 'yield' | 'sleep';
  /** null: wait without a limit. */
  timeout: number | null;
}

interface Action {
  at: number;
  what: 'set' | 'clear' | 'setClear';
}

interface EventScenario {
  waiters: { startDelay: number; ops: WaitOp[] }[];
  actions: Action[];
  kills: { index: number; at: number }[];
}

const waitOpArb: fc.Arbitrary<WaitOp> = fc.record({
  pause: fc.constantFrom('none', 'yield', 'sleep'),
  timeout: fc.option(fc.integer({ min: 0, max: 3 }), { freq: 3 }),
});

const eventScenarioArb: fc.Arbitrary<EventScenario> = fc.record({
  waiters: fc.array(
    fc.record({ startDelay: fc.integer({ min: 0, max: 2 }), ops: fc.array(waitOpArb, { minLength: 1, maxLength: 4 }) }),
    { minLength: 1, maxLength: 6 },
  ),
  actions: fc.array(
    fc.record({ at: fc.integer({ min: 0, max: 6 }), what: fc.constantFrom<Action['what']>('set', 'clear', 'setClear') }),
    { maxLength: 5 },
  ),
  kills: fc.array(fc.record({ index: fc.nat(), at: fc.integer({ min: 0, max: 6 }) }), { maxLength: 2 }),
});

/** One call of wait() that found nothing set, while it is parked. */
interface Parked {
  arrival: number;
  /** When the call began (performance.now()): its deadline is no earlier than this + timeout. */
  began: number;
  timeout: number | null;
  /** The first set() that happened while it was parked: its number and when. */
  setSeen: { epoch: number; at: number } | null;
}

interface EventCoverage {
  wokenBySet: number;
  timedOut: number;
  killedWaiting: number;
}

function* runEventScenario(s: EventScenario, coverage: EventCoverage): Steps<void> {
  const event = new Event();
  const parked = new Map<Greenlet, Parked>();
  let arrivals = 0;
  let epochs = 0;
  /** The waiters each set() woke, in the order they ran afterwards. */
  const resumed = new Map<number, number[]>();

  function set(): void {
    const was = event.isSet();
    event.set();
    if (was) return;
    const epoch = epochs++;
    const at = performance.now();
    for (const p of parked.values()) p.setSeen ??= { epoch, at };
  }

  function* waiter(plan: EventScenario['waiters'][number]): Steps<void> {
    const me = getCurrent()!;
    yield* sleep(plan.startDelay);
    for (const op of plan.ops) {
      if (op.pause === 'yield') yield* sleep(0);
      else if (op.pause === 'sleep') yield* sleep(1);
      const setAtCall = event.isSet();
      const call: Parked = { arrival: arrivals++, began: performance.now(), timeout: op.timeout, setSeen: null };
      if (!setAtCall) parked.set(me, call);
      let result: boolean;
      try {
        result = yield* event.wait(op.timeout ?? undefined);
      } finally {
        parked.delete(me);
      }
      if (setAtCall) {
        assert.equal(result, true, 'wait() on a set Event returns true at once');
        continue;
      }
      const seen = call.setSeen;
      if (result) {
        assert.ok(seen !== null, 'wait() returned true, but nothing was set while it waited');
        coverage.wokenBySet++;
        const order = resumed.get(seen.epoch) ?? [];
        order.push(call.arrival);
        resumed.set(seen.epoch, order);
      } else {
        assert.ok(op.timeout !== null, 'wait() without a timeout returned false');
        assert.ok(performance.now() >= call.began + op.timeout, 'wait() returned false before its timeout');
        // Its deadline fires no earlier than `began + timeout`: a set() before that reached it.
        if (seen !== null) {
          assert.ok(seen.at >= call.began + op.timeout, `a set() ${seen.at - call.began} ms into a ${op.timeout} ms wait was missed`);
        }
        coverage.timedOut++;
      }
    }
  }

  const waiters = s.waiters.map((plan) => spawn(waiter, plan));
  const helpers = [
    ...s.actions.map((action) =>
      spawn(function* () {
        yield* sleep(action.at);
        if (action.what === 'clear') event.clear();
        else set();
        if (action.what === 'setClear') event.clear();
      }),
    ),
    ...s.kills.map((kill) =>
      spawn(function* () {
        yield* sleep(kill.at);
        const victim = waiters[kill.index % waiters.length];
        if (parked.has(victim)) coverage.killedWaiting++;
        victim.kill();
      }),
    ),
  ];
  for (let spins = 0; spins < 100 && helpers.some((g) => !g.dead); spins++) yield* sleep(1);
  // From here the flag stays set: whoever still waits, or waits later, gets true.
  set();
  for (let spins = 0; spins < 100 && waiters.some((g) => !g.dead); spins++) yield* sleep(1);
  for (const g of waiters) {
    assert.ok(g.dead, `${String(g)} stayed blocked on a set Event`);
    assert.equal(g.exception, undefined, 'no waiter failed');
  }
  assert.equal(String(event), '<Event set, 0 waiting>');
  for (const order of resumed.values()) {
    assert.deepEqual(order, [...order].sort((a, b) => a - b), 'the waiters one set() woke ran in arrival order');
  }
}

test('random Event schedules: a set() reaches every waiter, only an expired wait returns false, nothing stays blocked', async () => {
  let runs = 0;
  const coverage: EventCoverage = { wokenBySet: 0, timedOut: 0, killedWaiting: 0 };
  await fc.assert(
    fc.asyncProperty(eventScenarioArb, async (scenario) => {
      await operation(() => runEventScenario(scenario, coverage));
      runs++;
    }),
    { numRuns: 700, includeErrorInReport: true },
  );
  assert.equal(runs, 700);
  for (const [what, count] of Object.entries(coverage)) assert.ok(count >= 50, `only ${count} ${what} in ${runs} schedules`);
});

interface ResultScenario {
  getters: { startDelay: number; how: 'get' | 'wait' | 'nowait'; timeout: number | null }[];
  /** The outcomes stored, in order, each at its time; empty: never set before the end. */
  outcomes: { at: number; error: boolean }[];
  kills: { index: number; at: number }[];
}

const resultScenarioArb: fc.Arbitrary<ResultScenario> = fc.record({
  getters: fc.array(
    fc.record({
      startDelay: fc.integer({ min: 0, max: 4 }),
      how: fc.constantFrom<'get' | 'wait' | 'nowait'>('get', 'get', 'wait', 'nowait'),
      timeout: fc.option(fc.integer({ min: 0, max: 3 }), { freq: 2 }),
    }),
    { minLength: 1, maxLength: 8 },
  ),
  outcomes: fc.array(fc.record({ at: fc.integer({ min: 0, max: 5 }), error: fc.boolean() }), { maxLength: 2 }),
  kills: fc.array(fc.record({ index: fc.nat(), at: fc.integer({ min: 0, max: 5 }) }), { maxLength: 2 }),
});

/** The error a failing outcome stores. */
class Failure extends Error {
  constructor(readonly n: number) {
    super(`outcome ${n}`);
  }
}

interface ResultCoverage {
  got: number;
  threw: number;
  timedOut: number;
}

function* runResultScenario(s: ResultScenario, coverage: ResultCoverage): Steps<void> {
  const result = new AsyncResult<number>();
  /** Outcomes stored so far: a number is a value, a Failure an error. */
  const stored: (number | Failure)[] = [];
  let firstStoredAt = Infinity;

  function store(n: number, error: boolean): void {
    if (error) result.setException(new Failure(n));
    else result.set(n);
    stored.push(error ? new Failure(n) : n);
    firstStoredAt = Math.min(firstStoredAt, performance.now());
  }

  function* getter(plan: ResultScenario['getters'][number]): Steps<void> {
    yield* sleep(plan.startDelay);
    const readyAtCall = result.ready();
    const began = performance.now();
    const timeout = plan.timeout ?? undefined;
    const isStored = (outcome: unknown): boolean =>
      stored.some((o) => (o instanceof Failure ? outcome instanceof Failure && outcome.n === o.n : outcome === o));
    if (plan.how === 'wait') {
      const value = yield* result.wait(timeout);
      if (!result.ready()) {
        assert.equal(value, undefined);
        assert.ok(timeout !== undefined, 'wait() without a timeout returned with no result');
        assert.ok(performance.now() >= began + timeout, 'wait() gave up before its timeout');
        coverage.timedOut++;
      } else if (!result.successful()) {
        assert.equal(value, undefined, 'wait() after an error returns undefined');
        coverage.threw++;
      } else {
        assert.ok(isStored(value), `wait() returned ${value}, which was never set`);
        coverage.got++;
      }
      return;
    }
    try {
      const value = plan.how === 'nowait' ? yield* result.getNowait() : yield* result.get({ timeout });
      assert.ok(isStored(value), `get() returned ${value}, which was never set`);
      coverage.got++;
    } catch (error) {
      if (error instanceof Failure) {
        assert.ok(isStored(error), 'get() threw an error that was never set');
        coverage.threw++;
      } else if (error instanceof Timeout) {
        assert.ok(!readyAtCall, 'get() timed out on a ready result');
        if (plan.how === 'get') {
          assert.ok(timeout !== undefined, 'get() without a timeout timed out');
          assert.ok(performance.now() >= began + timeout, 'get() timed out before its timeout');
          // Its deadline fires no earlier than `began + timeout`: a result set before that reached it.
          assert.ok(firstStoredAt >= began + timeout, `a result set ${firstStoredAt - began} ms into a ${timeout} ms get() was missed`);
          coverage.timedOut++;
        }
      } else {
        throw error;
      }
    }
  }

  const getters = s.getters.map((plan) => spawn(getter, plan));
  const helpers = [
    ...s.outcomes.map((o, n) =>
      spawn(function* () {
        yield* sleep(o.at);
        store(n, o.error);
      }),
    ),
    ...s.kills.map((kill) =>
      spawn(function* () {
        yield* sleep(kill.at);
        getters[kill.index % getters.length].kill();
      }),
    ),
  ];
  for (let spins = 0; spins < 100 && helpers.some((g) => !g.dead); spins++) yield* sleep(1);
  if (!result.ready()) store(99, false);
  for (let spins = 0; spins < 100 && getters.some((g) => !g.dead); spins++) yield* sleep(1);
  for (const g of getters) {
    assert.ok(g.dead, `${String(g)} stayed blocked on a ready AsyncResult`);
    assert.equal(g.exception, undefined, 'no getter failed');
  }
  assert.match(String(result), /, 0 waiting>$/);
}

test('random AsyncResult schedules: getters get what was set, time out only when nothing came in time', async () => {
  let runs = 0;
  const coverage: ResultCoverage = { got: 0, threw: 0, timedOut: 0 };
  await fc.assert(
    fc.asyncProperty(resultScenarioArb, async (scenario) => {
      await operation(() => runResultScenario(scenario, coverage));
      runs++;
    }),
    { numRuns: 700, includeErrorInReport: true },
  );
  assert.equal(runs, 700);
  for (const [what, count] of Object.entries(coverage)) assert.ok(count >= 50, `only ${count} ${what} in ${runs} schedules`);
});
