/**
 * @internal The listening side of a `Socket`: Node's server, the connections accepted by Node
 * and not yet by a greenlet, and the greenlets waiting in `accept`. Node accepts eagerly; each
 * connection waits here unread (its socket paused) until a greenlet takes it.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Steps } from './operation.js';
import { WaitList, type Waiter } from './waiter.js';
import { Deque } from './deque.js';
import { notifyWatchers } from './socket-readiness.js';
import { parkOn } from './socket-wait.js';
import { closedError } from './socket-stream.js';
import { listenNow, type Address } from './socket-errors.js';
import { Socket, type TlsOptions } from './socket.js';

/** @internal What a listener needs from the socket that owns it. */
export interface ListenerOwner {
  /** The socket's timeout for a call starting now (0: non-blocking). */
  readonly timeoutMs: number | undefined;
  /** Parked `select` callers, if any. */
  readonly watchers: Set<Waiter> | null;
}

const OWNER = Symbol('greenlets.socketListener');
type OwnedServer = net.Server & { [OWNER]?: SocketListener | null };

function onConnection(this: OwnedServer, stream: net.Socket): void {
  const listener = this[OWNER];
  if (listener) listener.incoming(stream);
  else stream.destroy();
}
function onListenerError(this: OwnedServer, error: Error): void {
  this[OWNER]?.failed(error);
}
function onListening(this: OwnedServer): void {
  const listener = this[OWNER];
  // Closed before a looked-up address was bound: the late listener goes too.
  if (listener) listener.wake();
  else this.close();
}
function ignoreError(): void {}

/** @internal */
export class SocketListener {
  /** A bind or listen error (`EADDRINUSE`); `listen` and `accept` throw it. */
  error: Error | null = null;
  private readonly server: OwnedServer;
  private readonly pending = new Deque<Socket>();
  private readonly acceptors = new WaitList<void>('Socket.accept()');
  private closed = false;

  /** Starts listening at once; on an IP address, bound before the constructor returns. */
  constructor(
    private readonly owner: ListenerOwner,
    [host, port]: Address,
    backlog: number,
    tlsOptions: TlsOptions | undefined,
  ) {
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
    this.server = server;
    listenNow(server, host === '' ? '0.0.0.0' : host, port, backlog);
  }

  incoming(stream: net.Socket): void {
    this.pending.push(Socket.adopt(stream));
    this.wake();
  }

  failed(error: Error): void {
    this.error ??= error;
    this.wake();
  }

  wake(): void {
    if (this.acceptors.size > 0) this.acceptors.wakeAll(undefined);
    const watchers = this.owner.watchers;
    if (watchers !== null) notifyWatchers(watchers);
  }

  *listeningSteps(): Steps<void> {
    let deadline: number | undefined;
    for (;;) {
      if (this.closed) throw closedError('listen');
      if (this.error !== null) throw this.error;
      if (this.server.listening) return;
      deadline = yield* parkOn(this.acceptors, 'Socket.listen()', this.owner.timeoutMs, deadline);
    }
  }

  *acceptSteps(): Steps<[Socket, Address]> {
    let deadline: number | undefined;
    for (;;) {
      if (this.closed) throw closedError('accept');
      if (this.pending.length > 0) {
        const conn = this.pending.shift();
        return [conn, conn.peerAddress()];
      }
      if (this.error !== null) throw this.error;
      deadline = yield* parkOn(this.acceptors, 'Socket.accept()', this.owner.timeoutMs, deadline);
    }
  }

  /** The bound address, or null before binding. */
  address(): Address | null {
    const bound = this.server.address();
    return bound !== null && typeof bound === 'object' ? [bound.address, bound.port] : null;
  }

  /** For `select`: `accept` would not wait. */
  readable(): boolean {
    return this.pending.length > 0 || this.error !== null;
  }

  /** Stops listening at once; connections not yet accepted are dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server[OWNER] = null;
    this.server.close();
    while (this.pending.length > 0) this.pending.shift().close();
    this.acceptors.throwAll(() => closedError('accept'));
  }
}
