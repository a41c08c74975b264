import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock, type TimerEntry } from '../src/clock.js';

class Entry implements TimerEntry {
  deadline = 0;
  seq = 0;
  heapIndex = -1;
  constructor(
    readonly tag: string,
    private readonly log: string[],
    private readonly onFire: () => void = () => {},
  ) {}
  fire(): void {
    this.log.push(this.tag);
    this.onFire();
  }
}

function newClock(): { clock: Clock; idle: Promise<void>; settle: () => void } {
  let settle = () => {};
  const idle = new Promise<void>((resolve) => (settle = resolve));
  const clock: Clock = new Clock(() => {
    clock.fireDue();
    if (clock.size === 0) settle();
  });
  return { clock, idle, settle };
}

void test('entries fire in deadline order, ties in the order they were added', async () => {
  const log: string[] = [];
  const { clock, idle } = newClock();
  clock.add(new Entry('30a', log), 30);
  clock.add(new Entry('10', log), 10);
  clock.add(new Entry('30b', log), 30);
  clock.add(new Entry('0', log), 0);
  clock.add(new Entry('20', log), 20);
  assert.equal(clock.size, 5);
  await idle;
  assert.deepEqual(log, ['0', '10', '20', '30a', '30b']);
});

void test('an entry never fires before its deadline', async () => {
  const late: number[] = [];
  const { clock, idle } = newClock();
  for (const ms of [1, 2, 3, 5, 8, 13]) {
    const start = performance.now();
    const log: string[] = [];
    clock.add(new Entry(String(ms), log, () => late.push(performance.now() - start - ms)), ms);
  }
  await idle;
  assert.equal(late.length, 6);
  for (const l of late) assert.ok(l >= 0, `fired ${-l} ms early`);
});

void test('removed entries never fire; an empty clock holds no Node timer', async () => {
  const log: string[] = [];
  const { clock } = newClock();
  const entries = [...Array(50).keys()].map((i) => new Entry(String(i), log));
  entries.forEach((e, i) => clock.add(e, 5 + (i % 7)));
  for (const e of entries) if (Number(e.tag) % 2 === 0) clock.remove(e);
  clock.remove(entries[0]);
  assert.equal(clock.size, 25);
  for (const e of entries) if (Number(e.tag) % 2 === 1) clock.remove(e);
  assert.equal(clock.size, 0);
  assert.ok(entries.every((e) => e.heapIndex === -1));
  // Nothing keeps the process alive: this test file exits on its own.
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(log, []);
});

void test('an entry can be added again after it fired or was removed; firing may add entries', async () => {
  const log: string[] = [];
  const { clock, idle } = newClock();
  const again: Entry = new Entry('again', log, () => {
    if (log.length < 3) clock.add(again, 1);
  });
  clock.add(again, 1);
  const removed = new Entry('removed then added', log);
  clock.add(removed, 1);
  clock.remove(removed);
  clock.add(removed, 15);
  await idle;
  assert.deepEqual(log, ['again', 'again', 'again', 'removed then added']);
});

void test('the heap stays ordered under random adds and removes', () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const { clock } = newClock();
  const log: string[] = [];
  const live = new Set<Entry>();
  for (let i = 0; i < 3000; i++) {
    if (random() < 0.6 || live.size === 0) {
      const e = new Entry(String(i), log);
      clock.add(e, Math.floor(random() * 1000) + 100_000);
      live.add(e);
    } else {
      const victim = [...live][Math.floor(random() * live.size)];
      clock.remove(victim);
      live.delete(victim);
    }
  }
  const heap = (clock as unknown as { heap: Entry[] }).heap;
  assert.equal(heap.length, live.size);
  heap.forEach((e, i) => {
    assert.equal(e.heapIndex, i);
    if (i > 0) {
      const parent = heap[(i - 1) >> 1];
      assert.ok(parent.deadline < e.deadline || (parent.deadline === e.deadline && parent.seq < e.seq));
    }
  });
  for (const e of live) clock.remove(e);
  assert.equal(clock.size, 0);
});
