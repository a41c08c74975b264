/**
 * A scan of all 65,535 ports of 127.0.0.1, at most 500 connection attempts at a time: wall
 * time. The greenlets scanner is seed 004's `geventScan`: one greenlet per port spawned into
 * `Pool(500)`, each trying `createConnection` with a short timeout. The anchors are plain Node
 * scripts with the same concurrency limit: 500 async workers taking the next port in turn (the
 * leanest plain form), and `p-limit(500)` over one promise per port. A few listeners are opened
 * first, and each scanner must find them. Goal: no slower than the plain script.
 */
import net from 'node:net';
import pLimit from 'p-limit';
import { Pool, joinAll, operation, type Greenlet } from '../src/index.js';
import { Socket, createConnection } from '../src/socket.js';
import { measure, note, report, scaled, verdict } from './stats.js';

const HOST = '127.0.0.1';
const LAST_PORT = Math.min(65535, scaled(65535));
const CONCURRENCY = 500;
const TIMEOUT_MS = 500;

/** Connected to itself: a probe of a free port in the ephemeral range can, rarely, get that port as its own source port. */
function selfConnected(local: number | undefined, port: number): boolean {
  return local === port;
}

function greenletScan(): Promise<number[]> {
  function* portScan(port: number, open: number[]) {
    try {
      const sock = yield* createConnection([HOST, port], { timeout: TIMEOUT_MS });
      if (!selfConnected(sock.getsockname()[1], port)) open.push(port);
      sock.close();
    } catch {
      // refused or timed out: closed
    }
  }
  return Promise.resolve(
    operation(function* () {
      const open: number[] = [];
      const pool = new Pool(CONCURRENCY);
      const probes: Greenlet[] = [];
      for (let port = 1; port <= LAST_PORT; port++) probes.push(yield* pool.spawn(portScan, port, open));
      yield* joinAll(probes);
      return open;
    }),
  );
}

/** One plain connection attempt: resolves true when the port accepts a connection. */
function probe(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(false);
    }, TIMEOUT_MS);
    sock.once('connect', () => {
      clearTimeout(timer);
      const self = selfConnected(sock.localPort, port);
      sock.destroy();
      resolve(!self);
    });
    sock.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

async function workerScan(): Promise<number[]> {
  const open: number[] = [];
  let next = 1;
  async function worker(): Promise<void> {
    while (next <= LAST_PORT) {
      const port = next++;
      if (await probe(port)) open.push(port);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return open;
}

async function pLimitScan(): Promise<number[]> {
  const limit = pLimit(CONCURRENCY);
  const ports = Array.from({ length: LAST_PORT }, (_, i) => i + 1);
  const found = await Promise.all(ports.map((port) => limit(() => probe(port))));
  return ports.filter((_, i) => found[i]);
}

async function main(): Promise<void> {
  const listeners: Socket[] = [];
  for (let i = 0; i < 5; i++) {
    const sock = new Socket();
    sock.bind([HOST, 0]);
    await sock.listen();
    listeners.push(sock);
  }
  const ours = listeners.map((sock) => sock.getsockname()[1]).filter((port) => port <= LAST_PORT);
  function check(name: string, scan: () => Promise<number[]>): () => Promise<void> {
    return async () => {
      const open = await scan();
      const missing = ours.filter((port) => !open.includes(port));
      if (missing.length > 0) throw new Error(`${name} missed the listeners on ${missing.join(', ')}`);
    };
  }
  try {
    const results = await measure([
      { name: 'greenlets Pool(500) + createConnection', run: check('greenlets', greenletScan) },
      { name: 'plain Node, 500 async workers', run: check('workers', workerScan) },
      { name: 'plain Node, p-limit(500)', run: check('p-limit', pLimitScan) },
    ]);
    report(`scan of ports 1-${LAST_PORT} of ${HOST}, ${CONCURRENCY} at a time`, results, LAST_PORT, 'port');
    note(`each scanner found the ${ours.length} listeners opened for it (other programs' listeners may show up too)`);
    const ours1 = results[0].median;
    const plain = Math.min(results[1].median, results[2].median);
    verdict('no slower than the plain script', ours1 <= plain, `${(ours1 / 1000).toFixed(2)} s vs ${(plain / 1000).toFixed(2)} s, ${(plain / ours1).toFixed(2)}x`);
  } finally {
    for (const sock of listeners) sock.close();
  }
}

await main();
