/**
 * Cooperative TCP sockets on Node's `net` (and `tls`): Python's socket calls, written
 * sequentially inside greenlets. A call that would block parks its greenlet on the socket and
 * Node's events wake it, so thousands of connections are served by plain loops of `recv` and
 * `sendall`. Mirrors `gevent.socket`.
 */
import net from 'node:net';
import tls from 'node:tls';
import { wake, wakeThrow } from './hub.js';
import { Operation, operation, type Steps, type Suspend } from './operation.js';
import { TIMED_OUT, WaitDeadline, Waiter, WaitList, runningGreenlet } from './waiter.js';
import { Deque } from './deque.js';
import { checkDuration, describeValue } from './errors.js';
import type { Greenlet } from './greenlet.js';
import { ReceiveBuffer } from './socket-buffer.js';
import { parkOn } from './socket-wait.js';
import { notifyWatchers, type Selectable } from './socket-readiness.js';
import {
  BlockingIOError,
  SocketTimeout,
  addressOf,
  checkAddress,
  checkSize,
  listenNow,
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

/** `shutdown(how)`: no more receiving. */
export const SHUT_RD = 0;
/** `shutdown(how)`: no more sending (the peer sees the end of the stream). */
export const SHUT_WR = 1;
/** `shutdown(how)`: neither. */
export const SHUT_RDWR = 2;

/** TLS settings for a socket: client settings for `connect`, server settings for `listen`. */
export type TlsOptions = tls.ConnectionOptions & tls.TlsOptions;

/** Options of `new Socket()`. */
export interface SocketOptions {
  /** The initial `setTimeout(ms)`: undefined blocks without limit, 0 is non-blocking. */
  timeout?: number;
  /** Makes `connect` a TLS client connection, or `listen` a TLS server. */
  tls?: TlsOptions;
}

/** Past this many unread bytes the socket stops reading from the kernel until some are read. */
const RECEIVE_HIGH_WATER = 64 * 1024;
/** Reading resumes once the unread bytes fall to this. */
const RECEIVE_LOW_WATER = 16 * 1024;
const DEFAULT_BACKLOG = 511;
const EMPTY = new Uint8Array(0);

const OWNER = Symbol('greenlets.socket');
type OwnedStream = net.Socket & { [OWNER]?: Socket | null };
type OwnedServer = net.Server & { [OWNER]?: Socket | null };

const enum Mode {
  Fresh = 0,
  Connecting = 1,
  Connected = 2,
  Listening = 3,
  Closed = 4,
}

// Node events reach the Socket through one shared function each, with the Socket stored on
// the Node object, rather than a closure per socket and event.
function onData(this: OwnedStream, chunk: Buffer): void {
  this[OWNER]?.received(chunk);
}
function onEnd(this: OwnedStream): void {
  const s = this[OWNER];
  if (s) {
    s.eof = true;
    s.wakeReaders();
  }
}
function onError(this: OwnedStream, error: Error): void {
  this[OWNER]?.failed(error);
}
function onClose(this: OwnedStream): void {
  const s = this[OWNER];
  if (s) {
    s.eof = true;
    s.wakeReaders();
    s.wakeWriters();
  }
}
function onDrain(this: OwnedStream): void {
  this[OWNER]?.wakeWriters();
}
function onConnect(this: OwnedStream): void {
  this[OWNER]?.connected();
}
function onConnection(this: OwnedServer, stream: net.Socket): void {
  const s = this[OWNER];
  if (s) s.incoming(stream);
  else stream.destroy();
}
function onListenerError(this: OwnedServer, error: Error): void {
  this[OWNER]?.failed(error);
}
function onListening(this: OwnedServer): void {
  const s = this[OWNER];
  // Closed before a looked-up address was bound: the late listener goes too.
  if (s) s.wakeReaders();
  else this.close();
}
function ignoreError(): void {}

/** @internal Parks a greenlet until its connection (or TLS handshake) completes. */
class ConnectWaiter extends Waiter {
  /** The socket's timeout for this wait, cancelled by whatever ends the wait first. */
  deadline: WaitDeadline | null = null;

  constructor(
    greenlet: Greenlet,
    private readonly sock: Socket,
    readonly what: string,
  ) {
    super(greenlet);
  }

  // Killed or timed out while connecting: the half-open connection is released at once.
  unhook(): void {
    this.sock.abortConnect();
  }

  describe(): string {
    return this.what;
  }
}

/**
 * What an Operation runs as when it needs no waiting: an iterator that is already done. `recv`
 * with bytes buffered and `sendall` that Node takes at once (the common case of a busy
 * connection) then cost no generator.
 */
class Finished<T> implements Iterator<Suspend, T, unknown> {
  constructor(private readonly value: T) {}

  next(): IteratorResult<Suspend, T> {
    return { done: true, value: this.value };
  }
}
const SENT = new Finished<void>(undefined);

/**
 * The wait for a connection, as a plain iterator rather than a generator: a port scan fails
 * tens of thousands of connects, and each failure is thrown through every frame between the
 * hub and the caller, so this wait adds none. It parks once, then finishes with `result`, or
 * throws `SocketTimeout`, or lets the thrown connect error through.
 */
class ConnectSteps<T> implements Iterator<Suspend, T, unknown> {
  private parked = false;

  constructor(
    private readonly waiter: ConnectWaiter,
    private readonly timeout: number | undefined,
    private readonly peer: Address,
    private readonly result: T,
  ) {}

  next(value?: unknown): IteratorResult<Suspend, T> {
    if (!this.parked) {
      this.parked = true;
      return { done: false, value: this.waiter.park() };
    }
    if (value === TIMED_OUT) {
      throw new SocketTimeout(`${this.waiter.what}: no connection to ${this.peer[0]}:${this.peer[1]} within ${this.timeout} ms`);
    }
    return { done: true, value: this.result };
  }

  throw(error: unknown): IteratorResult<Suspend, T> {
    throw error;
  }

  [Symbol.iterator](): this {
    return this;
  }
}

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

class RecvOperation extends Operation<Uint8Array> {
  constructor(
    private readonly sock: Socket,
    private readonly max: number,
  ) {
    super();
  }

  [Symbol.iterator](): Iterator<Suspend, Uint8Array, unknown> {
    const data = this.sock.takeBuffered(this.max);
    return data !== null ? new Finished(data) : this.sock.recvSteps(this.max);
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
    return this.sock.writeNow(this.data) ? SENT : this.sock.drainSteps();
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
  /** @internal */ stream: OwnedStream | null = null;
  /** @internal */ listener: OwnedServer | null = null;
  /** @internal */ eof = false;
  /** @internal */ error: Error | null = null;
  private mode: Mode = Mode.Fresh;
  private timeoutMs: number | undefined;
  private readonly tlsOptions: TlsOptions | undefined;
  private readonly buffer = new ReceiveBuffer();
  private reading = false;
  private paused = false;
  private readShut = false;
  private writeShut = false;
  private bindAddress: Address | null = null;
  private peer: Address | null = null;
  private readyEvent: 'connect' | 'secureConnect' | 'secure' = 'connect';
  private connectWaiter: ConnectWaiter | null = null;
  private readers = new WaitList<void>('Socket.recv()');
  private readonly writers = new WaitList<void>('Socket.sendall()');
  private accepted: Deque<Socket> | null = null;
  private watchers: Set<Waiter> | null = null;

  constructor(options: SocketOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`new Socket() takes an options object, got ${describeValue(options)}`);
    }
    this.timeoutMs = checkDuration('Socket timeout', options.timeout);
    this.tlsOptions = options.tls;
  }

  /** @internal Wraps a stream Node created (an accepted connection, a TLS stream). */
  static adopt(stream: net.Socket, readyEvent?: 'secureConnect' | 'secure'): Socket {
    const s = new Socket();
    s.attach(stream);
    if (readyEvent === undefined) {
      s.attachConnected(stream);
      s.mode = Mode.Connected;
      s.peer = addressOf(stream.remoteAddress, stream.remotePort) ?? ['', 0];
    } else {
      s.mode = Mode.Connecting;
      s.readyEvent = readyEvent;
      stream.once(readyEvent, onConnect);
    }
    return s;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.mode === Mode.Closed;
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
    if (this.mode !== Mode.Fresh) throw socketError('EINVAL', 'bind', `the socket is already ${this.describeMode()}`);
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
    if (this.mode === Mode.Fresh) this.startListening(backlog);
    else if (this.mode !== Mode.Listening) throw this.stateError('listen');
    return operation(() => this.listeningSteps());
  }

  /**
   * Waits for the next incoming connection: `[connection, peerAddress]`. Mirrors `accept`.
   * @example
   * const [conn, [host, port]] = yield* listener.accept();
   */
  accept(): Operation<[Socket, Address]> {
    return operation(() => this.acceptSteps());
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
    return new RecvOperation(this, checkSize('Socket.recv() size', max));
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
    return operation(() => this.sendSteps(bytes));
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
    if (this.mode === Mode.Closed) throw closedError('shutdown');
    const stream = this.stream;
    if (this.mode !== Mode.Connected || stream === null) throw socketError('ENOTCONN', 'shutdown', 'the socket is not connected');
    if (how !== SHUT_WR && !this.readShut) {
      this.readShut = true;
      this.buffer.clear();
      if (this.reading) stream.pause();
      this.wakeReaders();
    }
    if (how !== SHUT_RD && !this.writeShut) {
      this.writeShut = true;
      stream.end();
      this.wakeWriters();
    }
  }

  /**
   * Closes the socket, at once. Bytes already handed to `sendall` are still delivered; greenlets
   * blocked on this socket get `EBADF`; a listener stops accepting and drops connections not yet
   * accepted. Closing twice does nothing.
   * @example
   * try { yield* serve(sock); } finally { sock.close(); }
   */
  close(): void {
    const mode = this.mode;
    if (mode === Mode.Closed) return;
    this.mode = Mode.Closed;
    const stream = this.stream;
    if (stream !== null) {
      stream[OWNER] = null;
      if (mode === Mode.Connecting || this.error !== null) stream.destroy();
      // After Node's queued writes have flushed, as a closed kernel socket still sends them.
      else stream.destroySoon();
    }
    const listener = this.listener;
    if (listener !== null) {
      listener[OWNER] = null;
      listener.close();
      const pending = this.accepted;
      while (pending !== null && pending.length > 0) pending.shift().close();
    }
    this.buffer.clear();
    const connecting = this.takeConnectWaiter();
    if (connecting !== null) wakeThrow(connecting, closedError('connect'));
    this.readers.throwAll(() => closedError('recv'));
    this.writers.throwAll(() => closedError('send'));
    if (this.watchers !== null) notifyWatchers(this.watchers);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** The peer's address. Mirrors `getpeername`. */
  getpeername(): Address {
    if (this.mode === Mode.Closed) throw closedError('getpeername');
    if (this.mode !== Mode.Connected || this.peer === null) {
      throw socketError('ENOTCONN', 'getpeername', 'the socket is not connected');
    }
    return [this.peer[0], this.peer[1]];
  }

  /**
   * This side's address: the listening address (with the real port when 0 was asked), or the
   * local end of a connection. Mirrors `getsockname`.
   */
  getsockname(): Address {
    if (this.mode === Mode.Closed) throw closedError('getsockname');
    const stream = this.stream;
    if (stream !== null) {
      const local = addressOf(stream.localAddress, stream.localPort);
      if (local !== null) return local;
    }
    const bound = this.listener?.address();
    if (bound !== null && bound !== undefined && typeof bound === 'object') return [bound.address, bound.port];
    return this.bindAddress !== null ? [this.bindAddress[0], this.bindAddress[1]] : ['0.0.0.0', 0];
  }

  /**
   * Turns Nagle's algorithm off (the default for Node sockets is on), so small writes leave at
   * once. Mirrors `setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)`.
   */
  setNoDelay(noDelay = true): void {
    this.stream?.setNoDelay(noDelay);
  }

  /** @internal The Node stream of a connected socket, for wrapping in TLS. */
  detachStream(what: string): net.Socket {
    const stream = this.stream;
    if (this.mode !== Mode.Connected || stream === null) {
      throw socketError('ENOTCONN', what, `the socket is ${this.describeMode()}`);
    }
    stream[OWNER] = null;
    if (this.reading) {
      stream.removeListener('data', onData);
      stream.pause();
    }
    // Bytes read ahead belong to whatever reads the stream next (the TLS handshake).
    if (this.buffer.length > 0) stream.unshift(this.buffer.take(this.buffer.length));
    this.stream = null;
    this.mode = Mode.Closed;
    this.readers.throwAll(() => closedError('recv'));
    this.writers.throwAll(() => closedError('send'));
    return stream;
  }

  /** @internal Waits until an adopted TLS stream finished its handshake. */
  *handshakeSteps(what: string): Steps<void> {
    if (this.mode === Mode.Connecting) yield* this.waitConnected(runningGreenlet(what), what, undefined);
    if (this.error !== null) throw this.error;
  }

  /** @internal */ selectReadable(): boolean {
    if (this.mode === Mode.Listening) return (this.accepted?.length ?? 0) > 0 || this.error !== null;
    return this.buffer.length > 0 || this.eof || this.readShut || this.error !== null || this.mode === Mode.Closed;
  }

  /** @internal */ selectWritable(): boolean {
    if (this.mode === Mode.Closed || this.error !== null) return true;
    return this.mode === Mode.Connected && !(this.stream?.writableNeedDrain ?? false);
  }

  /** @internal */ selectExceptional(): boolean {
    return this.error !== null;
  }

  /** @internal */ get selectWatchers(): Set<Waiter> {
    return (this.watchers ??= new Set());
  }

  /** @internal */ selectStartReading(): void {
    if (this.mode === Mode.Connected) this.startReading();
  }

  /** @internal */ received(chunk: Buffer): void {
    if (this.readShut) return;
    this.buffer.push(chunk);
    if (this.buffer.length >= RECEIVE_HIGH_WATER && !this.paused) {
      this.paused = true;
      this.stream!.pause();
    }
    this.wakeReaders();
  }

  /** @internal */ failed(error: Error): void {
    this.error ??= error;
    if (this.mode === Mode.Connecting) {
      const stream = this.stream!;
      stream[OWNER] = null;
      stream.destroy();
      this.stream = null;
      this.mode = Mode.Fresh;
      const w = this.takeConnectWaiter();
      if (w !== null) wakeThrow(w, error);
    }
    this.wakeReaders();
    this.wakeWriters();
  }

  /** @internal */ connected(): void {
    const stream = this.stream!;
    this.attachConnected(stream);
    this.mode = Mode.Connected;
    this.peer = addressOf(stream.remoteAddress, stream.remotePort) ?? this.peer;
    const w = this.takeConnectWaiter();
    if (w !== null) wake(w, undefined);
    if (this.watchers !== null) notifyWatchers(this.watchers);
  }

  /** @internal */ incoming(stream: net.Socket): void {
    (this.accepted ??= new Deque<Socket>()).push(Socket.adopt(stream));
    this.wakeReaders();
  }

  /** @internal Killed or timed out while connecting. */
  abortConnect(): void {
    this.takeConnectWaiter();
    const stream = this.stream;
    if (this.mode !== Mode.Connecting || stream === null) return;
    stream[OWNER] = null;
    stream.destroy();
    this.stream = null;
    this.mode = Mode.Fresh;
  }

  /** @internal */ wakeReaders(): void {
    if (this.readers.size > 0) this.readers.wakeAll(undefined);
    if (this.watchers !== null) notifyWatchers(this.watchers);
  }

  /** @internal */ wakeWriters(): void {
    if (this.writers.size > 0) this.writers.wakeAll(undefined);
    if (this.watchers !== null) notifyWatchers(this.watchers);
  }

  /** @internal Up to `max` buffered bytes, or null when none are (or the socket is closed). */
  takeBuffered(max: number): Uint8Array | null {
    if (this.buffer.length === 0 || this.mode === Mode.Closed) return null;
    const data = this.buffer.take(max);
    if (this.paused && this.buffer.length <= RECEIVE_LOW_WATER) this.resumeReading();
    return data;
  }

  /** @internal */ *recvSteps(max: number): Steps<Uint8Array> {
    let deadline: number | undefined;
    for (;;) {
      const data = this.takeBuffered(max);
      if (data !== null) return data;
      this.checkReadable('recv');
      if (this.eof || this.readShut || max === 0) return EMPTY;
      this.startReading();
      if (this.timeoutMs === undefined) {
        // The common wait, parked right here rather than through parkOn's generators.
        yield this.readers.enqueue(runningGreenlet('Socket.recv()'), undefined).park();
      } else {
        deadline = yield* parkOn(this.readers, 'Socket.recv()', this.timeoutMs, deadline);
      }
    }
  }

  /** @internal Bytes up to and including `\n`, at most `limit` of them; empty at the end. */
  *readlineSteps(limit: number): Steps<Uint8Array> {
    let deadline: number | undefined;
    for (;;) {
      if (this.mode !== Mode.Closed) {
        const buffer = this.buffer;
        const end = buffer.indexAfter(0x0a, limit);
        if (end > 0 || buffer.length >= limit || ((this.eof || this.readShut) && buffer.length > 0)) {
          const line = buffer.take(end > 0 ? end : Math.min(limit, buffer.length));
          if (this.paused && buffer.length <= RECEIVE_LOW_WATER) this.resumeReading();
          return line;
        }
      }
      this.checkReadable('readline');
      if (this.eof || this.readShut || limit === 0) return EMPTY;
      // A line longer than the high-water mark must still be read whole.
      if (this.paused) this.resumeReading();
      this.startReading();
      deadline = yield* parkOn(this.readers, 'Socket.readline()', this.timeoutMs, deadline);
    }
  }

  /**
   * @internal Hands `data` to Node; true when that is all `sendall` has to do, false when it
   * must then wait for the write buffer to drain (`drainSteps`).
   */
  writeNow(data: Uint8Array): boolean {
    const stream = this.writableStream('sendall');
    if (this.timeoutMs === 0 && stream.writableNeedDrain) {
      throw new BlockingIOError('sendall() would block: the socket is non-blocking and its write buffer is full');
    }
    return stream.write(data) || this.timeoutMs === 0;
  }

  /** @internal Waits until the write buffer is below its high-water mark. */
  *drainSteps(): Steps<void> {
    let deadline: number | undefined;
    while (this.writableStream('sendall').writableNeedDrain) {
      deadline = yield* parkOn(this.writers, 'Socket.sendall()', this.timeoutMs, deadline);
    }
  }

  private *sendSteps(data: Uint8Array): Steps<number> {
    let deadline: number | undefined;
    while (this.writableStream('send').writableNeedDrain) {
      deadline = yield* parkOn(this.writers, 'Socket.send()', this.timeoutMs, deadline);
    }
    this.stream!.write(data);
    return data.length;
  }

  /**
   * @internal Starts connecting, at once, and returns the steps that wait for the connection:
   * a connect that fails at once then costs no generator frame of its own.
   */
  startConnect<T>(host: string, port: number, result: T): Iterator<Suspend, T, unknown> {
    const g = runningGreenlet('Socket.connect()');
    if (this.mode !== Mode.Fresh) throw this.stateError('connect');
    const options: net.TcpNetConnectOpts = { host, port, allowHalfOpen: true };
    const local = this.bindAddress;
    if (local !== null) {
      if (local[0] !== '' && local[0] !== '0.0.0.0' && local[0] !== '::') options.localAddress = local[0];
      if (local[1] !== 0) options.localPort = local[1];
    }
    const tlsOptions = this.tlsOptions;
    let stream: OwnedStream;
    if (tlsOptions === undefined) {
      stream = net.connect(options);
    } else {
      const servername = tlsOptions.servername ?? (net.isIP(host) === 0 ? host : undefined);
      stream = tls.connect({ ...tlsOptions, ...options, servername });
      this.readyEvent = 'secureConnect';
    }
    this.error = null;
    this.eof = false;
    this.mode = Mode.Connecting;
    this.peer = [host, port];
    // Until connected only an error or the connection can happen; the other listeners follow.
    this.attach(stream);
    stream.once(this.readyEvent, onConnect);
    if (this.timeoutMs === 0) {
      throw new BlockingIOError(`connect() to ${host}:${port} is in progress on a non-blocking socket`, 'EINPROGRESS');
    }
    return this.waitConnected(g, 'Socket.connect()', result);
  }

  private waitConnected<T>(g: Greenlet, what: string, result: T): ConnectSteps<T> {
    const w = new ConnectWaiter(g, this, what);
    this.connectWaiter = w;
    const timeout = this.timeoutMs;
    if (timeout !== undefined) w.deadline = WaitDeadline.start(w, timeout);
    return new ConnectSteps(w, timeout, this.peer ?? ['', 0], result);
  }

  /** The pending connect's waiter, detached, its deadline cancelled; null when none. */
  private takeConnectWaiter(): ConnectWaiter | null {
    const w = this.connectWaiter;
    if (w === null) return null;
    this.connectWaiter = null;
    w.deadline?.cancel();
    return w;
  }

  private startListening(backlog: number): void {
    const [host, port] = this.bindAddress ?? ['0.0.0.0', 0];
    const tlsOptions = this.tlsOptions;
    // Untouched connections wait in the kernel, unread, until someone reads from them.
    const server: OwnedServer =
      tlsOptions === undefined
        ? net.createServer({ allowHalfOpen: true, pauseOnConnect: true })
        : tls.createServer({ ...tlsOptions, allowHalfOpen: true });
    server[OWNER] = this;
    server.on(tlsOptions === undefined ? 'connection' : 'secureConnection', onConnection);
    server.on('error', onListenerError);
    server.on('listening', onListening);
    // A failed handshake concerns that client only; Node destroys its socket.
    if (tlsOptions !== undefined) server.on('tlsClientError', ignoreError);
    this.listener = server;
    this.readers = new WaitList<void>('Socket.accept()');
    this.mode = Mode.Listening;
    this.error = null;
    listenNow(server, host === '' ? '0.0.0.0' : host, port, backlog);
  }

  private *listeningSteps(): Steps<void> {
    let deadline: number | undefined;
    for (;;) {
      if (this.mode === Mode.Closed) throw closedError('listen');
      if (this.error !== null) throw this.error;
      if (this.listener?.listening === true) return;
      deadline = yield* parkOn(this.readers, 'Socket.listen()', this.timeoutMs, deadline);
    }
  }

  private *acceptSteps(): Steps<[Socket, Address]> {
    let deadline: number | undefined;
    for (;;) {
      if (this.mode === Mode.Closed) throw closedError('accept');
      if (this.mode !== Mode.Listening) throw socketError('EINVAL', 'accept', 'the socket is not listening; call listen() first');
      const pending = this.accepted;
      if (pending !== null && pending.length > 0) {
        const conn = pending.shift();
        return [conn, conn.peer ?? ['', 0]];
      }
      if (this.error !== null) throw this.error;
      deadline = yield* parkOn(this.readers, 'Socket.accept()', this.timeoutMs, deadline);
    }
  }

  private attach(stream: OwnedStream): void {
    stream[OWNER] = this;
    this.stream = stream;
    stream.on('error', onError);
  }

  private attachConnected(stream: net.Socket): void {
    stream.on('end', onEnd);
    stream.on('close', onClose);
    stream.on('drain', onDrain);
  }

  private startReading(): void {
    const stream = this.stream;
    if (this.reading || stream === null || this.readShut || this.mode === Mode.Closed) return;
    this.reading = true;
    stream.on('data', onData);
    stream.resume();
  }

  private resumeReading(): void {
    this.paused = false;
    this.stream?.resume();
  }

  private checkReadable(what: string): void {
    if (this.mode === Mode.Closed) throw closedError(what);
    if (this.error !== null) throw this.error;
    if (this.mode !== Mode.Connected && this.mode !== Mode.Connecting) {
      throw socketError('ENOTCONN', what, 'the socket is not connected');
    }
  }

  /** @internal */ writableStream(what: string): net.Socket {
    if (this.mode === Mode.Closed) throw closedError(what);
    if (this.error !== null) throw this.error;
    const stream = this.stream;
    if (this.mode !== Mode.Connected || stream === null) throw socketError('ENOTCONN', what, 'the socket is not connected');
    if (this.writeShut) throw socketError('EPIPE', what, 'the socket was shut down for writing');
    if (stream.destroyed) throw socketError('EPIPE', what, 'the connection is closed');
    return stream;
  }

  private stateError(what: string): Error {
    if (this.mode === Mode.Closed) return closedError(what);
    const code = this.mode === Mode.Connected ? 'EISCONN' : this.mode === Mode.Connecting ? 'EALREADY' : 'EINVAL';
    return socketError(code, what, `the socket is already ${this.describeMode()}`);
  }

  private describeMode(): string {
    return ['unconnected', 'connecting', 'connected', 'listening', 'closed'][this.mode];
  }
}

function closedError(what: string): Error {
  return socketError('EBADF', what, 'the socket is closed');
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
