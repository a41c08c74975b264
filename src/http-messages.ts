/**
 * The two objects an `HttpServer` handler receives: the request, whose body is read with
 * Operations as it arrives, and the response, whose `write` waits while the client is slow.
 */
import type http from 'node:http';
import { Operation, type Steps } from './operation.js';
import { ByteReader, MapOperation, StreamWriter, decodeText, toBuffer } from './io-stream.js';

/** A network address as `[host, port]`, as Python's `(host, port)`. */
export type Address = [host: string, port: number];

/** @internal An error that carries the status the client should get (413 for a body too large). */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function payloadTooLarge(max: number): HttpStatusError {
  return new HttpStatusError(413, `request body larger than the server's maxBodySize of ${max} bytes`);
}

/**
 * The request a handler receives: method, url, headers, and a body read with Operations
 * (`read`, `readAll`, `text`, `json`), streamed as it arrives.
 * @example
 * function* handler(request: ServerRequest, response: ServerResponse) {
 *   const data = yield* request.json();
 *   response.end(JSON.stringify({ got: data }));
 * }
 */
export class ServerRequest {
  private reader: ByteReader | null = null;

  /** @internal */
  constructor(
    /** The underlying `http.IncomingMessage`, for what this class does not cover. */
    readonly raw: http.IncomingMessage,
    private readonly maxBodySize: number | undefined,
  ) {}

  /** The request method, e.g. `GET`. */
  get method(): string {
    return this.raw.method ?? 'GET';
  }

  /** The request target as sent: path and query, e.g. `/search?q=1`. */
  get url(): string {
    return this.raw.url ?? '/';
  }

  /** The path without the query string. */
  get path(): string {
    const url = this.url;
    const q = url.indexOf('?');
    return q < 0 ? url : url.slice(0, q);
  }

  /** The parsed query string. */
  get query(): URLSearchParams {
    const url = this.url;
    const q = url.indexOf('?');
    return new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  }

  /** The request headers, names in lower case. */
  get headers(): http.IncomingHttpHeaders {
    return this.raw.headers;
  }

  /** `1.1` or `1.0`. */
  get httpVersion(): string {
    return this.raw.httpVersion;
  }

  /** The client's `[host, port]`. */
  get remoteAddress(): Address {
    const socket = this.raw.socket;
    return [socket.remoteAddress ?? '', socket.remotePort ?? 0];
  }

  /** True once the whole request body has arrived. */
  get complete(): boolean {
    return this.raw.complete;
  }

  private body(): ByteReader {
    if (this.reader !== null) return this.reader;
    const max = this.maxBodySize;
    const reader = new ByteReader({
      what: 'ServerRequest.read()',
      maxBytes: max,
      tooLarge: max === undefined ? undefined : () => payloadTooLarge(max),
    });
    reader.attach(this.raw, () => new Error('the client closed the connection before the request body was complete'));
    this.reader = reader;
    return reader;
  }

  /**
   * Reads the body: up to `max` bytes as soon as some have arrived, or the whole rest when `max`
   * is left out. Returns an empty Uint8Array at the end of the body.
   * @example
   * for (let chunk = yield* request.read(65536); chunk.length > 0; chunk = yield* request.read(65536)) {
   *   total += chunk.length;
   * }
   */
  read(max?: number): Operation<Uint8Array> {
    return this.body().read(max);
  }

  /** Reads one line of the body (up to and including `\n`); empty at the end. */
  readline(): Operation<Uint8Array> {
    return this.body().readline();
  }

  /** Reads the whole body. */
  readAll(): Operation<Uint8Array> {
    return this.body().readAll();
  }

  /** Reads the whole body as text (UTF-8 unless `encoding` says otherwise). */
  text(encoding: BufferEncoding = 'utf8'): Operation<string> {
    const reader = this.body();
    return new MapOperation(reader.readAll(), (bytes) => decodeText(bytes, encoding));
  }

  /** Reads the whole body and parses it as JSON. */
  json<T = unknown>(): Operation<T> {
    return new MapOperation(this.text(), (text) => JSON.parse(text) as T);
  }
}

/**
 * The response a handler writes: `writeHead`, then `write` (an Operation that waits while the
 * client is slow to read), then `end`.
 * @example
 * function* handler(request: ServerRequest, response: ServerResponse) {
 *   response.writeHead(200, { 'Content-Type': 'text/plain' });
 *   for (const part of parts) yield* response.write(part);
 *   response.end();
 * }
 */
export class ServerResponse {
  private writer: StreamWriter | null = null;

  /** @internal */
  constructor(
    /** The underlying `http.ServerResponse`, for what this class does not cover. */
    readonly raw: http.ServerResponse,
  ) {}

  /** The status code to send (default 200); settable until the headers are sent. */
  get status(): number {
    return this.raw.statusCode;
  }

  set status(code: number) {
    this.raw.statusCode = code;
  }

  /** True once the status line and headers have been sent. */
  get headersSent(): boolean {
    return this.raw.headersSent;
  }

  /** True once `end()` was called. */
  get ended(): boolean {
    return this.raw.writableEnded;
  }

  /** Sets one response header (before the headers are sent). */
  setHeader(name: string, value: string | number | readonly string[]): this {
    this.raw.setHeader(name, value);
    return this;
  }

  /** Sets the status and headers; they are sent with the first write or the end. */
  writeHead(status: number, headers?: http.OutgoingHttpHeaders): this {
    if (this.raw.headersSent) {
      throw new Error(`writeHead(${status}) was called after the response headers were already sent`);
    }
    if (headers === undefined) this.raw.writeHead(status);
    else this.raw.writeHead(status, headers);
    return this;
  }

  /**
   * Writes a chunk of the body (text is UTF-8). Waits while the client reads slower than the
   * handler writes, so memory stays bounded. Throws if the connection is gone.
   * @example
   * yield* response.write('partial ');
   */
  write(chunk: string | Uint8Array): Operation<void> {
    this.writer ??= new StreamWriter(this.raw, 'ServerResponse.write()', () => new Error('the client connection is closed; the response cannot be written'));
    return new WriteOperation(this.writer, chunk);
  }

  /** Ends the response, after writing `chunk` if given. Does not wait. */
  end(chunk?: string | Uint8Array): void {
    const raw = this.raw;
    if (raw.writableEnded) return;
    if (chunk === undefined) raw.end();
    else raw.end(chunk);
  }
}

class WriteOperation extends Operation<void> {
  constructor(
    private readonly writer: StreamWriter,
    private readonly chunk: string | Uint8Array,
  ) {
    super();
  }

  [Symbol.iterator](): Steps<void> {
    return this.writer.writeSteps(toBuffer(this.chunk));
  }
}
