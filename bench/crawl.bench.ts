/**
 * A crawl of 1,000 local pages that each answer after 100 ms, 100 at a time: wall time against
 * the ideal 1.0 s (1,000 / 100 x 100 ms). The crawler is a `Pool(100)` of greenlets that each
 * `urlopen` a page and read it; the anchor is plain Node, `http.request` on a keep-alive agent
 * under `p-limit(100)`, and, for reference, the built-in `fetch` under `p-limit(100)`. The pages
 * come from a raw `node:http` server in its own process, so serving them costs the crawler
 * nothing. Goal: within 15% of the ideal.
 *
 * Run with `--serve` this file is that server: it prints its port and serves until its stdin
 * closes.
 */
import http from 'node:http';
import { spawn as spawnProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { Pool, operation } from '../src/index.js';
import { urlopen } from '../src/http.js';
import { measure, median, note, report, scaled, verdict } from './stats.js';

const PAGES = scaled(1000);
const CONCURRENCY = 100;
const DELAY_MS = 100;
const PAGE = 'x'.repeat(2048);

async function serve(): Promise<void> {
  const server = http.createServer((_req, res) => {
    setTimeout(() => res.end(PAGE), DELAY_MS);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    server.close();
    server.closeAllConnections();
  });
}

async function main(): Promise<void> {
  const child = spawnProcess(process.execPath, [fileURLToPath(import.meta.url), '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve) => lines.once('line', resolve));
  lines.close();
  const port = (JSON.parse(first) as { port: number }).port;
  const urls = Array.from({ length: PAGES }, (_, i) => `http://127.0.0.1:${port}/page/${i}`);
  const ideal = (PAGES / CONCURRENCY) * DELAY_MS;

  function checkTotal(name: string, bytes: number): void {
    if (bytes !== PAGES * PAGE.length) throw new Error(`${name} received ${bytes} bytes, expected ${PAGES * PAGE.length}`);
  }

  function greenletCrawl(): Promise<void> {
    return Promise.resolve(
      operation(function* () {
        const pool = new Pool(CONCURRENCY);
        let bytes = 0;
        for (const url of urls) {
          yield* pool.spawn(function* () {
            const response = yield* urlopen(url);
            // Not `bytes += (yield* ...)`: that reads `bytes` before the yield and loses the
            // other greenlets' additions made meanwhile.
            const body = yield* response.readAll();
            bytes += body.length;
          });
        }
        yield* pool.join();
        checkTotal('greenlets', bytes);
      }),
    );
  }

  const agent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });
  function get(url: string): Promise<number> {
    return new Promise((resolve, reject) => {
      http
        .get(url, { agent }, (res) => {
          let bytes = 0;
          res.on('data', (chunk: Buffer) => (bytes += chunk.length));
          res.on('end', () => resolve(bytes));
          res.on('error', reject);
        })
        .on('error', reject);
    });
  }

  async function nodeCrawl(): Promise<void> {
    const limit = pLimit(CONCURRENCY);
    const sizes = await Promise.all(urls.map((url) => limit(() => get(url))));
    checkTotal('http.request', sizes.reduce((a, b) => a + b, 0));
  }

  async function fetchCrawl(): Promise<void> {
    const limit = pLimit(CONCURRENCY);
    const sizes = await Promise.all(urls.map((url) => limit(async () => (await (await fetch(url)).arrayBuffer()).byteLength)));
    checkTotal('fetch', sizes.reduce((a, b) => a + b, 0));
  }

  const contenders = [
    { name: 'greenlets Pool(100) + urlopen', run: greenletCrawl },
    { name: 'http.request + p-limit(100)', run: nodeCrawl },
    { name: 'fetch + p-limit(100)', run: fetchCrawl },
  ];
  try {
    const results = await measure(contenders);
    report(`crawl of ${PAGES} pages answering after ${DELAY_MS} ms, ${CONCURRENCY} at a time (ideal ${ideal} ms)`, results, PAGES, 'page');
    const ours = results[0].median;
    verdict(`within 15% of the ideal ${ideal} ms`, ours <= ideal * 1.15, `${ours.toFixed(0)} ms, ${((ours / ideal - 1) * 100).toFixed(1)}% over`);
    note(`vs plain Node http.request + p-limit: ${(ours / results[1].median).toFixed(2)}x its wall time`);
    // The CPU each crawl costs the crawling process, measured apart: `measure` forces a full GC
    // before every run, and the code warming up again after one would be counted too.
    for (const c of contenders) {
      const samples: number[] = [];
      await c.run();
      for (let i = 0; i < 3; i++) {
        const before = process.cpuUsage();
        await c.run();
        const used = process.cpuUsage(before);
        samples.push((used.user + used.system) / 1000);
      }
      note(`${c.name}: CPU ${median(samples).toFixed(0)} ms per crawl (steady state: after a warm-up, median of 3)`);
    }
  } finally {
    agent.destroy();
    child.stdin.end();
  }
}

if (process.argv.includes('--serve')) await serve();
else await main();
