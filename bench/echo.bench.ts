/**
 * Echo round trips per second with 500 and with 5,000 concurrent connections: `StreamServer`
 * (a greenlet per connection looping on `recv` and `sendall`) against a raw `node:net` echo
 * server written the idiomatic way (`socket.pipe(socket)`, as in Node's own docs). Both servers
 * run in this process; one load generator, in a child process of its own so it never shares an
 * event loop with a server under test, drives both in the same run: it opens the connections
 * (not timed), then times every connection sending a 64-byte message and waiting for its echo,
 * over and over. Goal: at least 0.9x raw `net`. The servers' CPU time per round trip is
 * printed too: on a busy machine it is steadier than the wall time, which the load generator's
 * share of the CPU also decides.
 *
 * Run with `--load` this file is that load generator: it reads one job per line on stdin and
 * answers each with its timing on stdout.
 */
import net from 'node:net';
import { spawn as spawnProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { StreamServer } from '../src/server.js';
import type { Socket } from '../src/socket.js';
import { RUNS, median, note, report, scaled, verdict, type CaseResult } from './stats.js';

const MESSAGE_SIZE = 64;
const ROUND_TRIPS = scaled(100_000);

interface Job {
  port: number;
  connections: number;
  perConnection: number;
}

/** Opens the connections, then times the round trips; answers `{ ms }`. */
async function loadOnce(job: Job): Promise<number> {
  const payload = Buffer.alloc(MESSAGE_SIZE, 'x');
  const sockets: net.Socket[] = [];
  let opening: Promise<unknown>[] = [];
  for (let i = 0; i < job.connections; i++) {
    const sock = net.connect(job.port, '127.0.0.1');
    sock.setNoDelay(true);
    sockets.push(sock);
    opening.push(new Promise((resolve, reject) => sock.once('connect', resolve).once('error', reject)));
    // Opening thousands at once overflows the listen backlog; a few hundred at a time does not.
    if (opening.length === 256) {
      await Promise.all(opening);
      opening = [];
    }
  }
  await Promise.all(opening);
  const start = performance.now();
  await Promise.all(
    sockets.map(
      (sock) =>
        new Promise<void>((resolve, reject) => {
          let left = job.perConnection;
          let pending = MESSAGE_SIZE;
          sock.on('error', reject);
          sock.on('data', (chunk: Buffer) => {
            pending -= chunk.length;
            if (pending > 0) return;
            pending = MESSAGE_SIZE;
            if (--left === 0) resolve();
            else sock.write(payload);
          });
          sock.write(payload);
        }),
    ),
  );
  const ms = performance.now() - start;
  await Promise.all(sockets.map((sock) => new Promise((resolve) => sock.once('close', resolve).end())));
  return ms;
}

async function load(): Promise<void> {
  for await (const line of createInterface({ input: process.stdin })) {
    const ms = await loadOnce(JSON.parse(line) as Job);
    process.stdout.write(`${JSON.stringify({ ms })}\n`);
  }
}

async function main(): Promise<void> {
  const child = spawnProcess(process.execPath, [fileURLToPath(import.meta.url), '--load'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  async function drive(job: Job): Promise<number> {
    child.stdin.write(`${JSON.stringify(job)}\n`);
    const answer = await answers.next();
    if (answer.done === true) throw new Error('the load generator exited');
    return (JSON.parse(answer.value) as { ms: number }).ms;
  }

  const greenlets = new StreamServer(
    ['127.0.0.1', 0],
    function* (sock: Socket) {
      for (let data = yield* sock.recv(65536); data.length > 0; data = yield* sock.recv(65536)) yield* sock.sendall(data);
    },
    { backlog: 1024 },
  );
  await greenlets.start();
  const raw = net.createServer((sock) => sock.pipe(sock));
  await new Promise<void>((resolve) => raw.listen({ host: '127.0.0.1', port: 0, backlog: 1024 }, resolve));
  const servers = [
    { name: 'greenlets StreamServer', port: greenlets.address[1] },
    { name: 'raw node:net (socket.pipe)', port: (raw.address() as net.AddressInfo).port },
  ];

  let met = 0;
  try {
    for (const connections of [500, 5000]) {
      const perConnection = Math.max(1, Math.round(ROUND_TRIPS / connections));
      const total = perConnection * connections;
      // One warm-up round, then the runs interleaved, as `measure` does; the load generator's
      // own timing of the round trips is the sample.
      for (const s of servers) await drive({ port: s.port, connections, perConnection });
      const samples = servers.map(() => [] as number[]);
      const cpu = servers.map(() => [] as number[]);
      for (let i = 0; i < RUNS; i++) {
        for (let j = 0; j < servers.length; j++) {
          const before = process.cpuUsage();
          samples[j].push(await drive({ port: servers[j].port, connections, perConnection }));
          const used = process.cpuUsage(before);
          cpu[j].push((used.user + used.system) / total);
        }
      }
      const results: CaseResult[] = servers.map((s, j) => ({ name: s.name, samples: samples[j], median: median(samples[j]) }));
      report(`echo of ${MESSAGE_SIZE}-byte messages, ${connections} concurrent connections, ${total} round trips`, results, total, 'round trip');
      const rate = (r: CaseResult): number => (total / r.median) * 1000;
      results.forEach((r, j) => {
        const rt = Math.round(rate(r)).toLocaleString('en-US');
        note(`${r.name}: ${rt} round trips/s, server CPU ${median(cpu[j]).toFixed(2)} us per round trip (connection setup included)`);
      });
      const ratio = rate(results[0]) / rate(results[1]);
      if (verdict(`at least 0.9x raw net with ${connections} connections`, ratio >= 0.9, `${ratio.toFixed(2)}x`)) met++;
    }
  } finally {
    child.stdin.end();
    await greenlets.stop();
    raw.close();
  }
  note(`${met} of 2 goals met`);
}

if (process.argv.includes('--load')) await load();
else await main();
