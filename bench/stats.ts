/**
 * Shared measuring helpers for the benchmark scripts. Each `*.bench.ts` file is a standalone
 * script (run in its own process by `run.ts`) that measures one capability against the anchors it
 * names and prints medians and ratios. The machine is small and noisy: every figure is the median
 * of several runs, and ratios compare medians taken in the same process, interleaved.
 */
import { performance } from 'node:perf_hooks';

/** One contender: a name and a function doing the whole measured job once. */
export interface Contender {
  name: string;
  /** Does the job once; resolves when done. Returns extra info to print, if any. */
  run: () => unknown;
  /**
   * How many operations one run does, when this contender runs a different count from the rest
   * of its table (a slow anchor measured on a smaller count); `report` then compares per-op times.
   */
  ops?: number;
}

export interface CaseResult {
  name: string;
  samples: number[];
  median: number;
  /** The contender's own operation count, when it has one (see `Contender.ops`). */
  ops?: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
}

/** Environment knobs: BENCH_RUNS (default 5) and BENCH_SCALE (multiplies counts; default 1). */
export const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
export const SCALE = Number(process.env.BENCH_SCALE ?? 1);

/** Scales a count by BENCH_SCALE (at least 1). */
export function scaled(count: number): number {
  return Math.max(1, Math.round(count * SCALE));
}

/**
 * Runs each contender `runs` times, interleaved (A B C A B C ...) so drift hits all alike, after
 * one warm-up round, and returns the wall-time samples in milliseconds.
 */
export async function measure(contenders: Contender[], runs = RUNS): Promise<CaseResult[]> {
  for (const c of contenders) await c.run();
  const samples = contenders.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < contenders.length; j++) {
      collect();
      const start = performance.now();
      await contenders[j].run();
      samples[j].push(performance.now() - start);
    }
  }
  return contenders.map((c, j) => {
    const result: CaseResult = { name: c.name, samples: samples[j], median: median(samples[j]) };
    if (c.ops !== undefined) result.ops = c.ops;
    return result;
  });
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** Microseconds per operation of a result: its median over its own count, or over `ops`. */
export function perOp(result: CaseResult, ops: number): number {
  return (result.median * 1000) / (result.ops ?? ops);
}

/**
 * Prints a table: median time, time per operation (`ops` operations per run), and the ratio of
 * each contender to the first one (>1 means the first one is faster by that factor). A contender
 * with its own count (`Contender.ops`) shows it after its name, and its ratio compares per-op
 * times (with equal counts that is the same as comparing medians).
 */
export function report(title: string, results: CaseResult[], ops: number, unit = 'op'): void {
  const base = results[0];
  const basePerOp = perOp(base, ops);
  console.log(`\n## ${title}`);
  console.log(`${pad('contender', 40)}${pad('median ms', 12, true)}${pad(`us/${unit}`, 12, true)}${pad('vs first', 12, true)}`);
  for (const r of results) {
    const each = perOp(r, ops);
    const ratio = each / basePerOp;
    const name = r.ops !== undefined && r.ops !== ops ? `${r.name} [n=${r.ops.toLocaleString('en-US')}]` : r.name;
    console.log(
      `${pad(name, 40)}${pad(r.median.toFixed(1), 12, true)}${pad(each.toFixed(3), 12, true)}${pad(`${ratio.toFixed(2)}x`, 12, true)}`,
    );
  }
}

/** Prints a free-form result line under the current table. */
export function note(text: string): void {
  console.log(`  ${text}`);
}

/** The heap in use after full collections (needs `--expose-gc`; without it, as it is). */
export function heapUsedAfterGc(): number {
  collect();
  collect();
  return process.memoryUsage().heapUsed;
}

/**
 * Prints a goal's verdict under the current table: `goal: <what> -- met|NOT met (<figures>)`.
 * Returns `met`, so a script can count its goals.
 */
export function verdict(goal: string, met: boolean, figures: string): boolean {
  console.log(`  goal: ${goal} -- ${met ? 'met' : 'NOT met'} (${figures})`);
  return met;
}
