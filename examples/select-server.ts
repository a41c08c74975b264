/**
 * Seed 001, "I/O models: I/O multiplexing with select": one loop serves every connection by
 * asking `select` which sockets are readable, and waits (costing nothing) while none is.
 *
 * `select` parks the greenlet until one of the sockets has a connection, data or the end of a
 * stream to offer; each readable socket is then served without blocking. (The seed's 20 clients
 * sleep 3 s before reading the answer; these sleep 0.3 s.)
 */
import { joinAll, sleep, spawn } from '../src/index.js';
import { Socket, createConnection, type Address } from '../src/socket.js';
import { select } from '../src/select.js';

const CLIENTS = 20;
const pyBytes = (bytes: Uint8Array): string => `b'${Buffer.from(bytes).toString('utf8')}'`;

const sk = new Socket();
sk.bind(['127.0.0.1', 0]);
await sk.listen();
sk.setBlocking(false);

function* server() {
  const readLst: Socket[] = [sk];
  let served = 0;
  let rounds = 0;
  while (served < CLIENTS) {
    const [rLst] = yield* select(readLst, [], []);
    rounds++;
    for (const i of rLst) {
      if (i === sk) {
        const [conn] = yield* i.accept();
        readLst.push(conn);
      } else {
        const ret = yield* i.recv(1024);
        if (ret.length === 0) {
          i.close();
          readLst.splice(readLst.indexOf(i), 1);
          served++;
          continue;
        }
        console.log(pyBytes(ret));
        yield* i.send('goodbye!');
      }
    }
  }
  sk.close();
  return rounds;
}

function* func(address: Address) {
  const c = yield* createConnection(address);
  yield* c.send('hello');
  yield* sleep(300);
  console.log(pyBytes(yield* c.recv(1024)));
  c.close();
}

const address = sk.getsockname();
const serving = spawn(server);
await joinAll(
  Array.from({ length: CLIENTS }, () => spawn(func, address)),
  { raiseError: true },
);
const rounds = await serving.get();
console.log(`one greenlet served ${CLIENTS} clients in ${rounds <= 4 * CLIENTS ? 'a few dozen' : rounds} select() rounds, waiting in between`);
