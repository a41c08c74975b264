import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import { Group, GreenletExit, Pool, Timeout, getCurrent, joinAll, operation, sleep, spawn, type Steps } from '../src/index.js';
import {
  ClientResponse,
  HTTPError,
  HttpServer,
  createServer,
  urlopen,
  type HttpHandler,
  type ServerRequest,
  type ServerResponse,
} from '../src/http.js';

/** Runs `body` with a started server on 127.0.0.1:0, and stops the server afterwards. */
function withServer(
  handler: HttpHandler,
  body: (base: string, server: HttpServer) => Steps<void>,
  options: ConstructorParameters<typeof HttpServer>[2] = {},
): Promise<void> {
  return Promise.resolve(
    operation(function* () {
      const server = new HttpServer(['127.0.0.1', 0], handler, options);
      yield* server.start();
      try {
        yield* body(`http://127.0.0.1:${server.address[1]}`, server);
      } finally {
        yield* server.stop(1000);
      }
    }),
  );
}

const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

test('a GET is answered by a handler greenlet; address has the bound port', async () => {
  const seen: string[] = [];
  await withServer(
    function* (request: ServerRequest, response: ServerResponse) {
      seen.push(`${request.method} ${request.path} q=${request.query.get('q')} in greenlet: ${getCurrent() !== null}`);
      yield* sleep(5);
      response.writeHead(200, { 'Content-Type': 'text/plain', 'X-Test': 'yes' });
      response.end(`hello ${request.url}`);
    },
    function* (base, server) {
      assert.equal(server.address[0], '127.0.0.1');
      assert.ok(server.address[1] > 0);
      assert.equal(server.started, true);
      const response = yield* urlopen(`${base}/greet?q=1`);
      assert.ok(response instanceof ClientResponse);
      assert.deepEqual(
        [response.status, response.reason, response.ok, response.getHeader('X-TEST'), response.headers['content-type']],
        [200, 'OK', true, 'yes', 'text/plain'],
      );
      assert.equal(yield* response.text(), 'hello /greet?q=1');
      assert.equal(response.url, `${base}/greet?q=1`);
    },
  );
  assert.deepEqual(seen, ['GET /greet q=1 in greenlet: true']);
});

test('handlers may be async or plain functions, and a returned string or bytes is the body', async () => {
  const handlers: Record<string, HttpHandler> = {
    '/gen': function* () {
      return 'from a generator';
    },
    '/async': async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return new TextEncoder().encode('from an async function');
    },
    '/plain': (_request, response) => {
      response.setHeader('Content-Type', 'text/x-plain');
      response.end('from a plain function');
    },
    '/nothing': () => undefined,
  };
  await withServer(
    (request, response) => handlers[request.path](request, response),
    function* (base) {
      const got: string[] = [];
      for (const path of ['/gen', '/async', '/plain', '/nothing']) {
        const response = yield* urlopen(base + path);
        got.push(`${response.status} ${yield* response.text()}`);
      }
      assert.deepEqual(got, ['200 from a generator', '200 from an async function', '200 from a plain function', '200 ']);
    },
  );
});

test('request bodies are read with read(max), readline, readAll, text and json', async () => {
  const seen: unknown[] = [];
  await withServer(
    function* (request, response) {
      if (request.path === '/json') {
        seen.push(yield* request.json());
      } else if (request.path === '/lines') {
        for (let line = yield* request.readline(); line.length > 0; line = yield* request.readline()) seen.push(decode(line));
      } else {
        let total = 0;
        let biggest = 0;
        for (let chunk = yield* request.read(1000); chunk.length > 0; chunk = yield* request.read(1000)) {
          total += chunk.length;
          biggest = Math.max(biggest, chunk.length);
        }
        seen.push(`streamed ${total} bytes, chunks of at most ${biggest}`);
        seen.push(`then empty: ${(yield* request.readAll()).length}`);
      }
      response.end('ok');
    },
    function* (base) {
      yield* (yield* urlopen(`${base}/json`, { body: JSON.stringify({ a: [1, 2] }) })).readAll();
      yield* (yield* urlopen(`${base}/lines`, { method: 'PUT', body: 'one\ntwo\nthree' })).readAll();
      yield* (yield* urlopen(`${base}/stream`, { body: new Uint8Array(50_000).fill(7) })).readAll();
    },
  );
  assert.deepEqual(seen, [{ a: [1, 2] }, 'one\n', 'two\n', 'three', 'streamed 50000 bytes, chunks of at most 1000', 'then empty: 0']);
});

test('response.write waits for a slow client: what is buffered stays bounded', async () => {
  const chunk = new Uint8Array(64 * 1024).fill(120);
  let mostBuffered = 0;
  let written = 0;
  await withServer(
    function* (_request, response) {
      response.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      for (let i = 0; i < 64; i++) {
        yield* response.write(chunk);
        written += chunk.length;
        mostBuffered = Math.max(mostBuffered, response.raw.writableLength);
      }
      response.end();
    },
    function* (base) {
      const response = yield* urlopen(base);
      let received = 0;
      for (let part = yield* response.read(16384); part.length > 0; part = yield* response.read(16384)) {
        received += part.length;
        if (received % (512 * 1024) < 16384) yield* sleep(20);
      }
      assert.equal(received, 64 * chunk.length);
    },
  );
  assert.equal(written, 64 * chunk.length);
  // Without backpressure all 4 MiB would sit in the response's buffer at once.
  assert.ok(mostBuffered <= 2 * chunk.length, `at most two chunks buffered, saw ${mostBuffered} bytes`);
});

test('keep-alive: consecutive urlopen calls reuse one connection', async () => {
  const clientPorts: number[] = [];
  await withServer(
    function* (request, response) {
      clientPorts.push(request.remoteAddress[1]);
      response.end('x');
    },
    function* (base) {
      for (let i = 0; i < 3; i++) yield* (yield* urlopen(base)).readAll();
    },
  );
  assert.equal(clientPorts.length, 3);
  assert.equal(new Set(clientPorts).size, 1);
});

test('requestTimeout kills the handler (its finally runs) and answers 503', async () => {
  const events: string[] = [];
  await withServer(
    function* (_request, response) {
      try {
        yield* sleep(10_000);
        response.end('too late');
      } catch (error) {
        events.push(`handler got ${(error as Error).name}`);
        throw error;
      } finally {
        events.push('handler finally');
      }
    },
    function* (base) {
      const response = yield* urlopen(base);
      events.push(`client got ${response.status} connection=${response.getHeader('connection')}`);
      assert.match(yield* response.text(), /longer than the server's limit of 100 ms/);
    },
    { requestTimeout: 100 },
  );
  assert.deepEqual(events, ['handler got Timeout', 'handler finally', 'client got 503 connection=close']);
});

test('urlopen timeout: Timeout thrown, request aborted, the server handler is killed', async () => {
  const events: string[] = [];
  let url = '';
  await withServer(
    function* () {
      try {
        yield* sleep(10_000);
      } finally {
        events.push('handler finally');
      }
    },
    function* (base, server) {
      url = `${base}/`;
      try {
        yield* urlopen(url, { timeout: 100 });
        events.push('no timeout?');
      } catch (error) {
        events.push(`${error instanceof Timeout ? 'Timeout' : String(error)}: ${(error as Error).message}`);
      }
      for (let i = 0; i < 100 && server.activeRequests > 0; i++) yield* sleep(10);
    },
  );
  assert.deepEqual(events, [`Timeout: urlopen(${url}) got no response within 100 ms`, 'handler finally']);
});

test('killing a greenlet in urlopen aborts the request; killing one mid-read destroys the response', async () => {
  const events: string[] = [];
  await withServer(
    function* (request, response) {
      try {
        if (request.path === '/partial') {
          response.writeHead(200);
          yield* response.write('first part;');
        }
        yield* sleep(10_000);
      } finally {
        events.push(`handler ${request.path} finally`);
      }
    },
    function* (base, server) {
      const waiting = spawn(function* () {
        yield* urlopen(`${base}/slow`);
      });
      const reading = spawn(function* () {
        const response = yield* urlopen(`${base}/partial`);
        events.push(`read ${decode(yield* response.read(100))}`);
        yield* response.read(100);
      });
      yield* sleep(100);
      yield* joinAll([waiting, reading], { timeout: 0 });
      yield* waiting.kill();
      yield* reading.kill();
      events.push(`killed: ${waiting.value instanceof GreenletExit} ${reading.value instanceof GreenletExit}`);
      for (let i = 0; i < 100 && server.activeRequests > 0; i++) yield* sleep(10);
    },
  );
  assert.deepEqual(events.slice(0, 2), ['read first part;', 'killed: true true']);
  assert.deepEqual(events.slice(2).sort(), ['handler /partial finally', 'handler /slow finally']);
});

test('a body read that waits longer than the timeout throws Timeout', async () => {
  await withServer(
    function* (_request, response) {
      response.writeHead(200);
      yield* response.write('some');
      yield* sleep(10_000);
    },
    function* (base) {
      const response = yield* urlopen(base, { timeout: 200 });
      assert.equal(decode(yield* response.read(100)), 'some');
      yield* assertThrows(response.read(100), (error) => error instanceof Timeout && /took longer than 200 ms/.test(error.message));
    },
  );
});

function* assertThrows(op: Iterable<unknown> & { [Symbol.iterator](): Iterator<unknown, unknown, unknown> }, check: (error: unknown) => boolean): Steps<void> {
  try {
    yield* op as Steps<unknown>;
  } catch (error) {
    assert.ok(check(error), `unexpected error: ${String(error)}`);
    return;
  }
  assert.fail('expected an error');
}

test('redirects are followed (303 turns a POST into a GET); maxRedirects 0 returns them', async () => {
  const seen: string[] = [];
  await withServer(
    function* (request, response) {
      seen.push(`${request.method} ${request.url}`);
      if (request.path === '/old') response.writeHead(301, { Location: '/new' });
      else if (request.path === '/form') response.writeHead(303, { Location: '/done' });
      else if (request.path === '/loop') response.writeHead(302, { Location: '/loop' });
      else response.end(`at ${request.path}`);
    },
    function* (base) {
      const moved = yield* urlopen(`${base}/old`);
      assert.deepEqual([moved.status, moved.url, yield* moved.text()], [200, `${base}/new`, 'at /new']);
      const posted = yield* urlopen(`${base}/form`, { body: 'x=1' });
      assert.deepEqual([posted.status, yield* posted.text()], [200, 'at /done']);
      const raw = yield* urlopen(`${base}/old`, { maxRedirects: 0 });
      assert.deepEqual([raw.status, raw.getHeader('location')], [301, '/new']);
      const looping = yield* urlopen(`${base}/loop`, { maxRedirects: 2 });
      assert.equal(looping.status, 302);
    },
  );
  assert.deepEqual(seen, ['GET /old', 'GET /new', 'POST /form', 'GET /done', 'GET /old', 'GET /loop', 'GET /loop', 'GET /loop']);
});

test('any status resolves; raiseForStatus throws HTTPError with code, reason and url', async () => {
  await withServer(
    function* (_request, response) {
      response.writeHead(404, { 'Content-Type': 'text/plain' });
      response.end('no such page');
    },
    function* (base) {
      const response = yield* urlopen(`${base}/missing`);
      assert.deepEqual([response.status, response.ok, yield* response.text()], [404, false, 'no such page']);
      try {
        response.raiseForStatus();
        assert.fail('expected HTTPError');
      } catch (error) {
        assert.ok(error instanceof HTTPError);
        assert.deepEqual([error.name, error.code, error.status, error.reason, error.url], ['HTTPError', 404, 404, 'Not Found', `${base}/missing`]);
      }
    },
  );
});

test('connection errors and bad arguments are clear', async () => {
  // A port that was just free: nothing listens there.
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  await assert.rejects(async () => urlopen(`http://127.0.0.1:${port}/`), { code: 'ECONNREFUSED' });
  assert.throws(() => urlopen('not a url'), { name: 'TypeError', message: /absolute http:\/\/ or https:\/\/ URL, got "not a url"/ });
  await assert.rejects(async () => urlopen('ftp://127.0.0.1/'), { name: 'TypeError', message: /supports http:\/\/ and https:\/\/ URLs/ });
  assert.throws(() => urlopen('http://127.0.0.1/', { timeout: -1 }), { name: 'RangeError', message: /urlopen\(\) timeout must be a non-negative number of milliseconds, got -1/ });
});

test('serveForever blocks until stop(); start() reports a port already in use', async () => {
  const events: string[] = [];
  await operation(function* () {
    const server = createServer(() => 'hi');
    const serving = spawn(function* () {
      yield* server.serveForever();
      events.push('serveForever returned');
    });
    yield* server.start();
    const [, port] = server.address;
    events.push(yield* (yield* urlopen(`http://127.0.0.1:${port}/`)).text());
    const clash = createServer(['127.0.0.1', port], () => 'never');
    try {
      yield* clash.start();
    } catch (error) {
      events.push(`clash: ${(error as NodeJS.ErrnoException).code}`);
    }
    yield* server.stop();
    yield* serving.join();
    events.push(`started after stop: ${server.started}`);
  });
  assert.deepEqual(events, ['hi', 'clash: EADDRINUSE', 'serveForever returned', 'started after stop: false']);
});

test('start() binds at once on an IP address, so address has the port before any wait', async () => {
  await operation(function* () {
    const server = createServer(['127.0.0.1', 0], () => 'now');
    void server.start();
    const [host, port] = server.address;
    assert.deepEqual([host, port > 0, server.started], ['127.0.0.1', true, true]);
    assert.equal(yield* (yield* urlopen(`http://127.0.0.1:${port}/`)).text(), 'now');
    yield* server.stop();
  });
});

test('await works from plain async code too', async () => {
  const server = createServer(['127.0.0.1', 0], function* (request) {
    return `${request.method} ok`;
  });
  await server.start();
  const response = await urlopen(`http://127.0.0.1:${server.address[1]}/`, { method: 'DELETE' });
  assert.equal(await response.text(), 'DELETE ok');
  await server.stop();
});

function makeCertificate(): { key: string; cert: string } | null {
  const dir = mkdtempSync(join(tmpdir(), 'greenlets-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
        '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('https: the server with tls options, urlopen with a trusted CA', async (t) => {
  const pair = makeCertificate();
  if (pair === null) {
    t.skip('openssl is not available to make a test certificate');
    return;
  }
  await operation(function* () {
    const server = new HttpServer(['127.0.0.1', 0], (request) => `secure ${request.path}`, { tls: pair });
    yield* server.start();
    try {
      const url = `https://127.0.0.1:${server.address[1]}/x`;
      const response = yield* urlopen(url, { tls: { ca: pair.cert } });
      assert.equal(yield* response.text(), 'secure /x');
      yield* assertThrows(urlopen(url), (error) => /self[- ]signed/i.test(String(error)));
    } finally {
      yield* server.stop(1000);
    }
  });
});

test('spawn: a pool size or a Pool bounds the requests handled at once; the others wait', async () => {
  for (const spawnOption of [2, new Pool(2)]) {
    let running = 0;
    let most = 0;
    await withServer(
      function* (request) {
        running++;
        most = Math.max(most, running);
        yield* sleep(30);
        running--;
        return request.path;
      },
      function* (base) {
        const clients = Array.from({ length: 6 }, (_, i) =>
          spawn(function* () {
            return yield* (yield* urlopen(`${base}/${i}`)).text();
          }),
        );
        yield* joinAll(clients, { raiseError: true });
        assert.deepEqual(
          clients.map((c) => c.value),
          clients.map((_, i) => `/${i}`),
        );
      },
      { spawn: spawnOption },
    );
    assert.equal(most, 2);
  }
});

test('spawn: a Group keeps track of the request greenlets', async () => {
  const group = new Group();
  const sizes: number[] = [];
  await withServer(
    function* () {
      sizes.push(group.size);
      return 'ok';
    },
    function* (base) {
      yield* (yield* urlopen(base)).readAll();
      yield* sleep(10);
      sizes.push(group.size);
    },
    { spawn: group },
  );
  assert.deepEqual(sizes, [1, 0]);
  assert.throws(() => new HttpServer(['127.0.0.1', 0], () => 'x', { spawn: 'many' as unknown as number }), {
    name: 'TypeError',
    message: /spawn must be a Pool, a Group or a pool size, got "many"/,
  });
});

test('stop(timeout) with a full pool: the running request is killed, the waiting ones get 503', async () => {
  const events: string[] = [];
  await operation(function* () {
    const server = new HttpServer(
      ['127.0.0.1', 0],
      function* (request) {
        events.push(`handling ${request.path}`);
        try {
          yield* sleep(10_000);
        } finally {
          events.push(`finally ${request.path}`);
        }
      },
      { spawn: 1 },
    );
    yield* server.start();
    const base = `http://127.0.0.1:${server.address[1]}`;
    const first = spawn(function* () {
      const response = yield* urlopen(`${base}/first`);
      return response.status;
    });
    yield* sleep(50);
    const waiting = ['/a', '/b'].map((path) =>
      spawn(function* () {
        const response = yield* urlopen(base + path);
        return `${response.status} ${yield* response.text()}`;
      }),
    );
    yield* sleep(50);
    yield* server.stop(100);
    yield* joinAll([first, ...waiting]);
    assert.deepEqual(
      waiting.map((g) => g.value),
      ['503 503 Service Unavailable: the server is shutting down\n', '503 503 Service Unavailable: the server is shutting down\n'],
    );
  });
  assert.deepEqual(events, ['handling /first', 'finally /first']);
});
