/**
 * The showcase behind `npm start`: runs every example of the catalog in turn, each in its own
 * Node process with its output streamed live under a short header, then prints a summary.
 * Exits non-zero when an example fails.
 *
 * Usage: `node dist/examples/showcase.js [filter...]`, where a filter is an example's file name
 * (with or without `.js`) or a piece of its file name or title; `--list` lists the examples.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { catalog, type CatalogEntry } from './catalog.js';

// A hung example (a server that never closes, say) must not hang the whole walk-through.
const EXAMPLE_TIME_LIMIT_MS = 60_000;

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: string) => (text: string) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);
const bold = paint('1');
const dim = paint('2');
const green = paint('32');
const red = paint('31');

interface Outcome {
  entry: CatalogEntry;
  ok: boolean;
  detail: string;
  ms: number;
}

function matches(entry: CatalogEntry, filter: string): boolean {
  const wanted = filter.toLowerCase();
  const file = entry.file.toLowerCase();
  return (
    file === wanted ||
    file === `${wanted}.js` ||
    file.includes(wanted) ||
    entry.title.toLowerCase().includes(wanted)
  );
}

function select(filters: string[]): CatalogEntry[] {
  if (filters.length === 0) return catalog;
  return catalog.filter((entry) => filters.some((filter) => matches(entry, filter)));
}

function run(entry: CatalogEntry): Promise<Outcome> {
  const path = fileURLToPath(new URL(entry.file, import.meta.url));
  const start = performance.now();
  const done = (ok: boolean, detail: string): Outcome => ({
    entry,
    ok,
    detail,
    ms: Math.round(performance.now() - start),
  });
  if (!existsSync(path)) return Promise.resolve(done(false, `${path} not found (run npm run build)`));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path, ...(entry.args ?? [])], { stdio: 'inherit' });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill();
    }, EXAMPLE_TIME_LIMIT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve(done(false, `could not start: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) resolve(done(false, `still running after ${EXAMPLE_TIME_LIMIT_MS / 1000} s, stopped`));
      else if (code === 0) resolve(done(true, 'ok'));
      else resolve(done(false, signal ? `killed by ${signal}` : `exit code ${code}`));
    });
  });
}

function header(entry: CatalogEntry, index: number, count: number): string {
  const lines = [
    '',
    bold(`━━ [${index}/${count}] ${entry.title}`) + dim(`  (seed ${entry.seed}, ${entry.file})`),
  ];
  if (entry.about) lines.push(dim(`   ${entry.about}`));
  lines.push('');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--list')) {
    for (const entry of catalog) console.log(`${entry.file.padEnd(28)} seed ${entry.seed}  ${entry.title}`);
    return 0;
  }
  const selected = select(argv);
  if (selected.length === 0) {
    console.error(`No example matches ${argv.map((f) => JSON.stringify(f)).join(', ')}; expected one of:`);
    for (const entry of catalog) console.error(`  ${entry.file}`);
    return 2;
  }
  const outcomes: Outcome[] = [];
  for (const [i, entry] of selected.entries()) {
    console.log(header(entry, i + 1, selected.length));
    outcomes.push(await run(entry));
  }
  const failed = outcomes.filter((o) => !o.ok);
  console.log(`\n${bold('━━ Summary')}`);
  for (const o of outcomes) {
    const mark = o.ok ? green('ok    ') : red('FAILED');
    console.log(`  ${mark} ${o.entry.file.padEnd(28)} ${dim(`${o.ms} ms`)}${o.ok ? '' : `  ${o.detail}`}`);
  }
  const verdict = `${outcomes.length} example${outcomes.length === 1 ? '' : 's'}, ${outcomes.length - failed.length} passed, ${failed.length} failed`;
  console.log(failed.length === 0 ? green(verdict) : red(verdict));
  return failed.length === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
