import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Event,
  Greenlet,
  GreenletExit,
  Group,
  Pool,
  Timeout,
  getCurrent,
  idle,
  joinAll,
  sleep,
  spawn,
  withTimeout,
  type Steps,
} from '../src/index.js';
import { run, settle } from './support.js';

function* naturals(log?: number[]): Generator<number, never, undefined> {
  for (let i = 0; ; i++) {
    log?.push(i);
    yield i;
  }
}

void test('a Group tracks its members until they die, through a link', async () => {
  const log: string[] = [];
  await run(function* () {
    const group = new Group();
    const a = group.spawn(function* () {
      yield* sleep(10);
      return 'a';
    });
    const b = group.spawn(() => 'b');
    const outsider = spawn(function* () {
      yield* sleep(5);
    });
    group.add(outsider);
    log.push(`size ${group.size}, has a ${group.has(a)}, members ${[...group].length}`);
    yield* sleep(1);
    log.push(`after b: size ${group.size}, has b ${group.has(b)}`);
    group.discard(outsider);
    log.push(`discarded: size ${group.size}, outsider alive ${!outsider.dead}`);
    log.push(`joined ${yield* group.join()}: size ${group.size}, a ${a.value}`);
  });
  assert.deepEqual(log, [
    'size 3, has a true, members 3',
    'after b: size 2, has b false',
    'discarded: size 1, outsider alive true',
    'joined true: size 0, a a',
  ]);
});

void test('Group.spawn never blocks and starts its greenlets in spawn order', async () => {
  const log: number[] = [];
  await run(function* () {
    const group = new Group();
    for (let i = 0; i < 5; i++) group.spawn((n: number) => log.push(n), i);
    log.push(-1);
    yield* group.join();
  });
  assert.deepEqual(log, [-1, 0, 1, 2, 3, 4]);
});

void test('Group.join returns false on timeout and, with raiseError, throws the first member error', async () => {
  const log: string[] = [];
  await run(function* () {
    const group = new Group();
    group.spawn(function* () {
      yield* sleep(30);
    });
    log.push(`timed out: ${yield* group.join({ timeout: 5 })}`);
    group.spawn(function* () {
      yield* sleep(5);
      throw new Error('first');
    });
    group.spawn(function* () {
      yield* sleep(10);
      throw new Error('second');
    });
    try {
      yield* group.join({ raiseError: true });
      log.push('no error');
    } catch (error) {
      log.push(`raised ${(error as Error).message}, size ${group.size}`);
    }
    log.push(`plain join ${yield* group.join()}`);
  });
  assert.deepEqual(log, ['timed out: false', 'raised first, size 0', 'plain join true']);
});

void test('Group.kill takes effect at once, runs the cleanups and waits; killone kills one member', async () => {
  const log: string[] = [];
  await run(function* () {
    const group = new Group();
    const body = function* (name: string): Steps<void> {
      try {
        yield* sleep(1000);
      } finally {
        log.push(`${name} cleanup`);
        yield* sleep(5); // a second kill must not interrupt this
        log.push(`${name} cleaned`);
      }
    };
    const a = group.spawn(body, 'a');
    const b = group.spawn(body, 'b');
    const c = group.spawn(body, 'c');
    yield* sleep(1);
    yield* group.killone(b);
    log.push(`b dead ${b.dead}, size ${group.size}`);
    group.kill();
    group.kill(); // already dying: not interrupted a second time
    log.push(`after kill: a dead ${a.dead}`);
    yield* group.kill();
    log.push(`size ${group.size}, a ${String(a.value instanceof GreenletExit)}, c ${c.successful()}`);
    const outsider = spawn(() => 1);
    yield* group.killone(outsider); // not a member: nothing happens
    log.push(`outsider ${yield* outsider.get()}`);
  });
  assert.deepEqual(log, [
    'b cleanup',
    'b cleaned',
    'b dead true, size 2',
    'after kill: a dead false',
    'a cleanup',
    'c cleanup',
    'a cleaned',
    'c cleaned',
    'size 0, a true, c true',
    'outsider 1',
  ]);
});

void test('a group kill with a timeout gives up waiting without throwing', async () => {
  const log: string[] = [];
  await run(function* () {
    const group = new Group();
    const stubborn = group.spawn(function* () {
      try {
        yield* sleep(1000);
      } finally {
        yield* sleep(40);
      }
    });
    yield* sleep(1);
    yield* group.kill({ timeout: 5 });
    log.push(`returned, alive ${!stubborn.dead}`);
    yield* group.join();
    log.push(`dead ${stubborn.dead}`);
  });
  assert.deepEqual(log, ['returned, alive true', 'dead true']);
});

void test('a Pool never runs more than its capacity, through spawn and through map', async () => {
  let running = 0;
  let most = 0;
  function* job(ms: number): Steps<number> {
    most = Math.max(most, ++running);
    try {
      yield* sleep(ms);
      return ms;
    } finally {
      running--;
    }
  }
  const pool = new Pool(3);
  const durations = Array.from({ length: 20 }, (_, i) => 1 + ((i * 7) % 5));
  await run(function* () {
    for (const ms of durations) yield* pool.spawn(job, ms);
    yield* pool.join();
  });
  assert.equal(most, 3);
  most = 0;
  // map reads its input only when it can start the item: never more than `capacity` ahead of
  // the items that finished.
  let ended = 0;
  let aheadMost = 0;
  function* input(): Generator<number> {
    for (let i = 0; i < durations.length; i++) {
      aheadMost = Math.max(aheadMost, i + 1 - ended);
      yield durations[i];
    }
  }
  const values = await pool.map(function* (ms: number) {
    try {
      return yield* job(ms);
    } finally {
      ended++;
    }
  }, input());
  assert.deepEqual(values, durations);
  assert.equal(most, 3);
  assert.equal(aheadMost, 3);
  assert.equal(pool.freeCount(), 3);
  assert.equal(pool.size, 0);
});

void test('blocked spawners get their slots first come, first served', async () => {
  const log: string[] = [];
  await run(function* () {
    const pool = new Pool(1);
    yield* pool.spawn(function* () {
      yield* sleep(10);
      log.push('first done');
    });
    log.push(`full ${pool.full()}, free ${pool.freeCount()}`);
    const spawners = ['x', 'y', 'z'].map((name) =>
      spawn(function* () {
        log.push(`${name} waits`);
        yield* pool.spawn(function* () {
          log.push(`${name} runs`);
          yield* sleep(2);
        });
        log.push(`${name} spawned`);
      }),
    );
    yield* joinAll(spawners);
    yield* pool.join();
  });
  assert.deepEqual(log, [
    'full true, free 0',
    'x waits',
    'y waits',
    'z waits',
    'first done',
    'x spawned',
    'x runs',
    'y spawned',
    'y runs',
    'z spawned',
    'z runs',
  ]);
});

void test('a spawner killed or timed out while it waits for a slot leaks no slot', async () => {
  const log: string[] = [];
  await run(function* () {
    const pool = new Pool(1);
    yield* pool.spawn(function* () {
      yield* sleep(10);
    });
    const killed = spawn(function* () {
      yield* pool.spawn(() => log.push('killed spawner ran'));
    });
    const timedOut = spawn(function* () {
      try {
        yield* withTimeout(2, pool.spawn(() => log.push('timed-out spawner ran')));
      } catch (error) {
        log.push(`timed out: ${(error as Error).name}`);
      }
    });
    const patient = spawn(function* () {
      const g = yield* pool.spawn(function* () {
        log.push(`patient runs, free ${pool.freeCount()}`);
        yield* sleep(1);
        return 'ok';
      });
      log.push(`patient got ${yield* g.get()}`);
    });
    yield* sleep(1);
    killed.kill();
    yield* joinAll([killed, timedOut, patient]);
    yield* pool.join();
    log.push(`free ${pool.freeCount()}, size ${pool.size}`);
  });
  assert.deepEqual(log, ['timed out: Timeout', 'patient runs, free 0', 'patient got ok', 'free 1, size 0']);
});

void test('a spawner killed after a slot was handed to it still spends it, and it comes back', async () => {
  const log: string[] = [];
  await run(function* () {
    const pool = new Pool(1);
    const holder = yield* pool.spawn(function* () {
      yield* sleep(1000);
    });
    const spawner = spawn(function* () {
      try {
        const g = yield* pool.spawn(() => 'late');
        log.push(`spawned ${g.dead}`);
        yield* sleep(0);
        log.push('not reached');
      } catch (error) {
        log.push(`spawner got ${(error as Error).name}`);
      }
    });
    yield* sleep(1);
    // The pool's link hands the slot to the spawner; this later link kills the spawner before
    // it runs.
    holder.link(() => {
      spawner.kill();
    });
    holder.kill();
    yield* joinAll([spawner]);
    yield* pool.join();
    log.push(`free ${pool.freeCount()}`);
  });
  assert.deepEqual(log, ['spawned false', 'spawner got GreenletExit', 'free 1']);
});

void test('Pool.add waits for a slot, or throws Full; waitAvailable returns the free count', async () => {
  const log: string[] = [];
  await run(function* () {
    const pool = new Pool(2);
    const gateA = new Event();
    const gateB = new Event();
    const a = new Greenlet(function* () {
      yield* gateA.wait();
    });
    yield* pool.add(a);
    a.start();
    yield* pool.spawn(function* () {
      yield* gateB.wait();
    });
    try {
      yield* pool.add(new Greenlet(() => 1), { block: false });
    } catch (error) {
      log.push(`${(error as Error).name}`);
    }
    try {
      yield* pool.add(new Greenlet(() => 1), { timeout: 1 });
    } catch (error) {
      log.push(`${(error as Error).name} after a timeout`);
    }
    log.push(`available within 1 ms: ${yield* pool.waitAvailable(1)}`);
    spawn(() => gateB.set());
    log.push(`available: ${yield* pool.waitAvailable()}`);
    gateA.set();
    yield* pool.join();
    log.push(`available: ${yield* pool.waitAvailable()}`);
  });
  assert.deepEqual(log, ['Full', 'Full after a timeout', 'available within 1 ms: 0', 'available: 1', 'available: 2']);
});

void test('killing a pool kills its members; blocked spawners and waitAvailable go on as slots free', async () => {
  const log: string[] = [];
  await run(function* () {
    const pool = new Pool(1);
    yield* pool.spawn(function* () {
      try {
        yield* sleep(1000);
      } finally {
        log.push('member killed');
      }
    });
    const spawner = spawn(function* () {
      yield* pool.spawn(function* () {
        log.push('new member runs');
        yield* sleep(5);
        log.push('new member done');
      });
      log.push('spawner got a slot');
    });
    const watcher = spawn(function* () {
      log.push(`waitAvailable ${yield* pool.waitAvailable()}`);
    });
    yield* sleep(1);
    yield* pool.kill();
    log.push(`killed, size ${pool.size}`);
    yield* joinAll([spawner, watcher]);
    log.push(`free ${pool.freeCount()}`);
  });
  assert.deepEqual(log, [
    'member killed',
    // As in gevent: the killer, waiting for the death, runs right after it; the spawner handed
    // the freed slot queues behind. Its greenlet was not a member at the kill, so it lives.
    'killed, size 0',
    'spawner got a slot',
    'new member runs',
    'new member done',
    'waitAvailable 1',
    'free 1',
  ]);
});

void test('map returns the values in input order whatever order they finish in', async () => {
  const finished: number[] = [];
  const values = await new Pool(4).map(function* (ms: number) {
    yield* sleep(ms);
    finished.push(ms);
    return ms * 10;
  }, [20, 5, 15, 1]);
  assert.deepEqual(finished, [1, 5, 15, 20]);
  assert.deepEqual(values, [200, 50, 150, 10]);
  assert.deepEqual(await new Group().map(async (x: string) => x.toUpperCase(), new Set(['a', 'b'])), ['A', 'B']);
  assert.deepEqual(await new Pool(2).map((x: number) => x + 1, []), []);
});

void test('map runs every item, then throws the error of the first failed item in input order', async () => {
  const ran: number[] = [];
  const pool = new Pool(2);
  await assert.rejects(
    settle(
      pool.map(function* (n: number) {
        yield* sleep(n === 1 ? 10 : 1);
        ran.push(n);
        if (n === 1 || n === 3) throw new Error(`item ${n}`);
        return n;
      }, [0, 1, 2, 3, 4]),
    ),
    { message: 'item 1' },
  );
  assert.deepEqual([...ran].sort(), [0, 1, 2, 3, 4]);
  assert.equal(pool.freeCount(), 2);
});

void test('a map whose caller is killed stops reading and kills its running items', async () => {
  const log: string[] = [];
  const reads: number[] = [];
  const pool = new Pool(2);
  await run(function* () {
    const caller = spawn(function* () {
      return yield* pool.map(function* (n: number) {
        try {
          yield* sleep(1000);
        } finally {
          log.push(`item ${n} stopped`);
        }
      }, naturals(reads));
    });
    yield* sleep(5);
    yield* caller.kill();
    yield* pool.join();
    log.push(`reads ${reads.length}, free ${pool.freeCount()}`);
  });
  assert.deepEqual(log, ['item 0 stopped', 'item 1 stopped', 'reads 2, free 2']);
});

void test('imap hands out values in input order while items finish out of order', async () => {
  const log: string[] = [];
  // b finishes first, d starts in its slot and finishes next, then c, then a: each waits for the
  // one before it, so the completion order is d, c, a whatever the timing.
  const finished = { a: new Event(), b: new Event(), c: new Event(), d: new Event() };
  const waitsFor = { a: finished.c, b: null, c: finished.d, d: finished.b } as const;
  await run(function* () {
    const stream = new Pool(3).imap(function* (name: 'a' | 'b' | 'c' | 'd') {
      const before = waitsFor[name];
      if (before === null) yield* sleep(1);
      else yield* before.wait();
      log.push(`done ${name}`);
      finished[name].set();
      return name;
    }, ['a', 'b', 'c', 'd'] as const);
    for (let r = yield* stream.next(); !r.done; r = yield* stream.next()) log.push(`got ${r.value}`);
    log.push('end');
  });
  assert.deepEqual(log, ['done b', 'done d', 'done c', 'done a', 'got a', 'got b', 'got c', 'got d', 'end']);
});

void test('imapUnordered hands out values in completion order', async () => {
  const got: number[] = [];
  await run(function* () {
    const stream = new Pool(4).imapUnordered(function* (ms: number) {
      yield* sleep(ms);
      return ms;
    }, [30, 10, 20, 1]);
    for (let r = yield* stream.next(); !r.done; r = yield* stream.next()) got.push(r.value);
  });
  assert.deepEqual(got, [1, 10, 20, 30]);
});

void test('a failed item throws from the next() at its place, and the rest follow', async () => {
  // Items 0 and 1 hold their slots until item 4 has run (2 fails first, 3 and 4 take its slot
  // in turn); then 1 finishes before 0.
  let lastDone = new Event();
  function* job(n: number): Steps<number> {
    if (n === 2) throw new Error(`bad ${n}`);
    if (n < 2) {
      yield* lastDone.wait();
      if (n === 0) yield* sleep(1);
    } else {
      yield* sleep(0);
      if (n === 4) lastDone.set();
    }
    return n;
  }
  function* drain(stream: ReturnType<Pool['imap']>): Steps<string[]> {
    const out: string[] = [];
    for (;;) {
      try {
        const r = yield* stream.next();
        if (r.done === true) return out;
        out.push(String(r.value));
      } catch (error) {
        out.push((error as Error).message);
      }
    }
  }
  const pool = new Pool(3);
  const ordered = await run(() => drain(pool.imap(job, [0, 1, 2, 3, 4])));
  lastDone = new Event();
  const unordered = await run(() => drain(pool.imapUnordered(job, [0, 1, 2, 3, 4])));
  assert.deepEqual(ordered, ['0', '1', 'bad 2', '3', '4']);
  assert.deepEqual(unordered, ['bad 2', '3', '4', '1', '0']);
  assert.equal(pool.freeCount(), 3);
});

void test('an input that throws fails the stream at its place, after the items read before it', async () => {
  function* input(): Generator<number> {
    yield 1;
    yield 2;
    throw new Error('input broke');
  }
  const log: string[] = [];
  await run(function* () {
    const stream = new Pool(2).imap(function* (n: number) {
      yield* sleep(n);
      return n;
    }, input());
    for (;;) {
      try {
        const r = yield* stream.next();
        if (r.done === true) break;
        log.push(`got ${r.value}`);
      } catch (error) {
        log.push((error as Error).message);
      }
    }
  });
  assert.deepEqual(log, ['got 1', 'got 2', 'input broke']);
  await assert.rejects(settle(new Group().map((n: number) => n, input())), { message: 'input broke' });
});

void test('imap over an endless input reads only as far as it runs, with a bounded reorder buffer', async () => {
  const reads: number[] = [];
  let running = 0;
  let most = 0;
  const pool = new Pool(4);
  const log: string[] = [];
  await run(function* () {
    // Item 0 is held back until everything else has run: the others finish and wait in the
    // reorder buffer, which must not grow.
    const release = new Event();
    spawn(function* () {
      yield* idle();
      release.set();
    });
    const stream = pool.imap(function* (n: number) {
      most = Math.max(most, ++running);
      try {
        if (n === 0) yield* release.wait();
        else yield* sleep(0);
        return n;
      } finally {
        running--;
      }
    }, naturals(reads));
    const got: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = yield* stream.next();
      if (r.done !== true) got.push(r.value);
      if (i === 0) log.push(`after the first value: ${reads.length} read`);
    }
    yield* idle();
    log.push(`got ${got.join(',')}; ${reads.length} read in all`);
    stream.close();
    yield* pool.join();
    log.push(`closed: done ${(yield* stream.next()).done}, free ${pool.freeCount()}`);
  });
  assert.deepEqual(log, [
    'after the first value: 8 read',
    'got 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19; 28 read in all',
    'closed: done true, free 4',
  ]);
  assert.equal(most, 4);
});

void test('imapUnordered over an endless input stops reading while the reader does not take', async () => {
  const reads: number[] = [];
  const stream = new Pool(2).imapUnordered((n: number) => n * 2, naturals(reads), { maxsize: 3 });
  const got: number[] = [];
  for await (const v of stream) {
    got.push(v);
    await sleep(1);
    assert.ok(reads.length <= got.length + 3, `${reads.length} read for ${got.length} taken`);
    if (got.length === 10) break;
  }
  assert.deepEqual(got, [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
});

void test('several readers of one stream share its values, each value taken once', async () => {
  const taken: string[] = [];
  await run(function* () {
    const stream = new Pool(4).imap(function* (n: number) {
      yield* sleep(0);
      return n;
    }, [0, 1, 2, 3, 4, 5, 6, 7]);
    const readers = ['r1', 'r2', 'r3'].map((name) =>
      spawn(function* () {
        for (let r = yield* stream.next(); !r.done; r = yield* stream.next()) {
          taken.push(`${name}:${r.value}`);
          yield* sleep(0);
        }
      }),
    );
    yield* joinAll(readers);
  });
  assert.deepEqual(
    taken.map((t) => Number(t.split(':')[1])),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
  assert.ok(new Set(taken.map((t) => t.split(':')[0])).size > 1, taken.join(' '));
});

void test('await and for await work outside any greenlet', async () => {
  const pool = new Pool(2);
  const g = await pool.spawn(() => 'spawned');
  assert.equal(await g.get(), 'spawned');
  assert.equal(await pool.apply((a: number, b: number) => a + b, [2, 3]), 5);
  const got: number[] = [];
  for await (const v of pool.imap(async (x: number) => x * x, [1, 2, 3])) got.push(v);
  assert.deepEqual(got, [1, 4, 9]);
  assert.equal(await pool.join(), true);
});

void test('breaking out of for await closes the stream and kills its running items', async () => {
  const log: string[] = [];
  const pool = new Pool(3);
  for await (const v of pool.imap(function* (n: number) {
    try {
      yield* sleep(n === 0 ? 1 : 1000);
      return n;
    } finally {
      log.push(`item ${n} ends`);
    }
  }, [0, 1, 2, 3, 4])) {
    log.push(`got ${v}`);
    break;
  }
  await pool.join();
  log.push(`free ${pool.freeCount()}`);
  assert.deepEqual(log, ['item 0 ends', 'got 0', 'item 1 ends', 'item 2 ends', 'item 3 ends', 'free 3']);
});

void test('apply runs inline from inside a member, so a full pool never deadlocks', async () => {
  const log: string[] = [];
  await run(function* () {
    const pool = new Pool(1);
    const member = yield* pool.spawn(function* () {
      const outer = getCurrent();
      const value = yield* pool.apply(function* (x: number) {
        log.push(`inline ${getCurrent() === outer}`);
        yield* sleep(1);
        return x * 2;
      }, [21]);
      log.push(`member got ${value}`);
    });
    yield* member.join();
    const caller = getCurrent();
    log.push(`outside: ${yield* pool.apply(() => String(getCurrent() !== caller))}`);
    try {
      yield* pool.apply(() => {
        throw new Error('apply failed');
      });
    } catch (error) {
      log.push((error as Error).message);
    }
  });
  assert.deepEqual(log, ['inline true', 'member got 42', 'outside: true', 'apply failed']);
});

void test('applyAsync and mapAsync return greenlets and call back with the values', async () => {
  const log: string[] = [];
  await run(function* () {
    const pool = new Pool(1);
    const a = pool.applyAsync((x: number) => x + 1, [1], (v) => log.push(`callback a ${v}`));
    const b = pool.applyAsync(
      function* (x: number) {
        yield* sleep(1);
        return x + 2;
      },
      [1],
      (v) => log.push(`callback b ${v}`),
    );
    log.push(`a member ${pool.has(a)}, b member ${pool.has(b)}`);
    log.push(`a ${yield* a.get()}, b ${yield* b.get()}`);
    const m = pool.mapAsync((x: number) => x * 3, [1, 2, 3], (values) => log.push(`callback map ${values.join(',')}`));
    log.push(`map member ${pool.has(m)}`);
    log.push(`map ${(yield* m.get()).join(',')}`);
    yield* sleep(0);
  });
  assert.deepEqual(log, [
    'a member true, b member false',
    'callback a 2',
    'callback b 3',
    'a 2, b 3',
    'map member false',
    'callback map 3,6,9',
    'map 3,6,9',
  ]);
});

void test('many items through a pool leave its books balanced', async () => {
  const pool = new Pool(7);
  const n = 20_000;
  const input = Array.from({ length: n }, (_, i) => i);
  const values = await pool.map((x: number) => x + 1, input);
  assert.equal(values.length, n);
  assert.equal(values[n - 1], n);
  let sum = 0;
  for await (const v of pool.imapUnordered((x: number) => x, input.slice(0, 2000))) sum += v;
  assert.equal(sum, (1999 * 2000) / 2);
  assert.equal(pool.freeCount(), 7);
  assert.equal(pool.size, 0);
});

void test('bad input is refused at once with a message naming it', () => {
  assert.throws(() => new Pool(-1), { name: 'RangeError', message: 'Pool capacity must be a positive integer, got -1' });
  assert.throws(() => new Pool(0), RangeError);
  assert.throws(() => new Pool(1.5), RangeError);
  assert.throws(() => new Pool('3' as unknown as number), { message: 'Pool capacity must be a positive integer, got "3"' });
  const pool = new Pool(2);
  const group = new Group();
  assert.throws(() => pool.map((x: number) => x, 5 as unknown as number[]), { name: 'TypeError', message: /got 5/ });
  assert.throws(() => group.imap((x: number) => x, null as unknown as number[]), { name: 'TypeError', message: /got null/ });
  assert.throws(() => pool.map('nope' as unknown as () => number, [1]), { name: 'TypeError', message: /"nope"/ });
  assert.throws(() => group.spawn(42 as unknown as () => void), TypeError);
  assert.throws(() => pool.spawn({} as unknown as () => void), TypeError);
  assert.throws(() => pool.apply(undefined as unknown as () => void), TypeError);
  assert.throws(() => pool.applyAsync(() => 1, [], 'cb' as unknown as () => void), TypeError);
  assert.throws(() => pool.imapUnordered((x: number) => x, [1], { maxsize: 0 }), RangeError);
  assert.throws(() => pool.join({ timeout: -1 }), RangeError);
  assert.throws(() => pool.add('g' as unknown as Greenlet), TypeError);
});

void test('a timeout around a pool wait throws the caller its Timeout', async () => {
  const pool = new Pool(1);
  await pool.spawn(function* () {
    yield* sleep(20);
  });
  await assert.rejects(settle(withTimeout(2, pool.map((x: number) => x, [1]))), Timeout);
  await pool.join();
  assert.equal(pool.freeCount(), 1);
});
