import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deque } from '../src/deque.js';

void test('push and shift are FIFO; unshift and pop work at the other ends', () => {
  const d = new Deque<number>();
  d.push(1);
  d.push(2);
  d.unshift(0);
  assert.deepEqual([...d], [0, 1, 2]);
  assert.equal(d.length, 3);
  assert.equal(d.peekFirst(), 0);
  assert.equal(d.peekLast(), 2);
  assert.equal(d.at(1), 1);
  assert.equal(d.at(3), undefined);
  assert.equal(d.at(-1), undefined);
  assert.equal(d.shift(), 0);
  assert.equal(d.pop(), 2);
  assert.equal(d.shift(), 1);
  assert.equal(d.length, 0);
  assert.equal(d.peekFirst(), undefined);
  assert.equal(d.peekLast(), undefined);
});

void test('it grows past its capacity while wrapped around, keeping the order', () => {
  const d = new Deque<number>(4);
  const model: number[] = [];
  // Wrap the head around before growing, from both ends.
  for (let i = 0; i < 10; i++) {
    d.push(i);
    model.push(i);
    if (i % 3 === 0) {
      d.shift();
      model.shift();
    }
  }
  for (let i = 0; i < 40; i++) {
    if (i % 2 === 0) {
      d.unshift(-i);
      model.unshift(-i);
    } else {
      d.push(100 + i);
      model.push(100 + i);
    }
  }
  assert.deepEqual([...d], model);
  assert.equal(d.length, model.length);
});

void test('a random mix of operations matches an array', () => {
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const d = new Deque<number>();
  const model: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const r = random();
    if (r < 0.3) {
      d.push(i);
      model.push(i);
    } else if (r < 0.5) {
      d.unshift(i);
      model.unshift(i);
    } else if (r < 0.75) {
      if (model.length > 0) assert.equal(d.shift(), model.shift());
    } else if (model.length > 0) {
      assert.equal(d.pop(), model.pop());
    }
    assert.equal(d.length, model.length);
  }
  assert.deepEqual([...d], model);
});

void test('shifted slots are cleared so items can be collected; clear empties it', () => {
  const d = new Deque<object>(16);
  const item = {};
  d.push(item);
  d.shift();
  assert.ok(!(d as unknown as { items: unknown[] }).items.includes(item));
  d.push({});
  d.push({});
  d.clear();
  assert.equal(d.length, 0);
  assert.deepEqual([...d], []);
  d.push(item);
  assert.equal(d.shift(), item);
});
