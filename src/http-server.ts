/**
 * An HTTP/1.1 server on `node:http` where every request is handled in its own greenlet, written
 * in plain sequential style: read the body with `yield*`, write the response with `yield*`.
 * Keep-alive, streaming bodies in both directions, a per-request timeout, the handler killed
 * when its client goes away, and a graceful `stop(timeout)`. Plays the part of gevent's
 * `pywsgi.WSGIServer` (without WSGI).
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import { getHub, wake, wakeThrow } from './hub.js';
import { GreenletExit, checkDuration, describeValue } from './errors.js';
import { Operation, call, type Steps } from './operation.js';
import { Greenlet, getCurrent, spawn } from './greenlet.js';
import { Timeout } from './timeout.js';
import { joinAll, killAll } from './wait.js';
import { Group, Pool } from './pool.js';
import { runningGreenlet, SetWaiter } from './waiter.js';
import { listenNow } from './socket-errors.js';
import { HttpStatusError, ServerRequest, ServerResponse, type Address } from './http-messages.js';

export { ServerRequest, ServerResponse, type Address };

/** What a server can be asked to listen on: `[host, port]`, a port alone, or `"host:port"`. */
export type AddressLike = Address | number | string;

/**
 * A request handler: a greenlet body `(request, response)` (a generator function, or an async or
 * plain function). Returning a string or bytes without having ended the response sends them as
 * the body; the response is ended for you when the handler returns.
 */
export type HttpHandler = (request: ServerRequest, response: ServerResponse) => unknown;

/** Options of `HttpServer` and `createServer`. */
export interface HttpServerOptions {
  /**
   * How long (ms) one request may take, from its arrival to the end of its response. On expiry
   * the handler is killed (a `Timeout` is thrown at its `yield*`, so its `finally` runs) and the
   * client gets `408 Request Timeout` if the request body had not fully arrived, else
   * `503 Service Unavailable`, both with `Connection: close`; if the response headers were
   * already sent, the connection is closed instead (the client sees a truncated response).
   * Default: no limit.
   */
  requestTimeout?: number;
  /** Largest request head (request line and headers) in bytes; larger gets 431. Default 16 KiB. */
  maxHeaderSize?: number;
  /**
   * Largest request body in bytes: a larger `Content-Length` gets `413 Content Too Large` before
   * the handler runs; a chunked body that grows past it makes the handler's read throw, and the
   * client gets 413. Default: no limit.
   */
  maxBodySize?: number;
  /** How long (ms) an idle keep-alive connection stays open. Default 5000 (Node's). */
  keepAliveTimeout?: number;
  /** How long (ms) a client may take to send the request head; 408 after. Default 60000 (Node's). */
  headersTimeout?: number;
  /** Serve HTTPS with these TLS options (`key`, `cert`, ...). */
  tls?: SecureContextOptions & TlsOptions;
  /** Listen backlog. Default: Node's (511). */
  backlog?: number;
  /**
   * How request greenlets are spawned, as gevent servers' `spawn`: a `Pool`, or a pool size,
   * bounds how many requests are handled at once (the others wait, in arrival order); a `Group`
   * keeps track of them without a bound. Default: a new greenlet per request, unbounded.
   */
  spawn?: number | Pool | Group;
}

const STATUS_TEXT = http.STATUS_CODES;

function parseAddress(address: AddressLike): Address {
  if (typeof address === 'number') return ['127.0.0.1', checkPort(address, address)];
  if (typeof address === 'string') {
    const colon = address.lastIndexOf(':');
    if (colon < 0) throw new TypeError(`HttpServer address must be "host:port", [host, port] or a port, got ${describeValue(address)}`);
    const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    return [host === '' ? '0.0.0.0' : host, checkPort(Number(address.slice(colon + 1)), address)];
  }
  if (Array.isArray(address) && address.length === 2 && typeof address[0] === 'string') {
    return [address[0] === '' ? '0.0.0.0' : address[0], checkPort(address[1], address)];
  }
  throw new TypeError(`HttpServer address must be [host, port], a port or "host:port", got ${describeValue(address)}`);
}

function checkPort(port: unknown, address: unknown): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`HttpServer port must be an integer from 0 to 65535, got ${describeValue(port)} in ${describeValue(address)}`);
  }
  return port;
}

function isGenerator(value: unknown): value is Generator<unknown, unknown, unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Generator).next === 'function' &&
    typeof (value as Generator).throw === 'function'
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * True when the client of a request is gone (its connection closed before the response ended).
 * The request's socket is the one to look at: a pipelined response gets its socket only once
 * the responses before it are done.
 */
function clientGone(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  return res.destroyed || req.socket.destroyed;
}

function plainResponse(response: http.ServerResponse, status: number, message: string): void {
  for (const name of response.getHeaderNames()) response.removeHeader(name);
  const body = `${status} ${STATUS_TEXT[status] ?? ''}: ${message}\n`;
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    Connection: 'close',
  });
  response.end(body);
}

/**
 * An HTTP/1.1 server that runs `handler(request, response)` in a new greenlet for each request.
 * A handler that throws gets the client a 500 (if nothing was sent yet), its error goes to
 * `getHub().handleError`, and the server keeps serving; malformed or oversized requests get a
 * clear 4xx without reaching the handler. Plays the part of gevent's `pywsgi.WSGIServer`.
 * @example
 * const server = new HttpServer(['127.0.0.1', 0], function* (request, response) {
 *   response.end(`hello ${request.url}`);
 * });
 * yield* server.start();
 * console.log('listening on', server.address);
 * // ... later
 * yield* server.stop(1000);
 */
export class HttpServer {
  /** The underlying `http.Server` (or `https.Server`). */
  readonly raw: http.Server;
  /** The handler given to the constructor. */
  readonly handler: HttpHandler;
  private readonly requested: Address;
  private readonly options: HttpServerOptions;
  /** The per-request limit in ms (see `HttpServerOptions.requestTimeout`), or undefined. */
  readonly requestTimeout: number | undefined;
  /** Greenlets of the requests being handled. */
  /**
   * Used by `stop()` when it is given no timeout: how long (ms) running requests may go on
   * before their handlers are killed. Default 1000, gevent's `stop_timeout`, the same as
   * `StreamServer`: a handler blocked on a slow client would otherwise hold `stop()` for ever.
   * `Infinity` waits without limit.
   */
  stopTimeout = 1000;
  private readonly active = new Set<Greenlet<unknown>>();
  private readonly pool: Pool | null;
  private readonly group: Group | null;
  /** @internal Requests waiting for a free slot of the pool, oldest first. */
  readonly queued: [ServerRequest, ServerResponse][] = [];
  /** @internal The greenlet that moves queued requests into the pool, while there are any. */
  feeder: Greenlet<void> | null = null;
  private readonly startWaiters = new Set<SetWaiter>();
  private readonly stopWaiters = new Set<SetWaiter>();
  private listening = false;
  private listenError: Error | null = null;
  private startedListening = false;
  private stopping = false;
  private closed = false;

  constructor(address: AddressLike, handler: HttpHandler, options: HttpServerOptions = {}) {
    this.requested = parseAddress(address);
    if (typeof handler !== 'function') {
      throw new TypeError(`HttpServer handler must be a function (request, response), got ${describeValue(handler)}`);
    }
    this.handler = handler;
    this.options = options;
    this.requestTimeout = checkDuration('HttpServer requestTimeout', options.requestTimeout);
    const spawnOption = options.spawn;
    if (spawnOption === undefined || spawnOption instanceof Pool || spawnOption instanceof Group) {
      this.pool = spawnOption instanceof Pool ? spawnOption : null;
      this.group = spawnOption instanceof Group ? spawnOption : null;
    } else if (typeof spawnOption === 'number') {
      this.pool = new Pool(spawnOption);
      this.group = null;
    } else {
      throw new TypeError(`HttpServer spawn must be a Pool, a Group or a pool size, got ${describeValue(spawnOption)}`);
    }
    const nodeOptions: http.ServerOptions = {};
    if (options.maxHeaderSize !== undefined) nodeOptions.maxHeaderSize = options.maxHeaderSize;
    const server = options.tls === undefined ? http.createServer(nodeOptions) : https.createServer({ ...options.tls, ...nodeOptions });
    const keepAlive = checkDuration('HttpServer keepAliveTimeout', options.keepAliveTimeout);
    if (keepAlive !== undefined) server.keepAliveTimeout = keepAlive;
    const headersTimeout = checkDuration('HttpServer headersTimeout', options.headersTimeout);
    if (headersTimeout !== undefined) server.headersTimeout = headersTimeout;
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => this.dispatch(req, res));
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => this.answerClientError(error, socket));
    server.on('error', (error: Error) => this.onServerError(error));
    this.raw = server;
  }

  /** The bound `[host, port]` once listening (the real port when 0 was asked), else the requested one. */
  get address(): Address {
    const bound = this.raw.address();
    if (bound !== null && typeof bound === 'object') return [bound.address, bound.port];
    return [...this.requested];
  }

  /** True while listening. */
  get started(): boolean {
    return this.listening;
  }

  /** The number of requests being handled right now. */
  get activeRequests(): number {
    return this.active.size;
  }

  /**
   * Starts listening, at once: on an IP address the port is bound before `start` returns, so
   * `address` gives it (as with `StreamServer`). Running the returned Operation waits until the
   * server listens, and throws if it cannot (e.g. `EADDRINUSE`). Starting twice does nothing.
   * @example
   * yield* server.start();
   * const [, port] = server.address;
   */
  start(): Operation<void> {
    if (!this.startedListening && !this.closed) {
      this.startedListening = true;
      const [host, port] = this.requested;
      const onListening = (): void => {
        this.listening = true;
        for (const w of this.startWaiters) wake(w, undefined);
        this.startWaiters.clear();
      };
      this.raw.once('listening', onListening);
      if (listenNow(this.raw, host, port, this.options.backlog ?? 511)) this.listening = true;
    }
    return new StartOperation(this);
  }

  /** @internal */
  *startSteps(): Steps<void> {
    if (this.listenError !== null) throw this.listenError;
    if (this.listening || this.closed) return;
    const w = new SetWaiter(runningGreenlet('HttpServer.start()'), this.startWaiters, 'HttpServer.start()');
    this.startWaiters.add(w);
    yield w.park();
  }

  /**
   * Starts (if needed) and blocks until the server is stopped.
   * @example
   * spawn(() => server.serveForever());
   */
  serveForever(): Operation<void> {
    return new ServeForeverOperation(this);
  }

  /** @internal */
  *serveForeverSteps(): Steps<void> {
    yield* this.start();
    if (this.closed) return;
    const w = new SetWaiter(runningGreenlet('HttpServer.serveForever()'), this.stopWaiters, 'HttpServer.serveForever()');
    this.stopWaiters.add(w);
    yield w.park();
  }

  /**
   * Stops accepting new connections, at once; requests already running go on, and idle
   * keep-alive connections are closed. Use `stop()` to also wait for the running requests.
   */
  close(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.raw.close(() => this.onClosed());
    this.raw.closeIdleConnections();
  }

  /**
   * Stops the server gracefully: stops accepting, lets running requests finish for up to
   * `timeout` ms (default `stopTimeout`, 1000 ms as in gevent; `Infinity` for no limit), then
   * kills their handlers and closes every connection.
   * Requests that arrive meanwhile on open connections are served with `Connection: close`.
   * Waits until everything is closed.
   * @example
   * yield* server.stop(2000);
   */
  stop(timeout?: number): Operation<void> {
    const limit = checkDuration('HttpServer.stop() timeout', timeout ?? this.stopTimeout);
    return new StopOperation(this, limit === Infinity ? undefined : limit);
  }

  /** @internal */
  *stopSteps(timeout: number | undefined): Steps<void> {
    this.close();
    const current = getCurrent();
    const busy = (): Greenlet<unknown>[] => {
      const list = [...this.active].filter((g) => g !== current);
      if (this.feeder !== null && this.feeder !== current) list.push(this.feeder);
      return list;
    };
    // Requests still arriving on open connections (answered with Connection: close) or waiting
    // for the pool join the wait, until the deadline.
    const deadline = timeout === undefined ? Infinity : performance.now() + timeout;
    for (let waiting = busy(); waiting.length > 0; waiting = busy()) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) break;
      yield* joinAll(waiting, { timeout: remaining === Infinity ? undefined : remaining });
    }
    const left = busy();
    if (left.length > 0) {
      try {
        // As gevent's stop(): whatever has not finished in time is killed, and gets a second to clean up.
        yield* killAll(left, { timeout: 1000 });
      } catch (error) {
        if (!(error instanceof Timeout)) throw error;
      }
    }
    this.raw.closeAllConnections();
    if (!this.closed && this.startedListening) {
      const w = new SetWaiter(runningGreenlet('HttpServer.stop()'), this.stopWaiters, 'HttpServer.stop()');
      this.stopWaiters.add(w);
      yield w.park();
    } else {
      this.onClosed();
    }
  }

  private onClosed(): void {
    this.closed = true;
    this.listening = false;
    for (const w of this.stopWaiters) wake(w, undefined);
    this.stopWaiters.clear();
    for (const w of this.startWaiters) wake(w, undefined);
    this.startWaiters.clear();
  }

  private onServerError(error: Error): void {
    if (!this.listening) {
      this.listenError = error;
      this.closed = true;
      if (this.startWaiters.size > 0) {
        for (const w of this.startWaiters) wakeThrow(w, error);
        this.startWaiters.clear();
        for (const w of this.stopWaiters) wakeThrow(w, error);
        this.stopWaiters.clear();
        return;
      }
      if (this.stopWaiters.size > 0) {
        for (const w of this.stopWaiters) wakeThrow(w, error);
        this.stopWaiters.clear();
        return;
      }
    }
    getHub().handleError(null, error);
  }

  private dispatch(req: http.IncomingMessage, res: http.ServerResponse): void {
    const max = this.options.maxBodySize;
    if (max !== undefined) {
      const length = Number(req.headers['content-length']);
      if (length > max) {
        plainResponse(res, 413, `request body of ${length} bytes is larger than the limit of ${max} bytes`);
        return;
      }
    }
    if (this.stopping) res.setHeader('Connection', 'close');
    const request = new ServerRequest(req, max);
    const response = new ServerResponse(res);
    if (this.pool !== null) {
      this.queued.push([request, response]);
      this.feeder ??= spawn(feedPool, this, this.pool);
      return;
    }
    const g = this.group === null ? spawn(serveRequest, this, request, response) : this.group.spawn(serveRequest, this, request, response);
    this.track(g, req, res);
  }

  /** @internal A request greenlet started: it is killed if its client goes away first. */
  track(g: Greenlet<unknown>, req: http.IncomingMessage, res: http.ServerResponse): void {
    if (clientGone(req, res)) {
      g.kill();
      return;
    }
    this.active.add(g);
    res.on('close', () => {
      // The connection went away before the response was complete: nobody is left to answer.
      if (!res.writableFinished && !g.dead) {
        g.kill();
        if (g.dead) this.active.delete(g);
      }
    });
  }

  /** @internal The handler's greenlet ended; `g` may be dead or finishing. */
  finished(g: Greenlet<unknown>): void {
    this.active.delete(g);
  }

  /** @internal */
  runHandler(request: ServerRequest, response: ServerResponse): unknown {
    return this.handler(request, response);
  }

  /** @internal Answers a handler that ended with `error`, if the client can still hear it. */
  answerFailure(request: ServerRequest, response: ServerResponse, error: unknown, timer: Timeout | null): void {
    const res = response.raw;
    if (res.destroyed || res.writableFinished) return;
    if (res.headersSent) {
      // Part of a response is out: closing the connection (once what was written is flushed)
      // is the only honest signal left; the client sees a response cut short.
      if (res.socket !== null) res.socket.destroySoon();
      else res.destroy();
      return;
    }
    if (error === timer && timer !== null) {
      if (request.complete) plainResponse(res, 503, `the request took longer than the server's limit of ${timer.ms} ms`);
      else plainResponse(res, 408, `the request body did not arrive within the server's limit of ${timer.ms} ms`);
    } else if (error instanceof HttpStatusError) {
      plainResponse(res, error.status, error.message);
    } else if (error instanceof GreenletExit) {
      plainResponse(res, 503, 'the server is shutting down');
    } else {
      plainResponse(res, 500, 'the request handler failed');
    }
  }

  private answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    let status = 400;
    let message = `malformed HTTP request (${error.code ?? error.message})`;
    if (error.code === 'HPE_HEADER_OVERFLOW') {
      status = 431;
      message = `request head larger than the server's limit of ${this.options.maxHeaderSize ?? http.maxHeaderSize} bytes`;
    } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      message = 'the request did not arrive in time';
    }
    const body = `${status} ${STATUS_TEXT[status]}: ${message}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    socket.destroySoon();
  }
}

/**
 * Moves queued requests into the pool as slots free up, oldest first, as gevent's pool-bounded
 * servers do; requests whose client left while they waited are dropped. Killed (by `stop`), it
 * answers the requests still waiting with 503.
 */
function* feedPool(server: HttpServer, pool: Pool): Steps<void> {
  const queued = server.queued;
  try {
    while (queued.length > 0) {
      const [request, response] = queued[0];
      if (clientGone(request.raw, response.raw)) {
        queued.shift();
        continue;
      }
      const g = yield* pool.spawn(serveRequest, server, request, response);
      queued.shift();
      server.track(g, request.raw, response.raw);
    }
  } finally {
    server.feeder = null;
    for (const [request, response] of queued.splice(0)) {
      if (!clientGone(request.raw, response.raw) && !response.raw.headersSent) plainResponse(response.raw, 503, 'the server is shutting down');
    }
  }
}

/** The body of every request greenlet: runs the handler, then answers whatever it left undone. */
function* serveRequest(server: HttpServer, request: ServerRequest, response: ServerResponse): Steps<void> {
  const timeout = server.requestTimeout;
  const timer = timeout === undefined ? null : Timeout.startNew(timeout);
  try {
    const out = server.runHandler(request, response);
    let result: unknown = out;
    if (isGenerator(out)) result = yield* out as Steps<unknown>;
    else if (isThenable(out)) result = yield* call(out);
    if (!response.raw.writableEnded) {
      response.end(typeof result === 'string' || result instanceof Uint8Array ? result : undefined);
    }
  } catch (error) {
    server.answerFailure(request, response, error, timer);
    // A timeout is the server's own decision and a body too large the client's fault, both
    // answered already: not handler failures. Anything else is rethrown so the hub reports it
    // (GreenletExit, a kill, is not reported).
    if ((error !== timer || timer === null) && !(error instanceof HttpStatusError)) throw error;
  } finally {
    timer?.cancel();
    server.finished(getCurrent()!);
  }
}

class StartOperation extends Operation<void> {
  constructor(private readonly server: HttpServer) {
    super();
  }

  [Symbol.iterator](): Steps<void> {
    return this.server.startSteps();
  }
}

class ServeForeverOperation extends Operation<void> {
  constructor(private readonly server: HttpServer) {
    super();
  }

  [Symbol.iterator](): Steps<void> {
    return this.server.serveForeverSteps();
  }
}

class StopOperation extends Operation<void> {
  constructor(
    private readonly server: HttpServer,
    private readonly timeout: number | undefined,
  ) {
    super();
  }

  [Symbol.iterator](): Steps<void> {
    return this.server.stopSteps(this.timeout);
  }
}

/**
 * Creates an `HttpServer` (not yet listening): `createServer(handler, options?)` listens on
 * 127.0.0.1 with a free port; `createServer(address, handler, options?)` where you say.
 * @example
 * const server = createServer(function* (request, response) { response.end('hello'); });
 * yield* server.start();
 * const [, port] = server.address;
 */
export function createServer(handler: HttpHandler, options?: HttpServerOptions): HttpServer;
export function createServer(address: AddressLike, handler: HttpHandler, options?: HttpServerOptions): HttpServer;
export function createServer(
  first: HttpHandler | AddressLike,
  second?: HttpHandler | HttpServerOptions,
  third?: HttpServerOptions,
): HttpServer {
  if (typeof first === 'function') return new HttpServer(['127.0.0.1', 0], first, second as HttpServerOptions | undefined);
  return new HttpServer(first, second as HttpHandler, third);
}
