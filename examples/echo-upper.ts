/**
 * Seeds 000 and 002, "concurrent socket communication with gevent": an upper-case echo server
 * with one greenlet per connection, and 500 concurrent clients.
 *
 * The seeds' server loops on `conn, addr = s.accept()` and `gevent.spawn(talk, conn, addr)`;
 * `StreamServer` is that loop, so `talk` is all there is to write. The seeds' clients are 500
 * threads; here they are 500 greenlets in the same process. Each sends a few messages, prints
 * the answers (only the first client's are shown), and keeps its connection open until every
 * client is done, so all 500 are connected at once.
 *
 * Usage: node echo-upper.js [clients=500] [messages=3]
 */
import { Event, joinAll, spawn } from '../src/index.js';
import { StreamServer } from '../src/server.js';
import { createConnection, type Address, type Socket } from '../src/socket.js';

const clientCount = Number(process.argv[2] ?? 500);
const messages = Number(process.argv[3] ?? 3);
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
const shown = (message: string): boolean => message.startsWith('Client-1 ');

let connections = 0;
let handling = 0;
let mostAtOnce = 0;

// The seeds' talk(conn, addr): echo every message upper-cased until the client hangs up.
function* talk(conn: Socket, [host, port]: Address) {
  connections++;
  handling++;
  mostAtOnce = Math.max(mostAtOnce, handling);
  try {
    for (;;) {
      const res = yield* conn.recv(1024);
      if (res.length === 0) break;
      if (shown(text(res))) console.log(`client ${host}:${port} msg: b'${text(res)}'`);
      yield* conn.sendall(text(res).toUpperCase());
    }
  } finally {
    handling--;
  }
}

const server = new StreamServer(['127.0.0.1', 0], talk, { backlog: 1024 });
await server.start();
console.log(`server listening on ${server.address.join(':')}`);

const everyoneDone = new Event();
let done = 0;
let replies = 0;
let upperCased = 0;

// The seeds' client(): a thread each there, a greenlet each here.
function* client(name: string) {
  const c = yield* createConnection(server.address);
  try {
    for (let count = 0; count < messages; count++) {
      const message = `${name} say hello ${count}`;
      yield* c.sendall(message);
      const msg = text(yield* c.recv(1024));
      replies++;
      if (msg === message.toUpperCase()) upperCased++;
      if (shown(message)) console.log(msg);
    }
  } finally {
    if (++done === clientCount) everyoneDone.set();
  }
  yield* everyoneDone.wait();
  c.close();
}

const clients = Array.from({ length: clientCount }, (_, i) => spawn(client, `Client-${i + 1}`));
await joinAll(clients, { raiseError: true });
await server.stop();

if (clientCount > 1) console.log(`(the other ${clientCount - 1} clients talk the same way; their lines are counted, not printed)`);
console.log(`${clientCount} clients x ${messages} messages: ${replies} replies, ${upperCased === replies ? 'all' : upperCased} upper-cased`);
console.log(`one greenlet per connection: ${connections} connections, up to ${mostAtOnce} at once`);
