import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GreenletExit, operation, sleep, spawn, withTimeout } from '../src/index.js';
import {
  AF_INET,
  AF_INET6,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_PASSIVE,
  EAI_NONAME,
  EAI_SERVICE,
  GaiError,
  IPPROTO_TCP,
  IPPROTO_UDP,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
  gaierror,
  getaddrinfo,
  gethostbyname,
  gethostbynameEx,
  getnameinfo,
} from '../src/dns.js';

test('getaddrinfo of a numeric address gives one result per socket type, as Python', async () => {
  const infos = await getaddrinfo('127.0.0.1', 8080);
  assert.deepEqual(
    infos.map((i) => [...i]),
    [
      [AF_INET, SOCK_STREAM, IPPROTO_TCP, '', ['127.0.0.1', 8080]],
      [AF_INET, SOCK_DGRAM, IPPROTO_UDP, '', ['127.0.0.1', 8080]],
      [AF_INET, SOCK_RAW, 0, '', ['127.0.0.1', 8080]],
    ],
  );
  const [first] = infos;
  assert.deepEqual(
    [first.family, first.type, first.proto, first.canonname, first.sockaddr, first.address, first.port],
    [AF_INET, SOCK_STREAM, IPPROTO_TCP, '', ['127.0.0.1', 8080], '127.0.0.1', 8080],
  );
});

test('getaddrinfo of localhost includes 127.0.0.1; type, family, port names and flags narrow it', async () => {
  const infos = await getaddrinfo('localhost', 'http', { type: SOCK_STREAM, flags: AI_CANONNAME });
  assert.ok(infos.length >= 1);
  assert.ok(infos.every((i) => i.type === SOCK_STREAM && i.proto === IPPROTO_TCP && i.port === 80));
  assert.ok(infos.some((i) => i.family === AF_INET && i.address === '127.0.0.1'));
  assert.ok(infos.every((i) => i.family === AF_INET || i.family === AF_INET6));
  assert.equal(infos[0].canonname, 'localhost');
  const v4 = await getaddrinfo('localhost', 5, { family: AF_INET, type: SOCK_DGRAM });
  assert.deepEqual(v4.map((i) => [...i]), [[AF_INET, SOCK_DGRAM, IPPROTO_UDP, '', ['127.0.0.1', 5]]]);
  const passive = await getaddrinfo(null, '8000', { family: AF_INET, type: SOCK_STREAM, flags: AI_PASSIVE });
  assert.deepEqual(passive[0].sockaddr, ['0.0.0.0', 8000]);
  const loopback = await getaddrinfo(null, 0, { family: AF_INET, type: SOCK_STREAM });
  assert.deepEqual(loopback[0].sockaddr, ['127.0.0.1', 0]);
});

test('gethostbyname, gethostbynameEx and getnameinfo on the loopback address', async () => {
  assert.equal(await gethostbyname('localhost'), '127.0.0.1');
  assert.equal(await gethostbyname('127.0.0.1'), '127.0.0.1');
  const [name, aliases, addresses] = await gethostbynameEx('localhost');
  assert.deepEqual([name, aliases, addresses.includes('127.0.0.1')], ['localhost', [], true]);
  const [host, service] = await getnameinfo(['127.0.0.1', 80]);
  assert.equal(typeof host, 'string');
  assert.ok(host.length > 0);
  assert.equal(service, 'http');
});

test('names that do not resolve throw GaiError (socket.gaierror) with errno EAI_NONAME', async () => {
  for (const lookup of [() => getaddrinfo('no-such-host.invalid', 80), () => gethostbyname('no-such-host.invalid')]) {
    await assert.rejects(async () => lookup(), (error: unknown) => {
      assert.ok(error instanceof GaiError);
      assert.ok(error instanceof gaierror);
      assert.equal(error.name, 'GaiError');
      assert.equal(error.errno, EAI_NONAME);
      assert.match(error.message, /no-such-host\.invalid.*\[Errno -2\]/);
      assert.ok(error.cause instanceof Error);
      return true;
    });
  }
});

test('bad arguments fail clearly', async () => {
  assert.throws(() => getaddrinfo('localhost', 'no-such-service'), (error: unknown) => error instanceof GaiError && error.errno === EAI_SERVICE);
  assert.throws(() => getaddrinfo('localhost', 70000), { name: 'RangeError', message: /getaddrinfo\(\) port must be an integer from 0 to 65535, got 70000/ });
  assert.throws(() => gethostbyname(42 as unknown as string), { name: 'TypeError', message: /gethostbyname\(\) host must be a string, got 42/ });
  await assert.rejects(async () => getaddrinfo('localhost', 80, { family: 99 }), { name: 'GaiError', message: /ai_family not supported: 99/ });
  await assert.rejects(async () => getaddrinfo('localhost', 80, { flags: AI_NUMERICHOST }), { name: 'GaiError', message: /AI_NUMERICHOST/ });
});

test('lookups are cooperative: other greenlets run while one waits', async () => {
  const events: string[] = [];
  await operation(function* () {
    const lookup = spawn(function* () {
      events.push('lookup starts');
      const ip = yield* gethostbyname('localhost');
      events.push(`lookup got ${ip}`);
    });
    const other = spawn(function* () {
      events.push('other runs');
    });
    yield* lookup.join();
    yield* other.join();
  });
  assert.deepEqual(events, ['lookup starts', 'other runs', 'lookup got 127.0.0.1']);
});

test('a lookup is killable: the greenlet is released at once, the late result is dropped', async () => {
  const events: string[] = [];
  await operation(function* () {
    const g = spawn(function* () {
      try {
        const infos = yield* getaddrinfo('localhost', 80);
        events.push(`not dropped: ${infos.length}`);
      } finally {
        events.push('finally');
      }
    });
    yield* sleep(0);
    yield* g.kill();
    events.push(`killed: ${g.value instanceof GreenletExit}`);
    // Whatever the thread pool finishes later must not disturb anything.
    yield* sleep(50);
    const late = yield* withTimeout(5000, gethostbyname('localhost'));
    events.push(`next lookup: ${late}`);
  });
  assert.deepEqual(events, ['finally', 'killed: true', 'next lookup: 127.0.0.1']);
});
