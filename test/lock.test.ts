import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BoundedSemaphore,
  DummySemaphore,
  GreenletExit,
  Lock,
  RLock,
  Semaphore,
  Timeout,
  joinAll,
  sleep,
  spawn,
  withTimeout,
  type Steps,
} from '../src/index.js';
import { run, settle } from './support.js';

void test('Semaphore serves waiters first come, first served and bounds concurrency', async () => {
  const log: string[] = [];
  const sem = new Semaphore(2);
  let inside = 0;
  let most = 0;
  await run(function* () {
    const workers = ['a', 'b', 'c', 'd', 'e'].map((name, i) =>
      spawn(function* () {
        yield* sem.acquire();
        try {
          log.push(`${name} in`);
          most = Math.max(most, ++inside);
          yield* sleep(5 + (i % 2) * 5);
        } finally {
          inside--;
          sem.release();
        }
      }),
    );
    yield* joinAll(workers);
  });
  assert.deepEqual(log, ['a in', 'b in', 'c in', 'd in', 'e in']);
  assert.equal(most, 2);
  assert.equal(sem.counter, 2);
});

void test('a release hands the permit to the first waiter: a newcomer cannot overtake', async () => {
  const log: string[] = [];
  const sem = new Semaphore(1);
  await run(function* () {
    yield* sem.acquire();
    const waiter = spawn(function* () {
      log.push(`waiter ${yield* sem.acquire()}`);
      sem.release();
    });
    yield* sleep(0);
    sem.release();
    log.push(`counter after release ${sem.counter} locked=${sem.locked()}`);
    log.push(`newcomer ${yield* sem.acquire({ blocking: false })}`);
    yield* waiter.join();
    log.push(`counter ${sem.counter}`);
  });
  assert.deepEqual(log, ['counter after release 0 locked=true', 'newcomer false', 'waiter true', 'counter 1']);
});

void test('acquire without blocking, or with a timeout, returns false and leaves the counter alone', async () => {
  const log: string[] = [];
  const sem = new Semaphore(1);
  await run(function* () {
    log.push(`first ${yield* sem.acquire()}`);
    log.push(`non-blocking ${yield* sem.acquire({ blocking: false })} counter=${sem.counter}`);
    log.push(`timed ${yield* sem.acquire({ timeout: 15 })} counter=${sem.counter}`);
    log.push(`release -> ${sem.release()}`);
    log.push(`again ${yield* sem.acquire({ timeout: 15 })} counter=${sem.counter}`);
    sem.release();
  });
  assert.deepEqual(log, [
    'first true',
    'non-blocking false counter=0',
    'timed false counter=0',
    'release -> 1',
    'again true counter=0',
  ]);
  assert.equal(sem.counter, 1);
});

void test('a greenlet killed while parked in acquire takes no permit; the next waiter gets it', async () => {
  const log: string[] = [];
  const sem = new Semaphore(1);
  await run(function* () {
    yield* sem.acquire();
    const waiters = ['b', 'c', 'd'].map((name) =>
      spawn(function* () {
        try {
          const ok = yield* sem.acquire();
          log.push(`${name} got ${ok}`);
          yield* sleep(1);
          sem.release();
        } catch (e) {
          log.push(`${name} ${(e as Error).name}`);
        }
      }),
    );
    yield* sleep(0);
    waiters[1].kill();
    yield* sleep(0);
    log.push(`counter after kill ${sem.counter}`);
    sem.release();
    yield* joinAll(waiters);
    log.push(`counter ${sem.counter}`);
  });
  assert.deepEqual(log, ['c GreenletExit', 'counter after kill 0', 'b got true', 'd got true', 'counter 1']);
});

void test('a Timeout that interrupts a parked acquire leaves the counter as if never called', async () => {
  const log: string[] = [];
  const sem = new Semaphore(1);
  await run(function* () {
    yield* sem.acquire();
    try {
      yield* withTimeout(10, sem.acquire());
    } catch (e) {
      log.push(`threw Timeout ${e instanceof Timeout}`);
    }
    log.push(`counter ${sem.counter}`);
    const next = spawn(function* () {
      log.push(`next ${yield* sem.acquire()}`);
    });
    yield* sleep(0);
    sem.release();
    yield* next.join();
    log.push(`counter ${sem.counter}`);
  });
  assert.deepEqual(log, ['threw Timeout true', 'counter 0', 'next true', 'counter 0']);
});

void test('a kill arriving after the permit was handed over still lets the scoped form release it', async () => {
  const log: string[] = [];
  const sem = new Semaphore(1);
  await run(function* () {
    yield* sem.acquire();
    const waiter = spawn(function* () {
      using _held = yield* sem.hold();
      log.push('waiter holds');
      yield* sleep(1000);
      log.push('never');
    });
    yield* sleep(0);
    sem.release();
    waiter.kill(); // before the waiter runs: it receives the permit, then dies at its next yield*
    yield* waiter.join();
    log.push(`waiter dead=${waiter.dead} counter=${sem.counter}`);
  });
  assert.deepEqual(log, ['waiter holds', 'waiter dead=true counter=1']);
});

void test('hold() releases on return, throw and kill', async () => {
  const log: string[] = [];
  const lock = new Lock();
  function* section(name: string, how: 'return' | 'throw' | 'park'): Steps<string> {
    using _held = yield* lock.hold();
    log.push(`${name} holds, locked=${lock.locked()}`);
    yield* sleep(how === 'park' ? 10_000 : 1);
    if (how === 'throw') throw new Error(`${name} failed`);
    return name;
  }
  await run(function* () {
    log.push(`returned ${yield* section('r', 'return')}, locked=${lock.locked()}`);
    try {
      yield* section('t', 'throw');
    } catch (e) {
      log.push(`${(e as Error).message}, locked=${lock.locked()}`);
    }
    const parked = spawn(section, 'k', 'park');
    yield* sleep(5);
    yield* parked.kill();
    log.push(`killed: ${(parked.value as unknown) instanceof GreenletExit}, locked=${lock.locked()}`);
  });
  assert.deepEqual(log, [
    'r holds, locked=true',
    'returned r, locked=false',
    't holds, locked=true',
    't failed, locked=false',
    'k holds, locked=true',
    'killed: true, locked=false',
  ]);
});

void test('hold() throws Timeout when not blocking or when its timeout passes', async () => {
  const log: string[] = [];
  const sem = new Semaphore(0);
  await run(function* () {
    for (const options of [{ blocking: false }, { timeout: 10 }]) {
      try {
        using _held = yield* sem.hold(options);
        log.push('never');
      } catch (e) {
        log.push(`${(e as Error).name}: ${(e as Error).message}`);
      }
    }
  });
  assert.deepEqual(log, [
    'Timeout: Semaphore.hold(): not available',
    'Timeout: Semaphore.hold(): not acquired within 10 ms',
  ]);
  assert.equal(sem.counter, 0);
});

void test('holding() runs a body while holding and releases however it ends', async () => {
  const log: string[] = [];
  const sem = new BoundedSemaphore(1);
  await run(function* () {
    const v = yield* sem.holding(function* () {
      log.push(`body 1, counter=${sem.counter}`);
      yield* sleep(1);
      return 1;
    });
    log.push(`got ${v}, counter=${sem.counter}`);
    yield* sem.holding(sleep(1));
    log.push(`operation body done, counter=${sem.counter}`);
    try {
      yield* sem.holding(function* () {
        throw new Error('inside');
      });
    } catch (e) {
      log.push(`${(e as Error).message}, counter=${sem.counter}`);
    }
    const killed = spawn(function* () {
      yield* sem.holding(sleep(10_000));
    });
    const queued = spawn(function* () {
      yield* sem.holding(function* () {
        log.push('queued body ran');
      });
    });
    yield* sleep(5);
    killed.kill();
    yield* joinAll([killed, queued]);
    log.push(`counter=${sem.counter}`);
  });
  assert.deepEqual(log, [
    'body 1, counter=0',
    'got 1, counter=1',
    'operation body done, counter=1',
    'inside, counter=1',
    'queued body ran',
    'counter=1',
  ]);
});

void test('BoundedSemaphore and Lock refuse to be released above their initial value', async () => {
  const sem = new BoundedSemaphore(2);
  assert.equal(sem.bound, 2);
  assert.throws(() => sem.release(), { name: 'RangeError', message: /BoundedSemaphore released too many times.*initial value 2/ });
  await sem.acquire();
  assert.equal(sem.release(), 2);
  assert.equal(sem.counter, 2);
  const lock = new Lock();
  assert.equal(lock.locked(), false);
  assert.throws(() => lock.release(), { name: 'RangeError', message: /Lock released too many times.*initial value 1/ });
  assert.equal(await lock.acquire(), true);
  assert.equal(lock.locked(), true);
  lock.release();
  assert.equal(lock.counter, 1);
  assert.ok(lock instanceof BoundedSemaphore);
});

void test('RLock is re-entrant for its owner and serves others afterwards', async () => {
  const log: string[] = [];
  const lock = new RLock();
  await run(function* () {
    const owner = spawn(function* () {
      log.push(`owner ${yield* lock.acquire()}`);
      log.push(`owner again ${yield* lock.acquire({ blocking: false })}`);
      {
        using _nested = yield* lock.hold();
        log.push(`nested hold, owner is me=${lock.owner === owner}`);
        yield* sleep(5);
      }
      lock.release();
      log.push(`still locked=${lock.locked()}`);
      yield* sleep(5);
      lock.release();
      // The permit went straight to the waiting greenlet, which owns the lock once it runs.
      log.push(`released, owner=${String(lock.owner)}, locked=${lock.locked()}`);
    });
    const other = spawn(function* () {
      log.push(`other non-blocking ${yield* lock.acquire({ blocking: false })}`);
      log.push(`other timed ${yield* lock.acquire({ timeout: 2 })}`);
      log.push(`other blocking ${yield* lock.acquire()}`);
      lock.release();
    });
    yield* joinAll([owner, other]);
    log.push(`end locked=${lock.locked()} owner=${String(lock.owner)}`);
  });
  assert.deepEqual(log, [
    'owner true',
    'owner again true',
    'nested hold, owner is me=true',
    'other non-blocking false',
    'other timed false',
    'still locked=true',
    'released, owner=null, locked=true',
    'other blocking true',
    'end locked=false owner=null',
  ]);
});

void test('RLock release by a greenlet that does not own it throws', async () => {
  const log: string[] = [];
  const lock = new RLock();
  assert.throws(() => lock.release(), /cannot release un-acquired RLock: nobody holds it.*outside any greenlet/);
  await run(function* () {
    const owner = spawn(function* () {
      yield* lock.acquire();
      yield* sleep(10);
      lock.release();
      log.push('owner released');
    });
    const intruder = spawn(function* () {
      yield* sleep(1);
      try {
        lock.release();
      } catch (e) {
        log.push((e as Error).message.replace(/Greenlet-\d+/g, 'Greenlet-N'));
      }
    });
    yield* sleep(2);
    try {
      lock.release();
    } catch (e) {
      log.push(`carrier: ${(e as Error).message.includes('it is held by')}`);
    }
    yield* joinAll([owner, intruder]);
  });
  assert.deepEqual(log, [
    'cannot release un-acquired RLock: it is held by <Greenlet "Greenlet-N">, and the release came from <Greenlet "Greenlet-N">',
    'carrier: true',
    'owner released',
  ]);
  assert.equal(lock.locked(), false);
});

void test('a killed RLock waiter takes nothing and the next waiter becomes the owner', async () => {
  const log: string[] = [];
  const lock = new RLock();
  await run(function* () {
    yield* lock.acquire();
    const names = ['a', 'b'];
    const waiters = names.map((name) =>
      spawn(function* () {
        yield* lock.holding(function* () {
          log.push(`${name} owns`);
        });
      }),
    );
    yield* sleep(0);
    waiters[0].kill();
    lock.release();
    yield* joinAll(waiters);
    log.push(`locked=${lock.locked()}`);
  });
  assert.deepEqual(log, ['b owns', 'locked=false']);
});

void test('DummySemaphore never blocks', async () => {
  const dummy = new DummySemaphore(3);
  const log: string[] = [];
  await run(function* () {
    for (let i = 0; i < 3; i++) log.push(`acquire ${yield* dummy.acquire({ blocking: false })}`);
    using _held = yield* dummy.hold();
    log.push(`holding ${yield* dummy.holding(function* () { return 'x'; })}`);
  });
  dummy.release();
  assert.deepEqual(log, ['acquire true', 'acquire true', 'acquire true', 'holding x']);
  assert.equal(dummy.locked(), false);
  assert.equal(dummy.counter, Infinity);
});

void test('locks work from plain async code with await', async () => {
  const sem = new Semaphore(1);
  assert.equal(await sem.acquire(), true);
  assert.equal(await sem.acquire({ timeout: 10 }), false);
  setTimeout(() => sem.release(), 5);
  assert.equal(await sem.acquire(), true);
  sem.release();
  const rlock = new RLock();
  const v = await rlock.holding(function* () {
    return yield* rlock.holding(function* () {
      return 'nested';
    });
  });
  assert.equal(v, 'nested');
  assert.equal(rlock.locked(), false);
  await assert.rejects(settle(new Lock().holding(function* () {
    throw new TypeError('from body');
  })), TypeError);
});

void test('bad input throws with the value', () => {
  for (const bad of [-1, 1.5, NaN, Infinity, '2']) {
    assert.throws(() => new Semaphore(bad as number), { name: 'RangeError', message: /Semaphore value must be a non-negative integer, got/ });
    assert.throws(() => new BoundedSemaphore(bad as number), RangeError);
  }
  assert.throws(() => new Semaphore(-3), { message: 'Semaphore value must be a non-negative integer, got -3' });
  assert.throws(() => new BoundedSemaphore(0.5), { message: 'BoundedSemaphore value must be a non-negative integer, got 0.5' });
  const sem = new Semaphore();
  assert.equal(sem.counter, 1);
  assert.throws(() => sem.acquire({ timeout: -1 }), { name: 'RangeError', message: /Semaphore\.acquire\(\) timeout.*-1/ });
  assert.throws(() => sem.hold({ timeout: NaN }), RangeError);
  assert.throws(() => sem.holding(42 as unknown as () => Steps<void>), { name: 'TypeError', message: /Semaphore\.holding\(\) needs an Operation or a generator function, got 42/ });
  assert.throws(() => new RLock().acquire({ timeout: -2 }), RangeError);
});
