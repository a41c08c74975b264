import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Timeout,
  call,
  getCurrent,
  getHub,
  operation,
  sleep,
  spawn,
  withTimeout,
  type Steps,
} from '../src/index.js';
import { handOff } from '../src/hub.js';
import { WaitList, parkFor, runningGreenlet } from '../src/waiter.js';
import { run } from './support.js';

/** Runs `body` and returns what it threw (or 'no error'). */
function* thrownBy(body: () => Steps<unknown>): Steps<unknown> {
  try {
    yield* body();
    return 'no error';
  } catch (e) {
    return e;
  }
}

void test('a Timeout is an Error named Timeout; pending follows start and cancel', async () => {
  const t = new Timeout(50);
  assert.ok(t instanceof Error);
  assert.equal(t.name, 'Timeout');
  assert.equal(t.ms, 50);
  assert.match(t.message, /50 ms/);
  assert.equal(t.pending, false);
  await run(function* () {
    t.start();
    assert.equal(t.pending, true);
    t.cancel();
    assert.equal(t.pending, false);
    t.cancel();
    yield* sleep(0);
  });
  assert.equal(getHub().clock.size, 0);
});

void test('on expiry it throws itself into the greenlet that started it, at its current yield*', async () => {
  const log: string[] = [];
  const g = spawn(function* () {
    const t = Timeout.startNew(10);
    try {
      log.push('sleeping');
      yield* sleep(10_000);
      log.push('not reached');
    } catch (e) {
      log.push(e === t ? 'caught its own Timeout' : `other: ${String(e)}`);
      log.push(`pending after firing: ${t.pending}`);
    } finally {
      t.cancel();
      log.push('finally');
    }
  });
  await g.join();
  assert.deepEqual(log, ['sleeping', 'caught its own Timeout', 'pending after firing: false', 'finally']);
});

void test('an escaping Timeout ends the greenlet with it', async () => {
  const handleError = getHub().handleError;
  const reported: unknown[] = [];
  getHub().handleError = (_g, e) => reported.push(e);
  try {
    const g = spawn(function* () {
      Timeout.startNew(5);
      yield* sleep(10_000);
    });
    await g.join();
    assert.ok(g.exception instanceof Timeout);
    assert.deepEqual(reported, [g.exception]);
  } finally {
    getHub().handleError = handleError;
  }
});

void test('with an exception, expiry throws that exception (an instance, or a new one of a class)', async () => {
  class TooSlow extends Error {}
  const instance = new RangeError('too slow');
  const caught = await run(function* () {
    const a = yield* thrownBy(function* () {
      Timeout.startNew(5, instance);
      yield* sleep(10_000);
    });
    const b = yield* thrownBy(function* () {
      Timeout.startNew(5, TooSlow);
      yield* sleep(10_000);
    });
    return [a, b];
  });
  assert.equal(caught[0], instance);
  assert.ok(caught[1] instanceof TooSlow);
});

void test('a greenlet that only yields with sleep(0) still gets its Timeout, at one of its yield*s', async () => {
  const log: string[] = [];
  await run(function* () {
    const t = Timeout.startNew(5);
    let rounds = 0;
    try {
      // Bounded: the hub gives Node's timers a turn every few milliseconds.
      while (rounds < 5_000_000) {
        rounds++;
        yield* sleep(0);
      }
      log.push('never timed out');
    } catch (e) {
      log.push(e === t ? 'Timeout at a sleep(0)' : String(e));
    }
  });
  assert.deepEqual(log, ['Timeout at a sleep(0)']);
});

void test('a cancelled or fired Timeout can be started again; close() is final', async () => {
  const log: string[] = [];
  await run(function* () {
    const t = new Timeout(10);
    t.start();
    t.cancel();
    t.start();
    log.push(`restarted after cancel: ${t.pending}`);
    try {
      yield* sleep(10_000);
    } catch (e) {
      log.push(`fired: ${e === t}`);
    }
    t.start();
    log.push(`restarted after firing: ${t.pending}`);
    try {
      yield* sleep(10_000);
    } catch (e) {
      log.push(`fired again: ${e === t}`);
    }
    assert.throws(() => {
      t.start();
      t.start();
    }, /already running/);
    t.close();
    log.push(`closed: ${t.pending}`);
    assert.throws(() => t.start(), /closed/);
    yield* sleep(15);
    log.push('nothing fires after close');
  });
  assert.deepEqual(log, [
    'restarted after cancel: true',
    'fired: true',
    'restarted after firing: true',
    'fired again: true',
    'closed: false',
    'nothing fires after close',
  ]);
});

void test('using t = Timeout.startNew(ms) scopes it to the block', async () => {
  const log: string[] = [];
  let outside: Timeout | null = null;
  await run(function* () {
    {
      using t = Timeout.startNew(20);
      outside = t;
      yield* sleep(1);
      log.push(`inside: pending ${t.pending}`);
    }
    log.push(`after the block: pending ${outside.pending}`);
    yield* sleep(40);
    log.push('no Timeout after the block');
    try {
      using t = Timeout.startNew(5);
      yield* sleep(10_000);
      void t;
    } catch (e) {
      log.push(`fires inside the block: ${e instanceof Timeout}`);
    }
  });
  assert.deepEqual(log, [
    'inside: pending true',
    'after the block: pending false',
    'no Timeout after the block',
    'fires inside the block: true',
  ]);
});

void test('nested timeouts: the outer one firing passes through a handler of the inner one', async () => {
  const log: string[] = [];
  await run(function* () {
    const outer = Timeout.startNew(10);
    try {
      const inner = Timeout.startNew(10_000);
      try {
        yield* sleep(10_000);
      } catch (e) {
        if (e !== inner) throw e;
        log.push('inner handler: swallowed?!');
      } finally {
        inner.cancel();
      }
    } catch (e) {
      log.push(`outer handler: ${e === outer}`);
    } finally {
      outer.cancel();
    }
  });
  assert.deepEqual(log, ['outer handler: true']);
});

void test('nested timeouts: an inner one caught inside never swallows the outer one', async () => {
  const log: string[] = [];
  await run(function* () {
    const outer = Timeout.startNew(30);
    try {
      for (let i = 0; i < 100; i++) {
        const inner = Timeout.startNew(5);
        try {
          yield* sleep(10_000);
        } catch (e) {
          if (e !== inner) throw e;
          log.push('inner fired');
        } finally {
          inner.cancel();
        }
      }
    } catch (e) {
      log.push(`outer fired: ${e === outer}`);
    }
  });
  assert.ok(log.length >= 2 && log.length < 100, log.join());
  assert.equal(log.at(-1), 'outer fired: true');
  assert.ok(log.slice(0, -1).every((entry) => entry === 'inner fired'));
});

void test('nested timeouts due together: the one caught first never swallows the other', async () => {
  const log: string[] = [];
  const name = (e: unknown, outer: Timeout, inner: Timeout) => (e === outer ? 'outer' : e === inner ? 'inner' : String(e));
  const g = spawn(function* () {
    const outer = Timeout.startNew(5);
    const inner = Timeout.startNew(5);
    try {
      try {
        yield* sleep(10_000);
      } catch (e) {
        log.push(`first: ${name(e, outer, inner)}`);
      }
      yield* sleep(0);
      log.push('not reached');
    } catch (e) {
      log.push(`then: ${name(e, outer, inner)}`);
    } finally {
      inner.cancel();
      outer.cancel();
    }
  });
  await sleep(0);
  // Keep the event loop busy past both deadlines: they fire together, in start order.
  const until = performance.now() + 15;
  while (performance.now() < until);
  await g.join();
  assert.deepEqual(log, ['first: outer', 'then: inner']);
});

void test('cancelling a Timeout that fired while its greenlet was being handed a value withdraws it', async () => {
  const list = new WaitList<undefined>('test wait');
  const log: string[] = [];
  const g = spawn(function* () {
    const t = Timeout.startNew(5);
    let item: unknown;
    try {
      item = yield* parkFor(list.enqueue(runningGreenlet('test'), undefined), undefined);
    } finally {
      t.cancel();
    }
    log.push(`received ${String(item)}`);
    yield* sleep(0);
    log.push('no late Timeout');
  });
  await sleep(0);
  handOff(list.shift()!, 'item');
  const until = performance.now() + 15;
  while (performance.now() < until);
  getHub().clock.fireDue();
  await g.join();
  assert.deepEqual(log, ['received item', 'no late Timeout']);
  assert.equal(g.successful(), true);
});

void test('a Timeout whose greenlet has died does nothing when due', async () => {
  const g = spawn(function* () {
    Timeout.startNew(5);
    yield* sleep(0);
    return 'done';
  });
  assert.equal(await g.get(), 'done');
  await sleep(15);
  assert.equal(g.value, 'done');
});

void test('a Timeout without a duration (or Infinity) never fires', async () => {
  await run(function* () {
    const never = Timeout.startNew();
    const infinite = Timeout.startNew(Infinity);
    assert.equal(never.pending, false);
    assert.equal(infinite.pending, false);
    yield* sleep(5);
    never.cancel();
    infinite.cancel();
  });
});

void test('bad durations and exceptions, and a start outside a greenlet', () => {
  for (const bad of [-1, NaN, -Infinity]) {
    assert.throws(() => new Timeout(bad), RangeError);
    assert.throws(() => Timeout.startNew(bad), RangeError);
    assert.throws(() => withTimeout(bad, sleep(1)), RangeError);
  }
  assert.throws(() => new Timeout(10, 'oops' as unknown as Error), TypeError);
  assert.throws(() => new Timeout(10, {} as unknown as Error), TypeError);
  assert.throws(() => withTimeout(10, 42 as unknown as () => void), TypeError);
  assert.throws(() => new Timeout(10).start(), /outside a greenlet/);
});

void test('withTimeout: the value in time, Timeout on expiry, timeoutValue instead when given', async () => {
  const results = await run(function* () {
    const out: unknown[] = [];
    out.push(yield* withTimeout(100, operation(function* () {
      yield* sleep(1);
      return 'in time';
    })));
    const e = yield* thrownBy(function* () {
      yield* withTimeout(5, sleep(10_000));
    });
    out.push(e instanceof Timeout);
    out.push(yield* withTimeout(5, sleep(10_000), { timeoutValue: 'fallback' }));
    out.push(yield* withTimeout(5, sleep(10_000), { timeoutValue: undefined }));
    out.push(yield* withTimeout(undefined, sleep(1)));
    return out;
  });
  assert.deepEqual(results, ['in time', true, 'fallback', undefined, undefined]);
  assert.equal(getHub().clock.size, 0);
});

void test('withTimeout with a function body: generator, async, plain, and returning an Operation', async () => {
  const results = await run(function* () {
    return [
      yield* withTimeout(100, function* () {
        yield* sleep(1);
        return 'generator';
      }),
      yield* withTimeout(100, async () => {
        await new Promise((r) => setTimeout(r, 1));
        return 'async';
      }),
      yield* withTimeout(100, () => 'plain'),
      yield* withTimeout(100, () => sleep(1)),
      yield* withTimeout(5, function* () {
        yield* sleep(10_000);
      }, { timeoutValue: 'generator timed out' }),
      yield* withTimeout(5, () => call(new Promise(() => {})), { timeoutValue: 'promise timed out' }),
    ];
  });
  assert.deepEqual(results, ['generator', 'async', 'plain', undefined, 'generator timed out', 'promise timed out']);
});

void test('withTimeout runs a returned Operation in the calling greenlet, under its deadline', async () => {
  const g = spawn(function* () {
    const inside = yield* withTimeout(100, () => operation(function* () {
      yield* sleep(0);
      return getCurrent();
    }));
    const timedOut = yield* withTimeout(5, () => sleep(10_000), { timeoutValue: 'timed out' });
    return [inside, timedOut];
  });
  assert.deepEqual(await g.get(), [g, 'timed out']);
});

void test('withTimeout never swallows another Timeout, nor an outer one', async () => {
  const log: string[] = [];
  await run(function* () {
    const other = new Timeout(1);
    const e = yield* thrownBy(function* () {
      yield* withTimeout(1000, function* (): Steps<void> {
        yield* sleep(0);
        throw other;
      }, { timeoutValue: 'swallowed' });
    });
    log.push(`another Timeout passes: ${e === other}`);
    const outer = Timeout.startNew(5);
    try {
      yield* withTimeout(10_000, sleep(10_000), { timeoutValue: 'swallowed' });
      log.push('not reached');
    } catch (err) {
      log.push(`outer passes: ${err === outer}`);
    }
  });
  assert.deepEqual(log, ['another Timeout passes: true', 'outer passes: true']);
});

void test('withTimeout from plain code rejects with Timeout', async () => {
  await assert.rejects(Promise.resolve(withTimeout(5, sleep(10_000))), (e) => e instanceof Timeout);
  assert.equal(await withTimeout(5, sleep(10_000), { timeoutValue: 'v' }), 'v');
});

void test('withTimeout is lazy: the deadline counts from when it runs', async () => {
  const op = withTimeout(20, sleep(10));
  await sleep(30);
  await op;
});
