/**
 * @internal Greenlet-friendly reading and writing of Node streams: the bodies of HTTP requests
 * and responses, and the pipes of child processes. A reader buffers what the stream delivers and
 * parks readers on the core Waiter mechanism until bytes, the end or an error arrive; a writer
 * parks writers until the stream drains. Neither creates a promise per operation.
 */
import type { Readable, Writable } from 'node:stream';
import { wake, wakeThrow } from './hub.js';
import { Operation, type Steps } from './operation.js';
import { TIMED_OUT, Waiter, parkFor, runningGreenlet } from './waiter.js';
import type { Greenlet } from './greenlet.js';

/** @internal The empty byte string: what a read returns at the end of a stream. */
export const EMPTY_BYTES = new Uint8Array(0);

/** @internal A Buffer seen as a plain Uint8Array (same memory, no copy). */
export function asBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** @internal Bytes or text (UTF-8 unless `encoding` says otherwise) as a Buffer, without copying bytes. */
export function toBuffer(data: string | Uint8Array, encoding: BufferEncoding = 'utf8'): Buffer {
  if (typeof data === 'string') return Buffer.from(data, encoding);
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** @internal Bytes decoded as text. */
export function decodeText(bytes: Uint8Array, encoding: BufferEncoding = 'utf8'): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(encoding);
}

/** @internal An Operation that transforms another one's result. */
export class MapOperation<A, B> extends Operation<B> {
  constructor(
    private readonly source: Operation<A>,
    private readonly map: (value: A) => B,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<B> {
    return this.map(yield* this.source);
  }
}

/** @internal How a ByteReader behaves; `what` names the wait in LoopExit messages. */
export interface ReaderOptions {
  what: string;
  /** Above this many buffered bytes, and with nobody waiting, the source is paused. */
  highWaterMark?: number;
  /** How long one read may wait (ms); undefined: no limit. */
  timeout?: number;
  /** The error a read throws when `timeout` passes. */
  onTimeout?: () => Error;
  /** Called when a parked read is killed or times out (e.g. to destroy a half-read response). */
  onInterrupt?: (reason: unknown) => void;
  /** At most this many bytes in all; past it the reader fails with `tooLarge()`. */
  maxBytes?: number;
  tooLarge?: () => Error;
}

class ReadWaiter extends Waiter {
  constructor(
    greenlet: Greenlet,
    private readonly reader: ByteReader,
  ) {
    super(greenlet);
  }

  unhook(reason?: unknown): void {
    this.reader.removeWaiter(this);
    // Only a kill or a timeout unhooks with a reason; a deadline unhooks without one and the
    // read itself handles TIMED_OUT.
    if (reason !== undefined) this.reader.options.onInterrupt?.(reason);
  }

  describe(): string {
    return this.reader.options.what;
  }
}

const NEWLINE = 0x0a;

/**
 * @internal A buffer in front of one or more readable streams (two when a child's stderr is
 * merged into its stdout). Chunks are kept as they arrive and sliced on demand; the sources are
 * paused only when enough is buffered and no reader is waiting, so a waiting reader always
 * means the data flows.
 */
export class ByteReader {
  private chunks: Buffer[] = [];
  private first = 0;
  private offset = 0;
  /** Bytes of the buffered data already searched for a newline without finding one. */
  private scanned = 0;
  private readonly sources: Readable[] = [];
  private openSources = 0;
  private waiters: ReadWaiter[] = [];
  private paused = false;
  private failure: unknown = null;
  private failed = false;
  /** Bytes buffered and not yet read. */
  buffered = 0;
  /** Bytes received in all. */
  received = 0;
  /** True once every source has ended. */
  ended = false;
  /** Never pause the sources (while something collects everything, e.g. communicate()). */
  unbounded = false;

  constructor(readonly options: ReaderOptions) {}

  /** Starts consuming `stream`; `closedEarly` is the error when it closes before its end. */
  attach(stream: Readable, closedEarly: () => Error): void {
    this.sources.push(stream);
    this.openSources++;
    let done = false;
    stream.on('data', (chunk: Buffer | string) => {
      this.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    });
    stream.on('end', () => {
      if (done) return;
      done = true;
      if (--this.openSources === 0) this.end();
    });
    stream.on('error', (error: unknown) => {
      if (done) return;
      done = true;
      this.fail(error);
    });
    stream.on('close', () => {
      if (done) return;
      done = true;
      this.fail(closedEarly());
    });
  }

  /** True when a read would not block: bytes are buffered, or the stream ended or failed. */
  get readable(): boolean {
    return this.buffered > 0 || this.ended || this.failed;
  }

  push(chunk: Buffer): void {
    if (this.failed || chunk.length === 0) return;
    this.received += chunk.length;
    const max = this.options.maxBytes;
    if (max !== undefined && this.received > max) {
      this.fail(this.options.tooLarge!());
      return;
    }
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.waiters.length > 0) this.wakeAll();
    else if (!this.unbounded && !this.paused && this.buffered >= (this.options.highWaterMark ?? 65536)) this.pause();
  }

  end(): void {
    if (this.ended || this.failed) return;
    this.ended = true;
    this.wakeAll();
  }

  fail(error: unknown): void {
    if (this.ended || this.failed) return;
    this.failed = true;
    this.failure = error;
    this.wakeAll();
  }

  /** @internal */
  removeWaiter(w: ReadWaiter): void {
    const index = this.waiters.indexOf(w);
    if (index >= 0) this.waiters.splice(index, 1);
  }

  private wakeAll(): void {
    const waiters = this.waiters;
    if (waiters.length === 0) return;
    this.waiters = [];
    for (const w of waiters) wake(w, undefined);
  }

  private pause(): void {
    this.paused = true;
    for (const s of this.sources) s.pause();
  }

  private resume(): void {
    this.paused = false;
    for (const s of this.sources) s.resume();
  }

  /** Parks the running greenlet until something arrives; throws on timeout. */
  *waitForData(): Steps<void> {
    const g = runningGreenlet(this.options.what);
    const w = new ReadWaiter(g, this);
    this.waiters.push(w);
    if (this.paused) this.resume();
    const r = yield* parkFor<undefined>(w, this.options.timeout);
    if (r === TIMED_OUT) {
      const error = this.options.onTimeout?.() ?? new Error(`${this.options.what} timed out`);
      this.options.onInterrupt?.(error);
      throw error;
    }
  }

  private throwIfFailed(): void {
    if (this.failed) throw this.failure;
  }

  /** Takes up to `max` buffered bytes (all when `max` is Infinity); never blocks. */
  take(max: number): Uint8Array {
    if (this.buffered === 0 || max <= 0) return EMPTY_BYTES;
    const chunks = this.chunks;
    let result: Uint8Array;
    const head = chunks[this.first];
    if (head.length - this.offset >= max || this.first === chunks.length - 1) {
      const end = Math.min(head.length, this.offset + max);
      result = asBytes(head.subarray(this.offset, end));
      if (end === head.length) {
        this.first++;
        this.offset = 0;
      } else {
        this.offset = end;
      }
    } else {
      const want = Math.min(max, this.buffered);
      const out = Buffer.allocUnsafe(want);
      let filled = 0;
      while (filled < want) {
        const chunk = chunks[this.first];
        const n = Math.min(chunk.length - this.offset, want - filled);
        chunk.copy(out, filled, this.offset, this.offset + n);
        filled += n;
        if (this.offset + n === chunk.length) {
          this.first++;
          this.offset = 0;
        } else {
          this.offset += n;
        }
      }
      result = asBytes(out);
    }
    this.buffered -= result.length;
    this.scanned = Math.max(0, this.scanned - result.length);
    if (this.buffered === 0) {
      this.chunks = [];
      this.first = 0;
    } else if (this.first > 64 && this.first * 2 > chunks.length) {
      this.chunks = chunks.slice(this.first);
      this.first = 0;
    }
    if (this.paused && this.buffered < (this.options.highWaterMark ?? 65536) / 2) this.resume();
    return result;
  }

  /** A copy of everything buffered, without consuming it (for errors that carry partial output). */
  peekAll(): Uint8Array {
    if (this.buffered === 0) return EMPTY_BYTES;
    const parts = this.chunks.slice(this.first);
    parts[0] = parts[0].subarray(this.offset);
    return asBytes(Buffer.concat(parts, this.buffered));
  }

  /** The index (in buffered bytes) just past the first newline, or -1. */
  private findLineEnd(): number {
    let position = 0;
    let skip = this.scanned;
    for (let i = this.first; i < this.chunks.length; i++) {
      const chunk = this.chunks[i];
      const start = i === this.first ? this.offset : 0;
      const length = chunk.length - start;
      if (skip >= length) {
        skip -= length;
        position += length;
        continue;
      }
      const found = chunk.indexOf(NEWLINE, start + skip);
      if (found >= 0) return position + (found - start) + 1;
      position += length;
      skip = 0;
    }
    this.scanned = this.buffered;
    return -1;
  }

  /** Up to `max` bytes as soon as any are buffered; empty at the end. */
  read(max: number | undefined): Operation<Uint8Array> {
    if (max !== undefined && (!Number.isInteger(max) || max < 0)) {
      throw new RangeError(`${this.options.what} max must be a non-negative integer number of bytes, got ${String(max)}`);
    }
    if (max === undefined) return this.readAll();
    return new ReadOperation(this, max);
  }

  /** Everything until the end of the stream. */
  readAll(): Operation<Uint8Array> {
    return new ReadAllOperation(this);
  }

  /** One line, newline included; the rest at the end; empty once nothing is left. */
  readline(): Operation<Uint8Array> {
    return new ReadLineOperation(this);
  }

  /** @internal */
  *readSteps(max: number): Steps<Uint8Array> {
    for (;;) {
      if (this.buffered > 0) return this.take(max);
      this.throwIfFailed();
      if (this.ended) return EMPTY_BYTES;
      yield* this.waitForData();
    }
  }

  /** @internal */
  *readAllSteps(): Steps<Uint8Array> {
    const wasUnbounded = this.unbounded;
    this.unbounded = true;
    try {
      while (!this.ended) {
        this.throwIfFailed();
        yield* this.waitForData();
      }
    } finally {
      this.unbounded = wasUnbounded;
    }
    if (this.buffered === 0) return EMPTY_BYTES;
    if (this.first === this.chunks.length - 1) return this.take(Infinity);
    const all = this.peekAll();
    this.chunks = [];
    this.first = this.offset = this.buffered = this.scanned = 0;
    return all;
  }

  /** @internal */
  *readLineSteps(): Steps<Uint8Array> {
    for (;;) {
      if (this.buffered > 0) {
        const end = this.findLineEnd();
        if (end >= 0) return this.take(end);
      }
      this.throwIfFailed();
      if (this.ended) return this.take(Infinity);
      yield* this.waitForData();
    }
  }

  /** Waits until everything arrived (sources ended) without consuming it; throws on failure. */
  *waitForEndSteps(): Steps<void> {
    this.unbounded = true;
    if (this.paused) this.resume();
    while (!this.ended) {
      this.throwIfFailed();
      yield* this.waitForData();
    }
  }
}

class ReadOperation extends Operation<Uint8Array> {
  constructor(
    private readonly reader: ByteReader,
    private readonly max: number,
  ) {
    super();
  }

  [Symbol.iterator](): Steps<Uint8Array> {
    return this.reader.readSteps(this.max);
  }
}

class ReadAllOperation extends Operation<Uint8Array> {
  constructor(private readonly reader: ByteReader) {
    super();
  }

  [Symbol.iterator](): Steps<Uint8Array> {
    return this.reader.readAllSteps();
  }
}

class ReadLineOperation extends Operation<Uint8Array> {
  constructor(private readonly reader: ByteReader) {
    super();
  }

  [Symbol.iterator](): Steps<Uint8Array> {
    return this.reader.readLineSteps();
  }
}

class DrainWaiter extends Waiter {
  constructor(
    greenlet: Greenlet,
    private readonly writer: StreamWriter,
  ) {
    super(greenlet);
  }

  unhook(): void {
    this.writer.removeWaiter(this);
  }

  describe(): string {
    return this.writer.what;
  }
}

/**
 * @internal Writes to a Node writable stream with real backpressure: a write that fills the
 * stream's buffer parks until 'drain', so a fast producer never buffers without bound. The
 * stream's events are listened to only once the first write has to wait.
 */
export class StreamWriter {
  private waiters: DrainWaiter[] = [];
  private listening = false;
  private failure: Error | null = null;

  constructor(
    private readonly stream: Writable,
    readonly what: string,
    private readonly closedError: () => Error,
  ) {}

  /** @internal */
  removeWaiter(w: DrainWaiter): void {
    const index = this.waiters.indexOf(w);
    if (index >= 0) this.waiters.splice(index, 1);
  }

  private listen(): void {
    this.listening = true;
    const stream = this.stream;
    stream.on('drain', () => {
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) wake(w, undefined);
    });
    const onGone = (error?: Error): void => {
      this.failure ??= error ?? this.closedError();
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) wakeThrow(w, this.failure);
    };
    stream.on('error', onGone);
    stream.on('close', () => onGone());
  }

  /** Writes `chunk`; parks until the stream drains when its buffer is full. */
  *writeSteps(chunk: Buffer): Steps<void> {
    const stream = this.stream;
    if (this.failure !== null) throw this.failure;
    if (stream.destroyed || stream.writableEnded) throw this.closedError();
    if (stream.write(chunk)) return;
    if (!this.listening) this.listen();
    const g = runningGreenlet(this.what);
    const w = new DrainWaiter(g, this);
    this.waiters.push(w);
    yield w.park();
  }
}
