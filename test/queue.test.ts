import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Channel,
  Empty,
  Full,
  GreenletExit,
  JoinableQueue,
  LifoQueue,
  PriorityQueue,
  Queue,
  ShutDown,
  SimpleQueue,
  Timeout,
  joinAll,
  sleep,
  spawn,
  withTimeout,
  type Operation,
  type Steps,
} from '../src/index.js';
import { run } from './support.js';

/** Runs an Operation and gives back its error's class name and message, or 'no error'. */
function* failure(op: Operation<unknown>): Steps<string> {
  try {
    yield* op;
    return 'no error';
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}

function errorName(fn: () => unknown): string {
  try {
    fn();
    return 'no error';
  } catch (error) {
    return error instanceof Error ? error.name : String(error);
  }
}

test('Queue is first in, first out; LifoQueue last in, first out', async () => {
  const fifo = new Queue<number>();
  const lifo = new LifoQueue<number>();
  const got = await run(function* () {
    for (const n of [1, 2, 3, 4]) {
      yield* fifo.put(n);
      yield* lifo.put(n);
    }
    const out: number[][] = [[], []];
    for (let i = 0; i < 4; i++) {
      out[0].push(yield* fifo.get());
      out[1].push(yield* lifo.get());
    }
    return out;
  });
  assert.deepEqual(got, [
    [1, 2, 3, 4],
    [4, 3, 2, 1],
  ]);
  assert.equal(fifo.qsize(), 0);
  assert.equal(lifo.empty(), true);
});

test('PriorityQueue gives the smallest first and compares arrays like Python tuples', () => {
  const q = new PriorityQueue<[number, string]>(3);
  q.putNowait([10, 'data1']);
  q.putNowait([12, 'data2']);
  q.putNowait([8, 'data3']);
  assert.equal(q.full(), true);
  assert.deepEqual(q.peekNowait(), [8, 'data3']);
  assert.deepEqual([q.getNowait(), q.getNowait(), q.getNowait()], [
    [8, 'data3'],
    [10, 'data1'],
    [12, 'data2'],
  ]);

  const tuples = new PriorityQueue<unknown[]>();
  for (const t of [[2, 'b'], [1, 'z', 0], [2, 'a'], [1, 'z'], [1, 'y', 5], [0]]) tuples.putNowait(t);
  const order: unknown[] = [];
  while (!tuples.empty()) order.push(tuples.getNowait());
  assert.deepEqual(order, [[0], [1, 'y', 5], [1, 'z'], [1, 'z', 0], [2, 'a'], [2, 'b']]);

  const plain = new PriorityQueue<number | string>();
  for (const v of [5, 3, 9, 1, 7, 3]) plain.putNowait(v);
  const numbers: (number | string)[] = [];
  while (!plain.empty()) numbers.push(plain.getNowait());
  assert.deepEqual(numbers, [1, 3, 3, 5, 7, 9]);
});

test('PriorityQueue keeps insertion order among equal priorities, objects included', () => {
  const q = new PriorityQueue<[number, { name: string }]>();
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  names.forEach((name, i) => q.putNowait([i % 2, { name }]));
  const order: string[] = [];
  while (!q.empty()) order.push(q.getNowait()[1].name);
  assert.deepEqual(order, ['a', 'c', 'e', 'g', 'b', 'd', 'f', 'h']);
});

test('PriorityQueue takes a comparator; equal items stay in insertion order', () => {
  type Job = { urgency: number; id: number };
  const q = new PriorityQueue<Job>(undefined, (a, b) => b.urgency - a.urgency);
  const jobs = [1, 3, 2, 3, 1, 2].map((urgency, id) => ({ urgency, id }));
  for (const job of jobs) q.putNowait(job);
  const order: number[] = [];
  while (!q.empty()) order.push(q.getNowait().id);
  assert.deepEqual(order, [1, 3, 2, 5, 0, 4]);
  assert.throws(() => new PriorityQueue<number>(0, 'desc' as unknown as () => number), {
    name: 'TypeError',
    message: /comparator must be a function.*"desc"/,
  });
});

test('PriorityQueue stays a heap through many random puts and gets', () => {
  const q = new PriorityQueue<number>();
  const model: number[] = [];
  let seed = 12345;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648);
  for (let step = 0; step < 5000; step++) {
    if (model.length === 0 || random() % 3 !== 0) {
      const v = random() % 1000;
      q.putNowait(v);
      model.push(v);
    } else {
      model.sort((a, b) => a - b);
      assert.equal(q.getNowait(), model.shift());
    }
  }
  model.sort((a, b) => a - b);
  const rest: number[] = [];
  while (!q.empty()) rest.push(q.getNowait());
  assert.deepEqual(rest, model);
});

test('sizes: unbounded by default or with 0, and bad sizes are refused with the value', () => {
  const unbounded = new Queue<number>();
  const zero = new Queue<number>(0);
  for (let i = 0; i < 1000; i++) {
    unbounded.putNowait(i);
    zero.putNowait(i);
  }
  assert.deepEqual([unbounded.maxsize, unbounded.full(), zero.maxsize, zero.qsize()], [Infinity, false, Infinity, 1000]);
  const bounded = new SimpleQueue<number>(2);
  assert.equal(bounded.maxsize, 2);
  assert.throws(() => new Queue(-1), { name: 'RangeError', message: /maxsize must be a non-negative integer.*got -1/ });
  assert.throws(() => new LifoQueue(1.5), { name: 'RangeError', message: /got 1\.5/ });
  assert.throws(() => new SimpleQueue(NaN), { name: 'RangeError', message: /got NaN/ });
  assert.throws(() => new Queue('3' as unknown as number), { name: 'TypeError', message: /got "3"/ });
  assert.throws(() => new Queue<number>().get({ timeout: -5 }), { name: 'RangeError', message: /timeout.*got -5/ });
  assert.throws(() => new Queue<number>().put(1, { timeout: NaN }), { name: 'RangeError', message: /got NaN/ });
});

test('Full and Empty: without blocking, and after a timeout, with nothing changed', async () => {
  const q = new Queue<string>(1);
  const log = await run(function* () {
    const out: string[] = [];
    out.push(errorName(() => q.getNowait()));
    out.push(yield* failure(q.get({ block: false })));
    const t0 = Date.now();
    out.push(yield* failure(q.get({ timeout: 20 })));
    out.push(`waited ${Date.now() - t0 >= 15}`);
    q.putNowait('a');
    out.push(errorName(() => q.putNowait('b')));
    out.push(yield* failure(q.put('b', { block: false })));
    out.push(yield* failure(q.put('b', { timeout: 20 })));
    out.push(`size ${q.qsize()} full ${q.full()}`);
    out.push(yield* q.get({ block: false }));
    out.push(`size ${q.qsize()} unfinished ${q.unfinishedTasks}`);
    return out;
  });
  assert.deepEqual(log, [
    'Empty',
    'Empty: Queue is empty',
    'Empty: Queue.get() timed out after 20 ms: the queue stayed empty',
    'waited true',
    'Full',
    'Full: Queue is full (maxsize 1)',
    'Full: Queue.put() timed out after 20 ms: the queue stayed full (maxsize 1)',
    'size 1 full true',
    'a',
    'size 0 unfinished 1',
  ]);
});

test('peek shows the next item without taking it, and waits like get', async () => {
  const q = new Queue<string>();
  const log = await run(function* () {
    const out: string[] = [];
    out.push(errorName(() => q.peekNowait()));
    out.push(yield* failure(q.peek({ timeout: 5 })));
    out.push(yield* failure(q.peek({ block: false })));
    // Arrival order: a peeker ahead of a getter sees the item; one behind it does not.
    const early = spawn(function* () {
      out.push(`early peek ${yield* q.peek()}`);
    });
    const getter = spawn(function* () {
      out.push(`get ${yield* q.get()}`);
    });
    const late = spawn(function* () {
      out.push(`late peek ${yield* q.peek()}`);
    });
    yield* sleep(0);
    yield* q.put('x');
    yield* joinAll([early, getter]);
    out.push(`late waits ${!late.dead}`);
    yield* q.put('y');
    yield* late.join();
    out.push(`peekNowait ${q.peekNowait()} size ${q.qsize()}`);
    return out;
  });
  assert.deepEqual(log, [
    'Empty',
    'Empty: Queue.peek() timed out after 5 ms: the queue stayed empty',
    'Empty: Queue is empty',
    'early peek x',
    'get x',
    'late waits true',
    'late peek y',
    'peekNowait y size 1',
  ]);
  const lifo = new LifoQueue<number>();
  lifo.putNowait(1);
  lifo.putNowait(2);
  assert.equal(await lifo.peek(), 2);
});

test('blocked getters and putters are served in arrival order', async () => {
  const log = await run(function* () {
    const out: string[] = [];
    const q = new Queue<number>();
    const getters = ['a', 'b', 'c'].map((name) =>
      spawn(function* () {
        out.push(`${name} got ${yield* q.get()}`);
      }),
    );
    yield* sleep(0);
    for (const n of [1, 2, 3]) q.putNowait(n);
    yield* joinAll(getters);

    const bounded = new Queue<string>(1);
    bounded.putNowait('first');
    const putters = ['p', 'q', 'r'].map((name) =>
      spawn(function* () {
        yield* bounded.put(name);
        out.push(`${name} put`);
      }),
    );
    yield* sleep(0);
    for (let i = 0; i < 4; i++) out.push(`took ${yield* bounded.get()}`);
    yield* joinAll(putters);
    return out;
  });
  assert.deepEqual(log, [
    'a got 1',
    'b got 2',
    'c got 3',
    // The getter never blocks (each get refills the slot from the next putter), so the
    // putters only run afterwards, each having had its item taken in arrival order.
    'took first',
    'took p',
    'took q',
    'took r',
    'p put',
    'q put',
    'r put',
  ]);
});

test('an item handed to a parked getter is never taken by a newcomer', async () => {
  const q = new Queue<number>();
  const log: string[] = [];
  await run(function* () {
    const parked = spawn(function* () {
      log.push(`parked got ${yield* q.get()}`);
    });
    yield* sleep(0);
    q.putNowait(1);
    // The item already belongs to `parked`, which has not run yet.
    log.push(errorName(() => q.getNowait()));
    q.putNowait(2);
    log.push(`newcomer got ${q.getNowait()}`);
    yield* parked.join();
  });
  assert.deepEqual(log, ['Empty', 'newcomer got 2', 'parked got 1']);
});

test('a getter killed or timed out while parked consumes nothing', async () => {
  const q = new Queue<string>();
  const log: string[] = [];
  await run(function* () {
    const victim = spawn(function* () {
      try {
        log.push(`victim got ${yield* q.get()}`);
      } finally {
        log.push('victim finally');
      }
    });
    const timed = spawn(function* () {
      log.push(yield* failure(withTimeout(5, q.get())));
      log.push(yield* failure(q.get({ timeout: 5 })));
      const t = Timeout.startNew(5);
      try {
        log.push(yield* failure(q.get()));
      } finally {
        t.cancel();
      }
    });
    yield* sleep(0);
    victim.kill();
    yield* joinAll([victim, timed]);
    q.putNowait('kept');
    log.push(`size ${q.qsize()} waiting getters ${q.getters.size}`);
    log.push(`got ${yield* q.get()}`);
  });
  assert.deepEqual(log, [
    'victim finally',
    'Timeout: timed out after 5 ms',
    'Empty: Queue.get() timed out after 5 ms: the queue stayed empty',
    'Timeout: timed out after 5 ms',
    'size 1 waiting getters 0',
    'got kept',
  ]);
});

test('a putter killed or timed out while parked inserts nothing', async () => {
  const q = new Queue<string>(1);
  const log: string[] = [];
  await run(function* () {
    q.putNowait('first');
    const victim = spawn(function* () {
      yield* q.put('killed');
      log.push('victim put');
    });
    const timed = spawn(function* () {
      log.push(yield* failure(q.put('late', { timeout: 5 })));
    });
    yield* sleep(0);
    victim.kill();
    yield* joinAll([victim, timed]);
    log.push(`size ${q.qsize()} unfinished ${q.unfinishedTasks} waiting putters ${q.putters.size}`);
    log.push(`got ${yield* q.get()}`);
    log.push(yield* failure(q.get({ block: false })));
  });
  assert.deepEqual(log, [
    'Full: Queue.put() timed out after 5 ms: the queue stayed full (maxsize 1)',
    'size 1 unfinished 1 waiting putters 0',
    'got first',
    'Empty: Queue is empty',
  ]);
});

test('a kill right after the hand-off loses nothing: the getter keeps the item, the putter its put', async () => {
  const log: string[] = [];
  await run(function* () {
    const q = new Queue<string>(1);
    const getter = spawn(function* () {
      try {
        const item = yield* q.get();
        log.push(`getter got ${item}`);
        yield* sleep(0);
        log.push('getter not reached');
      } catch (error) {
        log.push(`getter then ${(error as Error).name}`);
      }
    });
    yield* sleep(0);
    q.putNowait('gift');
    getter.kill();
    yield* getter.join();

    q.putNowait('one');
    const putter = spawn(function* () {
      try {
        yield* q.put('two');
        log.push('putter put two');
        yield* sleep(0);
      } catch (error) {
        log.push(`putter then ${(error as Error).name}`);
      }
    });
    yield* sleep(0);
    log.push(`took ${q.getNowait()}`);
    putter.kill();
    yield* putter.join();
    log.push(`left ${q.getNowait()} size ${q.qsize()}`);
  });
  assert.deepEqual(log, [
    'getter got gift',
    'getter then GreenletExit',
    'took one',
    'putter put two',
    'putter then GreenletExit',
    'left two size 0',
  ]);
});

test('shutdown: blocked getters and putters get ShutDown, the rest drains, then ShutDown', async () => {
  const log: string[] = [];
  await run(function* () {
    const empty = new Queue<string>();
    const getters = [1, 2].map((n) =>
      spawn(function* () {
        log.push(`getter ${n}: ${yield* failure(empty.get())}`);
      }),
    );
    const peeker = spawn(function* () {
      log.push(`peeker: ${yield* failure(empty.peek())}`);
    });
    yield* sleep(0);
    empty.shutdown();
    yield* joinAll([...getters, peeker]);

    const full = new Queue<string>(2);
    full.putNowait('a');
    full.putNowait('b');
    const putter = spawn(function* () {
      log.push(`putter: ${yield* failure(full.put('c'))}`);
    });
    yield* sleep(0);
    full.shutdown();
    yield* putter.join();
    log.push(yield* failure(full.put('d')));
    log.push(errorName(() => full.putNowait('d')));
    log.push(`drain ${yield* full.get()} ${full.getNowait()}`);
    log.push(yield* failure(full.get()));
    log.push(errorName(() => full.getNowait()));
    log.push(errorName(() => full.peekNowait()));
    log.push(`unfinished ${full.unfinishedTasks}`);
  });
  assert.deepEqual(log, [
    'getter 1: ShutDown: Queue was shut down',
    'getter 2: ShutDown: Queue was shut down',
    'peeker: ShutDown: Queue was shut down',
    'putter: ShutDown: Queue was shut down',
    'ShutDown: Queue was shut down',
    'ShutDown',
    'drain a b',
    'ShutDown: Queue was shut down',
    'ShutDown',
    'ShutDown',
    'unfinished 2',
  ]);
});

test('shutdown(immediate) discards the items, counts them done, and wakes join()', async () => {
  const log: string[] = [];
  await run(function* () {
    const q = new Queue<number>();
    for (let i = 0; i < 3; i++) q.putNowait(i);
    q.getNowait();
    q.taskDone();
    const joiner = spawn(function* () {
      log.push(`join ${yield* q.join()}`);
    });
    yield* sleep(0);
    log.push(`before: size ${q.qsize()} unfinished ${q.unfinishedTasks}`);
    q.shutdown(true);
    log.push(`after: size ${q.qsize()} unfinished ${q.unfinishedTasks}`);
    log.push(yield* failure(q.get()));
    yield* joiner.join();
  });
  assert.deepEqual(log, [
    'before: size 2 unfinished 2',
    'after: size 0 unfinished 0',
    'ShutDown: Queue was shut down',
    'join true',
  ]);
});

test('taskDone, join and unfinishedTasks count tasks like Python queue.Queue', async () => {
  const log: string[] = [];
  const q = new JoinableQueue<number>();
  assert.equal(JoinableQueue, Queue);
  assert.ok(q instanceof Queue);
  log.push(`empty join ${await q.join()}`);
  const worker = spawn(function* () {
    for (;;) {
      const n = yield* q.get();
      yield* sleep(n === 0 ? 30 : 1);
      log.push(`done ${n}`);
      q.taskDone();
    }
  });
  for (let i = 0; i < 3; i++) q.putNowait(i);
  log.push(`unfinished ${q.unfinishedTasks}`);
  log.push(`short join ${await q.join(1)}`);
  log.push(`join ${await q.join()}`);
  log.push(`unfinished ${q.unfinishedTasks}`);
  assert.throws(() => q.taskDone(), {
    name: 'Error',
    message: 'Queue.taskDone() was called more times than items were put: no unfinished task is left',
  });
  worker.kill();
  assert.deepEqual(log, ['empty join true', 'unfinished 3', 'short join false', 'done 0', 'done 1', 'done 2', 'join true', 'unfinished 0']);
  const lifo = new LifoQueue<number>();
  lifo.putNowait(1);
  lifo.getNowait();
  lifo.taskDone();
  assert.equal(await lifo.join(0), true);
});

test('SimpleQueue has no task counting, and is bounded when given a maxsize', async () => {
  const q = new SimpleQueue<number>(1);
  assert.equal('taskDone' in q, false);
  assert.equal('join' in q, false);
  q.putNowait(1);
  assert.throws(() => q.putNowait(2), Full);
  assert.equal(await q.get(), 1);
  assert.ok(!(q instanceof Queue));
});

test('Channel: put waits for a getter, get for a putter; nothing is buffered', async () => {
  const ch = new Channel<string>();
  const log: string[] = [];
  assert.deepEqual([ch.maxsize, ch.qsize(), ch.empty(), ch.full()], [0, 0, true, true]);
  assert.throws(() => ch.putNowait('x'), { name: 'Full', message: 'Channel.put() would wait: no getter is waiting' });
  assert.throws(() => ch.getNowait(), { name: 'Empty', message: 'Channel.get() would wait: no putter is waiting' });
  await run(function* () {
    const putter = spawn(function* () {
      log.push('put starts');
      yield* ch.put('ping');
      log.push('put done');
      yield* ch.put('pong');
      log.push('second put done');
    });
    yield* sleep(5);
    log.push(`balance ${ch.balance}, peek ${ch.peekNowait()}`);
    log.push(`got ${yield* ch.get()}`);
    yield* sleep(0);
    log.push(`got ${ch.getNowait()}`);
    yield* putter.join();

    const getter = spawn(function* () {
      log.push(`getter got ${yield* ch.get()}`);
    });
    yield* sleep(0);
    log.push(`balance ${ch.balance}`);
    ch.putNowait('direct');
    log.push(yield* failure(ch.put('nobody', { timeout: 2 })));
    yield* getter.join();
  });
  assert.deepEqual(log, [
    'put starts',
    'balance 1, peek ping',
    'got ping',
    'put done',
    'got pong',
    'second put done',
    'balance -1',
    'getter got direct',
    'Full: Channel.put() timed out after 2 ms: the queue stayed full (maxsize 0)',
  ]);
});

test('for await drains a queue from plain async code and ends at shutdown', async () => {
  const q = new Queue<number>(2);
  const producer = spawn(function* () {
    for (let i = 0; i < 5; i++) yield* q.put(i);
    q.shutdown();
  });
  const seen: number[] = [];
  for await (const n of q) seen.push(n);
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  assert.equal(producer.dead, true);

  const ch = new Channel<string>();
  spawn(function* () {
    yield* ch.put('a');
    yield* ch.put('b');
    ch.shutdown();
  });
  const words: string[] = [];
  for await (const w of ch) words.push(w);
  assert.deepEqual(words, ['a', 'b']);
});

test('stream() consumes a queue inside a greenlet until shutdown; break keeps the queue', async () => {
  const q = new PriorityQueue<number>();
  for (const n of [3, 1, 2]) q.putNowait(n);
  const got = await run(function* () {
    const out: (number | string)[] = [];
    const items = q.stream();
    spawn(function* () {
      yield* sleep(2);
      yield* q.put(0);
      q.shutdown();
    });
    for (let r = yield* items.next(); !r.done; r = yield* items.next()) out.push(r.value);
    const again = yield* items.next();
    out.push(`done ${again.done}`);
    return out;
  });
  assert.deepEqual(got, [1, 2, 3, 0, 'done true']);

  const open = new Queue<number>();
  for (const n of [1, 2, 3]) open.putNowait(n);
  for await (const n of open) if (n === 1) break;
  assert.deepEqual([open.qsize(), open.getNowait()], [2, 2]);
});

test('await works from outside greenlets for put, get, peek and join', async () => {
  const q = new Queue<string>(1);
  await q.put('a');
  const blocked = q.put('b');
  const later = blocked.then(() => 'b was put');
  assert.equal(await q.peek(), 'a');
  assert.equal(await q.get(), 'a');
  assert.equal(await later, 'b was put');
  assert.equal(await q.get({ timeout: 10 }), 'b');
  await assert.rejects(Promise.resolve(q.get({ timeout: 1 })), Empty);
  q.taskDone();
  q.taskDone();
  assert.equal(await q.join(), true);
  q.shutdown();
  await assert.rejects(Promise.resolve(q.put('c')), ShutDown);
});

test('a blocked getter killed from outside dies with GreenletExit and leaves no waiter', async () => {
  const q = new Queue<number>();
  const g = spawn(function* () {
    return yield* q.get();
  });
  await run(function* () {
    yield* sleep(0);
  });
  assert.equal(q.getters.size, 1);
  await g.kill();
  assert.ok((g.value as unknown) instanceof GreenletExit);
  assert.equal(q.getters.size, 0);
});
