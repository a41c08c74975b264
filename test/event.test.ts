import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AsyncResult,
  Event,
  Greenlet,
  Timeout,
  getHub,
  iwait,
  joinAll,
  sleep,
  spawn,
  wait,
} from '../src/index.js';
import { run, settle } from './support.js';

void test('Event.set wakes every waiter in arrival order with true, even if clear follows', async () => {
  const log: string[] = [];
  const event = new Event();
  await run(function* () {
    const waiters = ['a', 'b', 'c'].map((name) =>
      spawn(function* () {
        log.push(`${name} waits`);
        const r = yield* event.wait();
        log.push(`${name} woke ${r}`);
      }),
    );
    yield* sleep(0);
    event.set();
    event.clear();
    log.push(`cleared, isSet=${event.isSet()}`);
    yield* joinAll(waiters);
  });
  assert.deepEqual(log, ['a waits', 'b waits', 'c waits', 'cleared, isSet=false', 'a woke true', 'b woke true', 'c woke true']);
});

void test('Event.wait returns true at once when already set, false on timeout', async () => {
  const log: string[] = [];
  const event = new Event();
  await run(function* () {
    log.push(`timeout: ${yield* event.wait(20)}`);
    event.set();
    const other = spawn(function* () {
      log.push('other ran');
    });
    // Already set: no switch, so `other` has not run yet.
    log.push(`set: ${yield* event.wait()} ready=${event.ready()}`);
    yield* other.join();
    event.clear();
    log.push(`cleared: ${yield* event.wait(0)}`);
  });
  assert.deepEqual(log, ['timeout: false', 'set: true ready=true', 'other ran', 'cleared: false']);
});

void test('a killed or timed-out Event waiter is unhooked and the others are still woken', async () => {
  const log: string[] = [];
  const event = new Event();
  await run(function* () {
    const a = spawn(function* () {
      log.push(`a ${yield* event.wait()}`);
    });
    const b = spawn(function* () {
      try {
        yield* event.wait();
        log.push('b woke');
      } finally {
        log.push('b finally');
      }
    });
    const c = spawn(function* () {
      log.push(`c ${yield* event.wait(10)}`);
    });
    const d = spawn(function* () {
      log.push(`d ${yield* event.wait()}`);
    });
    yield* sleep(0);
    b.kill();
    yield* sleep(30);
    event.set();
    yield* joinAll([a, b, c, d]);
    log.push(`b successful=${b.successful()}`);
  });
  assert.deepEqual(log, ['b finally', 'c false', 'a true', 'd true', 'b successful=true']);
});

void test('Event.rawlink runs callbacks once from the hub, even after set then clear', async () => {
  const log: string[] = [];
  const event = new Event();
  const first = (e: Event): void => {
    log.push(`first ${e === event}`);
  };
  const removed = (): void => {
    log.push('removed');
  };
  event.rawlink(first);
  event.rawlink(removed);
  event.unlink(removed);
  event.set();
  event.clear();
  log.push('after set/clear (sync)');
  await run(function* () {
    yield* sleep(0);
    event.set();
    yield* sleep(0);
    log.push('second set done');
    event.rawlink(() => log.push('late link'));
    log.push('late link added');
    yield* sleep(0);
    const other = new Event();
    const skipped = (): void => {
      log.push('skipped');
    };
    other.rawlink(() => {
      log.push('unlinks the next');
      other.unlink(skipped);
    });
    other.rawlink(skipped);
    other.set();
    yield* sleep(0);
  });
  assert.deepEqual(log, [
    'after set/clear (sync)',
    'first true',
    'second set done',
    'late link added',
    'late link',
    'unlinks the next',
  ]);
});

void test('a throwing rawlink callback is reported and later callbacks still run', async () => {
  const log: string[] = [];
  const hub = getHub();
  const original = hub.handleError;
  hub.handleError = (_context, error) => log.push(`reported ${(error as Error).message}`);
  try {
    const event = new Event();
    event.rawlink(() => {
      throw new Error('boom');
    });
    event.rawlink(() => log.push('second'));
    event.set();
    await run(function* () {
      yield* sleep(0);
    });
  } finally {
    hub.handleError = original;
  }
  assert.deepEqual(log, ['reported boom', 'second']);
});

void test('wait() and iwait() work on Events, in the order they are set', async () => {
  const log: string[] = [];
  const [e1, e2, e3] = [new Event(), new Event(), new Event()];
  const names = new Map([
    [e1, 'e1'],
    [e2, 'e2'],
    [e3, 'e3'],
  ]);
  await run(function* () {
    spawn(function* () {
      yield* sleep(5);
      e3.set();
      yield* sleep(5);
      e1.set();
      yield* sleep(5);
      e2.set();
    });
    const two = yield* wait([e1, e2, e3], { count: 2 });
    log.push(`wait: ${two.map((e) => names.get(e)).join(',')}`);
    const none = yield* wait([new Event()], { timeout: 10 });
    log.push(`wait timeout: ${none.length}`);
  });
  for await (const e of iwait([e1, e2, e3])) log.push(`iwait: ${names.get(e)}`);
  assert.deepEqual(log, ['wait: e3,e1', 'wait timeout: 0', 'iwait: e1', 'iwait: e2', 'iwait: e3']);
});

void test('iwait() over Events ends at its timeout, and a set() afterwards is not delivered', async () => {
  const log: string[] = [];
  const [a, b] = [new Event(), new Event()];
  setTimeout(() => a.set(), 5);
  for await (const e of iwait([a, b], { timeout: 40 })) log.push(e === a ? 'a' : 'b');
  b.set();
  log.push('ended');
  assert.deepEqual(log, ['a', 'ended']);
});

void test('Event.wait can be awaited from plain async code', async () => {
  const event = new Event();
  setTimeout(() => event.set(), 5);
  assert.equal(await event.wait(), true);
  const unset = new Event();
  assert.equal(await unset.wait(10), false);
});

void test('Event.wait rejects a bad timeout', () => {
  assert.throws(() => new Event().wait(-1), { name: 'RangeError', message: /Event\.wait\(\) timeout.*-1/ });
  assert.throws(() => new Event().rawlink(42 as unknown as () => void), TypeError);
});

void test('AsyncResult.get wakes every getter with the value', async () => {
  const log: string[] = [];
  const result = new AsyncResult<number>();
  await run(function* () {
    const getters = ['a', 'b'].map((name) =>
      spawn(function* () {
        log.push(`${name} got ${yield* result.get()}`);
      }),
    );
    const waiter = spawn(function* () {
      log.push(`w waited ${yield* result.wait()}`);
    });
    yield* sleep(0);
    log.push(`ready=${result.ready()}`);
    result.set(42);
    log.push(`ready=${result.ready()} successful=${result.successful()} value=${result.value}`);
    yield* joinAll([...getters, waiter]);
    log.push(`late get ${yield* result.get()} nowait ${yield* result.getNowait()}`);
  });
  assert.deepEqual(log, [
    'ready=false',
    'ready=true successful=true value=42',
    'a got 42',
    'b got 42',
    'w waited 42',
    'late get 42 nowait 42',
  ]);
});

void test('AsyncResult.setException: get throws it, wait returns undefined', async () => {
  const log: string[] = [];
  const result = new AsyncResult<string>();
  const error = new Error('nope');
  await run(function* () {
    const getter = spawn(function* () {
      try {
        yield* result.get();
      } catch (e) {
        log.push(`get threw ${e === error}`);
      }
    });
    const waiter = spawn(function* () {
      log.push(`wait gave ${yield* result.wait()}`);
    });
    yield* sleep(0);
    result.setException(error);
    yield* joinAll([getter, waiter]);
  });
  assert.deepEqual(log, ['get threw true', 'wait gave undefined']);
  assert.equal(result.successful(), false);
  assert.equal(result.ready(), true);
  assert.equal(result.value, undefined);
  assert.equal(result.exception, error);
  await assert.rejects(settle(result.get()), (e: unknown) => e === error);
});

void test('AsyncResult.get throws Timeout when not blocking or on timeout; wait returns undefined', async () => {
  const result = new AsyncResult<number>();
  await assert.rejects(settle(result.get({ block: false })), Timeout);
  await assert.rejects(settle(result.getNowait()), Timeout);
  await assert.rejects(settle(result.get({ timeout: 10 })), (e: unknown) => e instanceof Timeout && /10 ms/.test(e.message));
  assert.equal(await result.wait(10), undefined);
  // Nothing was left parked: a later set still works and is seen by a fresh get.
  result.set(7);
  assert.equal(await result.get({ block: false }), 7);
  assert.throws(() => result.get({ timeout: -5 }), RangeError);
});

void test('AsyncResult can be set again, replacing the outcome as in gevent', async () => {
  const result = new AsyncResult<number>();
  result.set(1);
  result.set(2);
  assert.equal(await result.get(), 2);
  result.setException(new Error('later'));
  await assert.rejects(settle(result.get()), /later/);
});

void test('wait() and iwait() work on AsyncResults next to greenlets', async () => {
  const log: string[] = [];
  const r1 = new AsyncResult<string>();
  const r2 = new AsyncResult<string>();
  await run(function* () {
    const g: Greenlet<string> = spawn(function* () {
      yield* sleep(10);
      return 'greenlet';
    });
    spawn(function* () {
      yield* sleep(5);
      r2.set('r2');
      yield* sleep(10);
      r1.setException(new Error('r1 failed'));
    });
    const stream = iwait<AsyncResult<string> | Greenlet<string>>([r1, r2, g]);
    for (let r = yield* stream.next(); !r.done; r = yield* stream.next()) {
      const x = r.value;
      if (x === g) log.push(`greenlet ${g.value}`);
      else if (x === r1) log.push(`r1 ${String((r1.exception as Error).message)}`);
      else log.push(`r2 ${r2.value}`);
    }
    const all = yield* wait([r1, r2]);
    log.push(`wait: ${all.length}`);
  });
  assert.deepEqual(log, ['r2 r2', 'greenlet greenlet', 'r1 r1 failed', 'wait: 2']);
});

void test('AsyncResult.get can be awaited from plain async code', async () => {
  const result = new AsyncResult<string>();
  setTimeout(() => result.set('hello'), 5);
  assert.equal(await result.get(), 'hello');
  assert.equal(await result.wait(), 'hello');
});
