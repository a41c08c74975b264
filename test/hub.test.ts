import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Greenlet, Hub, call, getHub, joinAll, sleep, spawn } from '../src/index.js';
import { callSoon } from '../src/hub.js';
import { recordHubReports, run } from './support.js';

const reported = recordHubReports();

void test('getHub returns the one hub of this thread', () => {
  assert.ok(getHub() instanceof Hub);
  assert.equal(getHub(), getHub());
});

void test('pending counts the greenlets ready to run', async () => {
  assert.equal(getHub().pending, 0);
  const gs = [spawn(() => 1), spawn(() => 2)];
  assert.equal(getHub().pending, 2);
  await joinAll(gs);
  assert.equal(getHub().pending, 0);
});

void test('the hub yields to Node: callbacks run while two greenlets ping-pong with sleep(0)', async () => {
  const log: string[] = [];
  let stop = false;
  let rounds = 0;
  const pinger = (tag: string) =>
    spawn(function* () {
      // Bounded: if the event loop never got a turn, this ends the test with a failure.
      while (!stop && rounds < 5_000_000) {
        rounds++;
        yield* sleep(0);
      }
      log.push(`${tag} stops`);
    });
  const seen = new Set<string>();
  const done = () => {
    if (seen.size === 3) stop = true;
  };
  setImmediate(() => {
    seen.add('immediate');
    done();
  });
  setTimeout(() => {
    seen.add('timer');
    done();
  }, 5);
  readFile(fileURLToPath(import.meta.url), () => {
    seen.add('io');
    done();
  });
  await joinAll([pinger('a'), pinger('b')]);
  assert.deepEqual([...seen].sort(), ['immediate', 'io', 'timer']);
  assert.deepEqual(log.sort(), ['a stops', 'b stops']);
  assert.ok(rounds < 5_000_000, 'the callbacks never ran');
});

void test('the hub yields to Node while a greenlet waits for promise after promise', async () => {
  let stop = false;
  let rounds = 0;
  setImmediate(() => {
    stop = true;
  });
  const g = spawn(function* () {
    while (!stop && rounds < 1_000_000) {
      rounds++;
      yield* call(Promise.resolve(rounds));
    }
  });
  await g.join();
  assert.equal(stop, true);
  assert.ok(rounds < 1_000_000, 'the setImmediate callback never ran');
});

void test('the hub yields to Node while plain code awaits Operations in a loop', async () => {
  let stop = false;
  let rounds = 0;
  setImmediate(() => {
    stop = true;
  });
  while (!stop && rounds < 200_000) {
    rounds++;
    await sleep(0);
  }
  assert.equal(stop, true);
  assert.ok(rounds < 200_000, 'the setImmediate callback never ran');
});

void test('a sleeping greenlet is woken by its timer while others ping-pong', async () => {
  let stop = false;
  let rounds = 0;
  const busy = spawn(function* () {
    while (!stop && rounds < 5_000_000) {
      rounds++;
      yield* sleep(0);
    }
  });
  const sleeper = spawn(function* () {
    yield* sleep(10);
    stop = true;
    return 'woke';
  });
  await joinAll([busy, sleeper]);
  assert.equal(sleeper.value, 'woke');
  assert.ok(rounds < 5_000_000);
});

void test('yield without * of something the hub cannot run throws TypeError into the body there', async () => {
  const log: string[] = [];
  const g = spawn(function* () {
    for (const bad of [5, 'text', null, undefined, Promise.resolve(1), sleep(1), { then: 1 }]) {
      try {
        yield bad;
        log.push('not reached');
      } catch (e) {
        log.push(`${(e as Error).name}: ${(e as Error).message.split(' with ')[0]}`);
      }
    }
    yield* sleep(0);
    log.push('the body goes on');
  });
  await g.join();
  assert.deepEqual(log, [
    'TypeError: a greenlet body yielded 5',
    'TypeError: a greenlet body yielded "text"',
    'TypeError: a greenlet body yielded null',
    'TypeError: a greenlet body yielded undefined',
    'TypeError: a greenlet body yielded a promise',
    'TypeError: a greenlet body yielded an Operation',
    'TypeError: a greenlet body yielded an object',
    'the body goes on',
  ]);
});

void test('a bare yield that is not caught ends the greenlet with the TypeError, reported', async () => {
  const g = spawn(function* () {
    yield* sleep(0);
    yield 42;
  });
  await g.join();
  assert.ok(g.exception instanceof TypeError);
  assert.match((g.exception).message, /yield\*/);
  assert.deepEqual(reported, [[g, g.exception]]);
});

void test('handleError gets the errors of hub callbacks with a null context; the hub goes on', async () => {
  const boom = new Error('callback failed');
  const log: string[] = [];
  callSoon(() => {
    throw boom;
  });
  callSoon(() => log.push('next callback'));
  await sleep(0);
  assert.deepEqual(log, ['next callback']);
  assert.deepEqual(reported, [[null, boom]]);
});

void test('callbacks queued with callSoon run after the greenlets already ready', async () => {
  const log: string[] = [];
  await run(function* () {
    spawn(() => log.push('a'));
    callSoon(() => log.push('callback'));
    spawn(() => log.push('b'));
    yield* sleep(0);
  });
  assert.deepEqual(log, ['a', 'callback', 'b']);
});

void test('many greenlets: each runs once per round, in order, and the process stays responsive', async () => {
  const n = 2000;
  const order: number[] = [];
  const gs: Greenlet[] = [];
  for (let i = 0; i < n; i++) {
    gs.push(
      spawn(function* () {
        order.push(i);
        yield* sleep(0);
        order.push(i);
      }),
    );
  }
  await joinAll(gs);
  const expected = [...Array(n).keys()];
  assert.deepEqual(order, [...expected, ...expected]);
});

void test('a greenlet woken by a timer goes behind the ones already ready', async () => {
  const log: string[] = [];
  await run(function* () {
    const sleeper = spawn(function* () {
      yield* sleep(5);
      log.push('sleeper');
    });
    yield* sleep(0);
    // Spin synchronously past the sleeper's deadline, then make two greenlets ready.
    const until = performance.now() + 10;
    while (performance.now() < until);
    spawn(() => log.push('x'));
    spawn(() => log.push('y'));
    yield* sleeper.join();
  });
  assert.deepEqual(log, ['x', 'y', 'sleeper']);
});

void test('each worker thread has a hub of its own', async () => {
  const log: string[] = [];
  const ticker = spawn(function* () {
    for (let i = 0; i < 3; i++) {
      yield* sleep(2);
      log.push(`main ${i}`);
    }
  });
  const fromWorker = await new Promise<unknown>((resolve, reject) => {
    const worker = new Worker(new URL('./fixtures/worker-hub.js', import.meta.url));
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await ticker.join();
  assert.deepEqual(fromWorker, ['b', 'a', 'pending 0', 'LoopExit']);
  assert.deepEqual(log, ['main 0', 'main 1', 'main 2']);
});
