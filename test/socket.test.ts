// Cooperative sockets: the Python socket calls as Operations, their errors, timeouts, kills,
// backpressure in both directions, the line reader, UDP and TLS. Every server listens on
// 127.0.0.1 with port 0, and the last test checks that no socket is left open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Event, spawn, sleep, getCurrent, type Operation, type Steps } from '../src/index.js';
import {
  Socket,
  UdpSocket,
  SocketTimeout,
  BlockingIOError,
  SHUT_RD,
  SHUT_WR,
  createConnection,
  wrapSocket,
  type Address,
} from '../src/socket.js';
import { run } from './support.js';
import { CERT, KEY, listening, netHandlesLeftOpen, text } from './support-net.js';

/** Reads until the end of the stream. */
function* readAll(sock: Socket): Steps<string> {
  const parts: Uint8Array[] = [];
  for (let data = yield* sock.recv(65536); data.length > 0; data = yield* sock.recv(65536)) parts.push(data);
  return text(Buffer.concat(parts));
}

void test('echo: accept, recv, sendall, then the empty read at the end of the stream', async () => {
  const log = await run(function* () {
    const log: string[] = [];
    const [listener, address] = yield* listening();
    const server = spawn(function* () {
      const [conn, peer] = yield* listener.accept();
      log.push(`accepted from ${peer[0]}`);
      for (let data = yield* conn.recv(1024); data.length > 0; data = yield* conn.recv(1024)) {
        log.push(`server got ${text(data)}`);
        yield* conn.sendall(text(data).toUpperCase());
      }
      log.push('server saw the end');
      conn.close();
    });
    const client = new Socket();
    yield* client.connect(address);
    assert.deepEqual(client.getpeername(), address);
    assert.equal(client.getsockname()[0], '127.0.0.1');
    yield* client.sendall('hello');
    log.push(`client got ${text(yield* client.recv(1024))}`);
    client.shutdown(SHUT_WR);
    log.push(`client read ${JSON.stringify(text(yield* client.recv(1024)))} after the server closed`);
    yield* server.join();
    client.close();
    listener.close();
    return log;
  });
  assert.deepEqual(log, [
    'accepted from 127.0.0.1',
    'server got hello',
    'client got HELLO',
    'server saw the end',
    'client read "" after the server closed',
  ]);
});

void test('half-close: after the peer shut down its side, this side can still answer', async () => {
  const reply = await run(function* () {
    const [listener, address] = yield* listening();
    spawn(function* () {
      const [conn] = yield* listener.accept();
      const request = yield* readAll(conn); // ends when the client shuts down its side
      yield* conn.sendall(`got ${request.length} bytes`);
      conn.close();
    });
    const client = yield* createConnection(address);
    yield* client.sendall('0123456789');
    client.shutdown(SHUT_WR);
    const answer = yield* readAll(client);
    client.close();
    listener.close();
    return answer;
  });
  assert.equal(reply, 'got 10 bytes');
});

void test('send returns the bytes taken; SHUT_RD makes later reads see the end; setNoDelay', async () => {
  const log = await run(function* () {
    const log: string[] = [];
    const [listener, address] = yield* listening();
    const client = yield* createConnection(address);
    client.setNoDelay();
    const [conn] = yield* listener.accept();
    log.push(`send took ${yield* client.send('12345')} bytes`);
    log.push(`server read ${text(yield* conn.recv(10))}`);
    conn.shutdown(SHUT_RD);
    yield* client.sendall('ignored');
    log.push(`after SHUT_RD: ${(yield* conn.recv(10)).length} bytes`);
    yield* conn.sendall('still writable');
    log.push(`client read ${text(yield* client.recv(100))}`);
    try {
      client.shutdown(7);
    } catch (error) {
      log.push((error as Error).message);
    }
    client.close();
    conn.close();
    listener.close();
    return log;
  });
  assert.deepEqual(log, [
    'send took 5 bytes',
    'server read 12345',
    'after SHUT_RD: 0 bytes',
    'client read still writable',
    'Socket.shutdown() needs SHUT_RD, SHUT_WR or SHUT_RDWR, got 7',
  ]);
});

void test('connect errors are Node errors with their code, thrown at the yield*', async () => {
  const port = await run(function* () {
    const [listener, [, free]] = yield* listening();
    listener.close();
    return free;
  });
  const caught = await run(function* () {
    try {
      yield* createConnection(['127.0.0.1', port]);
      return null;
    } catch (error) {
      return error as NodeJS.ErrnoException;
    }
  });
  assert.equal(caught?.code, 'ECONNREFUSED');
  assert.match(caught?.message ?? '', /ECONNREFUSED/);
  await assert.rejects(Promise.resolve(createConnection(['127.0.0.1', port])), { code: 'ECONNREFUSED' });
});

void test('bind errors: listening on a port in use throws EADDRINUSE', async () => {
  await run(function* () {
    const [first, address] = yield* listening();
    const second = new Socket();
    second.bind(address);
    try {
      let error: unknown = null;
      try {
        yield* second.listen();
      } catch (e) {
        error = e;
      }
      assert.equal((error as NodeJS.ErrnoException).code, 'EADDRINUSE');
      let acceptError: unknown = null;
      try {
        yield* second.accept();
      } catch (e) {
        acceptError = e;
      }
      assert.equal(acceptError, error);
    } finally {
      second.close();
      first.close();
    }
  });
});

void test('setTimeout: a quiet peer makes recv throw SocketTimeout, and the socket still works after', async () => {
  const log = await run(function* () {
    const log: string[] = [];
    const [listener, address] = yield* listening();
    spawn(function* () {
      const [conn] = yield* listener.accept();
      yield* sleep(150);
      yield* conn.sendall('late');
      yield* readAll(conn);
      conn.close();
    });
    const client = yield* createConnection(address, { timeout: 50 });
    assert.equal(client.getTimeout(), 50);
    try {
      yield* client.recv(10);
    } catch (error) {
      log.push(`${(error as Error).name} ${(error as SocketTimeout).code} ${error instanceof SocketTimeout}`);
    }
    client.setTimeout(null);
    log.push(`then ${text(yield* client.recv(10))}`);
    client.close();
    listener.close();
    return log;
  });
  assert.deepEqual(log, ['SocketTimeout ETIMEDOUT true', 'then late']);
});

void test('killing a greenlet blocked in recv runs its finally and consumes nothing', async () => {
  const log = await run(function* () {
    const log: string[] = [];
    const [listener, address] = yield* listening();
    const client = yield* createConnection(address);
    const [conn] = yield* listener.accept();
    const reader = spawn(function* () {
      try {
        yield* conn.recv(10);
        log.push('reader got data (wrong)');
      } finally {
        log.push('reader finally');
      }
    });
    yield* sleep(20);
    yield* reader.kill();
    yield* client.sendall('kept');
    log.push(`next reader got ${text(yield* conn.recv(10))}`);
    client.close();
    conn.close();
    listener.close();
    return log;
  });
  assert.deepEqual(log, ['reader finally', 'next reader got kept']);
});

void test('a kill or timeout during a TLS handshake destroys the pending connection', async () => {
  const [server, client] = await run(function* () {
    const server: string[] = [];
    const client: string[] = [];
    // A plain server that never answers the TLS hello.
    const [listener, address] = yield* listening();
    const hellos = [new Event(), new Event()];
    const gone = [new Event(), new Event()];
    const sides: Socket[] = [];
    const acceptor = spawn(function* () {
      for (let n = 0; ; n++) {
        const [conn] = yield* listener.accept();
        sides.push(conn);
        spawn(function* () {
          server.push(`got a hello: ${(yield* conn.recv(65536)).length > 0}`);
          hellos[n].set();
          server.push(`then ${JSON.stringify(yield* readAll(conn))}: the client went away`);
          gone[n].set();
        });
      }
    });
    try {
      yield* createConnection(address, { timeout: 100, tls: { ca: CERT } });
    } catch (error) {
      client.push(`timed out: ${(error as Error).name}`);
    }
    yield* gone[0].wait();
    const killed = spawn(function* () {
      const sock = new Socket({ tls: { ca: CERT } });
      try {
        yield* sock.connect(address);
      } finally {
        client.push('killed while connecting: finally ran');
      }
    });
    yield* hellos[1].wait();
    yield* killed.kill();
    yield* gone[1].wait();
    acceptor.kill();
    for (const s of sides) s.close();
    listener.close();
    return [server, client];
  });
  assert.deepEqual(server, [
    'got a hello: true',
    'then "": the client went away',
    'got a hello: true',
    'then "": the client went away',
  ]);
  assert.deepEqual(client, ['timed out: SocketTimeout', 'killed while connecting: finally ran']);
});

void test('receive backpressure: an unread socket stops reading, so the sender blocks until it reads', async () => {
  const total = 48 * 1024 * 1024;
  const log = await run(function* () {
    const log: string[] = [];
    const [listener, address] = yield* listening();
    const client = yield* createConnection(address);
    const [conn] = yield* listener.accept();
    const sender = spawn(function* () {
      yield* client.sendall(new Uint8Array(total));
      log.push('sendall returned');
      client.close();
    });
    // The receiver reads one byte, then stops reading for a while.
    log.push(`first read ${(yield* conn.recv(1)).length} byte`);
    yield* sleep(300);
    log.push(`sender done while unread: ${sender.dead}`);
    let received = 1;
    for (let data = yield* conn.recv(1 << 20); data.length > 0; data = yield* conn.recv(1 << 20)) received += data.length;
    yield* sender.join();
    log.push(`received ${received === total ? 'everything' : received}`);
    conn.close();
    listener.close();
    return log;
  });
  assert.deepEqual(log, ['first read 1 byte', 'sender done while unread: false', 'sendall returned', 'received everything']);
});

void test('send backpressure: sendall to a peer that never reads waits, then times out', async () => {
  const log = await run(function* () {
    const log: string[] = [];
    const [listener, address] = yield* listening();
    const client = yield* createConnection(address, { timeout: 300 });
    const [conn] = yield* listener.accept();
    try {
      for (let i = 0; i < 1000; i++) yield* client.sendall(new Uint8Array(1 << 20));
      log.push('sent 1000 MiB (wrong)');
    } catch (error) {
      log.push(`sendall: ${(error as Error).name}`);
    }
    client.close();
    conn.close();
    listener.close();
    return log;
  });
  assert.deepEqual(log, ['sendall: SocketTimeout']);
});

void test('readline and makefile: lines in text and binary mode, the rest at the end', async () => {
  const result = await run(function* () {
    const [listener, address] = yield* listening();
    spawn(function* () {
      const [conn] = yield* listener.accept();
      yield* conn.sendall('first line\nsecond ');
      yield* sleep(10);
      yield* conn.sendall('line\r\nthird\nfourth\nfifth\nno newline');
      conn.close();
    });
    const client = yield* createConnection(address);
    const lines: unknown[] = [];
    lines.push(yield* client.readline());
    lines.push(yield* client.readline());
    const binary = client.makefile('rb');
    const bytes = yield* binary.readline();
    lines.push(bytes instanceof Uint8Array ? `bytes ${JSON.stringify(text(bytes))}` : bytes);
    const file = client.makefile();
    lines.push(yield* file.readline(3));
    lines.push(yield* file.readline());
    lines.push(yield* file.readlines());
    lines.push(yield* file.readline());
    client.close();
    listener.close();
    return lines;
  });
  assert.deepEqual(result, [
    'first line\n',
    'second line\r\n',
    'bytes "third\\n"',
    'fou',
    'rth\n',
    ['fifth\n', 'no newline'],
    '',
  ]);
});

void test('makefile read(n) waits for n bytes; lines() streams lines until the end', async () => {
  const result = await run(function* () {
    const [listener, address] = yield* listening();
    spawn(function* () {
      const [conn] = yield* listener.accept();
      for (const part of ['ab', 'cd', 'ef\n', 'x\ny\n']) {
        yield* conn.sendall(part);
        yield* sleep(5);
      }
      conn.close();
    });
    const client = yield* createConnection(address);
    const file = client.makefile('r');
    const out: string[] = [yield* file.read(5)];
    const lines = file.lines();
    for (let r = yield* lines.next(); !r.done; r = yield* lines.next()) out.push(r.value);
    client.close();
    listener.close();
    return out;
  });
  assert.deepEqual(result, ['abcde', 'f\n', 'x\n', 'y\n']);
});

void test('close() wakes a greenlet blocked on the same socket with EBADF', async () => {
  const log = await run(function* () {
    const log: string[] = [];
    const [listener] = yield* listening();
    const acceptor = spawn(function* () {
      try {
        yield* listener.accept();
      } catch (error) {
        log.push(`accept: ${(error as NodeJS.ErrnoException).code}`);
      }
    });
    yield* sleep(10);
    listener.close();
    listener.close();
    yield* acceptor.join();
    assert.throws(() => listener.getsockname(), { code: 'EBADF' });
    return log;
  });
  assert.deepEqual(log, ['accept: EBADF']);
});

void test('non-blocking sockets: accept and recv throw BlockingIOError instead of waiting', async () => {
  const log = await run(function* () {
    const log: string[] = [];
    const [listener, address] = yield* listening();
    listener.setBlocking(false);
    assert.equal(listener.getBlocking(), false);
    const attempt = function* <T>(what: string, op: Operation<T>): Steps<T | null> {
      try {
        return yield* op;
      } catch (error) {
        if (!(error instanceof BlockingIOError)) throw error;
        // Polling repeats the same failure until something arrives; record it once.
        const line = `${what}: ${error.name} ${error.code}`;
        if (log[log.length - 1] !== line) log.push(line);
        return null;
      }
    };
    yield* attempt('accept', listener.accept());
    const client = yield* createConnection(address);
    let accepted: [Socket, Address] | null = null;
    while (accepted === null) {
      accepted = yield* attempt('accept', listener.accept());
      if (accepted === null) yield* sleep(5);
    }
    const conn = accepted[0];
    conn.setBlocking(false);
    yield* attempt('recv', conn.recv(10));
    yield* client.sendall('hi');
    let data: Uint8Array | null = null;
    while (data === null) {
      data = yield* attempt('recv', conn.recv(10));
      if (data === null) yield* sleep(5);
    }
    log.push(`recv: ${text(data)}`);
    client.close();
    conn.close();
    listener.close();
    return log;
  });
  assert.deepEqual(log, ['accept: BlockingIOError EAGAIN', 'recv: BlockingIOError EAGAIN', 'recv: hi']);
});

void test('operations awaited from plain async code run on the hub', async () => {
  const listener = new Socket();
  listener.bind(['127.0.0.1', 0]);
  await listener.listen();
  const accepting = listener.accept();
  const client = await createConnection(listener.getsockname());
  const [conn] = await accepting;
  await client.sendall('from async code');
  assert.equal(text(await conn.recv(100)), 'from async code');
  assert.equal(getCurrent(), null);
  client.close();
  conn.close();
  listener.close();
});

void test('argument errors name what was wrong', () => {
  const sock = new Socket();
  assert.throws(() => sock.connect(['127.0.0.1', 70000]), /port from 0 to 65535.*got 70000/);
  assert.throws(() => sock.connect('localhost:80' as unknown as Address), /address \[host, port\], got "localhost:80"/);
  assert.throws(() => sock.recv(-1), /recv\(\) size must be a non-negative integer, got -1/);
  assert.throws(() => sock.sendall(42 as unknown as string), /sendall\(\) needs a Uint8Array.*got 42/);
  assert.throws(() => sock.setTimeout(-5), /timeout must be a non-negative number of milliseconds, got -5/);
  assert.throws(() => sock.makefile('x' as 'r'), /mode must be one of/);
  assert.throws(() => sock.getpeername(), { code: 'ENOTCONN' });
  sock.close();
});

void test('UDP: sendto and recvfrom, a recvfrom timeout, and truncation to the size asked', async () => {
  const log = await run(function* () {
    const log: string[] = [];
    const server = new UdpSocket();
    yield* server.bind(['127.0.0.1', 0]);
    const address = server.getsockname();
    assert.equal(address[0], '127.0.0.1');
    assert.notEqual(address[1], 0);
    const echo = spawn(function* () {
      for (;;) {
        const [data, from] = yield* server.recvfrom(5);
        yield* server.sendto(text(data).toUpperCase(), from);
      }
    });
    const client = new UdpSocket({ timeout: 1000 });
    yield* client.sendto('hello world', address);
    const [reply, from] = yield* client.recvfrom();
    log.push(`${text(reply)} from ${from[1] === address[1] ? 'the server' : from.join(':')}`);
    client.setTimeout(30);
    try {
      yield* client.recvfrom();
    } catch (error) {
      log.push(`then ${(error as Error).name}`);
    }
    echo.kill();
    client.close();
    server.close();
    return log;
  });
  assert.deepEqual(log, ['HELLO from the server', 'then SocketTimeout']);
});

void test('TLS: a TLS listener and client, and wrapSocket for a mid-stream upgrade', async () => {
  const log = await run(function* () {
    const log: string[] = [];
    const [tlsListener, tlsAddress] = yield* listening({ tls: { key: KEY, cert: CERT } });
    spawn(function* () {
      const [conn] = yield* tlsListener.accept();
      yield* conn.sendall(`secure ${yield* conn.readline()}`);
      conn.close();
    });
    const client = yield* createConnection(tlsAddress, { tls: { ca: CERT, servername: 'localhost' }, timeout: 2000 });
    yield* client.sendall('hello\n');
    log.push(yield* readAll(client));
    client.close();
    tlsListener.close();

    // STARTTLS: plain text first, then both sides upgrade the same connection.
    const [listener, address] = yield* listening();
    spawn(function* () {
      const [plain] = yield* listener.accept();
      log.push(`server read ${JSON.stringify(yield* plain.readline())}`);
      yield* plain.sendall('GO\n');
      const secure = yield* wrapSocket(plain, { serverSide: true, key: KEY, cert: CERT });
      yield* secure.sendall(`over TLS: ${yield* secure.readline()}`);
      secure.close();
    });
    const plain = yield* createConnection(address, { timeout: 2000 });
    yield* plain.sendall('STARTTLS\n');
    log.push(`client read ${JSON.stringify(yield* plain.readline())}`);
    const secure = yield* wrapSocket(plain, { ca: CERT, serverHostname: 'localhost' });
    assert.equal(plain.closed, true);
    yield* secure.sendall('ping\n');
    log.push(yield* readAll(secure));
    secure.close();
    listener.close();

    // A client that does not trust the certificate fails the handshake with Node's error.
    const [badListener, badAddress] = yield* listening({ tls: { key: KEY, cert: CERT } });
    try {
      yield* createConnection(badAddress, { tls: { servername: 'localhost' } });
    } catch (error) {
      log.push(`untrusted: ${(error as NodeJS.ErrnoException).code}`);
    }
    badListener.close();
    return log;
  });
  assert.deepEqual(log, [
    'secure hello\n',
    'server read "STARTTLS\\n"',
    'client read "GO\\n"',
    'over TLS: ping\n',
    'untrusted: DEPTH_ZERO_SELF_SIGNED_CERT',
  ]);
});

void test('nothing is left open: no socket, server or timer handles remain', async () => {
  const open = await netHandlesLeftOpen();
  assert.deepEqual(open, []);
});
