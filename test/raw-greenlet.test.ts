import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Greenlet,
  GreenletExit,
  Hub,
  InvalidSwitch,
  RawGreenlet,
  getCurrent,
  getHub,
  sleep,
  spawn,
} from '../src/index.js';

void test('the seed program: 12 56 34 78', async () => {
  const log: number[] = [];
  const gr1: RawGreenlet = new RawGreenlet(function* () {
    log.push(12);
    yield* gr2.switch();
    log.push(34);
    yield* gr2.switch();
  });
  const gr2: RawGreenlet = new RawGreenlet(function* () {
    log.push(56);
    yield* gr1.switch();
    log.push(78);
  });
  await gr1.switch();
  assert.deepEqual(log, [12, 56, 34, 78]);
  assert.equal(gr2.dead, true);
  assert.equal(gr1.dead, false, 'gr1 waits forever in its second switch, as in greenlet');
});

void test('the seed program eat/play without arguments', async () => {
  const log: string[] = [];
  const g1: RawGreenlet = new RawGreenlet(function* () {
    log.push('eating start');
    yield* g2.switch();
    log.push('eating end');
    yield* g2.switch();
  });
  const g2: RawGreenlet = new RawGreenlet(function* () {
    log.push('playing start');
    yield* g1.switch();
    log.push('playing end');
  });
  await g1.switch();
  assert.deepEqual(log, ['eating start', 'playing start', 'eating end', 'playing end']);
});

void test('the seed program eat/play with arguments passed by the first switch', async () => {
  const log: string[] = [];
  const g1: RawGreenlet = new RawGreenlet(function* (name: string) {
    log.push(`${name} eat 1`);
    yield* g2.switch('ckl');
    log.push(`${name} eat 2`);
    yield* g2.switch();
  });
  const g2: RawGreenlet = new RawGreenlet(function* (name: string) {
    log.push(`${name} play 1`);
    yield* g1.switch();
    log.push(`${name} play 2`);
  });
  await g1.switch('ckl');
  assert.deepEqual(log, ['ckl eat 1', 'ckl play 1', 'ckl eat 2', 'ckl play 2']);
});

void test('the seed programs that never switch back: the rest of the first body never runs', async () => {
  const log: string[] = [];
  const g1: RawGreenlet = new RawGreenlet(function* () {
    log.push('eating');
    yield* g2.switch();
    log.push('finished eat');
  });
  const g2 = new RawGreenlet(function* () {
    log.push('sleeping');
    log.push('finished sleep');
  });
  await g1.switch();
  assert.deepEqual(log, ['eating', 'sleeping', 'finished sleep']);

  const log2: string[] = [];
  const h1: RawGreenlet = new RawGreenlet(function* () {
    log2.push('eating');
    yield* h2.switch();
    log2.push('finished eat');
  });
  const h2: RawGreenlet = new RawGreenlet(function* () {
    log2.push('sleeping');
    log2.push('finished sleep');
    yield* h1.switch();
  });
  await h1.switch();
  assert.deepEqual(log2, ['eating', 'sleeping', 'finished sleep', 'finished eat']);
});

void test('switch values: the first switch passes args to run, a later switch(v) returns v there', async () => {
  const log: unknown[] = [];
  // greenlet's documented example: test1 gets "hello", " world"; test2's switch(42) resumes test1.
  const gr1: RawGreenlet = new RawGreenlet(function* (x: string, y: string) {
    const z = yield* gr2.switch(x + y);
    log.push(z);
    const many = yield* gr2.switch();
    log.push(many);
    const none = yield* gr2.switch();
    log.push(none);
    return 'gr1 done';
  });
  const gr2: RawGreenlet = new RawGreenlet(function* (u: string) {
    log.push(u);
    yield* gr1.switch(42);
    yield* gr1.switch(1, 2);
    yield* gr1.switch();
  });
  assert.equal(await gr1.switch('hello', ' world'), 'gr1 done');
  assert.deepEqual(log, ['hello world', 42, [1, 2], undefined]);
});

void test('when run returns, its value goes to the pending switch of the parent', async () => {
  const parent: RawGreenlet = new RawGreenlet(function* () {
    const child = new RawGreenlet(function* (n: number) {
      yield* sleep(1);
      return n * 2;
    });
    assert.equal(child.parent, parent);
    const fromChild = yield* child.switch(21);
    return `parent got ${String(fromChild)}`;
  });
  assert.equal(parent.parent, null);
  assert.equal(await parent.switch(), 'parent got 42');
  assert.equal(parent.dead, true);
});

void test('when run throws, the error is thrown in the parent at its pending switch', async () => {
  const failure = new RangeError('child failed');
  const child = new RawGreenlet(function* () {
    yield* sleep(0);
    throw failure;
  });
  await assert.rejects(Promise.resolve(child.switch()), (e) => e === failure);
  assert.equal(child.dead, true);
  assert.equal(child.exception, failure);

  const parent = new RawGreenlet(function* () {
    const inner = new RawGreenlet(function* () {
      throw failure;
    });
    try {
      yield* inner.switch();
      return 'not reached';
    } catch (e) {
      return e === failure ? 'parent caught it' : 'other';
    }
  });
  assert.equal(await parent.switch(), 'parent caught it');
});

void test('an error passed up through a parent that does not catch it reaches the main code', async () => {
  const failure = new Error('k');
  let bad: RawGreenlet | null = null;
  const o2 = new RawGreenlet(function* () {
    bad = new RawGreenlet(function* () {
      throw failure;
    });
    yield* bad.switch();
    return 'not reached';
  });
  await assert.rejects(Promise.resolve(o2.switch()), (e) => e === failure);
  assert.equal(o2.dead, true);
  assert.equal(bad!.dead, true);
});

void test('throw(err) raises err at the pending switch of a suspended greenlet', async () => {
  const log: string[] = [];
  let suspended: RawGreenlet | null = null;
  const driver: RawGreenlet = new RawGreenlet(function* () {
    suspended = new RawGreenlet(function* () {
      try {
        yield* driver.switch('suspended');
        return 'not reached';
      } catch (e) {
        return `caught ${(e as Error).message}`;
      }
    });
    log.push(String(yield* suspended.switch()));
    log.push(String(yield* suspended.throw(new Error('boom'))));
    return 'driver done';
  });
  assert.equal(await driver.switch(), 'driver done');
  assert.deepEqual(log, ['suspended', 'caught boom']);
});

void test('throw() without an argument is GreenletExit; when uncaught the parent gets it as a value', async () => {
  const results: unknown[] = [];
  const driver: RawGreenlet = new RawGreenlet(function* () {
    const victim: RawGreenlet = new RawGreenlet(function* () {
      yield* driver.switch('suspended');
      return 'not reached';
    });
    results.push(yield* victim.switch());
    results.push(yield* victim.throw());
    results.push(victim.dead, victim.successful());
  });
  await driver.switch();
  assert.equal(results[0], 'suspended');
  assert.ok(results[1] instanceof GreenletExit);
  assert.deepEqual(results.slice(2), [true, true]);
});

void test('throw into a greenlet that never started: it dies without running', async () => {
  let ran = false;
  const a = new RawGreenlet(function* () {
    ran = true;
  });
  const exit = await a.throw();
  assert.ok(exit instanceof GreenletExit);
  assert.equal(a.dead, true);
  const failure = new TypeError('x');
  const b = new RawGreenlet(function* () {
    ran = true;
  });
  await assert.rejects(Promise.resolve(b.throw(failure)), (e) => e === failure);
  assert.equal(b.dead, true);
  assert.equal(ran, false);
});

void test('switch to a dead greenlet goes to its parent, then that one\'s parent', async () => {
  const done = new RawGreenlet(function* (...args: unknown[]) {
    return args;
  });
  assert.deepEqual(await done.switch(1, 2), [1, 2]);
  assert.equal(await done.switch(5), 5);
  assert.equal(await done.switch(), undefined);

  const a = new RawGreenlet(function* () {
    return 'a done';
  });
  assert.equal(await a.switch(), 'a done');
  const b = new RawGreenlet(function* () {
    return 'b done';
  }, a);
  assert.equal(b.parent, a);
  assert.equal(await b.switch(), 'b done', 'b returns to its dead parent, which passes it to main');

  const log: unknown[] = [];
  const driver: RawGreenlet = new RawGreenlet(function* () {
    const finished = new RawGreenlet(function* () {
      return 'finished';
    });
    log.push(yield* finished.switch());
    log.push(yield* finished.switch('back to the driver itself'));
    return 'driver done';
  });
  assert.equal(await driver.switch(), 'driver done');
  assert.deepEqual(log, ['finished', 'back to the driver itself']);
});

void test('the parent can be reassigned: the result then goes to the new parent', async () => {
  const log: unknown[] = [];
  const child = new RawGreenlet(function* () {
    return 'child result';
  });
  const other = new RawGreenlet(function* () {
    log.push(yield* child.switch());
    return 'other done';
  });
  child.parent = other;
  assert.equal(await other.switch(), 'other done');
  assert.deepEqual(log, ['child result']);
});

void test('a parent cycle throws InvalidSwitch; a parent must be a greenlet or null', () => {
  const x = new RawGreenlet(function* () {});
  const y = new RawGreenlet(function* () {}, x);
  const z = new RawGreenlet(function* () {}, y);
  assert.throws(() => {
    x.parent = z;
  }, InvalidSwitch);
  assert.throws(() => {
    x.parent = x;
  }, InvalidSwitch);
  assert.equal(x.parent, null);
  assert.throws(() => {
    x.parent = 'main' as unknown as RawGreenlet;
  }, TypeError);
  x.parent = null;
  z.parent = x;
  assert.equal(z.parent, x);
  const e = new InvalidSwitch('m');
  assert.equal(e.name, 'InvalidSwitch');
  assert.ok(e instanceof Error);
});

void test('switching to a greenlet of another thread throws InvalidSwitch', async () => {
  const foreign = new RawGreenlet(function* () {});
  (foreign as unknown as { hub: Hub }).hub = new Hub();
  await assert.rejects(Promise.resolve(foreign.switch()), InvalidSwitch);
  const local = new RawGreenlet(function* () {});
  assert.throws(() => {
    local.parent = foreign;
  }, InvalidSwitch);
});

void test('a switch to a greenlet blocked on something else throws InvalidSwitch', async () => {
  const sleeper = new RawGreenlet(function* () {
    yield* sleep(10_000);
  });
  const starter = spawn(function* () {
    sleeper.parent = getCurrent();
    yield* sleeper.switch();
  });
  await sleep(0);
  await assert.rejects(Promise.resolve(sleeper.switch()), /blocked on sleep\(\)/);
  sleeper.kill();
  starter.kill();
});

void test('await g.switch() from plain code runs until control comes back to it', async () => {
  const log: string[] = [];
  const worker = new RawGreenlet(function* (n: number) {
    for (let i = 0; i < n; i++) {
      log.push(`step ${i}`);
      yield* sleep(1);
    }
    return 'worker done';
  });
  const result = await worker.switch(3);
  log.push(String(result));
  assert.deepEqual(log, ['step 0', 'step 1', 'step 2', 'worker done']);
});

void test('a raw greenlet switched to from a spawned greenlet returns there', async () => {
  const g = spawn(function* () {
    const raw = new RawGreenlet(function* (x: number) {
      yield* sleep(1);
      return x + 1;
    });
    assert.equal(raw.parent, getCurrent());
    return yield* raw.switch(41);
  });
  assert.equal(await g.get(), 42);
});

void test('an error of a raw greenlet that nobody receives is reported', async () => {
  const handleError = getHub().handleError;
  const reported: [Greenlet | null, unknown][] = [];
  getHub().handleError = (context, error) => reported.push([context, error]);
  try {
    const failure = new Error('lost');
    // Created outside any greenlet, its parent is the main code, which awaits no switch() here.
    const orphan = new RawGreenlet(function* () {
      yield* sleep(1);
      throw failure;
    });
    const starter = spawn(function* () {
      yield* orphan.switch();
    });
    await orphan.join();
    assert.deepEqual(reported, [[orphan, failure]]);
    starter.kill();
  } finally {
    getHub().handleError = handleError;
  }
});

void test('RawGreenlet needs a function; its name and string form', () => {
  assert.throws(() => new RawGreenlet(42 as unknown as () => void), TypeError);
  const g = new RawGreenlet(function* () {});
  assert.match(String(g), /^<RawGreenlet "Greenlet-\d+">$/);
  assert.equal(g.dead, false);
});

void test('a plain function body runs to its end in one switch', async () => {
  const plain = new RawGreenlet((a: number, b: number) => a + b);
  assert.equal(await plain.switch(2, 3), 5);
});
