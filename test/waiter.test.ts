import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GreenletExit, Operation, Timeout, getHub, sleep, spawn, type Steps } from '../src/index.js';
import { handOff, wake, wakeThrow } from '../src/hub.js';
import { TIMED_OUT, WaitList, parkFor, runningGreenlet, type ListWaiter } from '../src/waiter.js';

/** A minimal blocking primitive written the way docs/internals.md describes. */
class Mailbox<T> {
  readonly items: T[] = [];
  readonly getters = new WaitList<undefined>('Mailbox.get()');

  get(timeout?: number): Operation<T | 'timed out'> {
    const box = this;
    return new (class extends Operation<T | 'timed out'> {
      *[Symbol.iterator](): Steps<T | 'timed out'> {
        if (box.items.length > 0) return box.items.shift()!;
        const g = runningGreenlet('Mailbox.get()');
        const r = yield* parkFor<T>(box.getters.enqueue(g, undefined), timeout);
        return r === TIMED_OUT ? 'timed out' : r;
      }
    })();
  }

  put(item: T): void {
    const w = this.getters.shift();
    if (w !== null) handOff(w, item);
    else this.items.push(item);
  }
}

void test('a greenlet handed a value that must not be lost receives it, then the kill at its next yield*', async () => {
  const box = new Mailbox<string>();
  const log: string[] = [];
  const getter = spawn(function* () {
    const item = yield* box.get();
    log.push(`received ${item}`);
    try {
      yield* sleep(0);
      log.push('not reached');
    } catch (e) {
      log.push(`then ${(e as Error).name}`);
      throw e;
    }
  });
  await sleep(0);
  box.put('item');
  getter.kill();
  await getter.join();
  assert.deepEqual(log, ['received item', 'then GreenletExit']);
  assert.equal(box.items.length, 0);
  assert.ok(getter.value instanceof GreenletExit);
});

void test('a greenlet handed a value and timed out before it runs gets the value, then the Timeout', async () => {
  const box = new Mailbox<string>();
  const log: string[] = [];
  const getter = spawn(function* () {
    const t = Timeout.startNew(5);
    try {
      log.push(`received ${yield* box.get()}`);
      yield* sleep(0);
      log.push('not reached');
    } catch (e) {
      log.push(e === t ? 'then its Timeout' : `other ${String(e)}`);
    }
  });
  await sleep(0);
  // Hand the item over, and let the deadline pass and the clock fire before the getter runs.
  box.put('item');
  const until = performance.now() + 15;
  while (performance.now() < until);
  getHub().clock.fireDue();
  await getter.join();
  assert.deepEqual(log, ['received item', 'then its Timeout']);
});

void test('a plain wake is replaced by a kill that comes before the greenlet runs', async () => {
  const list = new WaitList<undefined>('test wait');
  const log: string[] = [];
  let waiter: ListWaiter<undefined> | null = null;
  const g = spawn(function* () {
    try {
      waiter = list.enqueue(runningGreenlet('test'), undefined);
      const r = yield* parkFor<string>(waiter, undefined);
      log.push(`woke with ${String(r)}`);
    } catch (e) {
      log.push(`got ${(e as Error).name}`);
    }
  });
  await sleep(0);
  assert.equal(wake(waiter!, 'value'), true);
  assert.equal(wake(waiter!, 'twice'), false);
  g.kill();
  await g.join();
  assert.deepEqual(log, ['got GreenletExit']);
});

void test('wakeThrow resumes a parked greenlet by throwing; only the first wake counts', async () => {
  const list = new WaitList<undefined>('test wait');
  const boom = new Error('boom');
  const log: string[] = [];
  const g = spawn(function* () {
    try {
      yield* parkFor(list.enqueue(runningGreenlet('test'), undefined), undefined);
    } catch (e) {
      log.push(e === boom ? 'boom' : String(e));
    }
  });
  await sleep(0);
  const w = list.shift()!;
  assert.equal(wakeThrow(w, boom), true);
  assert.equal(wake(w, 1), false);
  assert.equal(handOff(w, 2), false);
  await g.join();
  assert.deepEqual(log, ['boom']);
});

void test('a killed or timed-out waiter is unhooked from its list in place; the others keep their order', async () => {
  const box = new Mailbox<number>();
  const got: string[] = [];
  const getter = (tag: string, timeout?: number) =>
    spawn(function* () {
      got.push(`${tag}:${String(yield* box.get(timeout))}`);
    });
  const a = getter('a');
  const b = getter('b');
  const c = getter('c', 10);
  const d = getter('d');
  await sleep(0);
  assert.equal(box.getters.size, 4);
  b.kill();
  await sleep(0);
  assert.equal(box.getters.size, 3);
  await c.join();
  assert.equal(box.getters.size, 2);
  box.put(1);
  box.put(2);
  await a.join();
  await d.join();
  assert.deepEqual(got, ['c:timed out', 'a:1', 'd:2']);
  assert.equal(box.getters.size, 0);
  assert.equal(box.items.length, 0);
});

void test('WaitList: FIFO, O(1) removal from the middle, wakeAll and throwAll in arrival order', async () => {
  const list = new WaitList<string>('test wait');
  const log: string[] = [];
  const parker = (tag: string) =>
    spawn(function* () {
      try {
        const r = yield* parkFor(list.enqueue(runningGreenlet('test'), tag), undefined);
        log.push(`${tag}:${String(r)}`);
      } catch (e) {
        log.push(`${tag}:${(e as Error).message}`);
      }
    });
  const gs = ['a', 'b', 'c', 'd'].map(parker);
  await sleep(0);
  assert.deepEqual([...list].map((w) => w.data), ['a', 'b', 'c', 'd']);
  const b = [...list][1];
  list.remove(b);
  list.remove(b);
  assert.deepEqual([...list].map((w) => w.data), ['a', 'c', 'd']);
  assert.equal(list.size, 3);
  assert.equal(list.shift()!.data, 'a');
  list.wakeAll('woken');
  await sleep(0);
  assert.deepEqual(log, ['c:woken', 'd:woken']);
  assert.equal(list.size, 0);
  assert.equal(list.shift(), null);
  for (const g of gs) g.kill();
  await sleep(0);
  const more = ['e', 'f'].map(parker);
  await sleep(0);
  list.throwAll(() => new Error('shut'));
  await sleep(0);
  assert.deepEqual(log, ['c:woken', 'd:woken', 'a:greenlet killed', 'b:greenlet killed', 'e:shut', 'f:shut']);
  assert.ok(more.every((g) => g.dead));
});

void test('parkFor returns TIMED_OUT after its timeout, with the waiter already unhooked', async () => {
  const list = new WaitList<undefined>('test wait');
  const g = spawn(function* () {
    const w = list.enqueue(runningGreenlet('test'), undefined);
    const r = yield* parkFor(w, 10);
    return [r === TIMED_OUT, list.size];
  });
  assert.deepEqual(await g.get(), [true, 0]);
  assert.equal(getHub().clock.size, 0);
});

void test('runningGreenlet names the operation run outside a greenlet', () => {
  assert.throws(() => runningGreenlet('Thing.get()'), /Thing\.get\(\) was run outside a greenlet/);
});
