import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LoopExit } from '../src/index.js';

const fixture = fileURLToPath(new URL('./fixtures/loop-exit.js', import.meta.url));

function runScenario(name: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [fixture, name], { timeout: 15_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

void test('LoopExit is an Error named LoopExit', () => {
  const e = new LoopExit('m');
  assert.ok(e instanceof Error);
  assert.equal(e.name, 'LoopExit');
});

void test('awaiting an Operation that can never finish gets LoopExit naming every blocked greenlet', async () => {
  const { code, stdout } = await runScenario('blocked');
  assert.equal(code, 0);
  const lines = stdout.trim().split('\n');
  assert.match(lines[0], /^LoopExit: the event loop is empty but an awaited operation is still blocked/);
  assert.ok(lines.some((l) => /<Greenlet "sleeper"> waits on sleep\(\)/.test(l)), stdout);
  assert.ok(lines.some((l) => /<Greenlet "joiner"> waits on <Greenlet "sleeper">\.join\(\)/.test(l)), stdout);
  assert.ok(lines.some((l) => /waits on <Greenlet "joiner">\.join\(\)/.test(l)), stdout);
  assert.ok(!stdout.includes('not reached'));
});

void test('an uncaught LoopExit fails the process like any error, never with the silent exit code 13', async () => {
  const { code, stderr } = await runScenario('uncaught');
  assert.notEqual(code, 13);
  assert.equal(code, 1);
  assert.match(stderr, /LoopExit/);
  assert.match(stderr, /waits on sleep\(\)/);
});

void test('code that handles a LoopExit and blocks again gets another one', async () => {
  const { code, stdout } = await runScenario('again');
  assert.equal(code, 0);
  assert.deepEqual(stdout.trim().split('\n'), ['0: LoopExit', '1: LoopExit', '2: LoopExit', 'done']);
});

void test('no LoopExit while a timer or callback can still wake the awaited Operation', async () => {
  const { code, stdout } = await runScenario('woken');
  assert.equal(code, 0);
  assert.equal(stdout.trim(), 'woken');
});

void test('a blocked greenlet that nobody awaits lets the process exit quietly', async () => {
  const { code, stdout, stderr } = await runScenario('unawaited');
  assert.equal(code, 0);
  assert.equal(stdout.trim(), 'main done');
  assert.equal(stderr, '');
});

void test('LoopExit reaches an await inside an async function, naming the promise it waits on', async () => {
  const { code, stdout } = await runScenario('nested');
  assert.equal(code, 0);
  assert.match(stdout, /^LoopExit: /);
  assert.match(stdout, /<Greenlet "stuck"> waits on a promise \(call\(\)\)/);
});

void test('after a LoopExit the code runs outside any greenlet again', async () => {
  const { code, stdout } = await runScenario('carrierName');
  assert.equal(code, 0);
  assert.match(stdout, /waits on sleep\(\)/);
  assert.match(stdout, /current: null/);
});
