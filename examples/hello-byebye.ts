/**
 * Seed 001, "sockets with coroutines": the server greets every connection with `hello` and
 * prints what the client answers; the client prints the greeting and answers with what the user
 * types (here a message from the command line, typed by three clients at different speeds).
 *
 * The server is the seed's: `conn, addr = sk.accept()` then `gevent.spawn(talk, conn)`, so one
 * slow typist never holds up the others.
 *
 * Usage: node hello-byebye.js [message=byebye]
 */
import { joinAll, sleep, spawn } from '../src/index.js';
import { Socket, createConnection, type Address } from '../src/socket.js';

const message = process.argv[2] ?? 'byebye';
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

// The seed's talk(conn): greet, print the answer, hang up.
function* talk(conn: Socket) {
  yield* conn.send('hello');
  console.log(`[server] ${text(yield* conn.recv(1024))}`);
  conn.close();
}

const sk = new Socket();
sk.bind(['127.0.0.1', 0]);
await sk.listen();
const server = spawn(function* () {
  for (;;) {
    const [conn] = yield* sk.accept();
    spawn(talk, conn);
  }
});

// The seed's client, with input('>>>') replaced by a typist who takes `delay` ms to answer.
function* client(address: Address, name: string, delay: number) {
  const c = yield* createConnection(address);
  console.log(`[${name}] b'${text(yield* c.recv(1024))}'`);
  yield* sleep(delay);
  const msg = `${message} from ${name}`;
  console.log(`[${name}] >>>${msg}`);
  yield* c.send(msg);
  // Wait for the server to hang up, so its line is printed before the next client types.
  while ((yield* c.recv(1024)).length > 0);
  c.close();
}

const address = sk.getsockname();
await joinAll(
  [spawn(client, address, 'client 1', 50), spawn(client, address, 'client 2', 100), spawn(client, address, 'client 3', 150)],
  { raiseError: true },
);
server.kill();
sk.close();
