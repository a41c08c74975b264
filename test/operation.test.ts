import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GreenletExit,
  Operation,
  Stream,
  Timeout,
  call,
  constant,
  getCurrent,
  getHub,
  operation,
  sleep,
  spawn,
  withTimeout,
  type Steps,
} from '../src/index.js';

void test('an Operation does nothing until it is run; running it twice runs it twice', async () => {
  const log: string[] = [];
  const op = operation(function* () {
    log.push('ran');
    yield* sleep(0);
    return log.length;
  });
  const timer = sleep(50);
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(log, []);
  assert.equal(getHub().clock.size, 0, 'an unrun sleep arms no timer');
  assert.equal(await op, 1);
  assert.equal(await op, 2);
  const g = spawn(function* () {
    return [yield* op, yield* op];
  });
  assert.deepEqual(await g.get(), [3, 4]);
  void timer;
});

void test('a subclass of Operation is lazy too and can be run with yield* and await', async () => {
  let runs = 0;
  class Twice extends Operation<number> {
    constructor(private readonly n: number) {
      super();
    }
    *[Symbol.iterator](): Steps<number> {
      runs++;
      yield* sleep(1);
      return this.n * 2;
    }
  }
  const op = new Twice(21);
  assert.equal(runs, 0);
  assert.equal(await op, 42);
  assert.equal(await spawn(function* () {
    return yield* op;
  }).get(), 42);
  assert.equal(runs, 2);
});

void test('await op from plain code runs behind the greenlets already scheduled', async () => {
  const log: string[] = [];
  spawn(() => log.push('a'));
  spawn(function* () {
    log.push('b');
    yield* sleep(0);
    log.push('b again');
  });
  await operation(function* () {
    log.push('awaited operation');
  });
  // Behind a and b, which were scheduled; ahead of b's next step, scheduled after the await.
  assert.deepEqual(log, ['a', 'b', 'awaited operation', 'b again']);
});

void test('await settles with the value or the very error; then, catch and finally each run it', async () => {
  const failure = new RangeError('op failed');
  let runs = 0;
  const bad = operation(function* (): Steps<number> {
    runs++;
    yield* sleep(0);
    throw failure;
  });
  await assert.rejects(Promise.resolve(bad), (e) => e === failure);
  assert.equal(await bad.catch((e) => (e === failure ? 'caught' : 'other')), 'caught');
  let finallyRan = false;
  await assert.rejects(
    bad.finally(() => {
      finallyRan = true;
    }),
    (e) => e === failure,
  );
  assert.equal(finallyRan, true);
  assert.equal(await bad.then(() => 'no', () => 'rejected'), 'rejected');
  assert.equal(runs, 4);
  const thrownString = operation(function* (): Steps<void> {
    // Bodies may throw any value; the awaiting code must get that very value.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw 'a string';
  });
  await assert.rejects(Promise.resolve(thrownString), (e) => e === 'a string');
});

void test('the greenlet that runs an awaited Operation rejects with GreenletExit when killed', async () => {
  await assert.rejects(
    Promise.resolve(
      operation(function* () {
        getCurrent()!.kill({ block: false });
        yield* sleep(0);
      }),
    ),
    (e) => e instanceof GreenletExit,
  );
});

void test('constant and operation', async () => {
  assert.equal(await constant(5), 5);
  assert.throws(() => operation(42 as unknown as () => Steps<void>), TypeError);
});

void test('call turns a promise into an Operation: its value, or its rejection at the yield*', async () => {
  const failure = new Error('rejected');
  const g = spawn(function* () {
    const out: unknown[] = [];
    out.push(yield* call(Promise.resolve('resolved')));
    out.push(yield* call(new Promise((r) => setTimeout(() => r('later'), 5))));
    try {
      yield* call(Promise.reject(failure));
    } catch (e) {
      out.push(e === failure ? 'rejection thrown' : e);
    }
    out.push(yield* call(7));
    out.push(yield* call(() => 'factory value'));
    return out;
  });
  assert.deepEqual(await g.get(), ['resolved', 'later', 'rejection thrown', 7, 'factory value']);
  assert.equal(await call(Promise.resolve('from plain code')), 'from plain code');
});

void test('call with a factory calls it when run, each run afresh', async () => {
  let calls = 0;
  const op = call(async () => ++calls);
  assert.equal(calls, 0);
  assert.equal(await op, 1);
  assert.equal(await op, 2);
});

void test('call: the factory signal aborts when the waiting greenlet is killed', async () => {
  const log: string[] = [];
  let signal: AbortSignal | null = null;
  const g = spawn(function* () {
    try {
      yield* call((s) => {
        signal = s;
        return new Promise((_resolve, reject) => {
          s.addEventListener('abort', () => {
            log.push('aborted');
            reject(new Error('stopped'));
          });
        });
      });
    } finally {
      log.push('finally');
    }
  });
  await sleep(0);
  assert.equal(signal!.aborted, false);
  await g.kill();
  assert.deepEqual(log, ['aborted', 'finally']);
  assert.ok(signal!.reason instanceof GreenletExit);
  assert.ok(g.value instanceof GreenletExit);
});

void test('call: the factory signal aborts when the waiting greenlet times out', async () => {
  let signal: AbortSignal | null = null;
  const g = spawn(function* () {
    return yield* withTimeout(10, call((s) => {
      signal = s;
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        s.addEventListener('abort', () => clearTimeout(timer));
      });
    }), { timeoutValue: 'timed out' });
  });
  assert.equal(await g.get(), 'timed out');
  assert.equal(signal!.aborted, true);
  assert.ok(signal!.reason instanceof Timeout);
});

void test('call: the signal does not abort when the promise settles first', async () => {
  let signal: AbortSignal | null = null;
  const value = await spawn(function* () {
    return yield* call(async (s) => {
      signal = s;
      await new Promise((r) => setTimeout(r, 1));
      return 'done';
    });
  }).get();
  assert.equal(value, 'done');
  assert.equal(signal!.aborted, false);
});

void test('a promise settling after its greenlet was killed is ignored', async () => {
  let settle: (v: string) => void = () => {};
  const g = spawn(function* () {
    return yield* call(new Promise<string>((r) => (settle = r)));
  });
  await sleep(0);
  await g.kill();
  settle('too late');
  await sleep(1);
  assert.ok(g.value instanceof GreenletExit);
});

class Countdown extends Stream<number> {
  closed = false;
  constructor(private n: number) {
    super();
  }
  next(): Operation<IteratorResult<number, undefined>> {
    const self = this;
    return operation(function* () {
      yield* sleep(0);
      if (self.closed || self.n === 0) return { done: true, value: undefined } as const;
      return { done: false, value: self.n-- } as const;
    });
  }
  override close(): void {
    this.closed = true;
  }
}

void test('a Stream is read with yield* next() inside a greenlet and for await outside', async () => {
  const inside = await spawn(function* () {
    const out: number[] = [];
    const s = new Countdown(3);
    for (let r = yield* s.next(); !r.done; r = yield* s.next()) out.push(r.value);
    return out;
  }).get();
  assert.deepEqual(inside, [3, 2, 1]);
  const outside: number[] = [];
  for await (const n of new Countdown(3)) outside.push(n);
  assert.deepEqual(outside, [3, 2, 1]);
  const early = new Countdown(10);
  for await (const n of early) if (n === 8) break;
  assert.equal(early.closed, true);
});
