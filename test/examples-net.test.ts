// The seeds' network programs: each example runs as its own process, as a user would run it,
// and its output is compared line by line; where ports or counts vary, by shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outputOf, runExample } from './support.js';

/** The line with every 127.0.0.1 port replaced by <port>. */
function ports(line: string): string {
  return line.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>');
}

void test('echo-upper: 500 concurrent clients, each answered upper-case by its own greenlet', async () => {
  const lines = await outputOf('echo-upper.js');
  assert.deepEqual(lines.map(ports), [
    'server listening on 127.0.0.1:<port>',
    "client 127.0.0.1:<port> msg: b'Client-1 say hello 0'",
    'CLIENT-1 SAY HELLO 0',
    "client 127.0.0.1:<port> msg: b'Client-1 say hello 1'",
    'CLIENT-1 SAY HELLO 1',
    "client 127.0.0.1:<port> msg: b'Client-1 say hello 2'",
    'CLIENT-1 SAY HELLO 2',
    '(the other 499 clients talk the same way; their lines are counted, not printed)',
    '500 clients x 3 messages: 1500 replies, all upper-cased',
    'one greenlet per connection: 500 connections, up to 500 at once',
  ]);
});

void test('echo-upper takes the number of clients and messages as arguments', async () => {
  const lines = await outputOf('echo-upper.js', ['20', '2']);
  assert.deepEqual(lines.slice(-3), [
    '(the other 19 clients talk the same way; their lines are counted, not printed)',
    '20 clients x 2 messages: 40 replies, all upper-cased',
    'one greenlet per connection: 20 connections, up to 20 at once',
  ]);
});

void test('hello-byebye: the server greets, each client answers when it has typed its message', async () => {
  assert.deepEqual(await outputOf('hello-byebye.js'), [
    "[client 1] b'hello'",
    "[client 2] b'hello'",
    "[client 3] b'hello'",
    '[client 1] >>>byebye from client 1',
    '[server] byebye from client 1',
    '[client 2] >>>byebye from client 2',
    '[server] byebye from client 2',
    '[client 3] >>>byebye from client 3',
    '[server] byebye from client 3',
  ]);
  const custom = await outputOf('hello-byebye.js', ['see you']);
  assert.equal(custom[3], '[client 1] >>>see you from client 1');
});

void test('nonblocking-server: polling accept and recv serves both clients, spinning meanwhile', async () => {
  const lines = await outputOf('nonblocking-server.js');
  assert.equal(lines.length, 7);
  for (const line of lines.slice(0, 2)) assert.match(line, /^connection established: \('127\.0\.0\.1', \d+\)$/);
  assert.deepEqual(lines.slice(2, 6), ["b'hello'", "b'hello'", "b'byebye'", "b'byebye'"]);
  const loops = /^the server looped (\d+) times to serve 2 clients: polling keeps the CPU busy while nothing happens$/.exec(lines[6]);
  assert.ok(loops, lines[6]);
  // The clients wait 300 ms before reading: a polling loop goes round far more often than that.
  assert.ok(Number(loops[1]) > 10, `looped only ${loops[1]} times`);
});

void test('select-server: one greenlet and select() serve 20 clients', async () => {
  assert.deepEqual(await outputOf('select-server.js'), [
    ...Array<string>(20).fill("b'hello'"),
    ...Array<string>(20).fill("b'goodbye!'"),
    'one greenlet served 20 clients in a few dozen select() rounds, waiting in between',
  ]);
});

void test('port-scanner: Pool(500) finds exactly the listeners the program opened', async () => {
  const lines = await outputOf('port-scanner.js');
  assert.equal(lines.length, 5);
  assert.equal(lines[0], 'opened 5 listeners');
  // Listeners closer than 100 ports to each other share a window, so up to 505 ports are scanned.
  assert.match(lines[1], /^scanned \d+ ports of 127\.0\.0\.1 with Pool\(500\): 50 either side of each listener$/);
  assert.equal(lines[2], 'found 5 of the 5 listeners opened here, all of them');
  // Other programs on this machine may listen near these ports; they are reported apart.
  assert.match(lines[3], /^other open ports: /);
  assert.match(lines[4], /^scan took \d+\.\d\d s in total$/);
});

void test('port-scanner takes a range to scan, and rejects a malformed one', async () => {
  const lines = await outputOf('port-scanner.js', ['1-200']);
  assert.equal(lines[1], 'scanned 200 ports of 127.0.0.1 with Pool(500): 1-200');
  const bad = await runExample('port-scanner.js', ['200-1']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /the range must look like 1000-2000 within 1-65535, got "200-1"/);
});
