import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Greenlet,
  GreenletExit,
  Timeout,
  getCurrent,
  getHub,
  idle,
  joinAll,
  operation,
  sleep,
  spawn,
  spawnLater,
  type Steps,
} from '../src/index.js';
import { recordHubReports, run } from './support.js';

// Errors that escape greenlets go to the hub's handleError; record them instead of printing.
const reported = recordHubReports();
// The hub's own reporter, for the test that checks what it prints.
const defaultHandleError = getHub().handleError.bind(getHub());

void test('spawn schedules the body; it starts when the spawner next blocks, in spawn order', async () => {
  const log: string[] = [];
  await run(function* () {
    spawn(function* () {
      log.push('a');
    });
    spawn(() => {
      log.push('b');
    });
    spawn(async () => {
      log.push('c');
    });
    log.push('spawner goes on');
    yield* sleep(0);
    log.push('spawner back');
  });
  assert.deepEqual(log, ['spawner goes on', 'a', 'b', 'c', 'spawner back']);
});

void test('spawn from plain async code starts the greenlets before an awaited Operation runs', async () => {
  const log: string[] = [];
  const g = spawn(function* () {
    log.push('g');
  });
  log.push('spawned');
  await sleep(0);
  log.push('after await');
  assert.deepEqual(log, ['spawned', 'g', 'after await']);
  assert.equal(g.dead, true);
});

void test('spawn passes its arguments to the body, whatever kind of function it is', async () => {
  const a = spawn(function* (x: number, y: string) {
    yield* sleep(0);
    return `${x}${y}`;
  }, 1, 'a');
  const b = spawn(async (x: number, y: number) => x + y, 2, 3);
  const c = spawn((x: number) => x * 10, 4);
  const d = Greenlet.spawn(function* (s: string) {
    return s.toUpperCase();
  }, 'd');
  assert.deepEqual(await run(function* () {
    return [yield* a.get(), yield* b.get(), yield* c.get(), yield* d.get()];
  }), ['1a', 5, 40, 'D']);
});

void test('the seed program: 12 56 34 78', async () => {
  const log: number[] = [];
  await joinAll([
    spawn(function* () {
      log.push(12);
      yield* sleep(0);
      log.push(34);
    }),
    spawn(function* () {
      log.push(56);
      yield* sleep(0);
      log.push(78);
    }),
  ]);
  assert.deepEqual(log, [12, 56, 34, 78]);
});

void test('the seed program eat/play with gevent.sleep: the shorter sleep finishes first', async () => {
  const log: string[] = [];
  function* eat(name: string): Steps<void> {
    log.push(`${name} eat 1`);
    yield* sleep(60);
    log.push(`${name} eat 2`);
  }
  function* play(name: string): Steps<void> {
    log.push(`${name} play 1`);
    yield* sleep(30);
    log.push(`${name} play 2`);
  }
  await joinAll([spawn(eat, 'ckl'), spawn(play, 'ckl')]);
  assert.deepEqual(log, ['ckl eat 1', 'ckl play 1', 'ckl play 2', 'ckl eat 2']);
});

void test('the seed program eat 3 / play 4 joined one after the other', async () => {
  const log: string[] = [];
  const g1 = spawn(function* (name: string) {
    log.push(`${name} eat 1`);
    yield* sleep(30);
    log.push(`${name} eat 2`);
  }, 'simon');
  const g2 = spawn(function* (name: string) {
    log.push(`${name} play 1`);
    yield* sleep(40);
    log.push(`${name} play 2`);
  }, 'zhuzhu');
  await g1.join();
  await g2.join();
  assert.deepEqual(log, ['simon eat 1', 'zhuzhu play 1', 'simon eat 2', 'zhuzhu play 2']);
});

void test('the seed program with Greenlet.spawn, gevent.spawn and a lambda: Hello, I live!', async () => {
  const log: string[] = [];
  function* foo(message: string, n: number): Steps<void> {
    yield* sleep(n);
    log.push(message);
  }
  const threads = [Greenlet.spawn(foo, 'Hello', 10), spawn(foo, 'I live!', 20), spawn((x: number) => x + 1, 2)];
  await joinAll(threads);
  assert.deepEqual(log, ['Hello', 'I live!']);
  assert.equal(threads[2].value, 3);
});

void test('new Greenlet does nothing until start(); start() twice starts once', async () => {
  let runs = 0;
  const g = new Greenlet(function* () {
    runs++;
    return 'done';
  });
  await sleep(5);
  assert.equal(runs, 0);
  assert.equal(g.started, false);
  g.start();
  g.start();
  assert.equal(g.started, true);
  assert.equal(await g.get(), 'done');
  g.start();
  await sleep(0);
  assert.equal(runs, 1);
});

void test('spawnLater and startLater start the body after the delay', async () => {
  const log: string[] = [];
  const t0 = performance.now();
  const late = spawnLater(40, (tag: string) => {
    log.push(`${tag} at least 40 ms: ${performance.now() - t0 >= 39}`);
  }, 'late');
  const g = new Greenlet(() => log.push('startLater'));
  g.startLater(20);
  assert.equal(late.started, true);
  spawn(() => log.push('now'));
  await joinAll([late, g]);
  assert.deepEqual(log, ['now', 'startLater', 'late at least 40 ms: true']);
});

void test('killing a greenlet scheduled with spawnLater before it starts: it never runs', async () => {
  let ran = false;
  const g = spawnLater(10, () => {
    ran = true;
  });
  g.kill();
  assert.equal(g.dead, true);
  await sleep(30);
  assert.equal(ran, false);
  assert.ok(g.value instanceof GreenletExit);
});

void test('spawnLater(Infinity) never starts and arms no timer', async () => {
  let ran = false;
  const g = spawnLater(Infinity, () => {
    ran = true;
  });
  assert.equal(getHub().clock.size, 0);
  await sleep(5);
  assert.equal(ran, false);
  g.kill();
  assert.equal(g.dead, true);
});

void test('a Greenlet is not thenable: it travels through promises unchanged', async () => {
  const g = spawn(() => 1);
  assert.equal(await Promise.resolve(g), g);
  assert.equal(await new Promise((r) => r(g)), g);
  await g.join();
});

void test('spawn rejects what it cannot run, at once, with TypeError', () => {
  const bad: unknown[] = [42, 'fn', null, undefined, {}, async function* () {}];
  for (const fn of bad) {
    assert.throws(() => spawn(fn as () => void), TypeError, String(fn));
    assert.throws(() => new Greenlet(fn as () => void), TypeError);
    assert.throws(() => spawnLater(1, fn as () => void), TypeError);
  }
  assert.throws(() => spawn(async function* () {}), /async generator/);
});

void test('negative and NaN delays and timeouts are RangeErrors', () => {
  const g = new Greenlet(() => 1);
  for (const bad of [-1, NaN]) {
    assert.throws(() => spawnLater(bad, () => 1), RangeError);
    assert.throws(() => g.startLater(bad), RangeError);
    assert.throws(() => g.join(bad), RangeError);
    assert.throws(() => g.get({ timeout: bad }), RangeError);
    assert.throws(() => g.kill({ timeout: bad }), RangeError);
  }
  assert.equal(g.started, false);
  assert.throws(() => spawnLater(-5, () => 1), /-5/);
});

void test('a plain function that returns an Operation runs it in the greenlet', async () => {
  const g = spawn(() => sleep(10));
  const h = spawn(() => operation(function* () {
    yield* sleep(0);
    return getCurrent();
  }));
  await joinAll([g, h]);
  assert.equal(g.successful(), true);
  assert.equal(h.value, h);
});

void test('join waits for death, never throws the body error, and gives up after its timeout', async () => {
  const log: string[] = [];
  await run(function* () {
    const bad = spawn(function* () {
      yield* sleep(10);
      throw new Error('body failed');
    });
    const slow = spawn(function* () {
      yield* sleep(10_000);
    });
    yield* bad.join();
    log.push(`bad dead: ${bad.dead}`);
    yield* slow.join(20);
    log.push(`slow dead: ${slow.dead}`);
    yield* bad.join();
    log.push('join of a dead greenlet returns at once');
    slow.kill();
  });
  assert.deepEqual(log, ['bad dead: true', 'slow dead: false', 'join of a dead greenlet returns at once']);
  assert.equal(reported.length, 1);
});

void test('a greenlet cannot join itself', async () => {
  const g = spawn(function* (): Steps<void> {
    yield* getCurrent()!.join();
  });
  await g.join();
  assert.match(String(g.exception), /cannot join itself/);
});

void test('get returns the value, throws the body error, and Timeout when not ready', async () => {
  const failure = new RangeError('bad');
  const ok = spawn(function* () {
    yield* sleep(5);
    return 'v';
  });
  const bad = spawn(function* () {
    yield* sleep(5);
    throw failure;
  });
  const slow = spawn(function* () {
    yield* sleep(10_000);
  });
  const log: unknown[] = [];
  await run(function* () {
    try {
      yield* ok.get({ block: false });
    } catch (e) {
      log.push(['block false', e instanceof Timeout, (e as Error).name]);
    }
    log.push(yield* ok.get());
    log.push(yield* ok.get({ block: false }));
    try {
      yield* bad.get();
    } catch (e) {
      log.push(e === failure);
    }
    try {
      yield* slow.get({ timeout: 20 });
    } catch (e) {
      log.push(['timeout', e instanceof Timeout, slow.dead]);
    }
  });
  await assert.rejects(Promise.resolve(bad.get()), (e) => e === failure);
  slow.kill();
  assert.deepEqual(log, [['block false', true, 'Timeout'], 'v', 'v', true, ['timeout', true, false]]);
  assert.deepEqual(reported, [[bad, failure]]);
});

void test('kill takes effect at once: the exception lands at the current yield*, finally runs', async () => {
  const log: string[] = [];
  await run(function* () {
    const g = spawn(function* () {
      try {
        log.push('g sleeps');
        yield* sleep(10_000);
        log.push('not reached');
      } catch (e) {
        log.push(`g caught ${(e as Error).name}`);
        throw e;
      } finally {
        log.push('g finally');
      }
    });
    yield* sleep(0);
    g.kill();
    log.push(`killer goes on, g dead: ${g.dead}`);
    yield* sleep(0);
    log.push(`g dead: ${g.dead}, successful: ${g.successful()}, value is GreenletExit: ${g.value instanceof GreenletExit}`);
    assert.equal(g.exception, undefined);
  });
  assert.deepEqual(log, [
    'g sleeps',
    'killer goes on, g dead: false',
    'g caught GreenletExit',
    'g finally',
    'g dead: true, successful: true, value is GreenletExit: true',
  ]);
  assert.deepEqual(reported, []);
});

void test('a greenlet killed before it started never runs and is dead at once', async () => {
  let ran = false;
  const g = spawn(() => {
    ran = true;
  });
  g.kill();
  assert.equal(g.dead, true);
  assert.equal(g.successful(), true);
  assert.ok(g.value instanceof GreenletExit);
  const h = new Greenlet(() => {
    ran = true;
  });
  h.kill();
  assert.equal(h.dead, true);
  h.start();
  await sleep(5);
  assert.equal(ran, false);
});

void test('yield* kill() waits for the cleanup; its timeout never throws', async () => {
  const log: string[] = [];
  await run(function* () {
    const g = spawn(function* () {
      try {
        yield* sleep(10_000);
      } finally {
        yield* sleep(20);
        log.push('cleanup done');
      }
    });
    const stubborn = spawn(function* () {
      try {
        yield* sleep(10_000);
      } finally {
        yield* sleep(200);
        log.push('stubborn cleanup done');
      }
    });
    yield* sleep(0);
    yield* g.kill();
    log.push(`after kill: dead ${g.dead}`);
    yield* stubborn.kill({ timeout: 20 });
    log.push(`after kill with timeout: dead ${stubborn.dead}`);
    yield* stubborn.join();
  });
  assert.deepEqual(log, [
    'cleanup done',
    'after kill: dead true',
    'after kill with timeout: dead false',
    'stubborn cleanup done',
  ]);
});

void test('kill({ block: false }) returns an Operation that does not wait', async () => {
  const log: string[] = [];
  const g = spawn(function* () {
    try {
      yield* sleep(10_000);
    } finally {
      yield* sleep(10);
      log.push('cleanup');
    }
  });
  await sleep(0);
  await g.kill({ block: false });
  log.push('kill returned');
  await g.join();
  assert.deepEqual(log, ['kill returned', 'cleanup']);
});

void test('kill with an Error instance or class: the greenlet ends with it, reported like any error', async () => {
  class Stop extends Error {}
  const boom = new RangeError('boom');
  const a = spawn(function* () {
    yield* sleep(10_000);
  });
  const b = spawn(function* () {
    yield* sleep(10_000);
  });
  await sleep(0);
  await a.kill({ exception: boom });
  await b.kill({ exception: Stop });
  assert.equal(a.exception, boom);
  assert.equal(a.successful(), false);
  assert.ok(b.exception instanceof Stop);
  assert.deepEqual(reported.map(([g, e]) => [g, e]), [
    [a, boom],
    [b, b.exception],
  ]);
});

void test('killing with something that is not an Error throws TypeError at once and leaves the greenlet alone', async () => {
  const g = spawn(function* () {
    yield* sleep(20);
    return 'survived';
  });
  for (const bad of ['stop', 42, {}, () => 1]) {
    assert.throws(() => g.kill({ exception: bad as Error }), TypeError);
  }
  assert.equal(await g.get(), 'survived');
});

void test('killing a dead greenlet does nothing', async () => {
  const g = spawn(() => 'v');
  await g.join();
  g.kill();
  await g.kill({ exception: new Error('late') });
  assert.equal(g.value, 'v');
  assert.equal(g.successful(), true);
  assert.deepEqual(reported, []);
});

void test('kill is a throw: a body that catches GreenletExit can return a value', async () => {
  const g = spawn(function* () {
    try {
      yield* sleep(10_000);
    } catch (e) {
      if (e instanceof GreenletExit) return 'caught';
      throw e;
    }
    return 'not killed';
  });
  await sleep(0);
  await g.kill();
  assert.equal(g.value, 'caught');
  assert.equal(g.successful(), true);
});

void test('a greenlet that kills itself gets GreenletExit at its next yield*, or in yield* kill()', async () => {
  const log: string[] = [];
  const a = spawn(function* () {
    getCurrent()!.kill({ block: false });
    log.push('a goes on until it yields');
    try {
      yield* sleep(0);
      log.push('not reached');
    } catch (e) {
      log.push(`a: ${(e as Error).name}`);
    }
  });
  const b = spawn(function* () {
    try {
      yield* getCurrent()!.kill();
      log.push('not reached');
    } catch (e) {
      log.push(`b: ${(e as Error).name}`);
    }
  });
  await joinAll([a, b]);
  assert.deepEqual(log, ['a goes on until it yields', 'a: GreenletExit', 'b: GreenletExit']);
});

void test('a greenlet killed twice before it runs dies of the first kill; its finally runs once', async () => {
  const log: string[] = [];
  const g = spawn(function* () {
    try {
      yield* sleep(10_000);
    } finally {
      log.push('finally');
    }
  });
  await sleep(0);
  const second = new Error('second');
  g.kill();
  g.kill({ exception: second });
  await g.join();
  assert.deepEqual(log, ['finally']);
  assert.ok(g.value instanceof GreenletExit);
});

void test('links run in the hub after death, in link order, filtered by outcome', async () => {
  const log: string[] = [];
  const record = (tag: string) => (g: Greenlet<unknown>) => {
    log.push(`${tag}:${g.name}:${getCurrent() === null ? 'hub' : 'greenlet'}`);
  };
  const ok = spawn(() => 1);
  ok.name = 'ok';
  const bad = spawn(() => {
    throw new Error('x');
  });
  bad.name = 'bad';
  for (const g of [ok, bad]) {
    g.link(record('link1'));
    g.linkException(record('exception'));
    g.linkValue(record('value'));
    g.link(record('link2'));
  }
  await joinAll([ok, bad]);
  await sleep(0);
  assert.deepEqual(log, [
    'link1:ok:hub',
    'value:ok:hub',
    'link2:ok:hub',
    'link1:bad:hub',
    'exception:bad:hub',
    'link2:bad:hub',
  ]);
});

void test('joiners woken by a death run one by one between the other links, as in gevent', async () => {
  const log: string[] = [];
  await run(function* () {
    const g = spawn(function* () {
      yield* sleep(10);
    });
    const joiner = (tag: string) =>
      spawn(function* () {
        yield* g.join();
        log.push(`${tag} woke`);
        yield* sleep(0);
        log.push(`${tag} again`);
      });
    joiner('j1');
    yield* sleep(0);
    g.link(() => log.push('callback'));
    joiner('j2');
    yield* sleep(0);
    yield* g.join();
    log.push('main woke');
    yield* sleep(10);
  });
  assert.deepEqual(log, ['j1 woke', 'callback', 'j2 woke', 'main woke', 'j1 again', 'j2 again']);
});

void test('killing a greenlet that is ready to run throws at the yield* it resumes from', async () => {
  const log: string[] = [];
  const spinner = spawn(function* () {
    try {
      for (;;) {
        yield* sleep(0);
        log.push('spin');
      }
    } catch (e) {
      log.push((e as Error).name);
    }
  });
  await run(function* () {
    yield* sleep(0);
    yield* sleep(0);
    spinner.kill();
    log.push('killed');
    yield* spinner.join();
  });
  assert.deepEqual(log, ['spin', 'spin', 'killed', 'GreenletExit']);
});

void test('a link added after death still runs, soon (not synchronously)', async () => {
  const log: string[] = [];
  const g = spawn(() => 1);
  await g.join();
  g.link(() => log.push('late link'));
  g.linkValue(() => log.push('late value link'));
  g.linkException(() => log.push('never'));
  log.push('added');
  await sleep(0);
  assert.deepEqual(log, ['added', 'late link', 'late value link']);
});

void test('a link that throws is reported with its greenlet, and the later links still run', async () => {
  const log: string[] = [];
  const boom = new Error('link failed');
  const g = spawn(() => 1);
  g.link(() => log.push('first'));
  g.link(() => {
    throw boom;
  });
  g.link(() => log.push('third'));
  await g.join();
  await sleep(0);
  assert.deepEqual(log, ['first', 'third']);
  assert.deepEqual(reported, [[g, boom]]);
});

void test('unlink removes a callback however it was linked; links need functions', async () => {
  const log: string[] = [];
  const cb = () => log.push('cb');
  const other = () => log.push('other');
  const g = spawn(() => 1);
  g.link(cb);
  g.linkValue(cb);
  g.link(other);
  g.unlink(cb);
  g.unlink(() => 0);
  await g.join();
  await sleep(0);
  assert.deepEqual(log, ['other']);
  assert.throws(() => g.link(42 as unknown as () => void), TypeError);
  assert.throws(() => g.linkValue(null as unknown as () => void), TypeError);
  assert.throws(() => g.linkException('x' as unknown as () => void), TypeError);
});

void test('ready, successful, dead, started, value and exception through a life', async () => {
  const failure = new TypeError('nope');
  const states = (g: Greenlet<unknown>) => [g.started, g.dead, g.ready(), g.successful(), g.value, g.exception];
  const g = new Greenlet(function* () {
    yield* sleep(5);
    return 7;
  });
  assert.deepEqual(states(g), [false, false, false, false, undefined, undefined]);
  g.start();
  assert.deepEqual(states(g), [true, false, false, false, undefined, undefined]);
  await sleep(0);
  assert.deepEqual(states(g), [true, false, false, false, undefined, undefined]);
  await g.join();
  assert.deepEqual(states(g), [false, true, true, true, 7, undefined]);
  const bad = spawn(() => {
    throw failure;
  });
  await bad.join();
  assert.deepEqual(states(bad), [false, true, true, false, undefined, failure]);
});

void test('name defaults to Greenlet-<minimalIdent>; minimalIdent is a small integer unique among living greenlets', async () => {
  const gs = [spawn(() => 1), spawn(() => 2), spawn(() => 3)];
  const idents = gs.map((g) => g.minimalIdent);
  assert.equal(new Set(idents).size, 3);
  for (const i of idents) assert.ok(Number.isInteger(i) && i > 0);
  assert.equal(gs[0].minimalIdent, idents[0]);
  assert.equal(gs[1].name, `Greenlet-${idents[1]}`);
  gs[2].name = 'worker';
  assert.equal(gs[2].name, 'worker');
  assert.equal(String(gs[2]), '<Greenlet "worker">');
  await joinAll(gs);
});

void test('getCurrent is the running greenlet, null outside one', async () => {
  assert.equal(getCurrent(), null);
  const seen: unknown[] = [];
  const g = spawn(function* () {
    seen.push(getCurrent());
    yield* sleep(0);
    seen.push(getCurrent());
  });
  const h = spawn(() => {
    seen.push(getCurrent());
  });
  await joinAll([g, h]);
  assert.deepEqual(seen, [g, h, g]);
  assert.equal(getCurrent(), null);
});

void test('sleep(0) lets every other ready greenlet run first, FIFO', async () => {
  const log: string[] = [];
  const worker = (tag: string) =>
    function* () {
      for (let i = 0; i < 3; i++) {
        log.push(`${tag}${i}`);
        yield* sleep(0);
      }
    };
  await joinAll([spawn(worker('a')), spawn(worker('b')), spawn(worker('c'))]);
  assert.deepEqual(log, ['a0', 'b0', 'c0', 'a1', 'b1', 'c1', 'a2', 'b2', 'c2']);
});

void test('a greenlet that sleeps(0) goes behind greenlets spawned or woken meanwhile', async () => {
  const log: string[] = [];
  await run(function* () {
    const b = spawn(() => log.push('b'));
    spawn(function* () {
      log.push('a');
      spawn(() => log.push('c (spawned by a)'));
      yield* sleep(0);
      log.push('a again');
    });
    yield* b.join();
    log.push('main (woken by b)');
    yield* sleep(0);
    log.push('main again');
  });
  assert.deepEqual(log, ['b', 'a', 'main (woken by b)', 'c (spawned by a)', 'a again', 'main again']);
});

void test('sleep(ms) waits at least ms; sleep checks its duration', async () => {
  for (const ms of [1, 5, 20]) {
    const t0 = performance.now();
    await sleep(ms);
    assert.ok(performance.now() - t0 >= ms, `sleep(${ms}) returned after ${performance.now() - t0} ms`);
  }
  assert.throws(() => sleep(-1), RangeError);
  assert.throws(() => sleep(NaN), RangeError);
  assert.throws(() => sleep('5' as unknown as number), RangeError);
});

void test('sleep outside a greenlet through yield* is a clear error', () => {
  const it = sleep(5)[Symbol.iterator]();
  assert.throws(() => it.next(), /outside a greenlet/);
});

void test('timers fire in deadline order, ties in start order', async () => {
  const log: string[] = [];
  const napper = (tag: string, ms: number) =>
    spawn(function* () {
      yield* sleep(ms);
      log.push(tag);
    });
  await joinAll([napper('30a', 30), napper('10', 10), napper('30b', 30), napper('20', 20)]);
  assert.deepEqual(log, ['10', '20', '30a', '30b']);
});

void test('idle resumes only when nothing else is ready', async () => {
  const log: string[] = [];
  await run(function* () {
    const busy = (tag: string) =>
      spawn(function* () {
        for (let i = 0; i < 3; i++) {
          log.push(`${tag}${i}`);
          yield* sleep(0);
        }
      });
    const a = busy('a');
    const b = busy('b');
    yield* idle();
    log.push(`idle: a dead ${a.dead}, b dead ${b.dead}`);
  });
  assert.deepEqual(log, ['a0', 'b0', 'a1', 'b1', 'a2', 'b2', 'idle: a dead true, b dead true']);
});

void test('idle can be killed', async () => {
  const g = spawn(function* () {
    spawn(function* () {
      for (;;) yield* sleep(0);
    }).name = 'spinner';
    yield* idle();
  });
  await sleep(5);
  await g.kill();
  assert.equal(g.successful(), true);
  for (const other of [...liveSpinners()]) other.kill();
});

function liveSpinners(): Greenlet[] {
  const out: Greenlet[] = [];
  for (let g = getHub().liveHead; g !== null; g = g.liveNext) if (g.name === 'spinner') out.push(g);
  return out;
}

void test('async and plain bodies: value, rejection and throw land on the greenlet', async () => {
  const failure = new Error('async failure');
  const thrown = new Error('plain failure');
  const a = spawn(async () => {
    await new Promise((r) => setTimeout(r, 5));
    return 'async value';
  });
  const b = spawn(async () => {
    await Promise.resolve();
    throw failure;
  });
  const c = spawn(() => {
    throw thrown;
  });
  const d = spawn(() => 'plain value');
  await joinAll([a, b, c, d]);
  assert.deepEqual([a.value, b.exception, c.exception, d.value], ['async value', failure, thrown, 'plain value']);
  assert.deepEqual(reported, [
    [c, thrown],
    [b, failure],
  ]);
});

void test('an async body can be killed while it awaits', async () => {
  const g = spawn(async () => {
    await new Promise((r) => setTimeout(r, 30));
    return 'finished';
  });
  await sleep(5);
  await g.kill();
  assert.ok(g.value instanceof GreenletExit);
  await sleep(40);
});

void test('an error that escapes a body is kept on the greenlet and reported once, the process goes on', async () => {
  const failure = new Error('escaped');
  const g = spawn(function* () {
    yield* sleep(1);
    throw failure;
  });
  await g.join();
  await g.join();
  await assert.rejects(Promise.resolve(g.get()), (e) => e === failure);
  await assert.rejects(Promise.resolve(g.get()), (e) => e === failure);
  await sleep(5);
  assert.equal(g.exception, failure);
  assert.deepEqual(reported, [[g, failure]]);
});

void test('by default an escaped error is written to stderr with its stack and greenlet; GreenletExit is not', async () => {
  getHub().handleError = defaultHandleError;
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    const g = spawn(function* () {
      yield* sleep(0);
      throw new SyntaxError('visible failure');
    });
    g.name = 'failing';
    const k = spawn(function* () {
      yield* sleep(10_000);
    });
    await sleep(0);
    k.kill();
    await joinAll([g, k]);
  } finally {
    process.stderr.write = write;
  }
  const text = written.join('');
  assert.match(text, /SyntaxError: visible failure/);
  assert.match(text, /greenlet\.test\.js/);
  assert.match(text, /<Greenlet "failing"> failed with SyntaxError/);
  assert.doesNotMatch(text, /GreenletExit/);
});
