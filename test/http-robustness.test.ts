import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { GreenletExit, Timeout, getHub, joinAll, operation, sleep, spawn, type Steps } from '../src/index.js';
import { HttpServer, urlopen, type HttpHandler, type HttpServerOptions } from '../src/http.js';

function withServer(handler: HttpHandler, body: (port: number, server: HttpServer) => Steps<void>, options: HttpServerOptions = {}): Promise<void> {
  return Promise.resolve(
    operation(function* () {
      const server = new HttpServer(['127.0.0.1', 0], handler, options);
      yield* server.start();
      try {
        yield* body(server.address[1], server);
      } finally {
        yield* server.stop(1000);
      }
    }),
  );
}

/** Replaces the hub's error reporter for the duration of `body`, recording what it gets. */
function* recordingErrors(body: (reported: unknown[]) => Steps<void>): Steps<void> {
  const hub = getHub();
  const original = hub.handleError;
  const reported: unknown[] = [];
  hub.handleError = (_context, error) => {
    if (!(error instanceof GreenletExit)) reported.push(error);
  };
  try {
    yield* body(reported);
  } finally {
    hub.handleError = original;
  }
}

interface RawOptions {
  /** Destroy the connection (with a TCP reset) this many ms after writing. */
  resetAfter?: number;
}

/** Sends raw bytes over a new connection and resolves to everything the server sends back before closing. */
function rawExchange(port: number, data: string | Buffer, options: RawOptions = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    const guard = setTimeout(() => socket.destroy(), 5000);
    socket.on('data', (chunk: Buffer) => parts.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(guard);
      resolve(Buffer.concat(parts).toString('latin1'));
    });
    socket.write(data);
    if (options.resetAfter !== undefined) setTimeout(() => socket.resetAndDestroy(), options.resetAfter);
  });
}

function* exchange(port: number, data: string | Buffer, options?: RawOptions): Steps<string> {
  return yield* operation(function* () {
    const g = spawn(() => rawExchange(port, data, options));
    return yield* g.get();
  });
}

function* stillServes(port: number): Steps<string> {
  const response = yield* urlopen(`http://127.0.0.1:${port}/check`);
  return `${response.status} ${yield* response.text()}`;
}

function statusLine(reply: string): string {
  return reply.split('\r\n')[0];
}

const hello: HttpHandler = (request) => `hello ${request.path}`;

test('garbage requests get 400 Bad Request; the server keeps serving', async () => {
  await withServer(hello, function* (port) {
    const replies: string[] = [];
    for (const garbage of ['HELLO WORLD\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', '\x00\x01\x02\r\n\r\n']) {
      const reply = yield* exchange(port, garbage);
      replies.push(statusLine(reply));
      assert.match(reply, /Connection: close/);
      assert.match(reply, /malformed HTTP request/);
    }
    assert.deepEqual(replies, Array(4).fill('HTTP/1.1 400 Bad Request'));
    assert.equal(yield* stillServes(port), '200 hello /check');
  });
});

test('oversized heads get 431, oversized bodies 413; the server keeps serving', async () => {
  const handled: string[] = [];
  await withServer(
    function* (request) {
      handled.push(request.path);
      const body = yield* request.readAll();
      return `read ${body.length}`;
    },
    function* (port) {
      yield* recordingErrors(function* (reported) {
        const bigHeader = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(8000)}\r\n\r\n`;
        const head = yield* exchange(port, bigHeader);
        assert.equal(statusLine(head), 'HTTP/1.1 431 Request Header Fields Too Large');
        assert.match(head, /larger than the server's limit of 4096 bytes/);

        const declared = yield* exchange(port, 'POST /declared HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n');
        assert.equal(statusLine(declared), 'HTTP/1.1 413 Payload Too Large');

        const chunk = 'x'.repeat(600);
        const chunked = `POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`;
        const streamed = yield* exchange(port, chunked);
        assert.equal(statusLine(streamed), 'HTTP/1.1 413 Payload Too Large');

        assert.equal(yield* stillServes(port), '200 read 0');
        assert.deepEqual(reported, []);
      });
    },
    { maxHeaderSize: 4096, maxBodySize: 1000 },
  );
  // The declared-too-large request never reached the handler.
  assert.deepEqual(handled, ['/chunked', '/check']);
});

test('a handler that throws: 500, the error is reported, the server keeps serving', async () => {
  const boom = new Error('boom');
  const late = new Error('late boom');
  await withServer(
    function* (request, response) {
      if (request.path === '/throw') {
        response.setHeader('X-Half-Set', 'yes');
        yield* sleep(1);
        throw boom;
      }
      if (request.path === '/late') {
        response.writeHead(200);
        yield* response.write('partial');
        throw late;
      }
      return 'fine';
    },
    function* (port) {
      yield* recordingErrors(function* (reported) {
        const response = yield* urlopen(`http://127.0.0.1:${port}/throw`);
        assert.deepEqual([response.status, response.getHeader('x-half-set'), yield* response.text()], [500, undefined, '500 Internal Server Error: the request handler failed\n']);
        // Once part of a response is out, the connection is closed: the client sees it cut short.
        const cut = yield* exchange(port, 'GET /late HTTP/1.1\r\nHost: x\r\n\r\n');
        assert.match(cut, /^HTTP\/1.1 200 OK/);
        assert.ok(!/\r\n0\r\n\r\n$/.test(cut), 'the chunked response must not look complete');
        assert.equal(yield* stillServes(port), '200 fine');
        assert.deepEqual(reported, [boom, late]);
      });
    },
  );
});

test('clients that reset mid-request: handlers are released, the server keeps serving', async () => {
  const events: string[] = [];
  await withServer(
    function* (request) {
      try {
        const body = yield* request.readAll();
        return `got ${body.length}`;
      } catch (error) {
        events.push(`read failed: ${error instanceof GreenletExit ? 'killed' : (error as Error).message}`);
        throw error;
      } finally {
        events.push(`finally ${request.path}`);
      }
    },
    function* (port, server) {
      yield* recordingErrors(function* () {
        // Reset in the middle of the head: no handler ever starts.
        yield* exchange(port, 'GET /half-head HTTP/1.1\r\nHos', { resetAfter: 20 });
        // Reset in the middle of the body: the handler blocked reading it is released.
        yield* exchange(port, 'POST /half-body HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789', { resetAfter: 50 });
        for (let i = 0; i < 100 && server.activeRequests > 0; i++) yield* sleep(10);
        assert.equal(yield* stillServes(port), '200 got 0');
      });
    },
  );
  assert.equal(events.length, 3);
  assert.match(events[0], /^read failed: /);
  assert.deepEqual(events.slice(1), ['finally /half-body', 'finally /check']);
});

test('a client that goes away kills its handler; the handler finally runs', async () => {
  const events: string[] = [];
  await withServer(
    function* (request) {
      try {
        events.push(`handling ${request.path}`);
        yield* sleep(10_000);
      } catch (error) {
        events.push(`handler got ${(error as Error).name}`);
        throw error;
      } finally {
        events.push('handler finally');
      }
    },
    function* (port, server) {
      yield* exchange(port, 'GET /slow HTTP/1.1\r\nHost: x\r\n\r\n', { resetAfter: 50 });
      for (let i = 0; i < 100 && server.activeRequests > 0; i++) yield* sleep(10);
      events.push(`active after: ${server.activeRequests}`);
    },
  );
  assert.deepEqual(events, ['handling /slow', 'handler got GreenletExit', 'handler finally', 'active after: 0']);
});

test('requestTimeout while the body is still arriving answers 408', async () => {
  const events: string[] = [];
  await withServer(
    function* (request) {
      try {
        yield* request.readAll();
      } catch (error) {
        events.push(`handler got ${error instanceof Timeout ? 'Timeout' : String(error)}`);
        throw error;
      }
    },
    function* (port) {
      const reply = yield* exchange(port, 'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly a little');
      events.push(statusLine(reply));
    },
    { requestTimeout: 150 },
  );
  assert.deepEqual(events, ['handler got Timeout', 'HTTP/1.1 408 Request Timeout']);
});

test('stop(timeout) lets quick handlers finish, then kills the busy ones', async () => {
  const events: string[] = [];
  await operation(function* () {
    const server = new HttpServer(['127.0.0.1', 0], function* (request) {
      const ms = Number(request.query.get('ms'));
      try {
        yield* sleep(ms);
        events.push(`${ms} ms handler done`);
        return `slept ${ms}`;
      } finally {
        if (ms > 1000) events.push(`${ms} ms handler finally`);
      }
    });
    yield* server.start();
    const port = server.address[1];
    const clients = [100, 20_000, 30_000].map((ms) =>
      spawn(function* () {
        try {
          const response = yield* urlopen(`http://127.0.0.1:${port}/?ms=${ms}`);
          return `${ms}: ${response.status} ${yield* response.text()}`;
        } catch (error) {
          return `${ms}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
        }
      }),
    );
    yield* sleep(30);
    yield* server.stop(300);
    events.push('stopped');
    yield* joinAll(clients);
    const results = clients.map((c) => String(c.value));
    assert.equal(results[0], '100: 200 slept 100');
    // The killed ones were answered 503 when possible; the connection was closed right after.
    for (const r of results.slice(1)) assert.match(r, /^\d+: (503 .*shutting down|ECONNRESET)/);
    // Nothing accepts any more.
    const refused = yield* operation(function* () {
      try {
        yield* urlopen(`http://127.0.0.1:${port}/?ms=0`, { agent: false });
        return 'served';
      } catch (error) {
        return (error as NodeJS.ErrnoException).code;
      }
    });
    assert.equal(refused, 'ECONNREFUSED');
  });
  assert.deepEqual(events, ['100 ms handler done', '20000 ms handler finally', '30000 ms handler finally', 'stopped']);
});

test('keep-alive: pipelined requests on one connection are answered in order', async () => {
  await withServer(
    function* (request) {
      // The first is the slowest: responses must still come back in request order.
      yield* sleep(request.path === '/1' ? 60 : 5);
      return `body of ${request.path}`;
    },
    function* (port) {
      const requests = ['/1', '/2', '/3'].map((p, i) => `GET ${p} HTTP/1.1\r\nHost: x\r\n${i === 2 ? 'Connection: close\r\n' : ''}\r\n`).join('');
      const reply = yield* exchange(port, requests);
      const bodies = [...reply.matchAll(/body of \/\d/g)].map((m) => m[0]);
      assert.deepEqual(bodies, ['body of /1', 'body of /2', 'body of /3']);
      assert.equal((reply.match(/HTTP\/1.1 200 OK/g) ?? []).length, 3);
    },
  );
});

test('many concurrent clients are all served', async () => {
  await withServer(
    function* (request) {
      yield* sleep(20);
      return request.query.get('n') ?? '';
    },
    function* (port) {
      const clients = Array.from({ length: 300 }, (_, n) =>
        spawn(function* () {
          const response = yield* urlopen(`http://127.0.0.1:${port}/?n=${n}`);
          return yield* response.text();
        }),
      );
      yield* joinAll(clients, { raiseError: true });
      assert.deepEqual(
        clients.map((c) => c.value),
        clients.map((_, n) => String(n)),
      );
    },
  );
});
