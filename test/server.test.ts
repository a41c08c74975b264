// StreamServer and DatagramServer: a greenlet per connection or datagram, pools, a handler that
// throws, stop(timeout) with busy handlers, close, serveForever, TLS. Servers listen on
// 127.0.0.1 with port 0; the last test checks that nothing is left open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Event, Pool, getHub, joinAll, sleep, spawn, type Greenlet, type Steps } from '../src/index.js';
import { Socket, UdpSocket, createConnection, SHUT_WR, type Address } from '../src/socket.js';
import { StreamServer, DatagramServer } from '../src/server.js';
import { collectingErrors, run } from './support.js';
import { CERT, KEY, LOCAL, netHandlesLeftOpen, text } from './support-net.js';

function* upperEcho(sock: Socket): Steps<void> {
  for (let data = yield* sock.recv(1024); data.length > 0; data = yield* sock.recv(1024)) {
    yield* sock.sendall(text(data).toUpperCase());
  }
}

/** Sends `message`, ends the stream, and returns everything the server answered. */
function* ask(address: Address, message: string): Steps<string> {
  const sock = yield* createConnection(address, { timeout: 5000 });
  try {
    yield* sock.sendall(message);
    sock.shutdown(SHUT_WR);
    const parts: Uint8Array[] = [];
    for (let data = yield* sock.recv(1024); data.length > 0; data = yield* sock.recv(1024)) parts.push(data);
    return text(Buffer.concat(parts));
  } finally {
    sock.close();
  }
}

void test('StreamServer: a greenlet per connection, the real port known as soon as start() returns', async () => {
  const answers = await run(function* () {
    const server = new StreamServer(LOCAL, upperEcho);
    void server.start(); // starts at once; the returned Operation only waits for the bind
    const [host, port] = server.address;
    assert.equal(host, '127.0.0.1');
    assert.notEqual(port, 0);
    assert.equal(server.serverPort, port);
    assert.equal(server.started, true);
    const clients = ['a', 'b', 'c'].map((m) => spawn(() => ask(server.address, `hello ${m}`)));
    yield* joinAll(clients, { raiseError: true });
    server.close();
    assert.equal(server.closed, true);
    return clients.map((g) => g.value);
  });
  assert.deepEqual(answers, ['HELLO A', 'HELLO B', 'HELLO C']);
});

void test('a handler that throws: its connection closes, the server keeps serving, the error is reported', async () => {
  const errors: unknown[] = [];
  const log = await run(() =>
    collectingErrors(errors, function* () {
      const log: string[] = [];
      const server = new StreamServer(LOCAL, function* (sock) {
        const line = yield* sock.readline();
        if (line.startsWith('boom')) throw new Error('handler failed on purpose');
        yield* sock.sendall(`ok ${line}`);
      });
      yield* server.start();
      log.push(`boom -> ${JSON.stringify(yield* ask(server.address, 'boom\n'))}`);
      log.push(`fine -> ${JSON.stringify(yield* ask(server.address, 'fine\n'))}`);
      yield* server.stop();
      return log;
    }),
  );
  assert.deepEqual(log, ['boom -> ""', 'fine -> "ok fine\\n"']);
  assert.deepEqual(
    errors.map((e) => (e as Error).message),
    ['handler failed on purpose'],
  );
});

void test('spawn: a Pool bounds the handlers running at once; a number makes a Pool of that size', async () => {
  for (const spawnOption of [new Pool(2), 2] as const) {
    const result = await run(function* () {
      let running = 0;
      let most = 0;
      const server = new StreamServer(
        LOCAL,
        function* (sock) {
          running++;
          most = Math.max(most, running);
          try {
            yield* sleep(30);
            yield* sock.sendall('done');
          } finally {
            running--;
          }
        },
        { spawn: spawnOption },
      );
      yield* server.start();
      assert.ok(server.pool instanceof Pool);
      assert.equal((server.pool).capacity, 2);
      const clients = Array.from({ length: 6 }, () => spawn(() => ask(server.address, '')));
      yield* joinAll(clients, { raiseError: true });
      yield* server.stop();
      return { most, answers: clients.map((g) => g.value) };
    });
    assert.deepEqual(result, { most: 2, answers: Array(6).fill('done') });
  }
});

void test('stop(timeout): stops accepting, lets quick handlers finish, kills the busy ones', async () => {
  const log = await run(function* () {
    const log: string[] = [];
    const bothRunning = new Event();
    let running = 0;
    const server = new StreamServer(LOCAL, function* (sock) {
      const kind = text(yield* sock.recv(10));
      if (++running === 2) bothRunning.set();
      try {
        yield* sleep(kind === 'quick' ? 50 : 60_000);
        log.push(`${kind} handler finished`);
        yield* sock.sendall('bye');
      } finally {
        log.push(`${kind} handler finally`);
      }
    });
    yield* server.start();
    const address = server.address;
    const clients: Greenlet<string>[] = [];
    for (const kind of ['quick', 'busy']) {
      clients.push(
        spawn(function* () {
          const sock = yield* createConnection(address);
          yield* sock.sendall(kind);
          const answer = text(yield* sock.recv(10));
          sock.close();
          return `${kind} client read ${JSON.stringify(answer)}`;
        }),
      );
    }
    yield* bothRunning.wait();
    const stopping = spawn(function* () {
      yield* server.stop(200);
      log.push('stop returned');
    });
    yield* sleep(0);
    try {
      yield* createConnection(address);
      log.push('connected after stop (wrong)');
    } catch (error) {
      log.push(`new connection: ${(error as NodeJS.ErrnoException).code}`);
    }
    yield* stopping.join();
    yield* joinAll(clients);
    return [...log, ...clients.map((g) => g.value!)];
  });
  assert.deepEqual(log, [
    'new connection: ECONNREFUSED',
    'quick handler finished',
    'quick handler finally',
    'busy handler finally',
    'stop returned',
    'quick client read "bye"',
    'busy client read ""',
  ]);
});

void test('stop() without a timeout gives handlers stopTimeout: 1000 ms by default, as in gevent', async () => {
  const log = await run(function* () {
    const log: string[] = [];
    const handling = new Event();
    const server = new StreamServer(LOCAL, function* (sock) {
      handling.set();
      try {
        yield* sock.recv(10); // the client stays connected and quiet
      } finally {
        log.push('idle handler killed');
      }
    });
    assert.equal(server.stopTimeout, 1000);
    yield* server.start();
    const idle = yield* createConnection(server.address);
    yield* handling.wait();
    const before = getHub().clock.now();
    yield* server.stop();
    const took = getHub().clock.now() - before;
    log.push(`stop took about a second: ${took >= 900 && took < 5000}`);
    idle.close();
    return log;
  });
  assert.deepEqual(log, ['idle handler killed', 'stop took about a second: true']);
});

void test('close(): no new connections, but running handlers go on', async () => {
  const log = await run(function* () {
    const log: string[] = [];
    const handling = new Event();
    const server = new StreamServer(LOCAL, function* (sock) {
      handling.set();
      yield* sleep(50);
      yield* sock.sendall('still served');
    });
    yield* server.start();
    const address = server.address;
    const client = spawn(() => ask(address, ''));
    yield* handling.wait();
    server.close();
    try {
      yield* createConnection(address);
    } catch (error) {
      log.push(`after close: ${(error as NodeJS.ErrnoException).code}`);
    }
    log.push(`running handler: ${yield* client.get()}`);
    yield* server.pool.join();
    return log;
  });
  assert.deepEqual(log, ['after close: ECONNREFUSED', 'running handler: still served']);
});

void test('serveForever: serves until the greenlet running it is killed, which stops the server', async () => {
  const log = await run(function* () {
    const log: string[] = [];
    const server = new StreamServer(LOCAL, function* (sock) {
      try {
        yield* upperEcho(sock);
      } finally {
        log.push('handler finally');
      }
    });
    server.stopTimeout = 100;
    const serving = spawn(() => server.serveForever());
    yield* sleep(0);
    const address = server.address;
    const idle = yield* createConnection(address);
    log.push(yield* ask(address, 'served'));
    yield* serving.kill();
    log.push(`closed: ${server.closed}`);
    log.push(`idle client read ${JSON.stringify(text(yield* idle.recv(10)))}`);
    idle.close();
    return log;
  });
  assert.deepEqual(log, ['handler finally', 'SERVED', 'handler finally', 'closed: true', 'idle client read ""']);
});

void test('handlers may be async or plain functions, and a listening Socket may be served', async () => {
  const answers = await run(function* () {
    const asyncServer = new StreamServer(LOCAL, async (sock) => {
      await sock.sendall('from async');
    });
    const listener = new Socket();
    listener.bind(LOCAL);
    yield* listener.listen();
    const plainServer = new StreamServer(listener, (sock, address) => {
      assert.equal(address[0], '127.0.0.1');
      return sock.getpeername()[0];
    });
    yield* asyncServer.start();
    yield* plainServer.start();
    assert.deepEqual(plainServer.address, listener.getsockname());
    const out = [yield* ask(asyncServer.address, ''), yield* ask(plainServer.address, '')];
    asyncServer.close();
    plainServer.close();
    return out;
  });
  assert.deepEqual(answers, ['from async', '']);
});

void test('start() throws the bind error when the port is taken', async () => {
  const code = await run(function* () {
    const first = new StreamServer(LOCAL, upperEcho);
    yield* first.start();
    const second = new StreamServer(first.address, upperEcho);
    try {
      yield* second.start();
      return 'started (wrong)';
    } catch (error) {
      return (error as NodeJS.ErrnoException).code;
    } finally {
      second.close();
      first.close();
    }
  });
  assert.equal(code, 'EADDRINUSE');
});

void test('TLS StreamServer: handlers read and write plain bytes over TLS', async () => {
  const answer = await run(function* () {
    const server = new StreamServer(LOCAL, upperEcho, { tls: { key: KEY, cert: CERT } });
    yield* server.start();
    const sock = yield* createConnection(server.address, { tls: { ca: CERT, servername: 'localhost' } });
    yield* sock.sendall('secret');
    const reply = text(yield* sock.recv(100));
    sock.close();
    yield* server.stop();
    return reply;
  });
  assert.equal(answer, 'SECRET');
});

void test('DatagramServer: a greenlet per datagram, answers through server.sendto', async () => {
  const replies = await run(function* () {
    const server: DatagramServer = new DatagramServer(LOCAL, function* (data, address) {
      yield* sleep(text(data) === 'slow' ? 30 : 0);
      yield* server.sendto(text(data).toUpperCase(), address);
    });
    yield* server.start();
    const address = server.address;
    assert.notEqual(address[1], 0);
    const client = new UdpSocket({ timeout: 2000 });
    yield* client.sendto('slow', address);
    yield* client.sendto('fast', address);
    const got = [text(yield* client.recv()), text(yield* client.recv())];
    client.close();
    yield* server.stop();
    return got;
  });
  // Each datagram has its own greenlet, so the fast one is not held up by the slow one.
  assert.deepEqual(replies, ['FAST', 'SLOW']);
});

void test('argument errors name what was wrong', () => {
  assert.throws(() => new StreamServer(LOCAL, 'nope' as unknown as () => void), /needs a handler function, got "nope"/);
  assert.throws(() => new StreamServer(LOCAL, upperEcho, { spawn: 'many' as unknown as number }), /spawn must be a Pool.*got "many"/);
  assert.throws(() => new StreamServer(LOCAL, upperEcho, { spawn: 0 }), /Pool capacity must be a positive integer, got 0/);
  assert.throws(() => new StreamServer(['127.0.0.1', -1], upperEcho), /port from 0 to 65535/);
  const server = new StreamServer(LOCAL, upperEcho);
  assert.throws(() => server.stop(-1), /stop\(\) timeout must be a non-negative number/);
  server.close();
  assert.throws(() => server.start(), /was closed/);
});

void test('nothing is left open: no socket or server handles remain', async () => {
  const open = await netHandlesLeftOpen();
  assert.deepEqual(open, []);
});
