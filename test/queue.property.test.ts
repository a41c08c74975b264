// Random schedules of producers, consumers, kills, timeouts and shutdowns over every kind of
// queue. Whatever happens, an item put successfully is delivered exactly once (or is still in
// the queue, or was discarded by an immediate shutdown), a failed put inserts nothing, FIFO
// queues pair the n-th successful get with the n-th successful put (arrival order, no lock
// involved), and nothing stays blocked or hooked in a wait list at the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Channel,
  Empty,
  Full,
  LifoQueue,
  PriorityQueue,
  Queue,
  ShutDown,
  SimpleQueue,
  Timeout,
  killAll,
  operation,
  sleep,
  spawn,
  type Greenlet,
  type Operation,
  type Steps,
} from '../src/index.js';

type Item = [priority: number, id: number];
type Kind = 'queue' | 'bounded' | 'simple' | 'lifo' | 'priority' | 'channel';

interface Op {
  pause: 'none' | 'yield' | 'sleep';
  mode: 'block' | 'timeout' | 'nowait' | 'outerTimeout';
  timeout: number;
  priority: number;
}

interface ActorPlan {
  role: 'producer' | 'consumer';
  startDelay: number;
  ops: Op[];
}

interface Scenario {
  kind: Kind;
  maxsize: number;
  actors: ActorPlan[];
  kills: { target: number; at: number }[];
  shutdown: { at: number; immediate: boolean } | null;
  taskDone: boolean;
}

const opArb: fc.Arbitrary<Op> = fc.record({
  pause: fc.constantFrom('none', 'yield', 'sleep'),
  mode: fc.constantFrom('block', 'block', 'timeout', 'timeout', 'nowait', 'outerTimeout'),
  timeout: fc.integer({ min: 0, max: 3 }),
  priority: fc.integer({ min: 0, max: 3 }),
});

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  kind: fc.constantFrom<Kind>('queue', 'bounded', 'simple', 'lifo', 'priority', 'channel'),
  maxsize: fc.integer({ min: 1, max: 4 }),
  actors: fc.array(
    fc.record({
      role: fc.constantFrom('producer', 'consumer'),
      startDelay: fc.integer({ min: 0, max: 2 }),
      ops: fc.array(opArb, { minLength: 1, maxLength: 8 }),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  kills: fc.array(fc.record({ target: fc.nat(), at: fc.integer({ min: 0, max: 4 }) }), { maxLength: 3 }),
  shutdown: fc.option(fc.record({ at: fc.integer({ min: 0, max: 5 }), immediate: fc.boolean() }), { freq: 4 }),
  taskDone: fc.boolean(),
});

function makeQueue(kind: Kind, maxsize: number): SimpleQueue<Item> {
  switch (kind) {
    case 'queue':
      return new Queue<Item>();
    case 'bounded':
      return new Queue<Item>(maxsize);
    case 'simple':
      return new SimpleQueue<Item>(maxsize % 2 === 0 ? maxsize : undefined);
    case 'lifo':
      return new LifoQueue<Item>(maxsize % 2 === 0 ? maxsize : undefined);
    case 'priority':
      return new PriorityQueue<Item>(maxsize % 2 === 0 ? maxsize : undefined);
    case 'channel':
      return new Channel<Item>();
  }
}

function pause(ms: number): Operation<void> {
  return ms === 0 ? sleep(0) : sleep(ms);
}

/** What one actor is doing, so the scenario can tell when only untimed waits are left. */
interface Actor {
  plan: ActorPlan;
  greenlet: Greenlet | null;
  waitsWithoutLimit: boolean;
}

interface Entry {
  arrival: number;
  id: number;
}

interface Outcome {
  puts: Entry[];
  gets: Entry[];
  remaining: number[];
  discarded: number;
  taskDones: number;
}

function* runScenario(s: Scenario): Steps<Outcome> {
  const q = makeQueue(s.kind, s.maxsize);
  const puts: Entry[] = [];
  const gets: Entry[] = [];
  let arrivals = 0;
  let nextId = 0;
  let discarded = 0;
  let taskDones = 0;

  function* producer(actor: Actor): Steps<void> {
    yield* pause(actor.plan.startDelay);
    for (const op of actor.plan.ops) {
      if (op.pause === 'yield') yield* sleep(0);
      else if (op.pause === 'sleep') yield* sleep(1);
      const id = nextId++;
      const item: Item = [op.priority, id];
      const arrival = arrivals++;
      try {
        if (op.mode === 'nowait') {
          q.putNowait(item);
        } else if (op.mode === 'timeout') {
          yield* q.put(item, { timeout: op.timeout });
        } else if (op.mode === 'outerTimeout') {
          const t = Timeout.startNew(op.timeout);
          try {
            yield* q.put(item);
          } finally {
            t.cancel();
          }
        } else {
          actor.waitsWithoutLimit = true;
          yield* q.put(item);
        }
        // Recorded before the next `yield*`: a kill after the put can only land later.
        puts.push({ arrival, id });
      } catch (error) {
        if (error instanceof ShutDown) return;
        if (!(error instanceof Full) && !(error instanceof Timeout)) throw error;
      } finally {
        actor.waitsWithoutLimit = false;
      }
    }
  }

  function* consumer(actor: Actor): Steps<void> {
    yield* pause(actor.plan.startDelay);
    for (const op of actor.plan.ops) {
      if (op.pause === 'yield') yield* sleep(0);
      else if (op.pause === 'sleep') yield* sleep(1);
      const arrival = arrivals++;
      let item: Item;
      try {
        if (op.mode === 'nowait') {
          item = q.getNowait();
        } else if (op.mode === 'timeout') {
          item = yield* q.get({ timeout: op.timeout });
        } else if (op.mode === 'outerTimeout') {
          const t = Timeout.startNew(op.timeout);
          try {
            item = yield* q.get();
          } finally {
            t.cancel();
          }
        } else {
          actor.waitsWithoutLimit = true;
          item = yield* q.get();
        }
      } catch (error) {
        if (error instanceof ShutDown) return;
        if (!(error instanceof Empty) && !(error instanceof Timeout)) throw error;
        continue;
      } finally {
        actor.waitsWithoutLimit = false;
      }
      gets.push({ arrival, id: item[1] });
      if (s.taskDone && q instanceof Queue) {
        q.taskDone();
        taskDones++;
      }
    }
  }

  const actors: Actor[] = s.actors.map((plan) => ({ plan, greenlet: null, waitsWithoutLimit: false }));
  for (const actor of actors) {
    actor.greenlet = actor.plan.role === 'producer' ? spawn(producer, actor) : spawn(consumer, actor);
  }
  const helpers: Greenlet[] = s.kills.map((kill) =>
    spawn(function* () {
      yield* pause(kill.at);
      actors[kill.target % actors.length].greenlet!.kill();
    }),
  );
  const shutdown = s.shutdown;
  if (shutdown !== null) {
    helpers.push(
      spawn(function* () {
        yield* pause(shutdown.at);
        if (shutdown.immediate) discarded = q.qsize();
        q.shutdown(shutdown.immediate);
      }),
    );
  }

  // Settle: until every actor is dead or parked in a wait that has no limit.
  for (let spins = 0; ; spins++) {
    yield* sleep(1);
    if (helpers.every((g) => g.dead) && actors.every((a) => a.greenlet!.dead || a.waitsWithoutLimit)) break;
    assert.ok(spins < 1000, 'the scenario never settled');
  }
  assert.ok(q.getters.size === 0 || q.putters.size === 0, 'getters and putters are never parked at the same time');
  if (shutdown !== null) assert.equal(q.getters.size + q.putters.size, 0, 'shutdown wakes every blocked caller');

  const leftovers = actors.map((a) => a.greenlet!).filter((g) => !g.dead);
  yield* killAll(leftovers, { timeout: 1000 });
  for (const g of leftovers) assert.ok(g.dead, `${String(g)} stayed blocked after a kill`);
  for (const a of actors) assert.equal(a.greenlet!.exception, undefined, 'no actor failed');
  assert.equal(q.getters.size, 0, 'no getter left in the wait list');
  assert.equal(q.putters.size, 0, 'no putter left in the wait list');
  assert.equal(q.getters.head, null);
  assert.equal(q.putters.head, null);

  const remaining: number[] = [];
  while (q.qsize() > 0) {
    remaining.push(q.getNowait()[1]);
    if (q instanceof Queue) {
      q.taskDone();
      taskDones++;
    }
  }
  assert.equal(q.qsize(), 0);
  assert.equal(q.empty(), true);
  if (q instanceof Queue) {
    assert.equal(q.unfinishedTasks, puts.length - discarded - taskDones);
    assert.equal(yield* q.join(0), q.unfinishedTasks === 0);
    if (s.taskDone) assert.equal(q.unfinishedTasks, 0);
    assert.equal(q.joiners.size, 0);
  }
  return { puts, gets, remaining, discarded, taskDones };
}

function byArrival(records: Entry[]): number[] {
  return [...records].sort((a, b) => a.arrival - b.arrival).map((r) => r.id);
}

function checkOutcome(kind: Kind, outcome: Outcome): void {
  const { puts, gets, remaining, discarded } = outcome;
  const putIds = byArrival(puts);
  const delivered = [...byArrival(gets), ...remaining];
  assert.equal(new Set(delivered).size, delivered.length, 'no item is delivered twice');
  const succeeded = new Set(putIds);
  for (const id of delivered) assert.ok(succeeded.has(id), `item ${id} was delivered but its put failed`);
  assert.equal(delivered.length, putIds.length - discarded, 'every item put is delivered, left or discarded');
  if (kind === 'queue' || kind === 'bounded' || kind === 'simple' || kind === 'channel') {
    // First in, first out, and blocked callers served in arrival order: the n-th get to arrive
    // (that succeeded) has the n-th item whose put arrived first.
    assert.deepEqual(delivered, putIds.slice(0, delivered.length));
  }
}

test('random schedules over every queue kind: nothing lost, nothing doubled, nothing left blocked', async () => {
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(scenarioArb, async (scenario) => {
      const outcome = await operation(() => runScenario(scenario));
      checkOutcome(scenario.kind, outcome);
      runs++;
    }),
    { numRuns: 1000 },
  );
  assert.equal(runs, 1000);
});

test('blocked getters and putters are served in arrival order, whatever the interleaving', async () => {
  // Getters and putters arrive in a random interleaving, with random timeouts; the queue alone
  // must order them: the k-th getter to arrive that is served gets the k-th item that went in.
  const eventArb = fc.record({
    role: fc.constantFrom('get', 'put'),
    timeout: fc.option(fc.integer({ min: 0, max: 2 }), { freq: 2 }),
    yields: fc.integer({ min: 0, max: 2 }),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('channel', 'bounded', 'unbounded'),
      fc.array(eventArb, { minLength: 1, maxLength: 30 }),
      async (kind, events) => {
        const q = kind === 'channel' ? new Channel<number>() : kind === 'bounded' ? new Queue<number>(2) : new Queue<number>();
        const served: { arrival: number; item: number }[] = [];
        const accepted: { arrival: number; item: number }[] = [];
        let arrivals = 0;
        await operation(function* () {
          const greenlets = events.map((e, index) =>
            spawn(function* () {
              for (let i = 0; i < e.yields; i++) yield* sleep(0);
              const arrival = arrivals++;
              const options = e.timeout === null ? undefined : { timeout: e.timeout };
              try {
                if (e.role === 'get') served.push({ arrival, item: yield* q.get(options) });
                else {
                  yield* q.put(index, options);
                  accepted.push({ arrival, item: index });
                }
              } catch (error) {
                if (!(error instanceof Empty) && !(error instanceof Full)) throw error;
              }
            }),
          );
          for (let spins = 0; spins < 10 && greenlets.some((g) => !g.dead); spins++) yield* sleep(1);
          yield* killAll(greenlets);
          for (const g of greenlets) assert.equal(g.exception, undefined, 'no greenlet failed');
        });
        const items = [...accepted].sort((a, b) => a.arrival - b.arrival).map((r) => r.item);
        const taken = [...served].sort((a, b) => a.arrival - b.arrival).map((r) => r.item);
        const left: number[] = [];
        while (q.qsize() > 0) left.push(q.getNowait());
        assert.deepEqual([...taken, ...left], items);
        assert.equal(q.getters.size + q.putters.size, 0);
      },
    ),
    { numRuns: 500 },
  );
});
