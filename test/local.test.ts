import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Local, joinAll, local, sleep, spawn } from '../src/index.js';
import { run } from './support.js';

void test('each greenlet sees only its own value', async () => {
  const log: string[] = [];
  const slot = local<string | undefined>();
  await run(function* () {
    const workers = ['a', 'b', 'c'].map((name, i) =>
      spawn(function* () {
        log.push(`${name} before set: ${slot.get()} has=${slot.has()}`);
        slot.set(name);
        yield* sleep(10 - i * 3);
        log.push(`${name} after sleep: ${slot.get()}`);
      }),
    );
    yield* joinAll(workers);
  });
  assert.deepEqual(log, [
    'a before set: undefined has=false',
    'b before set: undefined has=false',
    'c before set: undefined has=false',
    'c after sleep: c',
    'b after sleep: b',
    'a after sleep: a',
  ]);
});

void test('init is called once per greenlet, on its first get without a set', async () => {
  const log: string[] = [];
  let made = 0;
  const cache = new Local<Map<string, number>>(() => {
    made++;
    return new Map();
  });
  await run(function* () {
    const a = spawn(function* () {
      cache.get().set('x', 1);
      yield* sleep(1);
      cache.get().set('y', 2);
      log.push(`a: ${[...cache.get().keys()].join(',')}`);
    });
    const b = spawn(function* () {
      log.push(`b: ${cache.get().size}`);
    });
    const c = spawn(function* () {
      cache.set(new Map([['preset', 0]]));
      log.push(`c: ${[...cache.get().keys()].join(',')}`);
    });
    yield* joinAll([a, b, c]);
  });
  log.push(`made ${made}`);
  assert.deepEqual(log, ['b: 0', 'c: preset', 'a: x,y', 'made 2']);
});

void test('code outside any greenlet has its own slot', async () => {
  const slot = new Local<number>(() => -1);
  assert.equal(slot.has(), false);
  slot.set(100);
  const seen = await run(function* () {
    const before = slot.get();
    slot.set(5);
    return [before, slot.get()];
  });
  assert.deepEqual(seen, [-1, 5]);
  assert.equal(slot.get(), 100);
  // Each awaited Operation runs in a fresh greenlet, with a fresh slot.
  assert.equal(await run(function* () { return slot.get(); }), -1);
});

void test('delete forgets the value so init runs again; a stored undefined is a value', async () => {
  const log: string[] = [];
  let n = 0;
  const slot = new Local<number | undefined>(() => ++n);
  await run(function* () {
    log.push(`first ${slot.get()}`);
    log.push(`delete ${slot.delete()} has=${slot.has()}`);
    log.push(`again ${slot.get()}`);
    slot.set(undefined);
    log.push(`stored undefined ${slot.get()} has=${slot.has()}`);
    log.push(`delete twice ${slot.delete()} ${slot.delete()}`);
  });
  assert.equal(slot.delete(), false);
  assert.deepEqual(log, ['first 1', 'delete true has=false', 'again 2', 'stored undefined undefined has=true', 'delete twice true false']);
});

void test('a dead greenlet does not keep its value alive', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const slot = local<{ payload: number[] }>();
  let ref: WeakRef<object> | null = null;
  await run(function* () {
    const g = spawn(function* () {
      const value = { payload: [1, 2, 3] };
      ref = new WeakRef(value);
      slot.set(value);
    });
    yield* g.join();
  });
  for (let i = 0; i < 10 && ref!.deref() !== undefined; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  assert.equal(ref!.deref(), undefined);
});

void test('a bad init is refused', () => {
  assert.throws(() => new Local(42 as unknown as () => number), {
    name: 'TypeError',
    message: 'Local init must be a function returning the initial value, got 42',
  });
});
