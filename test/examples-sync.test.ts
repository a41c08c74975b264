// The coordination examples (the seeds' threading lessons replayed between greenlets): each
// example runs as its own process, as a user would run it, and its output is compared line by
// line; where random sleeps are involved, by shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outputOf } from './support.js';

void test('counter: a switch between read and write loses updates; a Lock keeps them', async () => {
  assert.deepEqual(await outputOf('counter.js'), ['without a lock: n = 99', 'with a Lock: n = 0']);
});

void test('semaphore: three eat at a time, in arrival order, each once', async () => {
  const lines = await outputOf('semaphore.js');
  const names = Array.from({ length: 10 }, (_, i) => `Thread-${i + 1}`);
  const eating = new Set<string>();
  const started: string[] = [];
  const finished: string[] = [];
  let most = 0;
  for (const line of lines) {
    const m = /^(Thread-\d+) is (eating noodles|full)$/.exec(line);
    assert.ok(m, `unexpected line ${JSON.stringify(line)}`);
    const [, name, what] = m;
    if (what === 'eating noodles') {
      assert.ok(!eating.has(name), `${name} eats twice at once`);
      eating.add(name);
      started.push(name);
      most = Math.max(most, eating.size);
    } else {
      assert.ok(eating.delete(name), `${name} is full without eating`);
      finished.push(name);
    }
  }
  assert.deepEqual(started, names);
  assert.deepEqual([...finished].sort(), [...names].sort());
  assert.equal(most, 3);
  assert.equal(eating.size, 0);
});

void test('event: workers wait until the checker sets the event, retrying on timeout', async () => {
  const lines = await outputOf('event.js');
  const marker = lines.indexOf('-- with wait(timeout) and retries --');
  assert.deepEqual(lines.slice(0, marker), [
    'Thread-1 is ready to connect mysql',
    'Thread-2 is ready to connect mysql',
    'Begin to check mysql status...',
    'Thread-1 has connected',
    'Thread-2 has connected',
  ]);
  const retrying = lines.slice(marker + 1);
  assert.deepEqual(retrying.slice(0, 3), [
    'Thread-1 is in the 1 times ready to connect mysql',
    'Thread-2 is in the 1 times ready to connect mysql',
    'Begin to check mysql status...',
  ]);
  assert.deepEqual(retrying.slice(-2), ['Thread-1 has connected', 'Thread-2 has connected']);
  // How many tries fit before the set depends on timing; their numbering and bound do not.
  let tryLines = 0;
  for (const name of ['Thread-1', 'Thread-2']) {
    const tries = retrying
      .filter((line) => line.startsWith(`${name} is in the `))
      .map((line) => Number(/the (\d+) times/.exec(line)?.[1]));
    assert.deepEqual(tries, Array.from({ length: tries.length }, (_, i) => i + 1));
    assert.ok(tries.length >= 1 && tries.length <= 3, `${name} tried ${tries.length} times`);
    tryLines += tries.length;
  }
  assert.equal(retrying.length, tryLines + 3, 'nothing but tries, the check and the connections');
});

void test('queues: FIFO, LIFO and priority order', async () => {
  assert.deepEqual(await outputOf('queues.js'), [
    'Queue (first in, first out):',
    '1',
    '2',
    '3',
    'LifoQueue (last in, first out):',
    '3',
    '2',
    '1',
    'PriorityQueue (smallest first):',
    "[ 8, 'data3' ]",
    "[ 10, 'data1' ]",
    "[ 12, 'data2' ]",
  ]);
});

void test('pipeline: every message is said, formatted and saved, in order, then the stages end', async () => {
  const lines = await outputOf('pipeline.js');
  const typed = ['hello', 'greenlets', 'byebye'];
  const stages = typed.map((msg) => [
    lines.indexOf(`>>: ${msg}`),
    lines.indexOf(`format: ${msg} -> ${msg.toUpperCase()}`),
    lines.indexOf(`save: ${msg.toUpperCase()} >> db.txt`),
  ]);
  for (const [i, [said, formatted, saved]] of stages.entries()) {
    assert.ok(said >= 0 && said < formatted && formatted < saved, `stages of ${typed[i]}: ${stages[i].join()}`);
    if (i > 0) assert.ok(stages[i - 1][2] < saved, 'saved in the order said');
  }
  assert.equal(lines.length, 10);
  assert.equal(lines[9], 'db.txt: HELLO GREENLETS BYEBYE');
});

void test('baozi-channel: the channel hands each baozi to the next waiting consumer', async () => {
  const rounds = [0, 2, 4].flatMap((n) => [
    `[producer] is making baozi ${n} and ${n + 1}`,
    `[c1] is eating baozi ${n}`,
    `[c2] is eating baozi ${n + 1}`,
  ]);
  assert.deepEqual(await outputOf('baozi-channel.js'), [
    '--->ready to eat baozi...',
    '--->ready to eat baozi...',
    ...rounds,
  ]);
});

void test('pool: map keeps input order and never runs more than the capacity at once', async () => {
  const lines = await outputOf('pool.js');
  assert.deepEqual(lines.slice(0, 3), [
    '[0, 2, 4, 6, 8, 10, 12, 14, 16, 18]',
    'scanning ports 1-10000 with Pool(500)...',
    'open ports: 22, 80, 443, 3306, 8080',
  ]);
  const most = Number(/^10000 probes, at most (\d+) running at once$/.exec(lines[3] ?? '')?.[1]);
  assert.ok(most > 1 && most <= 500, `at most ${most} at once`);
  assert.equal(lines.length, 4);
});
