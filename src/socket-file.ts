/**
 * `Socket.makefile()`: a file-like view of a socket for line-oriented protocols. It reads from
 * the socket's own receive buffer, so `recv` and `readline` can be mixed freely.
 */
import { StringDecoder } from 'node:string_decoder';
import { Operation, Stream, operation, type Steps } from './operation.js';
import { describeValue } from './errors.js';
import { checkSize, socketError, toBytes, type Bytes } from './socket-errors.js';
import type { Socket } from './socket.js';

/** `makefile` modes that give strings (decoded as UTF-8). */
export type TextMode = 'r' | 'w' | 'rw';
/** `makefile` modes that give bytes. */
export type BinaryMode = 'rb' | 'wb' | 'rwb';

const MODES = new Set(['r', 'w', 'rw', 'rb', 'wb', 'rwb']);

/**
 * What `Socket.makefile()` returns: `readline`, `read`, `write` and line iteration over a
 * socket, with strings in text mode and bytes in binary mode. Use it for line-oriented
 * protocols; closing it leaves the socket open, as in Python.
 * @example
 * const f = sock.makefile();
 * const lines = f.lines();
 * for (let r = yield* lines.next(); !r.done; r = yield* lines.next()) console.log(r.value);
 */
export class SocketFile<T extends string | Uint8Array> {
  private readonly decoder: StringDecoder | null;
  private isClosed = false;

  private constructor(
    private readonly sock: Socket,
    /** The mode it was opened with, e.g. `'rb'`. */
    readonly mode: TextMode | BinaryMode,
  ) {
    this.decoder = mode.includes('b') ? null : new StringDecoder('utf8');
  }

  /** @internal */
  static open(sock: Socket, mode: TextMode | BinaryMode): SocketFile<string> & SocketFile<Uint8Array> {
    if (!MODES.has(mode)) {
      throw new RangeError(`Socket.makefile() mode must be one of 'r', 'w', 'rw', 'rb', 'wb', 'rwb', got ${describeValue(mode)}`);
    }
    return new SocketFile(sock, mode) as SocketFile<string> & SocketFile<Uint8Array>;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * One line including its `\n` (at most `limit` bytes); empty at the end of the stream.
   * @example
   * const line = yield* f.readline();
   */
  readline(limit?: number): Operation<T> {
    const max = limit === undefined ? Infinity : checkSize('SocketFile.readline() limit', limit);
    const self = this;
    return operation(function* () {
      self.check('readline');
      return self.output(yield* self.sock.readlineSteps(max));
    });
  }

  /**
   * Reads `size` bytes, fewer only at the end of the stream; without `size`, everything up to
   * the end of the stream.
   * @example
   * const body = yield* f.read(contentLength);
   */
  read(size?: number): Operation<T> {
    const want = size === undefined ? Infinity : checkSize('SocketFile.read() size', size);
    const self = this;
    return operation(function* () {
      self.check('read');
      return self.output(yield* self.readBytes(want));
    });
  }

  /**
   * Every line up to the end of the stream.
   * @example
   * const lines = yield* f.readlines();
   */
  readlines(): Operation<T[]> {
    const self = this;
    return operation(function* () {
      self.check('readlines');
      const lines: T[] = [];
      for (;;) {
        const line = yield* self.sock.readlineSteps(Infinity);
        if (line.length === 0) return lines;
        lines.push(self.output(line));
      }
    });
  }

  /**
   * The lines as a `Stream`, ending at the end of the socket's stream.
   * @example
   * for await (const line of f.lines()) console.log(line);
   */
  lines(): Stream<T> {
    return new LineStream(this);
  }

  /**
   * Sends `data` (all of it, as `sendall`).
   * @example
   * yield* f.write('HELLO\n');
   */
  write(data: Bytes): Operation<void> {
    const bytes = toBytes('SocketFile.write()', data);
    const self = this;
    return operation(function* () {
      self.check('write');
      yield* self.sock.sendall(bytes);
    });
  }

  /** Writes are not buffered here, so there is nothing to flush; kept for Python's shape. */
  flush(): Operation<void> {
    return operation(function* () {});
  }

  /** Closes the file; the socket stays open. */
  close(): void {
    this.isClosed = true;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal */
  *nextLine(): Steps<T> {
    this.check('readline');
    return this.output(yield* this.sock.readlineSteps(Infinity));
  }

  private *readBytes(want: number): Steps<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    while (total < want) {
      const data = yield* this.sock.recvSteps(Math.min(want - total, 1 << 20));
      if (data.length === 0) break;
      parts.push(data);
      total += data.length;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, total);
  }

  private output(bytes: Uint8Array): T {
    if (this.decoder === null) return bytes as T;
    const text = this.decoder.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return (bytes.length === 0 ? text + this.decoder.end() : text) as T;
  }

  private check(what: string): void {
    if (this.isClosed) throw socketError('EBADF', what, 'the socket file is closed');
  }
}

class LineStream<T extends string | Uint8Array> extends Stream<T> {
  private done = false;

  constructor(private readonly file: SocketFile<T>) {
    super();
  }

  next(): Operation<IteratorResult<T, undefined>> {
    const self = this;
    return operation(function* (): Steps<IteratorResult<T, undefined>> {
      if (self.done) return { done: true, value: undefined };
      const line = yield* self.file.nextLine();
      if (line.length === 0) {
        self.done = true;
        return { done: true, value: undefined };
      }
      return { done: false, value: line };
    });
  }

  override close(): void {
    this.done = true;
  }
}
