import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AsyncResult,
  Event,
  Greenlet,
  GreenletExit,
  Timeout,
  getHub,
  iwait,
  joinAll,
  killAll,
  sleep,
  spawn,
  wait,
  type Steps,
} from '../src/index.js';
import { recordHubErrors, run } from './support.js';

const reported = recordHubErrors();

function napper(ms: number, value: string = `slept ${ms}`): Greenlet<string> {
  return spawn(function* () {
    yield* sleep(ms);
    return value;
  });
}

function failer(ms: number, error: Error): Greenlet<never> {
  return spawn(function* (): Steps<never> {
    yield* sleep(ms);
    throw error;
  });
}

const index = (all: unknown[], some: unknown[]) => some.map((x) => all.indexOf(x));

void test('joinAll waits for every greenlet and returns them in the order they finished', async () => {
  const gs = [napper(30), napper(10), napper(20)];
  const done = await joinAll(gs);
  assert.deepEqual(index(gs, done), [1, 2, 0]);
  assert.ok(gs.every((g) => g.dead));
});

void test('joinAll over greenlets of different types, already dead ones included', async () => {
  const a = spawn(() => 1);
  await a.join();
  const b = spawn(function* () {
    yield* sleep(1);
    return 'b';
  });
  const done = await joinAll([a, b]);
  assert.deepEqual(done, [a, b]);
  assert.deepEqual(await joinAll([]), []);
});

void test('joinAll with a timeout returns the ones finished so far', async () => {
  const gs = [napper(500), napper(5), napper(10)];
  const done = await joinAll(gs, { timeout: 100 });
  assert.deepEqual(index(gs, done), [1, 2]);
  assert.equal(gs[0].dead, false);
  killAll(gs);
});

void test('joinAll with a count returns as soon as that many finished', async () => {
  const gs = [napper(500), napper(5), napper(10), napper(300)];
  const done = await joinAll(gs, { count: 2 });
  assert.deepEqual(index(gs, done), [1, 2]);
  assert.equal(gs[3].dead, false);
  await joinAll(gs, { count: 0 });
  killAll(gs);
});

void test('joinAll with raiseError throws the first error as soon as it happens', async () => {
  const early = new Error('early');
  const late = new Error('late');
  const gs = [napper(200), failer(50, late), failer(5, early)];
  const log: string[] = [];
  await run(function* () {
    try {
      yield* joinAll(gs, { raiseError: true });
    } catch (e) {
      log.push(`${e === early ? 'early' : String(e)}; still running: ${gs.filter((g) => !g.dead).length}`);
    }
  });
  assert.deepEqual(log, ['early; still running: 2']);
  const done = await joinAll(gs);
  assert.equal(done.length, 3);
  assert.deepEqual(reported, [early, late]);
});

void test('joinAll with raiseError: killed greenlets and successes are not errors', async () => {
  const victim = napper(10_000);
  const ok = napper(5);
  await sleep(0);
  victim.kill();
  const done = await joinAll([victim, ok], { raiseError: true });
  assert.deepEqual(done, [victim, ok]);
  assert.ok(victim.value instanceof GreenletExit);
});

void test('joinAll from plain code rejects with the first error when raiseError is set', async () => {
  const failure = new Error('boom');
  await assert.rejects(Promise.resolve(joinAll([failer(1, failure), napper(20)], { raiseError: true })), (e) => e === failure);
  await sleep(30);
});

void test('joinAll, wait and iwait check their arguments at once', () => {
  for (const f of [joinAll, wait, iwait] as ((objects: unknown, options?: object) => unknown)[]) {
    assert.throws(() => f(42), TypeError);
    assert.throws(() => f(null), TypeError);
    assert.throws(() => f([1, 2]), TypeError);
    assert.throws(() => f([], { timeout: -1 }), RangeError);
    assert.throws(() => f([], { timeout: NaN }), RangeError);
    assert.throws(() => f([], { count: -1 }), RangeError);
    assert.throws(() => f([], { count: 1.5 }), RangeError);
  }
});

void test('killAll takes effect at once, over any iterable, and its Operation waits for the deaths', async () => {
  const log: string[] = [];
  const worker = (tag: string) =>
    spawn(function* () {
      try {
        yield* sleep(10_000);
      } finally {
        yield* sleep(5);
        log.push(`${tag} cleaned up`);
      }
    });
  const a = worker('a');
  const b = worker('b');
  await sleep(0);
  const never = spawn(() => log.push('never runs'));
  const op = killAll(new Set([a, b, never]));
  assert.equal(never.dead, true);
  log.push('killAll returned');
  await op;
  log.push('all dead');
  assert.deepEqual(log, ['killAll returned', 'a cleaned up', 'b cleaned up', 'all dead']);
  for (const g of [a, b, never]) assert.ok(g.value instanceof GreenletExit);

  const c = worker('c');
  const d = worker('d');
  function* generated() {
    yield c;
    yield d;
  }
  await sleep(0);
  await killAll(generated());
  assert.deepEqual(log.slice(4), ['c cleaned up', 'd cleaned up']);
});

void test('killAll without running its Operation still kills', async () => {
  const gs = [napper(10_000), napper(10_000)];
  await sleep(0);
  killAll(gs);
  await sleep(0);
  assert.ok(gs.every((g) => g.dead));
});

void test('killAll throws Timeout when its timeout passes with some still alive', async () => {
  let stop = false;
  const stubborn = spawn(function* () {
    while (!stop) {
      try {
        yield* sleep(10_000);
      } catch {
        // refuses to die
      }
    }
  });
  const meek = napper(10_000);
  await sleep(0);
  await assert.rejects(Promise.resolve(killAll([stubborn, meek], { timeout: 20 })), (e) => e instanceof Timeout);
  assert.equal(meek.dead, true);
  assert.equal(stubborn.dead, false);
  stop = true;
  await stubborn.kill();
  assert.equal(stubborn.dead, true);
});

void test('killAll with an exception (instance or class), and block false', async () => {
  class Halt extends Error {}
  const a = napper(10_000);
  const b = napper(10_000);
  await sleep(0);
  await killAll([a, b], { exception: Halt });
  assert.ok(a.exception instanceof Halt);
  assert.ok(b.exception instanceof Halt);
  assert.notEqual(a.exception, b.exception);
  const c = spawn(function* () {
    try {
      yield* sleep(10_000);
    } finally {
      yield* sleep(10);
    }
  });
  await sleep(0);
  await killAll([c], { block: false });
  assert.equal(c.dead, false);
  await c.join();
  assert.ok(c.value instanceof GreenletExit);
});

void test('killAll with something that is not an Error kills nothing and throws TypeError', async () => {
  const g = napper(5, 'survived');
  assert.throws(() => killAll([g], { exception: 'stop' as unknown as Error }), TypeError);
  assert.throws(() => killAll(42 as unknown as Greenlet[]), TypeError);
  assert.throws(() => killAll([g], { timeout: -1 }), RangeError);
  assert.equal(await g.get(), 'survived');
});

void test('wait returns objects in the order they became ready; count and timeout', async () => {
  const gs = [napper(30), napper(10), napper(20)];
  assert.deepEqual(index(gs, await wait(gs)), [1, 2, 0]);
  const hs = [napper(30), napper(10), napper(20)];
  assert.deepEqual(index(hs, await wait(hs, { count: 2 })), [1, 2]);
  await joinAll(hs);
  const ks = [napper(500), napper(5), napper(10)];
  assert.deepEqual(index(ks, await wait(ks, { timeout: 100 })), [1, 2]);
  killAll(ks);
  assert.deepEqual(await wait([]), []);
});

void test('wait and iwait work over any waitable: Greenlet, Event, AsyncResult', async () => {
  const event = new Event();
  const result = new AsyncResult<number>();
  const g = napper(20);
  spawn(function* () {
    yield* sleep(5);
    result.set(1);
    yield* sleep(5);
    event.set();
  });
  const ready = await wait([g, event, result]);
  assert.deepEqual(ready, [result, event, g]);
  const seen: unknown[] = [];
  for await (const x of iwait([event, g])) seen.push(x);
  assert.deepEqual(seen, [event, g]);
});

void test('iwait yields each object as it becomes ready, inside a greenlet', async () => {
  const gs = [napper(30), napper(10), napper(20)];
  const order = await run(function* () {
    const out: number[] = [];
    const stream = iwait(gs);
    for (let r = yield* stream.next(); !r.done; r = yield* stream.next()) out.push(gs.indexOf(r.value));
    const after = yield* stream.next();
    out.push(after.done ? -1 : -2);
    return out;
  });
  assert.deepEqual(order, [1, 2, 0, -1]);
});

void test('iwait with for await outside greenlets; count stops early', async () => {
  const gs = [napper(30), napper(10), napper(20)];
  const seen: number[] = [];
  for await (const g of iwait(gs, { count: 2 })) seen.push(gs.indexOf(g));
  assert.deepEqual(seen, [1, 2]);
  await joinAll(gs);
});

void test('iwait: a timeout ends the stream without an error', async () => {
  const gs = [napper(500), napper(5)];
  const seen: number[] = [];
  for await (const g of iwait(gs, { timeout: 50 })) seen.push(gs.indexOf(g));
  assert.deepEqual(seen, [1]);
  killAll(gs);
  assert.equal(getHub().clock.size, 0);
});

void test('iwait: breaking out of for await closes the stream and unlinks it', async () => {
  const gs = [napper(5), napper(10), napper(20)];
  for await (const g of iwait(gs)) {
    assert.equal(g, gs[0]);
    break;
  }
  await joinAll(gs);
  await sleep(0);
  assert.deepEqual(reported, []);
});

void test('iwait: two greenlets reading one stream at once is an error', async () => {
  const gs = [napper(20)];
  const stream = iwait(gs);
  const first = spawn(function* () {
    return yield* stream.next();
  });
  const second = spawn(function* () {
    return yield* stream.next();
  });
  await joinAll([first, second]);
  assert.equal((await first.get()).value, gs[0]);
  assert.match(String(second.exception), /already reading/);
});

void test('iwait: a reader killed while waiting leaves the stream usable', async () => {
  const gs = [napper(20)];
  const stream = iwait(gs);
  const reader = spawn(function* () {
    return yield* stream.next();
  });
  await sleep(0);
  await reader.kill();
  const r = await stream.next();
  assert.equal(r.value, gs[0]);
});
