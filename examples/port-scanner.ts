/**
 * Seed 004, "port scanning with coroutines": `geventScan` spawns one `portScan` per port into
 * `gevent.pool.Pool(500)` and joins them all; each probe is one connection attempt with a short
 * timeout.
 *
 * To have something to find, the program first opens a few listeners of its own on 127.0.0.1,
 * then scans the hundred ports around each (or the range given) and checks that it found
 * exactly those.
 *
 * Usage: node port-scanner.js [from-to]
 */
import { performance } from 'node:perf_hooks';
import { Pool, joinAll, spawn, type Greenlet } from '../src/index.js';
import { Socket, createConnection } from '../src/socket.js';

const address = '127.0.0.1';

// The seed's portScan: a port is open when a connection succeeds.
function* portScan(host: string, port: number, returnList: number[]) {
  try {
    const sock = yield* createConnection([host, port], { timeout: 500 });
    // Probing a free port in the ephemeral range can, rarely, connect the probe to itself
    // (the kernel picked that same port as its source): nobody listens there.
    if (sock.getsockname()[1] !== port) returnList.push(port);
    sock.close();
  } catch {
    // refused or timed out: closed
  }
}

// The seed's geventScan: one greenlet per port, at most 500 at a time.
function* geventScan(host: string, startPort: number, endPort: number) {
  const returnList: number[] = [];
  const geventList: Greenlet[] = [];
  const g = new Pool(500);
  for (let one = startPort; one <= endPort; one++) {
    geventList.push(yield* g.spawn(portScan, host, one, returnList));
  }
  yield* joinAll(geventList);
  return returnList.sort((a, b) => a - b);
}

const listeners: Socket[] = [];
for (let i = 0; i < 5; i++) {
  const sk = new Socket();
  sk.bind([address, 0]);
  await sk.listen();
  listeners.push(sk);
}
const opened = listeners.map((sk) => sk.getsockname()[1]).sort((a, b) => a - b);
console.log(`opened ${opened.length} listeners`);

// Ranges to scan: the one given, or 50 ports either side of each listener (merged).
let ranges: [number, number][] = [];
const given = process.argv[2];
if (given !== undefined) {
  const match = /^(\d+)-(\d+)$/.exec(given);
  if (match === null || Number(match[1]) < 1 || Number(match[2]) > 65535 || Number(match[1]) > Number(match[2])) {
    console.error(`the range must look like 1000-2000 within 1-65535, got ${JSON.stringify(given)}`);
    process.exit(2);
  }
  ranges = [[Number(match[1]), Number(match[2])]];
} else {
  for (const port of opened) {
    const [from, to] = [Math.max(1, port - 50), Math.min(65535, port + 50)];
    const last = ranges[ranges.length - 1];
    if (last !== undefined && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else ranges.push([from, to]);
  }
}
const described = ranges.map(([from, to]) => `${from}-${to}`).join(', ');
const total = ranges.reduce((n, [from, to]) => n + to - from + 1, 0);

const st = performance.now();
const open: number[] = [];
for (const [from, to] of ranges) open.push(...(await spawn(geventScan, address, from, to).get()));
const et = performance.now();
for (const sk of listeners) sk.close();

const inRange = opened.filter((port) => ranges.some(([from, to]) => port >= from && port <= to));
const ours = open.filter((port) => opened.includes(port));
const others = open.filter((port) => !opened.includes(port));
console.log(`scanned ${total} ports of ${address} with Pool(500): ${given === undefined ? '50 either side of each listener' : described}`);
if (inRange.length === 0) console.log('none of the listeners opened here is in that range');
else console.log(`found ${ours.length} of the ${inRange.length} listeners opened here${ours.length === inRange.length ? ', all of them' : ''}`);
console.log(`other open ports: ${others.length === 0 ? 'none' : others.join(', ')}`);
console.log(`scan took ${((et - st) / 1000).toFixed(2)} s in total`);
