/**
 * Cooperative TCP sockets on Node's `net` (and `tls`): Python's socket calls, written
 * sequentially inside greenlets. A call that would block parks its greenlet on the socket and
 * Node's events wake it, so thousands of connections are served by plain loops of `recv` and
 * `sendall`. Mirrors `gevent.socket`.
 *
 * A `Socket` is a facade over its connected side (`socket-stream.ts`) or its listening side
 * (`socket-listener.ts`), as a Python socket becomes one or the other.
 */
import net from 'node:net';
import tls from 'node:tls';
import { Operation, operation, type Steps, type Suspend } from './operation.js';
import { runningGreenlet, type Waiter } from './waiter.js';
import { checkDuration, describeValue } from './errors.js';
import { notifyWatchers, type Selectable } from './socket-readiness.js';
import { Finished } from './socket-wait.js';
import { SocketStream, closedError, type ReadyEvent } from './socket-stream.js';
import { SocketListener } from './socket-listener.js';
import {
  BlockingIOError,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  addressOf,
  checkAddress,
  checkSize,
  socketError,
  toBytes,
  type Address,
  type Bytes,
} from './socket-errors.js';
import { SocketFile, type BinaryMode, type TextMode } from './socket-file.js';

export { SocketTimeout, BlockingIOError, type Address, type Bytes } from './socket-errors.js';
export { SocketFile, type BinaryMode, type TextMode } from './socket-file.js';
export { UdpSocket, type UdpSocketOptions } from './udp.js';
export { wrapSocket, type WrapOptions } from './socket-tls.js';
export { SHUT_RD, SHUT_WR, SHUT_RDWR } from './socket-errors.js';

/** TLS settings for a socket: client settings for `connect`, server settings for `listen`. */
export type TlsOptions = tls.ConnectionOptions & tls.TlsOptions;

/** Options of `new Socket()`. */
export interface SocketOptions {
  /** The initial `setTimeout(ms)`: undefined blocks without limit, 0 is non-blocking. */
  timeout?: number;
  /** Makes `connect` a TLS client connection, or `listen` a TLS server. */
  tls?: TlsOptions;
}

const DEFAULT_BACKLOG = 511;
const SENT = new Finished<void>(undefined);

class ConnectOperation extends Operation<void> {
  constructor(
    private readonly sock: Socket,
    private readonly host: string,
    private readonly port: number,
  ) {
    super();
  }

  [Symbol.iterator](): Iterator<Suspend, void, unknown> {
    return this.sock.startConnect(this.host, this.port, undefined);
  }
}

/**
 * `recv` is the call a busy server makes most, so without a timeout it is its own iterator:
 * each `next()` looks at the buffer afresh and either finishes with bytes or parks again. It
 * keeps no state between steps, so running the same Operation twice still runs it twice.
 */
class RecvOperation extends Operation<Uint8Array> implements Iterator<Suspend, Uint8Array, unknown> {
  constructor(
    private readonly sock: Socket,
    readonly max: number,
  ) {
    super();
  }

  [Symbol.iterator](): Iterator<Suspend, Uint8Array, unknown> {
    if (this.sock.timeoutMs === undefined) return this;
    const conn = this.sock.connection('recv');
    const data = conn.takeBuffered(this.max);
    return data !== null ? new Finished(data) : conn.recvSteps(this.max);
  }

  next(): IteratorResult<Suspend, Uint8Array> {
    const conn = this.sock.connection('recv');
    const data = conn.recvNow(this.max);
    return data !== null ? { done: true, value: data } : { done: false, value: conn.parkReader() };
  }

  throw(error: unknown): IteratorResult<Suspend, Uint8Array> {
    throw error;
  }
}

class SendallOperation extends Operation<void> {
  constructor(
    private readonly sock: Socket,
    private readonly data: Uint8Array,
  ) {
    super();
  }

  [Symbol.iterator](): Iterator<Suspend, void, unknown> {
    const conn = this.sock.connection('sendall');
    return conn.writeNow(this.data) ? SENT : conn.drainSteps();
  }
}

/**
 * A TCP socket whose blocking calls are Operations: a client (`connect`), a listener
 * (`bind`, `listen`, `accept`) or an accepted connection. Use it inside greenlets as you would
 * use Python's `socket.socket` under gevent; every call that waits is killable and honours
 * `setTimeout`.
 * @example
 * const sock = new Socket();
 * yield* sock.connect(['127.0.0.1', port]);
 * yield* sock.sendall('hello\n');
 * const reply = yield* sock.recv(1024); // empty at the end of the stream
 * sock.close();
 */
export class Socket implements Selectable, Disposable {
  /** @internal The connected (or connecting) side, once there is one. */
  conn: SocketStream | null = null;
  /** @internal The listening side, once `listen` ran. */
  listener: SocketListener | null = null;
  /** @internal The timeout of every call; undefined: no limit, 0: non-blocking. */
  timeoutMs: number | undefined;
  /** @internal Parked `select` callers, once there was one. */
  watchers: Set<Waiter> | null = null;
  private lastRecv: RecvOperation | null = null;
  private isClosed = false;
  /** Why the last connect failed; later calls throw it until the next connect. */
  private connectError: Error | null = null;
  private bindAddress: Address | null = null;
  private readonly tlsOptions: TlsOptions | undefined;

  constructor(options: SocketOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`new Socket() takes an options object, got ${describeValue(options)}`);
    }
    this.timeoutMs = checkDuration('Socket timeout', options.timeout);
    this.tlsOptions = options.tls;
  }

  /** @internal Wraps a stream Node created: an accepted connection, or a TLS stream on its way. */
  static adopt(stream: net.Socket, readyEvent: ReadyEvent | null = null): Socket {
    const s = new Socket();
    s.conn = new SocketStream(s, stream, addressOf(stream.remoteAddress, stream.remotePort) ?? ['', 0], readyEvent);
    return s;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Sets how long (ms) each blocking call may wait before throwing `SocketTimeout`; `undefined`
   * (or null) waits without limit, `0` makes the socket non-blocking (calls that would wait
   * throw `BlockingIOError`). Mirrors `settimeout`, in milliseconds.
   * @example
   * sock.setTimeout(2000);
   */
  setTimeout(ms: number | null | undefined): void {
    this.timeoutMs = checkDuration('Socket.setTimeout() timeout', ms ?? undefined);
  }

  /** The timeout set by `setTimeout` (ms), or undefined when calls wait without limit. */
  getTimeout(): number | undefined {
    return this.timeoutMs;
  }

  /**
   * `setBlocking(false)` is `setTimeout(0)`; `setBlocking(true)` is `setTimeout(undefined)`.
   * Mirrors `setblocking`.
   * @example
   * sock.setBlocking(false);
   */
  setBlocking(flag: boolean): void {
    this.timeoutMs = flag ? undefined : 0;
  }

  /** False when the socket is non-blocking (`setTimeout(0)`). */
  getBlocking(): boolean {
    return this.timeoutMs !== 0;
  }

  /**
   * Connects to `[host, port]` (a TLS client when the socket has `tls` options); errors such
   * as `ECONNREFUSED` are Node's, thrown at the `yield*`. Killed or timed out, the pending
   * connection is destroyed.
   * @example
   * yield* sock.connect(['127.0.0.1', 8080]);
   */
  connect(address: Address): Operation<void> {
    const [host, port] = checkAddress('Socket.connect()', address);
    return new ConnectOperation(this, host, port);
  }

  /**
   * Sets the local address: where `listen` will listen, or the source address of `connect`.
   * The port is only taken when one of those runs (Node binds and listens in one step).
   * @example
   * sock.bind(['127.0.0.1', 0]);
   */
  bind(address: Address): void {
    const checked = checkAddress('Socket.bind()', address);
    if (this.isClosed || this.conn !== null || this.listener !== null) throw this.stateError('bind');
    this.bindAddress = checked;
  }

  /**
   * Starts listening on the `bind` address, at once: on an IP address the port is taken before
   * `listen` returns, so `getsockname()` gives it. Running the returned Operation waits until
   * listening, and throws a bind error such as `EADDRINUSE` (which `accept` would throw too).
   * @example
   * sock.bind(['127.0.0.1', 0]);
   * yield* sock.listen();
   * const [, port] = sock.getsockname();
   */
  listen(backlog = DEFAULT_BACKLOG): Operation<void> {
    checkSize('Socket.listen() backlog', backlog);
    if (this.listener === null) {
      if (this.isClosed || this.conn !== null) throw this.stateError('listen');
      this.listener = new SocketListener(this, this.bindAddress ?? ['0.0.0.0', 0], backlog, this.tlsOptions);
    }
    return operation(() => this.listening('listen').listeningSteps());
  }

  /**
   * Waits for the next incoming connection: `[connection, peerAddress]`. Mirrors `accept`.
   * @example
   * const [conn, [host, port]] = yield* listener.accept();
   */
  accept(): Operation<[Socket, Address]> {
    return operation(() => this.listening('accept').acceptSteps());
  }

  /**
   * Receives up to `max` bytes, waiting until at least one arrives; an empty array means the
   * peer ended the stream (Python's `b''`). While unread bytes pile up past a high-water mark
   * the socket stops reading from the kernel, so a fast sender is slowed, not buffered.
   * @example
   * for (let data = yield* sock.recv(4096); data.length > 0; data = yield* sock.recv(4096)) {
   *   yield* sock.sendall(data);
   * }
   */
  recv(max = 65536): Operation<Uint8Array> {
    // A recv keeps no state of its own, so a loop of recv(n) can share one Operation.
    const last = this.lastRecv;
    if (last !== null && last.max === max) return last;
    return (this.lastRecv = new RecvOperation(this, checkSize('Socket.recv() size', max)));
  }

  /**
   * Sends all of `data` (a string is sent as UTF-8), waiting while the peer is slower than us:
   * when Node's write buffer is over its high-water mark the call returns only once it drains.
   * @example
   * yield* sock.sendall(new TextEncoder().encode('HELLO'));
   */
  sendall(data: Bytes): Operation<void> {
    return new SendallOperation(this, toBytes('Socket.sendall()', data));
  }

  /**
   * Sends `data` once the write buffer has room, and returns the number of bytes taken (all of
   * them: Node takes whole writes). On a non-blocking socket it throws `BlockingIOError` instead
   * of waiting.
   * @example
   * const n = yield* sock.send('ping');
   */
  send(data: Bytes): Operation<number> {
    const bytes = toBytes('Socket.send()', data);
    return operation(() => this.connection('send').sendSteps(bytes));
  }

  /**
   * Reads one line, up to and including `\n` (or up to `limit` bytes), decoded as UTF-8; the
   * empty string at the end of the stream. It reads from the same buffer as `recv`.
   * @example
   * const line = yield* sock.readline(); // 'GET / HTTP/1.0\r\n'
   */
  readline(limit?: number): Operation<string> {
    const max = limit === undefined ? Infinity : checkSize('Socket.readline() limit', limit);
    const self = this;
    return operation(function* () {
      return Buffer.from(yield* self.readlineSteps(max)).toString('utf8');
    });
  }

  /**
   * A file-like view of the socket: `readline`, `read`, `write`, line iteration. Text mode
   * (`'r'`, the default) gives strings, binary mode (`'rb'`) gives bytes. Closing it leaves the
   * socket open. Mirrors `socket.makefile`.
   * @example
   * const f = sock.makefile('rb');
   * const header = yield* f.readline();
   */
  makefile(mode?: TextMode): SocketFile<string>;
  makefile(mode: BinaryMode): SocketFile<Uint8Array>;
  makefile(mode: TextMode | BinaryMode = 'r'): SocketFile<string> | SocketFile<Uint8Array> {
    return SocketFile.open(this, mode);
  }

  /**
   * Shuts down one or both directions: `SHUT_WR` sends the end of the stream to the peer (which
   * reads an empty array) while this side can still receive.
   * @example
   * sock.shutdown(SHUT_WR);
   */
  shutdown(how: number): void {
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) {
      throw new RangeError(`Socket.shutdown() needs SHUT_RD, SHUT_WR or SHUT_RDWR, got ${describeValue(how)}`);
    }
    this.connection('shutdown').shutdown(how);
  }

  /**
   * Closes the socket, at once. Bytes already handed to `sendall` are still delivered; greenlets
   * blocked on this socket get `EBADF`; a listener stops accepting and drops connections not yet
   * accepted. Closing twice does nothing.
   * @example
   * try { yield* serve(sock); } finally { sock.close(); }
   */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.conn?.close();
    this.listener?.close();
    if (this.watchers !== null) notifyWatchers(this.watchers);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** The peer's address. Mirrors `getpeername`. */
  getpeername(): Address {
    const conn = this.connection('getpeername');
    if (conn.connecting) throw socketError('ENOTCONN', 'getpeername', 'the socket is not connected yet');
    return [conn.peer[0], conn.peer[1]];
  }

  /**
   * This side's address: the listening address (with the real port when 0 was asked), or the
   * local end of a connection. Mirrors `getsockname`.
   */
  getsockname(): Address {
    if (this.isClosed) throw closedError('getsockname');
    const local = this.conn?.localAddress() ?? this.listener?.address() ?? null;
    if (local !== null) return local;
    return this.bindAddress !== null ? [this.bindAddress[0], this.bindAddress[1]] : ['0.0.0.0', 0];
  }

  /**
   * Turns Nagle's algorithm off (Node sockets start with it on), so small writes leave at once.
   * Mirrors `setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)`.
   * @example
   * sock.setNoDelay();
   */
  setNoDelay(noDelay = true): void {
    this.conn?.stream.setNoDelay(noDelay);
  }

  /** @internal The connection, or the error that says why there is none. */
  connection(what: string): SocketStream {
    const conn = this.conn;
    if (conn !== null && !this.isClosed) return conn;
    if (this.isClosed) throw closedError(what);
    throw this.connectError ?? socketError('ENOTCONN', what, 'the socket is not connected');
  }

  /** @internal The peer address of a connection, as `accept` returns it. */
  peerAddress(): Address {
    const peer = this.conn?.peer ?? ['', 0];
    return [peer[0], peer[1]];
  }

  /** @internal */ recvSteps(max: number): Steps<Uint8Array> {
    return this.connection('recv').recvSteps(max);
  }

  /** @internal */ readlineSteps(limit: number): Steps<Uint8Array> {
    return this.connection('readline').readlineSteps(limit);
  }

  /**
   * @internal Starts connecting, at once, and returns the steps that wait for the connection
   * and finish with `result`.
   */
  startConnect<T>(host: string, port: number, result: T): Iterator<Suspend, T, unknown> {
    const g = runningGreenlet('Socket.connect()');
    if (this.isClosed || this.conn !== null || this.listener !== null) throw this.stateError('connect');
    const options: net.TcpNetConnectOpts = { host, port, allowHalfOpen: true };
    const local = this.bindAddress;
    if (local !== null) {
      if (local[0] !== '' && local[0] !== '0.0.0.0' && local[0] !== '::') options.localAddress = local[0];
      if (local[1] !== 0) options.localPort = local[1];
    }
    const tlsOptions = this.tlsOptions;
    let conn: SocketStream;
    if (tlsOptions === undefined) {
      conn = new SocketStream(this, net.connect(options), [host, port], 'connect');
    } else {
      const servername = tlsOptions.servername ?? (net.isIP(host) === 0 ? host : undefined);
      conn = new SocketStream(this, tls.connect({ ...tlsOptions, ...options, servername }), [host, port], 'secureConnect');
    }
    this.conn = conn;
    this.connectError = null;
    if (this.timeoutMs === 0) {
      throw new BlockingIOError(`connect() to ${host}:${port} is in progress on a non-blocking socket`, 'EINPROGRESS');
    }
    return conn.waitConnected(g, 'Socket.connect()', result);
  }

  /** @internal The connect failed or was abandoned: the socket is unconnected again. */
  connectFailed(conn: SocketStream, error: Error | null): void {
    if (this.conn !== conn) return;
    this.conn = null;
    this.connectError = error;
    if (this.watchers !== null) notifyWatchers(this.watchers);
  }

  /** @internal Hands the connected Node stream over (to TLS); this socket is closed after. */
  detachStream(what: string): net.Socket {
    const conn = this.connection(what);
    if (conn.connecting) throw socketError('ENOTCONN', what, 'the socket is not connected yet');
    this.conn = null;
    this.isClosed = true;
    return conn.detach();
  }

  /** @internal Waits until an adopted TLS stream finished its handshake. */
  *handshakeSteps(what: string): Steps<void> {
    const conn = this.connection(what);
    if (conn.connecting) yield* conn.waitConnected(runningGreenlet(what), what, undefined);
    if (conn.error !== null) throw conn.error;
  }

  /** @internal */ selectReadable(): boolean {
    if (this.isClosed || this.connectError !== null) return true;
    return this.listener?.readable() ?? this.conn?.readable() ?? false;
  }

  /** @internal */ selectWritable(): boolean {
    if (this.isClosed || this.connectError !== null) return true;
    return this.conn?.canWrite() ?? false;
  }

  /** @internal */ selectExceptional(): boolean {
    return this.connectError !== null || (this.conn?.error ?? this.listener?.error ?? null) !== null;
  }

  /** @internal */ get selectWatchers(): Set<Waiter> {
    return (this.watchers ??= new Set());
  }

  /** @internal */ selectStartReading(): void {
    if (!this.isClosed) this.conn?.startReading();
  }

  private listening(what: string): SocketListener {
    if (this.isClosed) throw closedError(what);
    if (this.listener === null) throw socketError('EINVAL', what, 'the socket is not listening; call listen() first');
    return this.listener;
  }

  private stateError(what: string): Error {
    if (this.isClosed) return closedError(what);
    if (this.listener !== null) return socketError('EINVAL', what, 'the socket is already listening');
    if (this.conn?.connecting === true) return socketError('EALREADY', what, 'the socket is already connecting');
    if (this.conn !== null) return socketError('EISCONN', what, 'the socket is already connected');
    return socketError('EINVAL', what, 'the socket is not in a state for this');
  }
}

/** Options of `createConnection`. */
export interface CreateConnectionOptions {
  /** The socket's timeout (ms) for the connect and every later call; default: no limit. */
  timeout?: number;
  /** The local `[host, port]` to connect from. */
  sourceAddress?: Address;
  /** Connect with TLS. */
  tls?: TlsOptions;
}

/**
 * Connects a new socket to `[host, port]` and returns it; with `timeout` the connect and every
 * later call on the socket are limited to that many milliseconds. Mirrors `create_connection`.
 * @example
 * const sock = yield* createConnection(['127.0.0.1', 8080], { timeout: 500 });
 */
export function createConnection(address: Address, options: CreateConnectionOptions = {}): Operation<Socket> {
  const [host, port] = checkAddress('createConnection()', address);
  const timeout = checkDuration('createConnection() timeout', options.timeout);
  const source = options.sourceAddress === undefined ? undefined : checkAddress('createConnection() sourceAddress', options.sourceAddress);
  return new CreateConnectionOperation(host, port, timeout, source, options.tls);
}

class CreateConnectionOperation extends Operation<Socket> {
  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeout: number | undefined,
    private readonly source: Address | undefined,
    private readonly tls: TlsOptions | undefined,
  ) {
    super();
  }

  [Symbol.iterator](): Iterator<Suspend, Socket, unknown> {
    const sock = new Socket({ timeout: this.timeout, tls: this.tls });
    if (this.source !== undefined) sock.bind(this.source);
    // A connect that fails later leaves nothing open: its stream is destroyed with the failure.
    try {
      return sock.startConnect(this.host, this.port, sock);
    } catch (error) {
      sock.close();
      throw error;
    }
  }
}
