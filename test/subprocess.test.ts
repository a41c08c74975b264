import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GreenletExit, operation, sleep, spawn } from '../src/index.js';
import {
  CalledProcessError,
  CompletedProcess,
  DEVNULL,
  PIPE,
  Popen,
  STDOUT,
  SubprocessError,
  TimeoutExpired,
  call,
  checkCall,
  checkOutput,
  run,
} from '../src/subprocess.js';

const node = process.execPath;
const script = (source: string): string[] => [node, '-e', source];
const text = (bytes: Uint8Array | string | null): string => (typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes ?? new Uint8Array()));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('run with captureOutput returns a CompletedProcess with bytes as plain Uint8Array', async () => {
  const done = await run(script('process.stdout.write("out"); process.stderr.write("err"); process.exitCode = 3'), { captureOutput: true });
  assert.ok(done instanceof CompletedProcess);
  assert.equal(done.returncode, 3);
  assert.equal(Object.getPrototypeOf(done.stdout), Uint8Array.prototype);
  assert.deepEqual(done.stdout, new TextEncoder().encode('out'));
  assert.deepEqual(done.stderr, new TextEncoder().encode('err'));
  assert.deepEqual(done.args, script('process.stdout.write("out"); process.stderr.write("err"); process.exitCode = 3'));
  assert.throws(() => done.checkReturncode(), CalledProcessError);
});

test('text mode, input, cwd, env and a shell command', async () => {
  const echoed = await run(script('process.stdin.pipe(process.stdout)'), { input: 'héllo\n', captureOutput: true, text: true });
  assert.deepEqual([echoed.stdout, echoed.stderr, echoed.returncode], ['héllo\n', '', 0]);
  const dir = mkdtempSync(join(tmpdir(), 'greenlets-subprocess-'));
  try {
    const where = await run(script('console.log(process.cwd(), process.env.GREETING)'), {
      cwd: dir,
      env: { GREETING: 'hi', PATH: process.env.PATH },
      stdout: PIPE,
      encoding: 'utf8',
    });
    assert.equal(where.stdout, `${dir} hi\n`);
    assert.equal(where.stderr, null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const shell = await run('echo one two | wc -w', { shell: true, stdout: PIPE, text: true });
  assert.equal(shell.stdout?.trim(), '2');
});

test('check, checkCall and checkOutput throw CalledProcessError with Python field names', async () => {
  const failing = script('process.stdout.write("partial"); process.stderr.write("bad"); process.exit(2)');
  await assert.rejects(async () => run(failing, { captureOutput: true, check: true }), (error: unknown) => {
    assert.ok(error instanceof CalledProcessError);
    assert.ok(error instanceof SubprocessError);
    assert.equal(error.name, 'CalledProcessError');
    assert.deepEqual([error.returncode, error.cmd, text(error.output), text(error.stdout), text(error.stderr)], [2, failing, 'partial', 'partial', 'bad']);
    assert.match(error.message, /returned non-zero exit status 2\.$/);
    return true;
  });
  assert.equal(await checkCall(script('')), 0);
  await assert.rejects(async () => checkCall(script('process.exit(5)')), { name: 'CalledProcessError', returncode: 5 });
  assert.equal(await call(script('process.exit(7)')), 7);
  assert.equal(await checkOutput(script('console.log("v1")'), { text: true }), 'v1\n');
  assert.deepEqual(await checkOutput(script('process.stdout.write("b")')), new TextEncoder().encode('b'));
  await assert.rejects(async () => checkOutput(script('console.log("so far"); process.exit(1)'), { text: true }), { name: 'CalledProcessError', output: 'so far\n' });
});

test('run with a timeout kills the child and throws TimeoutExpired with the output so far', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'greenlets-subprocess-'));
  const pidFile = join(dir, 'pid');
  try {
    const started = Date.now();
    await assert.rejects(
      async () => run(script(`require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); console.log("started"); setTimeout(() => {}, 20000)`), { timeout: 2000, captureOutput: true, text: true }),
      (error: unknown) => {
        assert.ok(error instanceof TimeoutExpired);
        assert.deepEqual([error.name, error.timeout, error.output, error.stdout, error.stderr], ['TimeoutExpired', 2000, 'started\n', 'started\n', '']);
        assert.match(error.message, /timed out after 2000 ms$/);
        return true;
      },
    );
    assert.ok(Date.now() - started < 10_000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.equal(isAlive(pid), false, 'the child was killed and reaped');
    await assert.rejects(async () => call(script('setTimeout(() => {}, 20000)'), { timeout: 100 }), TimeoutExpired);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a greenlet killed inside run() kills its child: no process is left behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'greenlets-subprocess-'));
  const pidFile = join(dir, 'pid');
  const events: string[] = [];
  try {
    await operation(function* () {
      const g = spawn(function* () {
        try {
          yield* run(script(`require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setTimeout(() => {}, 20000)`), { captureOutput: true });
          events.push('run returned?');
        } finally {
          events.push('finally');
        }
      });
      for (let i = 0; i < 500 && !existsSync(pidFile); i++) yield* sleep(10);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      assert.equal(isAlive(pid), true);
      yield* g.kill();
      events.push(`killed: ${g.value instanceof GreenletExit}`);
      for (let i = 0; i < 500 && isAlive(pid); i++) yield* sleep(10);
      events.push(`child alive: ${isAlive(pid)}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(events, ['finally', 'killed: true', 'child alive: false']);
});

test('Popen: communicate with a timeout leaves the child running and loses nothing', async () => {
  await operation(function* () {
    const p = new Popen(script('console.log("early"); setTimeout(() => console.log("late"), 1500)'), { stdout: PIPE, stderr: PIPE });
    assert.equal(typeof p.pid, 'number');
    assert.equal(p.poll(), null);
    try {
      yield* p.communicate(undefined, 1000);
      assert.fail('expected TimeoutExpired');
    } catch (error) {
      assert.ok(error instanceof TimeoutExpired);
      assert.equal(text(error.output), 'early\n');
    }
    assert.equal(p.poll(), null);
    assert.equal(p.returncode, null);
    const [out, err] = yield* p.communicate();
    assert.deepEqual([text(out), text(err), p.returncode, p.poll()], ['early\nlate\n', '', 0, 0]);
  });
});

test('Popen: wait(timeout), terminate and kill give negative signal return codes', async () => {
  await operation(function* () {
    const sleeper = new Popen(script('setTimeout(() => {}, 20000)'));
    try {
      yield* sleeper.wait(50);
      assert.fail('expected TimeoutExpired');
    } catch (error) {
      assert.ok(error instanceof TimeoutExpired);
      assert.equal(error.timeout, 50);
    }
    sleeper.terminate();
    assert.equal(yield* sleeper.wait(), -15);
    const other = new Popen(script('setTimeout(() => {}, 20000)'));
    other.kill();
    assert.equal(yield* other.wait(), -9);
    other.kill(); // after exit: nothing happens
    assert.equal(other.returncode, -9);
  });
});

test('Popen pipes: stdin writes with backpressure, stdout read line by line while others run', async () => {
  const events: string[] = [];
  await operation(function* () {
    const p = new Popen(script('let n = 0; const t = setInterval(() => { console.log("line " + ++n); if (n === 3) clearInterval(t); }, 30)'), { stdout: PIPE, text: true });
    let reading = true;
    const ticker = spawn(function* () {
      while (reading) {
        events.push('tick');
        yield* sleep(5);
      }
    });
    for (let line = yield* p.stdout!.readline(); line !== ''; line = yield* p.stdout!.readline()) events.push(line.trim());
    reading = false;
    yield* ticker.join();
    assert.equal(yield* p.wait(), 0);

    const cat = new Popen(script('process.stdin.pipe(process.stdout)'), { stdin: PIPE, stdout: PIPE });
    const big = new Uint8Array(4 * 1024 * 1024).fill(97);
    const reader = spawn(function* () {
      return (yield* cat.stdout!.readAll()).length;
    });
    for (let i = 0; i < 4; i++) yield* cat.stdin!.write(big.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
    cat.stdin!.close();
    assert.equal(yield* reader.get(), big.length);
    assert.equal(yield* cat.wait(), 0);
  });
  assert.deepEqual(events.filter((e) => e !== 'tick'), ['line 1', 'line 2', 'line 3']);
  assert.equal(events[0], 'tick');
  const between = events.slice(events.indexOf('line 1'), events.indexOf('line 3'));
  assert.ok(between.includes('tick'), `the ticker ran while the reader waited for lines: ${events.join(', ')}`);
});

test('stderr=STDOUT merges into stdout; DEVNULL discards', async () => {
  const merged = await run(script('process.stdout.write("a"); setTimeout(() => process.stderr.write("b"), 50)'), { stdout: PIPE, stderr: STDOUT, text: true });
  assert.deepEqual([merged.stdout, merged.stderr], ['ab', null]);
  const quiet = await run(script('console.log("x"); console.error("y")'), { stdout: DEVNULL, stderr: DEVNULL });
  assert.deepEqual([quiet.returncode, quiet.stdout, quiet.stderr], [0, null, null]);
  const discarded = await run(script('console.log("x")'), { stdin: DEVNULL, stdout: PIPE, stderr: DEVNULL, text: true });
  assert.equal(discarded.stdout, 'x\n');
});

test('a program that cannot start: ENOENT from the first blocking call; bad arguments fail clearly', async () => {
  await assert.rejects(async () => run(['/no/such/program-here']), { code: 'ENOENT' });
  const p = new Popen(['/no/such/program-here']);
  assert.equal(p.pid, undefined);
  await assert.rejects(async () => p.wait(), { code: 'ENOENT' });
  assert.throws(() => p.poll(), { code: 'ENOENT' });
  assert.throws(() => new Popen([]), { name: 'TypeError', message: /non-empty array of strings/ });
  assert.throws(() => new Popen(['x'], { stdout: -7 }), { name: 'TypeError', message: /stdout must be PIPE, DEVNULL, a file descriptor or undefined, got -7/ });
  assert.throws(() => run(['x'], { timeout: -1 }), { name: 'RangeError' });
  const noStdin = new Popen(script(''));
  assert.throws(() => noStdin.communicate('input'), { name: 'TypeError', message: /stdin is not a PIPE/ });
  await noStdin.wait();
});
