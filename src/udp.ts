/**
 * Cooperative UDP sockets on Node's `dgram`: `sendto` and `recvfrom` as Operations. Part of
 * `greenlets/socket`; mirrors a `SOCK_DGRAM` socket under gevent.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { wake, wakeThrow } from './hub.js';
import { Operation, operation, type Steps } from './operation.js';
import { Waiter, WaitList, parkFor, runningGreenlet, TIMED_OUT } from './waiter.js';
import { Deque } from './deque.js';
import { checkDuration, describeValue } from './errors.js';
import type { Greenlet } from './greenlet.js';
import { notifyWatchers, type Selectable } from './socket-readiness.js';
import { parkOn } from './socket-wait.js';
import {
  SocketTimeout,
  checkAddress,
  checkSize,
  literalLookup,
  socketError,
  toBytes,
  type Address,
  type Bytes,
} from './socket-errors.js';

/** Options of `new UdpSocket()`. */
export interface UdpSocketOptions {
  /** IPv4 or IPv6; by default, taken from the first address used. */
  family?: 4 | 6;
  /** The initial `setTimeout(ms)`: undefined blocks without limit, 0 is non-blocking. */
  timeout?: number;
  /** Lets several sockets bind the same address (`SO_REUSEADDR`). */
  reuseAddr?: boolean;
}

/**
 * Datagrams received and not yet read are kept up to this many bytes; past it new ones are
 * dropped (and counted), as a full kernel receive buffer drops them.
 */
const RECEIVE_LIMIT = 4 * 1024 * 1024;

const OWNER = Symbol('greenlets.udpSocket');
type OwnedDgram = dgram.Socket & { [OWNER]?: UdpSocket | null };
type Datagram = [data: Uint8Array, from: Address];

function onMessage(this: OwnedDgram, message: Buffer, rinfo: dgram.RemoteInfo): void {
  this[OWNER]?.received(message, [rinfo.address, rinfo.port]);
}
function onError(this: OwnedDgram, error: Error): void {
  this[OWNER]?.failed(error);
}
function onListening(this: OwnedDgram): void {
  this[OWNER]?.wakeReaders();
}

/** @internal A greenlet waiting for Node to take one datagram. */
class SendWaiter extends Waiter {
  unhook(): void {
    // Killed or timed out: the datagram may still leave, as a sent one cannot be recalled.
  }

  describe(): string {
    return 'UdpSocket.sendto()';
  }
}

/**
 * A UDP socket whose blocking calls are Operations. Use it for datagram protocols inside
 * greenlets: `bind` then `recvfrom` to serve, `sendto` to send.
 * @example
 * const sock = new UdpSocket();
 * yield* sock.bind(['127.0.0.1', 0]);
 * const [data, from] = yield* sock.recvfrom(2048);
 * yield* sock.sendto(data, from);
 */
export class UdpSocket implements Selectable, Disposable {
  private socket: OwnedDgram | null = null;
  private family: 4 | 6 | undefined;
  private timeoutMs: number | undefined;
  private readonly reuseAddr: boolean;
  private bound = false;
  private isClosed = false;
  private error: Error | null = null;
  private peer: Address | null = null;
  private readonly queue = new Deque<Datagram>();
  private queuedBytes = 0;
  private readonly readers = new WaitList<void>('UdpSocket.recvfrom()');
  private watchers: Set<Waiter> | null = null;
  /** Datagrams dropped because too many unread bytes were waiting. */
  dropped = 0;

  constructor(options: UdpSocketOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`new UdpSocket() takes an options object, got ${describeValue(options)}`);
    }
    if (options.family !== undefined && options.family !== 4 && options.family !== 6) {
      throw new RangeError(`UdpSocket family must be 4 or 6, got ${describeValue(options.family)}`);
    }
    this.family = options.family;
    this.timeoutMs = checkDuration('UdpSocket timeout', options.timeout);
    this.reuseAddr = options.reuseAddr === true;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Sets the timeout (ms) of each blocking call; undefined: no limit; 0: non-blocking. */
  setTimeout(ms: number | null | undefined): void {
    this.timeoutMs = checkDuration('UdpSocket.setTimeout() timeout', ms ?? undefined);
  }

  /** The timeout set by `setTimeout` (ms), or undefined. */
  getTimeout(): number | undefined {
    return this.timeoutMs;
  }

  /** `setBlocking(false)` is `setTimeout(0)`; `setBlocking(true)` is `setTimeout(undefined)`. */
  setBlocking(flag: boolean): void {
    this.timeoutMs = flag ? undefined : 0;
  }

  /**
   * Binds to `[host, port]`, at once: on an IP address the port is taken before `bind` returns.
   * Running the returned Operation waits until bound and throws a bind error such as
   * `EADDRINUSE` (which `recvfrom` would throw too).
   * @example
   * yield* sock.bind(['127.0.0.1', 0]);
   * const [, port] = sock.getsockname();
   */
  bind(address: Address): Operation<void> {
    const [host, port] = checkAddress('UdpSocket.bind()', address);
    if (this.isClosed) throw closedError('bind');
    if (this.bound) throw socketError('EINVAL', 'bind', 'the socket is already bound');
    const socket = this.open(host);
    this.bound = true;
    socket.bind({ address: host === '' ? undefined : host, port, exclusive: !this.reuseAddr });
    const self = this;
    return operation(function* () {
      let deadline: number | undefined;
      for (;;) {
        if (self.isClosed) throw closedError('bind');
        if (self.error !== null) throw self.error;
        if (self.isListening()) return;
        deadline = yield* parkOn(self.readers, 'UdpSocket.bind()', self.timeoutMs, deadline);
      }
    });
  }

  /**
   * Sets the default destination of `send` and the only source `recv` accepts.
   * @example
   * yield* sock.connect(['127.0.0.1', port]);
   * yield* sock.send('ping');
   */
  connect(address: Address): Operation<void> {
    const [host, port] = checkAddress('UdpSocket.connect()', address);
    const self = this;
    return operation(function* () {
      if (self.isClosed) throw closedError('connect');
      self.open(host);
      self.peer = [host, port];
    });
  }

  /**
   * Sends one datagram to `[host, port]` and returns its size once Node has handed it to the
   * kernel; a string is sent as UTF-8. An unbound socket is bound to a free port first.
   * @example
   * yield* sock.sendto('ping', ['127.0.0.1', port]);
   */
  sendto(data: Bytes, address: Address): Operation<number> {
    const bytes = toBytes('UdpSocket.sendto()', data);
    const [host, port] = checkAddress('UdpSocket.sendto()', address);
    return operation(() => this.sendSteps(bytes, host, port));
  }

  /** Sends one datagram to the `connect`ed address. */
  send(data: Bytes): Operation<number> {
    const bytes = toBytes('UdpSocket.send()', data);
    return operation(() => {
      const peer = this.peer;
      if (peer === null) throw socketError('EDESTADDRREQ', 'send', 'the socket is not connected; use sendto()');
      return this.sendSteps(bytes, peer[0], peer[1]);
    });
  }

  /**
   * Waits for the next datagram: `[data, senderAddress]`. A datagram longer than `max` is cut
   * to `max` bytes, as in Python.
   * @example
   * const [data, [host, port]] = yield* sock.recvfrom(2048);
   */
  recvfrom(max = 65536): Operation<[Uint8Array, Address]> {
    checkSize('UdpSocket.recvfrom() size', max);
    return operation(() => this.recvSteps(max));
  }

  /** Like `recvfrom`, without the sender's address. */
  recv(max = 65536): Operation<Uint8Array> {
    checkSize('UdpSocket.recv() size', max);
    const self = this;
    return operation(function* () {
      return (yield* self.recvSteps(max))[0];
    });
  }

  /** The bound address (the real port when 0 was asked); `['0.0.0.0', 0]` before binding. */
  getsockname(): Address {
    if (this.isClosed) throw closedError('getsockname');
    if (!this.isListening()) return [this.family === 6 ? '::' : '0.0.0.0', 0];
    const a = this.socket!.address();
    return [a.address, a.port];
  }

  /** The `connect`ed address. */
  getpeername(): Address {
    if (this.peer === null) throw socketError('ENOTCONN', 'getpeername', 'the socket is not connected');
    return [this.peer[0], this.peer[1]];
  }

  /** Closes the socket at once; greenlets blocked on it get `EBADF`. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const socket = this.socket;
    if (socket !== null) {
      socket[OWNER] = null;
      socket.close();
    }
    this.queue.clear();
    this.queuedBytes = 0;
    this.readers.throwAll(() => closedError('recvfrom'));
    if (this.watchers !== null) notifyWatchers(this.watchers);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal */ selectReadable(): boolean {
    return this.queue.length > 0 || this.error !== null || this.isClosed;
  }

  /** @internal */ selectWritable(): boolean {
    return true;
  }

  /** @internal */ selectExceptional(): boolean {
    return this.error !== null;
  }

  /** @internal */ get selectWatchers(): Set<Waiter> {
    return (this.watchers ??= new Set());
  }

  /** @internal */ selectStartReading(): void {}

  /** @internal */ received(data: Buffer, from: Address): void {
    if (this.peer !== null && (from[0] !== this.peer[0] || from[1] !== this.peer[1])) return;
    if (this.queuedBytes + data.length > RECEIVE_LIMIT) {
      this.dropped++;
      return;
    }
    this.queue.push([data, from]);
    this.queuedBytes += data.length;
    this.wakeReaders();
  }

  /** @internal */ failed(error: Error): void {
    this.error ??= error;
    this.wakeReaders();
  }

  /** @internal */ wakeReaders(): void {
    if (this.readers.size > 0) this.readers.wakeAll(undefined);
    if (this.watchers !== null) notifyWatchers(this.watchers);
  }

  private *recvSteps(max: number): Steps<[Uint8Array, Address]> {
    let deadline: number | undefined;
    for (;;) {
      if (this.isClosed) throw closedError('recvfrom');
      if (this.queue.length > 0) {
        const [data, from] = this.queue.shift();
        this.queuedBytes -= data.length;
        return [data.length > max ? data.subarray(0, max) : data, from];
      }
      if (this.error !== null) throw this.error;
      deadline = yield* parkOn(this.readers, 'UdpSocket.recvfrom()', this.timeoutMs, deadline);
    }
  }

  private *sendSteps(data: Uint8Array, host: string, port: number): Steps<number> {
    if (this.isClosed) throw closedError('sendto');
    if (this.error !== null) throw this.error;
    const g: Greenlet = runningGreenlet('UdpSocket.sendto()');
    const socket = this.open(host);
    this.bound = true;
    const w = new SendWaiter(g);
    socket.send(data, port, host, (error) => {
      if (error) wakeThrow(w, error);
      else wake(w, undefined);
    });
    const r = yield* parkFor(w, this.timeoutMs === 0 ? undefined : this.timeoutMs);
    if (r === TIMED_OUT) throw new SocketTimeout(`UdpSocket.sendto() timed out after ${this.timeoutMs} ms`);
    return data.length;
  }

  private open(host: string): OwnedDgram {
    if (this.isClosed) throw closedError('open');
    if (this.socket !== null) return this.socket;
    this.family ??= net.isIPv6(host) ? 6 : 4;
    // Answering IP literals at once binds a literal address before `bind` returns.
    const socket: OwnedDgram = dgram.createSocket({
      type: this.family === 6 ? 'udp6' : 'udp4',
      reuseAddr: this.reuseAddr,
      lookup: literalLookup,
    });
    socket[OWNER] = this;
    socket.on('message', onMessage);
    socket.on('error', onError);
    socket.on('listening', onListening);
    this.socket = socket;
    return socket;
  }

  private isListening(): boolean {
    try {
      this.socket?.address();
      return this.socket !== null;
    } catch {
      return false;
    }
  }
}

function closedError(what: string): Error {
  return socketError('EBADF', what, 'the socket is closed');
}
