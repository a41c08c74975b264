import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Empty, Full, GreenletExit, InvalidSwitch, LoopExit, ShutDown, Timeout } from '../src/index.js';
import { checkDuration, describeValue } from '../src/errors.js';

void test('every error class is an Error whose name is its class name', () => {
  const classes = [GreenletExit, Timeout, LoopExit, Full, Empty, ShutDown, InvalidSwitch];
  assert.deepEqual(
    classes.map((C) => {
      const e = new C();
      return [e instanceof Error, e instanceof C, e.name, String(e).split(':')[0], Object.keys(e).includes('name')];
    }),
    classes.map((C) => [true, true, C.name, C.name, false]),
  );
  assert.match(new Full('queue is full').stack ?? '', /^Full: queue is full/);
});

void test('GreenletExit has a default message and keeps a cause', () => {
  const cause = new Error('why');
  assert.equal(new GreenletExit().message, 'greenlet killed');
  assert.equal(new GreenletExit('stop', { cause }).cause, cause);
  assert.equal(new Empty('e', { cause }).cause, cause);
});

void test('describeValue names a bad value briefly', () => {
  assert.deepEqual(
    [
      'text',
      42,
      NaN,
      null,
      undefined,
      10n,
      Symbol('s'),
      [1],
      {},
      Object.create(null) as object,
      new Map(),
      new Error('x'),
      function named() {},
      () => 1,
    ].map(describeValue),
    [
      '"text"',
      '42',
      'NaN',
      'null',
      'undefined',
      '10n',
      'Symbol(s)',
      'an array',
      'an object',
      'an object',
      'a Map',
      'an Error',
      'function named',
      'function (anonymous)',
    ],
  );
});

void test('checkDuration accepts milliseconds and undefined, and names what is wrong', () => {
  assert.equal(checkDuration('sleep() duration', undefined), undefined);
  assert.equal(checkDuration('sleep() duration', 0), 0);
  assert.equal(checkDuration('sleep() duration', 1.5), 1.5);
  assert.equal(checkDuration('sleep() duration', Infinity), Infinity);
  assert.throws(
    () => checkDuration('sleep() duration', -1),
    (e) => e instanceof RangeError && e.message === 'sleep() duration must be a non-negative number of milliseconds, got -1',
  );
  assert.throws(() => checkDuration('x', NaN), /got NaN/);
  assert.throws(() => checkDuration('x', '5'), /got "5"/);
  assert.throws(() => checkDuration('x', null), /got null/);
});
