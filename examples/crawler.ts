/**
 * Seeds 000 ("gevent ... requests.get") and 001 ("4）爬虫例子"): a concurrent crawler. One greenlet
 * per URL prints "GET: url", fetches the page with `urlopen`, and prints how many bytes it got;
 * `joinAll` waits for them all, and the values of the greenlets are the page sizes.
 *
 * The example serves its own pages, so it needs no network: it starts an `HttpServer` on
 * 127.0.0.1 (a free port) whose pages have different sizes and answer after different delays.
 * While one greenlet waits for its page, the others run, so the whole crawl takes about the
 * slowest page rather than the sum of them all.
 */
import { joinAll, sleep, spawn } from '../src/index.js';
import { HttpServer, urlopen } from '../src/http.js';

/** The seeds' sites, as local pages: size in bytes, and how long the server takes to answer. */
const sites: Record<string, { size: number; delay: number }> = {
  'www.jd.org': { size: 12_288, delay: 300 },
  'www.xiaohua.com': { size: 3_072, delay: 100 },
  'www.baidu.com': { size: 51_200, delay: 200 },
  'www.taobao.com': { size: 800, delay: 50 },
  'www.cnblogs.com': { size: 25_600, delay: 250 },
};

function page(site: string, size: number): string {
  const head = `<!doctype html><title>${site}</title><p>`;
  return head + 'x'.repeat(size - head.length);
}

const server = new HttpServer(['127.0.0.1', 0], function* (request, response) {
  const site = sites[request.path.slice(1)];
  if (site === undefined) {
    response.writeHead(404);
    return 'no such page';
  }
  yield* sleep(site.delay);
  response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
  return page(request.path.slice(1), site.size);
});
await server.start();
const base = `http://127.0.0.1:${server.address[1]}`;

function* f(url: string) {
  console.log(`GET: ${url}`);
  const response = yield* urlopen(url);
  const data = yield* response.text();
  console.log(`${data.length} bytes received from ${url}.`);
  return data.length;
}

const start = performance.now();
const greenlets = Object.keys(sites).map((site) => spawn(f, `${base}/${site}`));
await joinAll(greenlets);
const elapsed = Math.round(performance.now() - start);
console.log(`values: ${greenlets.map((g) => g.value).join(' ')}`);
const total = Object.values(sites).reduce((sum, s) => sum + s.delay, 0);
console.log(`cost time: ${elapsed} ms (the pages take ${total} ms one after another, at most 300 ms each)`);
await server.stop();
