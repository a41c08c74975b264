/**
 * Seed 001, "I/O models: non-blocking I/O": a server on a non-blocking socket, polling `accept`
 * and every connection's `recv` in a loop and catching `BlockingIOError` when nothing is there.
 *
 * It works, but the loop never waits: it spins, asking again and again. The count printed at
 * the end shows how many times it asked to serve two clients; the select server and the
 * greenlet servers wait instead, costing nothing while nothing happens. (The seed's clients
 * sleep 1 s; these sleep 0.3 s.)
 */
import { joinAll, sleep, spawn } from '../src/index.js';
import { BlockingIOError, Socket, createConnection, type Address } from '../src/socket.js';

const CLIENTS = 2;
const pyBytes = (bytes: Uint8Array): string => `b'${Buffer.from(bytes).toString('utf8')}'`;

const sk = new Socket();
sk.bind(['127.0.0.1', 0]);
await sk.listen();
sk.setBlocking(false);

function* server() {
  const connL: Socket[] = [];
  const delConn: Socket[] = [];
  let served = 0;
  let loops = 0;
  while (served < CLIENTS) {
    loops++;
    try {
      const [conn, addr] = yield* sk.accept(); // does not block, but throws when nobody is connecting
      console.log(`connection established: ('${addr[0]}', ${addr[1]})`);
      conn.setBlocking(false);
      connL.push(conn);
    } catch (error) {
      if (!(error instanceof BlockingIOError)) throw error;
      for (const con of connL) {
        try {
          const msg = yield* con.recv(1024); // does not block, but throws when there is no data
          if (msg.length === 0) {
            delConn.push(con);
            continue;
          }
          console.log(pyBytes(msg));
          yield* con.send('byebye');
        } catch (e) {
          if (!(e instanceof BlockingIOError)) throw e;
        }
      }
      for (const con of delConn) {
        con.close();
        connL.splice(connL.indexOf(con), 1);
        served++;
      }
      delConn.length = 0;
    }
    // Nothing above ever waits; without this turn, no connection or byte could ever arrive.
    yield* sleep(0);
  }
  sk.close();
  return loops;
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
const loops = await serving.get();
console.log(`the server looped ${loops} times to serve ${CLIENTS} clients: polling keeps the CPU busy while nothing happens`);
