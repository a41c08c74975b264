/**
 * `greenlets/subprocess`: child processes whose waits block only the calling greenlet, as
 * gevent's `gevent.subprocess`. `Popen` with pipes, `communicate`, `wait`, `poll`; and `run`,
 * `call`, `checkCall`, `checkOutput`. Built on `node:child_process`; output is bytes
 * (`Uint8Array`) unless `text` or `encoding` asks for strings. Node reaps exited children
 * itself, so no zombie is ever left; `run` and `call` also kill their child when the waiting
 * greenlet is killed.
 * @packageDocumentation
 */
import { spawn as spawnChild, type ChildProcess, type StdioOptions } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import type { Writable } from 'node:stream';
import { wake, wakeThrow } from './hub.js';
import { checkDuration, describeValue, nameErrorClass } from './errors.js';
import { Operation, type Steps } from './operation.js';
import { Timeout } from './timeout.js';
import { TIMED_OUT, parkFor, runningGreenlet, SetWaiter } from './waiter.js';
import { ByteReader, EMPTY_BYTES, StreamWriter, decodeText, toBuffer } from './io-stream.js';

/** Connect the child's stream to a new pipe (Python's `subprocess.PIPE`). */
export const PIPE = -1;
/** For `stderr`: send it where `stdout` goes (Python's `subprocess.STDOUT`). */
export const STDOUT = -2;
/** Connect the child's stream to the null device (Python's `subprocess.DEVNULL`). */
export const DEVNULL = -3;

/**
 * Where a child's standard stream goes: `PIPE`, `DEVNULL`, `STDOUT` (stderr only), a file
 * descriptor, or `undefined`/`null` to share the parent's (the default).
 */
export type StdioSpec = number | null | undefined;

/** Options of `Popen`, as Python's keyword arguments. */
export interface PopenOptions {
  stdin?: StdioSpec;
  stdout?: StdioSpec;
  stderr?: StdioSpec;
  /** The child's working directory. */
  cwd?: string;
  /** The child's whole environment (replaces the parent's, as in Python). */
  env?: Record<string, string | undefined>;
  /** Run `args` through the shell (`true`: /bin/sh; or the shell's path). */
  shell?: boolean | string;
  /** Exchange text (UTF-8) instead of bytes on the pipes. */
  text?: boolean;
  /** Exchange text in this encoding instead of bytes (implies `text`). */
  encoding?: BufferEncoding;
}

/** Options that make the pipes carry strings. */
export type TextMode = { text: true } | { encoding: BufferEncoding };

/** Options of `run`, `call`, `checkCall` and `checkOutput`. */
export interface RunOptions extends PopenOptions {
  /** Sent to the child's stdin (which becomes a pipe), then stdin is closed. */
  input?: string | Uint8Array;
  /** How long (ms) the child may run; then it is killed and `TimeoutExpired` thrown. */
  timeout?: number;
  /** Throw `CalledProcessError` when the exit status is not 0. */
  check?: boolean;
  /** Capture stdout and stderr (both become pipes). */
  captureOutput?: boolean;
}

type Output = string | Uint8Array;

/**
 * Base class of this module's errors, to catch them all at once. Mirrors
 * `subprocess.SubprocessError`.
 * @example
 * try { yield* run(cmd, { check: true, timeout: 1000 }); }
 * catch (e) { if (e instanceof SubprocessError) console.log('failed or too slow:', e.message); }
 */
export class SubprocessError extends Error {}
nameErrorClass(SubprocessError);

function describeCmd(cmd: string | readonly string[]): string {
  return JSON.stringify(cmd);
}

/**
 * Thrown by `checkCall`, `checkOutput`, `run({ check: true })` and
 * `CompletedProcess.checkReturncode()` when the exit status is not 0. Mirrors
 * `subprocess.CalledProcessError` (`returncode`, `cmd`, `output`/`stdout`, `stderr`).
 * @example
 * try { yield* checkOutput(['false']); }
 * catch (e) { if (e instanceof CalledProcessError) console.log(e.returncode); } // 1
 */
export class CalledProcessError extends SubprocessError {
  constructor(
    readonly returncode: number,
    readonly cmd: string | readonly string[],
    readonly output: Output | null = null,
    readonly stderr: Output | null = null,
  ) {
    super(
      returncode < 0
        ? `Command ${describeCmd(cmd)} died with signal ${signalName(-returncode)}.`
        : `Command ${describeCmd(cmd)} returned non-zero exit status ${returncode}.`,
    );
  }

  /** The same as `output`. */
  get stdout(): Output | null {
    return this.output;
  }
}
nameErrorClass(CalledProcessError);

/**
 * Thrown when a `timeout` passes while waiting for a child. `communicate` and `wait` leave the
 * child running (call them again, or `kill()` it); `run`, `call` and friends kill it first.
 * `output`/`stdout` and `stderr` hold what was read so far. Mirrors `subprocess.TimeoutExpired`
 * (with `timeout` in milliseconds).
 * @example
 * try { yield* run(['sleep', '10'], { timeout: 100 }); }
 * catch (e) { if (e instanceof TimeoutExpired) console.log(e.timeout); } // 100
 */
export class TimeoutExpired extends SubprocessError {
  constructor(
    readonly cmd: string | readonly string[],
    readonly timeout: number,
    readonly output: Output | null = null,
    readonly stderr: Output | null = null,
  ) {
    super(`Command ${describeCmd(cmd)} timed out after ${timeout} ms`);
  }

  /** The same as `output`. */
  get stdout(): Output | null {
    return this.output;
  }
}
nameErrorClass(TimeoutExpired);

function signalName(signal: number): string {
  for (const [name, value] of Object.entries(osConstants.signals)) if (value === signal) return name;
  return String(signal);
}

function stdioFor(what: string, spec: StdioSpec): 'pipe' | 'ignore' | 'inherit' | number {
  if (spec === undefined || spec === null) return 'inherit';
  if (spec === PIPE) return 'pipe';
  if (spec === DEVNULL) return 'ignore';
  if (typeof spec === 'number' && Number.isInteger(spec) && spec >= 0) return spec;
  throw new TypeError(`Popen ${what} must be PIPE, DEVNULL, a file descriptor or undefined, got ${describeValue(spec)}`);
}

/**
 * A child's output pipe (`Popen.stdout`, `Popen.stderr`), read with Operations; bytes, or
 * strings in text mode. Use it to process output as it comes, rather than all at the end.
 * @example
 * const p = new Popen(['ping', '-c', '3', '127.0.0.1'], { stdout: PIPE, text: true });
 * for (let line = yield* p.stdout!.readline(); line !== ''; line = yield* p.stdout!.readline()) {
 *   console.log(line.trim());
 * }
 */
export class PipeReader<T extends Output = Uint8Array> {
  private readonly decoder: StringDecoder | null;

  /** @internal */
  constructor(
    /** @internal */ readonly buffer: ByteReader,
    private readonly encoding: BufferEncoding | null,
  ) {
    this.decoder = encoding === null ? null : new StringDecoder(encoding);
  }

  /** @internal */
  decode(bytes: Uint8Array): T {
    return (this.encoding === null ? bytes : decodeText(bytes, this.encoding)) as T;
  }

  /** Up to `max` bytes as soon as some are there, or everything to the end without `max`; empty at the end. */
  read(max?: number): Operation<T> {
    if (max === undefined) return this.readAll();
    const decoder = this.decoder;
    return new MapBytes(this.buffer.read(max), (bytes) => (decoder === null ? bytes : decoder.write(Buffer.from(bytes))) as T);
  }

  /** One line, newline included; empty once nothing is left. */
  readline(): Operation<T> {
    return new MapBytes(this.buffer.readline(), (bytes) => this.decode(bytes));
  }

  /** Everything until the child closes the pipe. */
  readAll(): Operation<T> {
    return new MapBytes(this.buffer.readAll(), (bytes) => this.decode(bytes));
  }
}

class MapBytes<T> extends Operation<T> {
  constructor(
    private readonly source: Operation<Uint8Array>,
    private readonly map: (bytes: Uint8Array) => T,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<T> {
    return this.map(yield* this.source);
  }
}

/**
 * A child's stdin pipe (`Popen.stdin`): `write` waits while the child is slow to read, so
 * feeding a child never buffers without bound; `close()` sends end-of-file.
 * @example
 * const p = new Popen(['wc', '-l'], { stdin: PIPE, stdout: PIPE, text: true });
 * for (const line of lines) yield* p.stdin!.write(`${line}\n`);
 * p.stdin!.close();
 */
export class PipeWriter {
  private readonly writer: StreamWriter;

  /** @internal */
  constructor(
    private readonly stream: Writable,
    private readonly encoding: BufferEncoding,
  ) {
    this.writer = new StreamWriter(stream, 'Popen.stdin.write()', () => new Error('the child process closed its stdin (broken pipe)'));
  }

  /**
   * Writes bytes or text to the child's stdin; waits while the pipe is full.
   * @example
   * yield* p.stdin!.write('line\n');
   */
  write(data: string | Uint8Array): Operation<void> {
    const writer = this.writer;
    const chunk = toBuffer(data, this.encoding);
    return new StdinWrite(writer, chunk);
  }

  /** Closes the pipe: the child reads end-of-file. */
  close(): void {
    if (!this.stream.writableEnded && !this.stream.destroyed) this.stream.end();
  }

  /** True once closed. */
  get closed(): boolean {
    return this.stream.writableEnded || this.stream.destroyed;
  }
}

class StdinWrite extends Operation<void> {
  constructor(
    private readonly writer: StreamWriter,
    private readonly chunk: Buffer,
  ) {
    super();
  }

  [Symbol.iterator](): Steps<void> {
    return this.writer.writeSteps(this.chunk);
  }
}

/** The `Popen` constructor: with `text` or `encoding`, the pipes carry strings. */
export interface PopenConstructor {
  new (args: string | readonly string[], options: PopenOptions & TextMode): Popen<string>;
  new (args: string | readonly string[], options?: PopenOptions): Popen<Uint8Array>;
  readonly prototype: Popen<Output>;
}

/**
 * A running child process. `args` is the program and its arguments (a string alone is the
 * program, or a shell command with `shell: true`). Output is `Uint8Array` unless `text` or
 * `encoding` is given. A program that cannot be started (e.g. not found) makes the first
 * `wait`, `communicate` or `poll` throw Node's error (`code` `ENOENT`). Mirrors
 * `subprocess.Popen`.
 * @example
 * const p = new Popen(['cat'], { stdin: PIPE, stdout: PIPE });
 * const [out] = yield* p.communicate('hello');
 * console.log(new TextDecoder().decode(out!), p.returncode); // hello 0
 */
export class PopenImpl<T extends Output = Uint8Array> {
  /** The arguments as given. */
  readonly args: string | readonly string[];
  /** The child's process id (undefined if it could not be started). */
  readonly pid: number | undefined;
  /** The exit status once the child has exited (negative: killed by that signal), else null. */
  returncode: number | null = null;
  /** The child's stdin when it is a `PIPE`, else null. */
  readonly stdin: PipeWriter | null;
  /** The child's stdout when it is a `PIPE`, else null. */
  readonly stdout: PipeReader<T> | null;
  /** The child's stderr when it is a `PIPE`, else null (with `STDOUT` it is merged into stdout). */
  readonly stderr: PipeReader<T> | null;
  private readonly child: ChildProcess;
  private readonly exitWaiters = new Set<SetWaiter>();
  private spawnError: Error | null = null;

  constructor(args: string | readonly string[], options: PopenOptions = {}) {
    if (typeof args === 'string') {
      if (args === '') throw new TypeError('Popen args must name a program, got an empty string');
    } else if (!Array.isArray(args) || args.length === 0 || !args.every((a) => typeof a === 'string')) {
      throw new TypeError(`Popen args must be a string or a non-empty array of strings, got ${describeValue(args)}`);
    }
    this.args = args;
    const encoding = options.encoding ?? (options.text === true ? 'utf8' : null);
    const stdinMode = stdioFor('stdin', options.stdin);
    const stdoutMode = stdioFor('stdout', options.stdout);
    const mergeStderr = options.stderr === STDOUT;
    // With STDOUT, stderr goes wherever stdout goes: the same file descriptor, or the same reader.
    const stderrMode = mergeStderr ? (stdoutMode === 'inherit' ? 1 : stdoutMode) : stdioFor('stderr', options.stderr);
    const stdio: StdioOptions = [stdinMode, stdoutMode, stderrMode];
    const [file, argv] = typeof args === 'string' ? [args, []] : [args[0], args.slice(1)];
    const child = spawnChild(file, argv, {
      cwd: options.cwd,
      env: options.env,
      shell: options.shell,
      stdio,
      windowsHide: true,
    });
    this.child = child;
    this.pid = child.pid;
    child.on('error', (error) => {
      // Only a failed start leaves no pid; later errors (a signal that cannot be sent) are
      // reported by kill() itself.
      if (this.pid !== undefined) return;
      this.spawnError = error;
      for (const w of this.exitWaiters) wakeThrow(w, error);
      this.exitWaiters.clear();
    });
    child.on('exit', (code, signal) => {
      this.returncode = code ?? -(signal === null ? 0 : (osConstants.signals[signal] ?? 0));
      for (const w of this.exitWaiters) wake(w, undefined);
      this.exitWaiters.clear();
    });
    const closedEarly = (): Error => new Error('the child process pipe closed before its end');
    const outReader = (): ByteReader => new ByteReader({ what: 'Popen pipe read' });
    let stdout: ByteReader | null = null;
    if (child.stdout !== null) {
      stdout = outReader();
      stdout.attach(child.stdout, closedEarly);
      if (mergeStderr && child.stderr !== null) stdout.attach(child.stderr, closedEarly);
    }
    let stderr: ByteReader | null = null;
    if (child.stderr !== null && !mergeStderr) {
      stderr = outReader();
      stderr.attach(child.stderr, closedEarly);
    }
    this.stdout = stdout === null ? null : new PipeReader<T>(stdout, encoding);
    this.stderr = stderr === null ? null : new PipeReader<T>(stderr, encoding);
    if (child.stdin !== null) {
      // A child that exits without reading its input makes writes fail with EPIPE; that is
      // reported to a waiting write (or ignored, as Python's communicate() does).
      child.stdin.on('error', () => {});
      this.stdin = new PipeWriter(child.stdin, encoding ?? 'utf8');
    } else {
      this.stdin = null;
    }
  }

  /**
   * The exit status if the child has exited, else null; never blocks.
   * @example
   * while (p.poll() === null) yield* sleep(10);
   */
  poll(): number | null {
    if (this.spawnError !== null) throw this.spawnError;
    return this.returncode;
  }

  /**
   * Waits for the child to exit and returns its exit status; throws `TimeoutExpired` after
   * `timeout` ms (the child keeps running). Does not read the pipes: with a `PIPE` for a chatty
   * child, use `communicate`.
   * @example
   * const status = yield* p.wait(5000);
   */
  wait(timeout?: number): Operation<number> {
    checkDuration('Popen.wait() timeout', timeout);
    return new WaitOperation(this, timeout);
  }

  /** @internal */
  *waitSteps(timeout: number | undefined): Steps<number> {
    if (this.spawnError !== null) throw this.spawnError;
    if (this.returncode !== null) return this.returncode;
    // A failed start (no pid) reports its error on the next tick; it wakes this wait like an exit.
    const w = new SetWaiter(runningGreenlet('Popen.wait()'), this.exitWaiters, `Popen.wait() for pid ${this.pid}`);
    this.exitWaiters.add(w);
    const r = yield* parkFor(w, timeout);
    if (r === TIMED_OUT) throw new TimeoutExpired(this.args, timeout!);
    return this.returncode!;
  }

  /**
   * Sends `input` (if given) to stdin and closes it, reads stdout and stderr to their end, and
   * waits for the child to exit; returns `[stdout, stderr]` (null for a stream that is not a
   * `PIPE`). After `timeout` ms it throws `TimeoutExpired`, leaving the child running and what
   * it has read so far buffered: call `communicate()` again (or `kill()` first) to collect it.
   * @example
   * const p = new Popen(['sort'], { stdin: PIPE, stdout: PIPE, text: true });
   * const [sorted] = yield* p.communicate('b\na\n'); // 'a\nb\n'
   */
  communicate(input?: string | Uint8Array, timeout?: number): Operation<[T | null, T | null]> {
    checkDuration('Popen.communicate() timeout', timeout);
    if (input !== undefined && this.stdin === null) {
      throw new TypeError('Popen.communicate() was given input, but stdin is not a PIPE');
    }
    return new CommunicateOperation(this, input, timeout) as unknown as Operation<[T | null, T | null]>;
  }

  /** @internal */
  *communicateSteps(input: string | Uint8Array | undefined, timeout: number | undefined): Steps<[Output | null, Output | null]> {
    const out = this.stdout?.buffer ?? null;
    const err = this.stderr?.buffer ?? null;
    // Collect everything from here on: a pipe left to fill up would block the child forever.
    if (out !== null) out.unbounded = true;
    if (err !== null) err.unbounded = true;
    const timer = timeout === undefined ? null : Timeout.startNew(timeout);
    try {
      const stdin = this.stdin;
      if (stdin !== null && !stdin.closed) {
        if (input !== undefined && (typeof input === 'string' ? input.length > 0 : input.byteLength > 0)) {
          try {
            yield* stdin.write(input);
          } catch (error) {
            // The child closed its stdin early (EPIPE): as Python does, that is not an error here.
            if (error === timer) throw error;
          }
        }
        stdin.close();
      }
      if (out !== null) yield* out.waitForEndSteps();
      if (err !== null) yield* err.waitForEndSteps();
      yield* this.waitSteps(undefined);
    } catch (error) {
      if (error === timer && timer !== null) {
        throw new TimeoutExpired(this.args, timeout!, this.peek(this.stdout), this.peek(this.stderr));
      }
      throw error;
    } finally {
      timer?.cancel();
    }
    return [this.takeAll(this.stdout), this.takeAll(this.stderr)];
  }

  private peek(reader: PipeReader<T> | null): Output | null {
    return reader === null ? null : reader.decode(reader.buffer.peekAll());
  }

  private takeAll(reader: PipeReader<T> | null): Output | null {
    if (reader === null) return null;
    return reader.decode(reader.buffer.buffered === 0 ? EMPTY_BYTES : reader.buffer.take(Infinity));
  }

  /**
   * Sends `signal` (a name like `SIGTERM`, or a number) to the child; does nothing once it has exited.
   * @example
   * p.sendSignal('SIGINT');
   */
  sendSignal(signal: NodeJS.Signals | number): void {
    if (this.returncode !== null || this.pid === undefined) return;
    this.child.kill(signal);
  }

  /** Asks the child to stop (SIGTERM). */
  terminate(): void {
    this.sendSignal('SIGTERM');
  }

  /** Kills the child (SIGKILL). */
  kill(): void {
    this.sendSignal('SIGKILL');
  }
}

/** See `PopenImpl`: `new Popen(args, options)`. */
export const Popen = PopenImpl as unknown as PopenConstructor;
/** A running child process; `T` is `Uint8Array`, or `string` in text mode. */
export type Popen<T extends Output = Uint8Array> = PopenImpl<T>;

class WaitOperation extends Operation<number> {
  constructor(
    private readonly popen: PopenImpl<Output>,
    private readonly timeout: number | undefined,
  ) {
    super();
  }

  [Symbol.iterator](): Steps<number> {
    return this.popen.waitSteps(this.timeout);
  }
}

class CommunicateOperation extends Operation<[Output | null, Output | null]> {
  constructor(
    private readonly popen: PopenImpl<Output>,
    private readonly input: string | Uint8Array | undefined,
    private readonly timeout: number | undefined,
  ) {
    super();
  }

  [Symbol.iterator](): Steps<[Output | null, Output | null]> {
    return this.popen.communicateSteps(this.input, this.timeout);
  }
}

/**
 * What `run` returns: `args`, `returncode`, and `stdout`/`stderr` when captured (else null);
 * `checkReturncode()` turns a failure into an error after the fact. Mirrors
 * `subprocess.CompletedProcess`.
 * @example
 * const done = yield* run(['make'], { captureOutput: true, text: true });
 * if (done.returncode !== 0) console.error(done.stderr);
 */
export class CompletedProcess<T extends Output = Uint8Array> {
  constructor(
    readonly args: string | readonly string[],
    readonly returncode: number,
    readonly stdout: T | null = null,
    readonly stderr: T | null = null,
  ) {}

  /** Throws `CalledProcessError` if `returncode` is not 0. */
  checkReturncode(): void {
    if (this.returncode !== 0) throw new CalledProcessError(this.returncode, this.args, this.stdout, this.stderr);
  }
}

function popenOptionsFor(options: RunOptions): PopenOptions {
  const popen: PopenOptions = { ...options };
  if (options.input !== undefined) {
    if (options.stdin !== undefined) throw new TypeError('run(): stdin and input cannot both be given');
    popen.stdin = PIPE;
  }
  if (options.captureOutput === true) {
    if (options.stdout !== undefined || options.stderr !== undefined) {
      throw new TypeError('run(): stdout and stderr cannot be given with captureOutput');
    }
    popen.stdout = PIPE;
    popen.stderr = PIPE;
  }
  return popen;
}

class RunOperation extends Operation<CompletedProcess<Output>> {
  constructor(
    private readonly args: string | readonly string[],
    private readonly options: RunOptions,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<CompletedProcess<Output>> {
    const { args, options } = this;
    const p = new PopenImpl<Output>(args, popenOptionsFor(options));
    let stdout: Output | null;
    let stderr: Output | null;
    try {
      [stdout, stderr] = yield* p.communicateSteps(options.input, options.timeout);
    } catch (error) {
      // Timed out, or this greenlet was killed: the child must not outlive the call.
      p.kill();
      if (error instanceof TimeoutExpired) yield* p.waitSteps(undefined);
      throw error;
    }
    const done = new CompletedProcess<Output>(args, p.returncode!, stdout, stderr);
    if (options.check === true) done.checkReturncode();
    return done;
  }
}

function checkRunOptions(what: string, options: RunOptions): void {
  if (options === null || typeof options !== 'object') throw new TypeError(`${what} options must be an object, got ${describeValue(options)}`);
  checkDuration(`${what} timeout`, options.timeout);
}

/**
 * Runs a command, waits for it, and returns a `CompletedProcess`. With `captureOutput` (or
 * `stdout: PIPE`) the output is collected; `input` is sent to stdin; after `timeout` ms the
 * child is killed and `TimeoutExpired` thrown; with `check`, a non-zero status throws
 * `CalledProcessError`. Killing the greenlet kills the child. Mirrors `subprocess.run`.
 * @example
 * const r = yield* run(['ls', '-l'], { captureOutput: true, text: true });
 * console.log(r.returncode, r.stdout);
 */
export function run(args: string | readonly string[], options: RunOptions & TextMode): Operation<CompletedProcess<string>>;
export function run(args: string | readonly string[], options?: RunOptions): Operation<CompletedProcess<Uint8Array>>;
export function run(args: string | readonly string[], options: RunOptions = {}): Operation<CompletedProcess<Output>> {
  checkRunOptions('run()', options);
  return new RunOperation(args, options);
}

class CallOperation extends Operation<number> {
  constructor(
    private readonly args: string | readonly string[],
    private readonly options: RunOptions,
    private readonly check: boolean,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<number> {
    const { args, options } = this;
    const p = new PopenImpl<Output>(args, options);
    let status: number;
    try {
      status = yield* p.waitSteps(options.timeout);
    } catch (error) {
      p.kill();
      if (error instanceof TimeoutExpired) yield* p.waitSteps(undefined);
      throw error;
    }
    if (this.check && status !== 0) throw new CalledProcessError(status, args);
    return status;
  }
}

/**
 * Runs a command, waits for it, and returns its exit status; after `timeout` ms the child is
 * killed and `TimeoutExpired` thrown. Mirrors `subprocess.call`.
 * @example
 * const status = yield* call(['true']); // 0
 */
export function call(args: string | readonly string[], options: RunOptions = {}): Operation<number> {
  checkRunOptions('call()', options);
  return new CallOperation(args, options, false);
}

/**
 * Like `call`, but a non-zero exit status throws `CalledProcessError`; returns 0. Mirrors
 * `subprocess.check_call`.
 * @example
 * yield* checkCall(['mkdir', '-p', dir]);
 */
export function checkCall(args: string | readonly string[], options: RunOptions = {}): Operation<number> {
  checkRunOptions('checkCall()', options);
  return new CallOperation(args, options, true);
}

/**
 * Runs a command and returns its stdout; a non-zero exit status throws `CalledProcessError`
 * (with the output). Bytes unless `text`/`encoding`. Mirrors `subprocess.check_output`.
 * @example
 * const version = yield* checkOutput(['node', '--version'], { text: true });
 */
export function checkOutput(args: string | readonly string[], options: RunOptions & TextMode): Operation<string>;
export function checkOutput(args: string | readonly string[], options?: RunOptions): Operation<Uint8Array>;
export function checkOutput(args: string | readonly string[], options: RunOptions = {}): Operation<Output> {
  checkRunOptions('checkOutput()', options);
  if (options.stdout !== undefined) throw new TypeError('checkOutput(): stdout cannot be given; the output is what it returns');
  const run = new RunOperation(args, { ...options, stdout: PIPE, check: true });
  return new MapBytesResult(run);
}

class MapBytesResult extends Operation<Output> {
  constructor(private readonly source: RunOperation) {
    super();
  }

  *[Symbol.iterator](): Steps<Output> {
    const done = yield* this.source;
    return done.stdout ?? EMPTY_BYTES;
  }
}

