/**
 * HTTP "hello" requests per second with 100 and with 1,000 connections: `greenlets/http`
 * (`HttpServer`, a greenlet per request) against a raw `node:http` server written the idiomatic
 * way. Each server runs in its own process and `autocannon` drives it from another, so the load
 * generator never shares a CPU budget with the server under test; both servers are measured in
 * the same run, interleaved. Goal: at least 0.85x raw `node:http`.
 *
 * Run with `--serve greenlets|raw` this file is one of the servers: it prints its port and
 * serves until its stdin closes.
 */
import http from 'node:http';
import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { median, note, RUNS, verdict } from './stats.js';

const HELLO = 'hello';

async function serve(kind: string): Promise<void> {
  let close: () => Promise<unknown>;
  let port: number;
  if (kind === 'greenlets') {
    const { HttpServer } = await import('../src/http.js');
    const server = new HttpServer(['127.0.0.1', 0], function* (_request, response) {
      response.end(HELLO);
    });
    await server.start();
    port = server.address[1];
    close = () => Promise.resolve(server.stop(0));
  } else {
    const server = http.createServer((_req, res) => {
      res.end(HELLO);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
    close = () => new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    });
  }
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  // Each line on stdin asks for the CPU time used so far; the end of stdin stops the server.
  const commands = createInterface({ input: process.stdin });
  commands.on('line', () => {
    const { user, system } = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ cpu: user + system })}\n`);
  });
  commands.on('close', () => void close());
}

interface Server {
  name: string;
  port: number;
  child: ChildProcess;
  /** The next line the server prints. */
  nextLine: () => Promise<string>;
}

/** The server's CPU time (user + system) so far, in microseconds. */
async function cpuOf(server: Server): Promise<number> {
  server.child.stdin!.write('cpu\n');
  return (JSON.parse(await server.nextLine()) as { cpu: number }).cpu;
}

async function startServer(name: string, kind: string): Promise<Server> {
  const child = spawnProcess(process.execPath, [fileURLToPath(import.meta.url), '--serve', kind], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const nextLine = (): Promise<string> => new Promise<string>((resolve) => lines.once('line', resolve));
  const first = await nextLine();
  return { name, port: (JSON.parse(first) as { port: number }).port, child, nextLine };
}

const autocannonPath = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

interface LoadResult {
  /** Requests per second (autocannon's average over the run). */
  rate: number;
  /** Requests answered in all. */
  total: number;
}

/** What autocannon measures against `port`, from its own process. */
function load(port: number, connections: number, seconds: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawnProcess(
      process.execPath,
      [autocannonPath, '--json', '-c', String(connections), '-d', String(seconds), `http://127.0.0.1:${port}/`],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const parts: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => parts.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        const result = JSON.parse(Buffer.concat(parts).toString()) as { requests: { average: number; total: number }; non2xx: number; errors: number };
        if (result.non2xx > 0 || result.errors > 0) note(`(port ${port}: ${result.non2xx} non-2xx, ${result.errors} errors)`);
        resolve({ rate: result.requests.average, total: result.requests.total });
      } catch (error) {
        reject(new Error(`autocannon exited with ${code} and no JSON result`, { cause: error }));
      }
    });
  });
}

async function main(): Promise<void> {
  const runs = Math.min(RUNS, 3);
  const seconds = Number(process.env.BENCH_HTTP_SECONDS ?? 3);
  const servers = [await startServer('greenlets HttpServer', 'greenlets'), await startServer('raw node:http', 'raw')];
  try {
    for (const connections of [100, 1000]) {
      for (const s of servers) await load(s.port, connections, 1);
      const rates = servers.map(() => [] as number[]);
      const cpuPerRequest = servers.map(() => [] as number[]);
      for (let i = 0; i < runs; i++) {
        for (let j = 0; j < servers.length; j++) {
          const server = servers[j];
          const before = await cpuOf(server);
          const result = await load(server.port, connections, seconds);
          const cpu = (await cpuOf(server)) - before;
          rates[j].push(result.rate);
          cpuPerRequest[j].push(cpu / Math.max(1, result.total));
        }
      }
      const medians = rates.map(median);
      const cpuMedians = cpuPerRequest.map(median);
      console.log(`\n## HTTP "hello", ${connections} connections, ${seconds} s x ${runs} runs each (autocannon, own process)`);
      console.log(`${'contender'.padEnd(40)}${'median req/s'.padStart(14)}${'vs raw'.padStart(10)}${'server CPU us/req'.padStart(20)}${'vs raw'.padStart(10)}`);
      for (let j = 0; j < servers.length; j++) {
        console.log(
          `${servers[j].name.padEnd(40)}${medians[j].toFixed(0).padStart(14)}${`${(medians[j] / medians[1]).toFixed(2)}x`.padStart(10)}` +
            `${cpuMedians[j].toFixed(1).padStart(20)}${`${(cpuMedians[j] / cpuMedians[1]).toFixed(2)}x`.padStart(10)}`,
        );
      }
      note(`req/s samples: ${rates.map((s, j) => `${servers[j].name}: ${s.map((x) => x.toFixed(0)).join(', ')}`).join('; ')}`);
      const ratio = medians[0] / medians[1];
      verdict('>= 0.85x raw node:http', ratio >= 0.85, `${ratio.toFixed(2)}x req/s; server CPU per request ${(cpuMedians[1] / cpuMedians[0]).toFixed(2)}x as efficient`);
    }
  } finally {
    for (const s of servers) s.child.stdin!.end();
  }
}

const serveIndex = process.argv.indexOf('--serve');
if (serveIndex >= 0) await serve(process.argv[serveIndex + 1] ?? 'raw');
else await main();
