/**
 * @internal The connected side of a `Socket`: Node's stream, the bytes received and not yet
 * read, and the greenlets waiting to read or write. Reading from the kernel stops once unread
 * bytes pass a high-water mark and resumes as they are read; writers wait for Node's buffer to
 * drain. So memory stays bounded in both directions, whatever the peer does.
 */
import type net from 'node:net';
import { wake, wakeThrow } from './hub.js';
import type { Steps, Suspend } from './operation.js';
import type { Greenlet } from './greenlet.js';
import { WaitDeadline, WaitList, runningGreenlet, type Waiter } from './waiter.js';
import { ReceiveBuffer } from './socket-buffer.js';
import { notifyWatchers } from './socket-readiness.js';
import { ConnectFailure, ConnectSteps, ConnectWaiter, parkOn } from './socket-wait.js';
import { BlockingIOError, SHUT_RD, SHUT_WR, addressOf, socketError, type Address } from './socket-errors.js';

/** Past this many unread bytes the socket stops reading from the kernel until some are read. */
const RECEIVE_HIGH_WATER = 64 * 1024;
/** Reading resumes once the unread bytes fall to this. */
const RECEIVE_LOW_WATER = 16 * 1024;
const EMPTY = new Uint8Array(0);

/** @internal What a stream needs from the socket that owns it. */
export interface StreamOwner {
  /** The socket's timeout for a call starting now (0: non-blocking). */
  readonly timeoutMs: number | undefined;
  /** Parked `select` callers, if any. */
  readonly watchers: Set<Waiter> | null;
  /** The connection failed (or was abandoned) before it was established. */
  connectFailed(stream: SocketStream, error: Error | null): void;
}

/** What a ready stream signals: connected, or its TLS handshake done. */
export type ReadyEvent = 'connect' | 'secureConnect' | 'secure';

const OWNER = Symbol('greenlets.socketStream');
type OwnedStream = net.Socket & { [OWNER]?: SocketStream | null };

// Node events reach the stream through one shared function each, with the stream object
// stored on Node's socket, rather than a closure per socket and event.
function onData(this: OwnedStream, chunk: Buffer): void {
  this[OWNER]?.received(chunk);
}
function onEnd(this: OwnedStream): void {
  this[OWNER]?.ended(false);
}
function onClose(this: OwnedStream): void {
  this[OWNER]?.ended(true);
}
function onError(this: OwnedStream, error: Error): void {
  this[OWNER]?.failed(error);
}
function onDrain(this: OwnedStream): void {
  this[OWNER]?.wakeWriters();
}
function onReady(this: OwnedStream): void {
  this[OWNER]?.connected();
}

/** @internal */
export function closedError(what: string): Error {
  return socketError('EBADF', what, 'the socket is closed');
}

/** @internal */
export class SocketStream {
  readonly stream: OwnedStream;
  /** Connecting (or in its TLS handshake), not yet connected. */
  connecting: boolean;
  /** The peer: the address connected to, then the one Node reports. */
  peer: Address;
  /** The first error Node reported; every later call throws it. */
  error: Error | null = null;
  private closed = false;
  private eof = false;
  private readonly buffer = new ReceiveBuffer();
  private reading = false;
  private paused = false;
  private readShut = false;
  private writeShut = false;
  private readonly readers = new WaitList<void>('Socket.recv()');
  private readonly writers = new WaitList<void>('Socket.sendall()');
  private connectWaiter: ConnectWaiter | null = null;

  constructor(
    private readonly owner: StreamOwner,
    stream: net.Socket,
    peer: Address,
    readyEvent: ReadyEvent | null,
  ) {
    this.stream = stream;
    this.peer = peer;
    (stream as OwnedStream)[OWNER] = this;
    stream.on('error', onError);
    this.connecting = readyEvent !== null;
    // Until connected only an error or the connection can happen; the other listeners follow.
    if (readyEvent === null) this.listenConnected();
    else stream.once(readyEvent, onReady);
  }

  received(chunk: Buffer): void {
    if (this.readShut) return;
    this.buffer.push(chunk);
    if (this.buffer.length >= RECEIVE_HIGH_WATER && !this.paused) {
      this.paused = true;
      this.stream.pause();
    }
    this.wakeReaders();
  }

  ended(closed: boolean): void {
    this.eof = true;
    this.wakeReaders();
    if (closed) this.wakeWriters();
  }

  failed(error: Error): void {
    this.error ??= error;
    if (this.connecting) {
      this.release(true);
      const w = this.takeConnectWaiter();
      this.owner.connectFailed(this, error);
      if (w !== null) wake(w, new ConnectFailure(error));
    }
    this.wakeReaders();
    this.wakeWriters();
  }

  connected(): void {
    const stream = this.stream;
    this.connecting = false;
    this.listenConnected();
    this.peer = addressOf(stream.remoteAddress, stream.remotePort) ?? this.peer;
    const w = this.takeConnectWaiter();
    if (w !== null) wake(w, undefined);
    this.notifyWatchers();
  }

  /** Parks until connected: steps that finish with `result`. */
  waitConnected<T>(g: Greenlet, what: string, result: T): ConnectSteps<T> {
    const w = new ConnectWaiter(g, this, what);
    this.connectWaiter = w;
    const timeout = this.owner.timeoutMs;
    if (timeout !== undefined) w.deadline = WaitDeadline.start(w, timeout);
    return new ConnectSteps(w, timeout, this.peer, result);
  }

  /** Killed or timed out while connecting: the pending connection is destroyed. */
  abortConnect(): void {
    this.takeConnectWaiter();
    if (!this.connecting) return;
    this.release(true);
    this.owner.connectFailed(this, null);
  }

  /** Up to `max` buffered bytes, or null when there are none (or the socket is closed). */
  takeBuffered(max: number): Uint8Array | null {
    if (this.buffer.length === 0 || this.closed) return null;
    const data = this.buffer.take(max);
    if (this.paused && this.buffer.length <= RECEIVE_LOW_WATER) this.resumeReading();
    return data;
  }

  /**
   * What `recv` returns now: buffered bytes, or the empty array at the end of the stream; null
   * when it must wait (reading has then started). Throws the socket's error.
   */
  recvNow(max: number): Uint8Array | null {
    const data = this.takeBuffered(max);
    if (data !== null) return data;
    this.checkReadable('recv');
    if (this.eof || this.readShut || max === 0) return EMPTY;
    this.startReading();
    return null;
  }

  /** Parks the running greenlet until something arrives; yield what it returns. */
  parkReader(): Suspend {
    return this.readers.enqueue(runningGreenlet('Socket.recv()'), undefined).park();
  }

  *recvSteps(max: number): Steps<Uint8Array> {
    let deadline: number | undefined;
    for (;;) {
      const data = this.recvNow(max);
      if (data !== null) return data;
      if (this.owner.timeoutMs === undefined) yield this.parkReader();
      else deadline = yield* parkOn(this.readers, 'Socket.recv()', this.owner.timeoutMs, deadline);
    }
  }

  /** Bytes up to and including `\n`, at most `limit` of them; empty at the end. */
  *readlineSteps(limit: number): Steps<Uint8Array> {
    let deadline: number | undefined;
    for (;;) {
      if (!this.closed) {
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
      deadline = yield* parkOn(this.readers, 'Socket.readline()', this.owner.timeoutMs, deadline);
    }
  }

  /**
   * Hands `data` to Node; true when that is all `sendall` has to do, false when it must then
   * wait for the write buffer to drain (`drainSteps`).
   */
  writeNow(data: Uint8Array): boolean {
    const stream = this.writable('sendall');
    const nonBlocking = this.owner.timeoutMs === 0;
    if (nonBlocking && stream.writableNeedDrain) {
      throw new BlockingIOError('sendall() would block: the socket is non-blocking and its write buffer is full');
    }
    return stream.write(data) || nonBlocking;
  }

  /** Waits until the write buffer is below its high-water mark. */
  *drainSteps(): Steps<void> {
    let deadline: number | undefined;
    while (this.writable('sendall').writableNeedDrain) {
      deadline = yield* parkOn(this.writers, 'Socket.sendall()', this.owner.timeoutMs, deadline);
    }
  }

  *sendSteps(data: Uint8Array): Steps<number> {
    let deadline: number | undefined;
    while (this.writable('send').writableNeedDrain) {
      deadline = yield* parkOn(this.writers, 'Socket.send()', this.owner.timeoutMs, deadline);
    }
    this.stream.write(data);
    return data.length;
  }

  shutdown(how: number): void {
    if (this.connecting) throw socketError('ENOTCONN', 'shutdown', 'the socket is not connected');
    if (how !== SHUT_WR && !this.readShut) {
      this.readShut = true;
      this.buffer.clear();
      if (this.reading) this.stream.pause();
      this.wakeReaders();
    }
    if (how !== SHUT_RD && !this.writeShut) {
      this.writeShut = true;
      this.stream.end();
      this.wakeWriters();
    }
  }

  /** Closes at once: greenlets blocked here get `EBADF`; written bytes are still delivered. */
  close(): void {
    if (this.closed) return;
    // A connection in progress or broken has nothing left to deliver.
    this.release(this.connecting || this.error !== null);
    const connecting = this.takeConnectWaiter();
    if (connecting !== null) wakeThrow(connecting, closedError('connect'));
    this.readers.throwAll(() => closedError('recv'));
    this.writers.throwAll(() => closedError('send'));
  }

  /** Hands Node's stream over (to TLS), with the bytes read ahead put back in front. */
  detach(): net.Socket {
    const stream = this.stream;
    stream[OWNER] = null;
    this.closed = true;
    if (this.reading) {
      stream.removeListener('data', onData);
      stream.pause();
    }
    if (this.buffer.length > 0) stream.unshift(this.buffer.take(this.buffer.length));
    this.readers.throwAll(() => closedError('recv'));
    this.writers.throwAll(() => closedError('send'));
    return stream;
  }

  localAddress(): Address | null {
    return addressOf(this.stream.localAddress, this.stream.localPort);
  }

  /** For `select`: a read would not wait. */
  readable(): boolean {
    return this.buffer.length > 0 || this.eof || this.readShut || this.error !== null;
  }

  /** For `select`: a send would not wait (or would fail at once). */
  canWrite(): boolean {
    return this.error !== null || (!this.connecting && !this.stream.writableNeedDrain);
  }

  /** Node's stream, ready for a write, or the error that says why not. */
  writable(what: string): net.Socket {
    if (this.closed) throw closedError(what);
    if (this.error !== null) throw this.error;
    if (this.connecting) throw socketError('ENOTCONN', what, 'the socket is not connected yet');
    if (this.writeShut) throw socketError('EPIPE', what, 'the socket was shut down for writing');
    if (this.stream.destroyed) throw socketError('EPIPE', what, 'the connection is closed');
    return this.stream;
  }

  startReading(): void {
    if (this.reading || this.readShut || this.closed) return;
    this.reading = true;
    this.stream.on('data', onData);
    this.stream.resume();
  }

  wakeReaders(): void {
    if (this.readers.size > 0) this.readers.wakeAll(undefined);
    this.notifyWatchers();
  }

  wakeWriters(): void {
    if (this.writers.size > 0) this.writers.wakeAll(undefined);
    this.notifyWatchers();
  }

  private notifyWatchers(): void {
    const watchers = this.owner.watchers;
    if (watchers !== null) notifyWatchers(watchers);
  }

  private listenConnected(): void {
    this.stream.on('end', onEnd);
    this.stream.on('close', onClose);
    this.stream.on('drain', onDrain);
  }

  private resumeReading(): void {
    this.paused = false;
    this.stream.resume();
  }

  private checkReadable(what: string): void {
    if (this.closed) throw closedError(what);
    if (this.error !== null) throw this.error;
  }

  /**
   * Lets go of Node's stream: destroyed at once (`destroy`), or else after its queued writes
   * have flushed, as a closed kernel socket still sends them.
   */
  private release(destroy: boolean): void {
    this.closed = true;
    this.buffer.clear();
    const stream = this.stream;
    stream[OWNER] = null;
    if (destroy) stream.destroy();
    else stream.destroySoon();
  }

  /** The pending connect's waiter, detached, its deadline cancelled; null when none. */
  private takeConnectWaiter(): ConnectWaiter | null {
    const w = this.connectWaiter;
    if (w === null) return null;
    this.connectWaiter = null;
    w.deadline?.cancel();
    return w;
  }
}
