// What many test files need alike: running a body as a greenlet from a test, an Operation as a
// Promise, recording what the hub reports instead of printing it, and running an example as
// its own process. One version of each, so the test files keep only what they test.
import { beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { getHub, operation, type Greenlet, type Steps } from '../src/index.js';

/** Runs `body` as an Operation (in its own greenlet) and resolves to what it returns. */
export function run<T>(body: () => Steps<T>): Promise<T> {
  return Promise.resolve(operation(body));
}

/** An Operation as a real Promise, for `assert.rejects`. */
export function settle<T>(op: PromiseLike<T>): Promise<T> {
  return Promise.resolve(op);
}

/** Replaces the hub's error reporter while `body` runs, collecting what it reports. */
export function* collectingErrors<T>(errors: unknown[], body: () => Steps<T>): Steps<T> {
  const hub = getHub();
  const original = hub.handleError;
  hub.handleError = (_greenlet, error) => {
    errors.push(error);
  };
  try {
    return yield* body();
  } finally {
    hub.handleError = original;
  }
}

// Registered from the top level of a test file, the hooks apply to every test of that file.
function recordEveryHubReport<R>(record: (context: Greenlet | null, error: unknown) => R): R[] {
  const reported: R[] = [];
  const defaultHandleError = getHub().handleError.bind(getHub());
  beforeEach(() => {
    reported.length = 0;
    getHub().handleError = (context, error) => {
      reported.push(record(context, error));
    };
  });
  afterEach(() => {
    getHub().handleError = defaultHandleError;
  });
  return reported;
}

/**
 * For every test of the calling file, records the errors that escape greenlets (the hub's
 * handleError) as [greenlet, error] pairs instead of printing them; emptied before each test.
 */
export function recordHubReports(): [Greenlet | null, unknown][] {
  return recordEveryHubReport((context, error): [Greenlet | null, unknown] => [context, error]);
}

/** As {@link recordHubReports}, keeping only the errors. */
export function recordHubErrors(): unknown[] {
  return recordEveryHubReport((_context, error) => error);
}

/** How an example process ended: its exit code, its stdout as lines, its stderr. */
export interface ExampleRun {
  code: number;
  lines: string[];
  stderr: string;
}

/** Runs examples/<file> (compiled) as its own Node process, as a user would, with `args`. */
export function runExample(file: string, args: string[] = [], timeout = 60_000): Promise<ExampleRun> {
  const path = fileURLToPath(new URL(`../examples/${file}`, import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path, ...args], { timeout }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`could not run ${file}`, { cause: error }));
        return;
      }
      resolve({ code: error ? Number(error.code) : 0, lines: stdout.trimEnd().split('\n'), stderr });
    });
  });
}

/** The stdout lines of an example that must exit with 0 and write nothing to stderr. */
export async function outputOf(file: string, args: string[] = []): Promise<string[]> {
  const run = await runExample(file, args);
  assert.equal(run.stderr, '', `${file} wrote to stderr`);
  assert.equal(run.code, 0, `${file} exit code`);
  return run.lines;
}
