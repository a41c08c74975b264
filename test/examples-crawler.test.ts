// The crawler example (seeds 000 and 001) runs as its own process, as a user would run it; its
// output is checked line by line where the order is fixed (spawn order) and as a set where
// concurrency decides it (which page arrives first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runExample } from './support.js';

void test('crawler: one greenlet per URL, GET lines in spawn order, sizes as pages arrive', async () => {
  const run = await runExample('crawler.js', [], 30_000);
  assert.equal(run.stderr, '');
  assert.equal(run.code, 0);
  const base = /^GET: (http:\/\/127\.0\.0\.1:\d+)\//.exec(run.lines[0])?.[1];
  assert.ok(base !== undefined, `first line: ${run.lines[0]}`);
  const sites = ['www.jd.org', 'www.xiaohua.com', 'www.baidu.com', 'www.taobao.com', 'www.cnblogs.com'];
  const sizes = [12288, 3072, 51200, 800, 25600];
  assert.equal(run.lines.length, 12);
  // Every greenlet prints its GET before the first page arrives: they all run while waiting.
  assert.deepEqual(run.lines.slice(0, 5), sites.map((site) => `GET: ${base}/${site}`));
  assert.deepEqual(
    [...run.lines.slice(5, 10)].sort(),
    sites.map((site, i) => `${sizes[i]} bytes received from ${base}/${site}.`).sort(),
  );
  assert.equal(run.lines[10], `values: ${sizes.join(' ')}`);
  assert.match(run.lines[11], /^cost time: \d+ ms \(the pages take 900 ms one after another, at most 300 ms each\)$/);
});
