// select over greenlets sockets: readiness for reading (data, end of stream, connections),
// writing and errors; timeouts and polling; a killed select leaves nothing hooked in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep, spawn } from '../src/index.js';
import { Socket, UdpSocket, createConnection } from '../src/socket.js';
import { select } from '../src/select.js';
import { run } from './support.js';
import { listening, text } from './support-net.js';

void test('a select loop serves several clients from one greenlet, as the seed server does', async () => {
  const log = await run(function* () {
    const log: string[] = [];
    const [listener, address] = yield* listening();
    const server = spawn(function* () {
      const reading: Socket[] = [listener];
      let served = 0;
      while (served < 3) {
        const [readable] = yield* select(reading, [], []);
        for (const sock of readable) {
          if (sock === listener) {
            reading.push((yield* listener.accept())[0]);
            continue;
          }
          const data = yield* sock.recv(1024);
          if (data.length === 0) {
            sock.close();
            reading.splice(reading.indexOf(sock), 1);
            served++;
            continue;
          }
          log.push(`server got ${text(data)}`);
          yield* sock.sendall('goodbye!');
        }
      }
    });
    const clients = [1, 2, 3].map((n) =>
      spawn(function* () {
        const sock = yield* createConnection(address);
        yield* sleep(n * 20);
        yield* sock.sendall(`hello ${n}`);
        const reply = text(yield* sock.recv(1024));
        sock.close();
        return reply;
      }),
    );
    yield* server.join();
    listener.close();
    return [...log.sort(), ...clients.map((g) => g.value)];
  });
  assert.deepEqual(log, ['server got hello 1', 'server got hello 2', 'server got hello 3', 'goodbye!', 'goodbye!', 'goodbye!']);
});

void test('timeouts: select returns three empty lists after the timeout; 0 polls without waiting', async () => {
  const log = await run(function* () {
    const log: string[] = [];
    const [listener, address] = yield* listening();
    const client = yield* createConnection(address);
    const [conn] = yield* listener.accept();
    log.push(`poll: ${JSON.stringify(yield* select([conn], [], [conn], 0))}`);
    log.push(`wait 30 ms: ${JSON.stringify(yield* select([conn], [], [], 30))}`);
    const [, writable] = yield* select([conn], [client], [], 0);
    log.push(`client writable: ${writable[0] === client}`);
    yield* client.sendall('x');
    const [readable] = yield* select([conn, listener], [], [], 1000);
    log.push(`readable after a send: ${readable.length === 1 && readable[0] === conn}`);
    client.close();
    yield* conn.recv(10);
    const [atEnd] = yield* select([conn], [], [], 1000);
    log.push(`readable at the end of the stream: ${atEnd[0] === conn}, recv gives ${(yield* conn.recv(10)).length} bytes`);
    conn.close();
    listener.close();
    return log;
  });
  assert.deepEqual(log, [
    'poll: [[],[],[]]',
    'wait 30 ms: [[],[],[]]',
    'client writable: true',
    'readable after a send: true',
    'readable at the end of the stream: true, recv gives 0 bytes',
  ]);
});

void test('a killed select unhooks from every socket; a socket closed meanwhile wakes it', async () => {
  const log = await run(function* () {
    const log: string[] = [];
    const [listener, address] = yield* listening();
    const client = yield* createConnection(address);
    const [conn] = yield* listener.accept();
    const selecting = spawn(function* () {
      try {
        yield* select([conn, listener], [], []);
      } finally {
        log.push('select finally');
      }
    });
    yield* sleep(10);
    log.push(`hooked in: ${conn.selectWatchers.size + listener.selectWatchers.size}`);
    yield* selecting.kill();
    log.push(`after the kill: ${conn.selectWatchers.size + listener.selectWatchers.size}`);

    const watcher = spawn(() => select([conn], [], []));
    yield* sleep(10);
    conn.close();
    const [readable] = yield* watcher.get();
    log.push(`closed socket reported readable: ${readable[0] === conn}`);
    try {
      yield* conn.recv(1);
    } catch (error) {
      log.push(`then recv: ${(error as NodeJS.ErrnoException).code}`);
    }
    client.close();
    listener.close();
    return log;
  });
  assert.deepEqual(log, [
    'hooked in: 2',
    'select finally',
    'after the kill: 0',
    'closed socket reported readable: true',
    'then recv: EBADF',
  ]);
});

void test('UDP sockets can be selected too', async () => {
  const got = await run(function* () {
    const a = new UdpSocket();
    const b = new UdpSocket();
    yield* a.bind(['127.0.0.1', 0]);
    yield* b.bind(['127.0.0.1', 0]);
    spawn(function* () {
      yield* sleep(10);
      const sender = new UdpSocket();
      yield* sender.sendto('to b', b.getsockname());
      sender.close();
    });
    const [readable] = yield* select([a, b], [], [], 2000);
    const out: string[] = readable.map((s) => (s === a ? 'a' : 'b'));
    out.push(text((yield* b.recvfrom())[0]));
    a.close();
    b.close();
    return out;
  });
  assert.deepEqual(got, ['b', 'to b']);
});

void test('argument errors: non-sockets, closed sockets and bad timeouts', async () => {
  const closed = new Socket();
  closed.close();
  await assert.rejects(Promise.resolve(select([{} as Socket], [], [])), /may hold only greenlets sockets, got an object/);
  await assert.rejects(Promise.resolve(select([closed], [], [])), { code: 'EBADF' });
  await assert.rejects(Promise.resolve(select(42 as unknown as Socket[], [], [])), /rlist must be an iterable of sockets, got 42/);
  assert.throws(() => select([], [], [], -1), /select\(\) timeout must be a non-negative number of milliseconds, got -1/);
});
