// The servers under hostile or heavy use: ten thousand concurrent connections, clients that
// trickle one byte at a time, clients that reset mid-request, handlers that throw, and
// stop(timeout) with busy handlers. After each test no socket, server or timer is left open.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFile, execFileSync } from 'node:child_process';
import { Event, getHub, joinAll, sleep, spawn, type Steps } from '../src/index.js';
import { Socket, createConnection, SHUT_WR } from '../src/socket.js';
import { StreamServer } from '../src/server.js';
import { collectingErrors, run } from './support.js';
import { LOCAL, text } from './support-net.js';

/** The open handles of the kinds a leak would leave: sockets, servers, timers. */
function openHandles(): string[] {
  const kinds = ['TCPWrap', 'TCPServerWrap', 'UDPWrap', 'TLSWrap', 'Timeout'];
  return process.getActiveResourcesInfo().filter((r) => kinds.includes(r));
}

afterEach(async () => {
  let open = openHandles();
  for (let i = 0; i < 100 && open.length > 0; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
    open = openHandles();
  }
  assert.deepEqual(open, [], 'handles left open after the test');
});

/** An upper-case echo of one line per connection, then waiting for the client to finish. */
function* lineEcho(sock: Socket): Steps<void> {
  const line = yield* sock.readline();
  yield* sock.sendall(line.toUpperCase());
  while ((yield* sock.recv(1024)).length > 0);
}

// Each side of a connection holds one descriptor, and both sides living in one process would
// need twice the count; the clients run in a child process so each process holds one side.
function connectionBudget(): number {
  const limit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  // 10,000 wanted; where the descriptor limit is lower (it cannot be raised from Node), scale
  // down and leave room for the runtime's own descriptors.
  return Number.isFinite(limit) ? Math.min(10_000, limit - 500) : 10_000;
}

const CLIENTS_CHILD = `
const { spawn, joinAll, Event } = await import(process.env.GREENLETS_CORE);
const { createConnection } = await import(process.env.GREENLETS_SOCKET);
const [port, count] = process.argv.slice(1).map(Number);
const everyoneAnswered = new Event();
let settled = 0;
const settle = () => { if (++settled === count) everyoneAnswered.set(); };
const clients = [];
for (let i = 0; i < count; i++) {
  clients.push(spawn(function* () {
    let sock;
    try {
      sock = yield* createConnection(['127.0.0.1', port], { timeout: 60000 });
      const message = 'client ' + i + '\\n';
      yield* sock.sendall(message);
      const line = yield* sock.readline();
      if (line !== message.toUpperCase()) throw new Error('wrong echo ' + JSON.stringify(line));
    } finally {
      settle();
    }
    // Every connection stays open until all have been answered: they are concurrent.
    yield* everyoneAnswered.wait();
    sock.close();
  }));
}
await joinAll(clients);
const failures = clients.filter((g) => !g.successful());
console.log(JSON.stringify({
  ok: count - failures.length,
  firstError: failures.length > 0 ? String(failures[0].exception) : null,
}));
`;

void test('10,000 concurrent connections to an echo server are all served', async () => {
  const count = connectionBudget();
  let running = 0;
  let most = 0;
  const server = new StreamServer(
    LOCAL,
    function* (sock) {
      running++;
      most = Math.max(most, running);
      try {
        yield* lineEcho(sock);
      } finally {
        running--;
      }
    },
    { backlog: 4096 },
  );
  await server.start();
  const child = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', CLIENTS_CHILD, String(server.address[1]), String(count)],
      {
        env: {
          ...process.env,
          GREENLETS_CORE: new URL('../src/index.js', import.meta.url).href,
          GREENLETS_SOCKET: new URL('../src/socket.js', import.meta.url).href,
        },
        timeout: 90_000,
      },
      (error, stdout, stderr) => (error ? reject(new Error(`client process failed: ${stderr}`, { cause: error })) : resolve(stdout)),
    );
  });
  await server.stop();
  assert.deepEqual(JSON.parse(child), { ok: count, firstError: null });
  assert.equal(most, count, 'every connection had its handler running at the same time');
  assert.equal(running, 0);
});

void test('slow clients sending one byte at a time do not hold up the others', async () => {
  const log = await run(function* () {
    const log: string[] = [];
    const server = new StreamServer(LOCAL, lineEcho);
    yield* server.start();
    const address = server.address;
    const slow = Array.from({ length: 20 }, (_, n) =>
      spawn(function* () {
        const sock = yield* createConnection(address);
        try {
          for (const byte of `slow ${n}\n`) {
            yield* sock.sendall(byte);
            yield* sleep(60);
          }
          const line = yield* sock.readline();
          sock.shutdown(SHUT_WR);
          return line;
        } finally {
          sock.close();
        }
      }),
    );
    yield* sleep(50);
    const fast = yield* createConnection(address);
    yield* fast.sendall('fast\n');
    log.push(`${(yield* fast.readline()).trim()} answered while ${slow.filter((g) => !g.dead).length} slow clients still trickle`);
    fast.close();
    yield* joinAll(slow, { raiseError: true });
    log.push(`slow answers: ${slow.filter((g, n) => g.value === `SLOW ${n}\n`).length} right`);
    yield* server.stop();
    return log;
  });
  assert.deepEqual(log, ['FAST answered while 20 slow clients still trickle', 'slow answers: 20 right']);
});

void test('clients that reset mid-request: their handlers fail alone, the server keeps serving', async () => {
  const errors: unknown[] = [];
  const log = await run(() =>
    collectingErrors(errors, function* () {
      const log: string[] = [];
      const server = new StreamServer(LOCAL, lineEcho);
      yield* server.start();
      const [host, port] = server.address;
      const resets: Event[] = [];
      for (let i = 0; i < 10; i++) {
        const done = new Event();
        resets.push(done);
        // A raw client that starts a request, then resets the connection (RST, not FIN).
        const raw = net.connect(port, host, () => {
          raw.write('half a req', () => {
            setTimeout(() => {
              raw.resetAndDestroy();
              done.set();
            }, 20);
          });
        });
        raw.on('error', () => {});
      }
      for (const done of resets) yield* done.wait();
      // Each reset reaches its handler when the handler next reads.
      for (let waited = 0; errors.length < 10 && waited < 5000; waited += 10) yield* sleep(10);
      const sock = yield* createConnection(server.address);
      yield* sock.sendall('still here\n');
      log.push((yield* sock.readline()).trim());
      sock.close();
      yield* server.stop();
      log.push(`handlers left: ${server.pool.size}`);
      return log;
    }),
  );
  assert.deepEqual(log, ['STILL HERE', 'handlers left: 0']);
  assert.deepEqual(
    errors.map((e) => (e as NodeJS.ErrnoException).code),
    Array(10).fill('ECONNRESET'),
  );
});

void test('handlers that throw lose only their own connection; every error is reported', async () => {
  const errors: unknown[] = [];
  const answers = await run(() =>
    collectingErrors(errors, function* () {
      const server = new StreamServer(LOCAL, function* (sock) {
        const line = (yield* sock.readline()).trim();
        if (Number(line) % 3 === 0) throw new RangeError(`request ${line} is not allowed`);
        yield* sock.sendall(`ok ${line}`);
      });
      yield* server.start();
      const address = server.address;
      const clients = Array.from({ length: 30 }, (_, n) =>
        spawn(function* () {
          const sock = yield* createConnection(address);
          try {
            yield* sock.sendall(`${n}\n`);
            return text(yield* sock.recv(100));
          } finally {
            sock.close();
          }
        }),
      );
      yield* joinAll(clients, { raiseError: true });
      yield* server.stop();
      return clients.map((g) => g.value);
    }),
  );
  assert.deepEqual(
    answers,
    Array.from({ length: 30 }, (_, n) => (n % 3 === 0 ? '' : `ok ${n}`)),
  );
  assert.deepEqual(
    errors.map((e) => (e as Error).message).sort(),
    Array.from({ length: 10 }, (_, k) => `request ${k * 3} is not allowed`).sort(),
  );
});

void test('stop(timeout) with busy handlers: finishing ones finish, the rest are killed, clients see the end', async () => {
  const log = await run(function* () {
    const log: string[] = [];
    let finished = 0;
    let killed = 0;
    let running = 0;
    const allRunning = new Event();
    const server = new StreamServer(LOCAL, function* (sock) {
      const kind = (yield* sock.readline()).trim();
      if (++running === 100) allRunning.set();
      let done = false;
      try {
        if (kind === 'short') yield* sleep(100);
        else if (kind === 'reader') yield* sock.recv(10); // its client never sends more
        else for (;;) yield* sleep(1); // busy forever
        done = true;
        yield* sock.sendall('done\n');
      } finally {
        if (done) finished++;
        else killed++;
      }
    });
    yield* server.start();
    const address = server.address;
    const kinds = [...Array<string>(20).fill('short'), ...Array<string>(40).fill('reader'), ...Array<string>(40).fill('busy')];
    const clients = kinds.map((kind) =>
      spawn(function* () {
        const sock = yield* createConnection(address);
        try {
          yield* sock.sendall(`${kind}\n`);
          return `${kind}:${(yield* sock.readline()).trim()}`;
        } finally {
          sock.close();
        }
      }),
    );
    yield* allRunning.wait();
    const before = getHub().clock.now();
    yield* server.stop(400);
    const took = getHub().clock.now() - before;
    log.push(`finished ${finished}, killed ${killed}, handlers left ${server.pool.size}`);
    log.push(`stop waited for the timeout, not for ever: ${took >= 300 && took < 5000}`);
    yield* joinAll(clients, { raiseError: true });
    const answers = new Map<string, number>();
    for (const g of clients) answers.set(String(g.value), (answers.get(String(g.value)) ?? 0) + 1);
    log.push(JSON.stringify([...answers].sort()));
    return log;
  });
  assert.deepEqual(log, [
    'finished 20, killed 80, handlers left 0',
    'stop waited for the timeout, not for ever: true',
    JSON.stringify([
      ['busy:', 40],
      ['reader:', 40],
      ['short:done', 20],
    ]),
  ]);
});
