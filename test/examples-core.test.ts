// The core examples (the seeds' generator, raw greenlet and spawn programs) and the showcase
// that runs them: each example runs as its own process, as a user would run it, and its output
// is compared line by line; where randomness is involved, by shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { catalog } from '../examples/catalog.js';
import { outputOf, runExample } from './support.js';

void test('baozi: generators, then raw greenlets, hand each baozi to its consumer', async () => {
  const rounds = [0, 2, 4].flatMap((n) => [
    `[producer] is making baozi ${n} and ${n + 1}`,
    `[c1] is eating baozi ${n}`,
    `[c2] is eating baozi ${n + 1}`,
  ]);
  const ready = ['--->ready to eat baozi...', '--->ready to eat baozi...'];
  assert.deepEqual(await outputOf('baozi.js'), [
    '== generators ==',
    ...ready,
    ...rounds,
    '== greenlets ==',
    ...ready,
    ...rounds,
  ]);
});

void test('greenlet-switch: test1 and test2 print 12 56 34 78', async () => {
  assert.deepEqual(await outputOf('greenlet-switch.js'), ['12', '56', '34', '78']);
});

void test('greenlet-eat-play: eat and play take turns by switching', async () => {
  assert.deepEqual(await outputOf('greenlet-eat-play.js'), [
    'eating start',
    'playing start',
    'eating end',
    'playing end',
  ]);
});

void test('greenlet-switch-args: the first switch passes the body its argument', async () => {
  assert.deepEqual(await outputOf('greenlet-switch-args.js'), ['ckl eat 1', 'ckl play 1', 'ckl eat 2', 'ckl play 2']);
});

void test('spawn-lazy: the spawned greenlet runs only once the main code blocks', async () => {
  assert.deepEqual(await outputOf('spawn-lazy.js'), [
    'main: eat spawned, nothing printed yet',
    'main: computed 499999500000 without blocking, still nothing from eat',
    'Fengyun is eating',
    'Fengyun finished eat',
    'main: slept 200 ms; eat ran meanwhile (dead: true)',
  ]);
});

void test('sleep-zero: sleep(0) interleaves the two greenlets, 12 56 34 78', async () => {
  assert.deepEqual(await outputOf('sleep-zero.js'), ['12', '56', '34', '78']);
});

void test('gevent-eat-play: both start, then the shorter sleep ends first', async () => {
  const lines = await outputOf('gevent-eat-play.js');
  assert.deepEqual(lines.slice(0, 4), ['ckl eat 1', 'ckl play 1', 'ckl play 2', 'ckl eat 2']);
  assert.match(lines[4] ?? '', /^cost time: \d+ ms \(eat slept 300 ms and play 200 ms, at the same time\)$/);
  assert.equal(lines.length, 5);
});

void test('sync-async: in order one by one, every task once when spawned', async () => {
  const lines = await outputOf('sync-async.js');
  const tasks = [0, 1, 2, 3, 4].map((i) => `Task ${i} done`);
  assert.deepEqual(lines.slice(0, 7), ['Synchronous:', ...tasks, 'Asynchronous:']);
  assert.deepEqual([...lines.slice(7)].sort(), tasks);
});

void test('timer: spawnLater starts the greenlet after the main code went on', async () => {
  assert.deepEqual(await outputOf('timer.js'), ['main: timer set (dead: false)', 'I had laoxi report to me']);
});

void test('catalog: every entry names a built example, once', () => {
  const files = catalog.map((entry) => entry.file);
  assert.deepEqual(files, [...new Set(files)]);
  for (const entry of catalog) {
    assert.ok(existsSync(new URL(`../examples/${entry.file}`, import.meta.url)), `${entry.file} is built`);
    assert.match(entry.seed, /^\d{3}/, `${entry.file} names its seed`);
  }
});

void test('showcase: a filter runs one example under its header, then the summary', async () => {
  const run = await runExample('showcase.js', ['sleep-zero']);
  assert.equal(run.code, 0);
  assert.equal(run.stderr, '');
  const text = run.lines.filter((line) => line !== '');
  assert.deepEqual(text, [
    '━━ [1/1] sleep(0) interleaving: 12 56 34 78  (seed 003, sleep-zero.js)',
    '   sleep(0) is a switch: every other ready greenlet runs first.',
    '12',
    '56',
    '34',
    '78',
    '━━ Summary',
    text[7],
    '1 example, 1 passed, 0 failed',
  ]);
  assert.match(text[7] ?? '', /^ {2}ok {5}sleep-zero\.js +\d+ ms$/);
});

void test('showcase: --list names every example; an unknown filter fails', async () => {
  const listed = await runExample('showcase.js', ['--list']);
  assert.equal(listed.code, 0);
  assert.deepEqual(
    listed.lines.map((line) => line.split(' ')[0]),
    catalog.map((entry) => entry.file),
  );
  const unknown = await runExample('showcase.js', ['no-such-example']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /No example matches "no-such-example"; expected one of:\n {2}baozi\.js\n/);
});
