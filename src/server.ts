/**
 * Servers that run a greenlet per connection (`StreamServer`) or per datagram
 * (`DatagramServer`), so a handler is a plain sequential body: read, compute, write. Mirrors
 * `gevent.server` and `gevent.baseserver`.
 */
import { Operation, operation, type Steps } from './operation.js';
import { checkDuration, describeValue } from './errors.js';
import { spawn, type Greenlet, type GreenletBody } from './greenlet.js';
import { Group, Pool } from './pool.js';
import { Event } from './event.js';
import { Socket, UdpSocket, type Address, type Bytes, type TlsOptions } from './socket.js';
import { checkAddress } from './socket-errors.js';

/** What serves one connection: a greenlet body given the connected socket and the peer's address. */
export type StreamHandler = GreenletBody<unknown, [socket: Socket, address: Address]>;

/** What serves one datagram: a greenlet body given its bytes and the sender's address. */
export type DatagramHandler = GreenletBody<unknown, [data: Uint8Array, address: Address]>;

/**
 * Where handler greenlets run: a `Pool` (at most its capacity at once; accepting waits for a
 * free slot), a number (a new `Pool` of that size), a `Group`, or `'default'` (an unbounded
 * group of its own).
 */
export type SpawnOption = Pool | Group | number | 'default';

/** Options of `StreamServer`. */
export interface StreamServerOptions {
  /** Where handlers run; see `SpawnOption`. Default: `'default'`. */
  spawn?: SpawnOption;
  /** The listen backlog (connections the kernel holds before they are accepted). */
  backlog?: number;
  /** Serve TLS: Node's TLS server options (`key`, `cert`, ...). */
  tls?: TlsOptions;
}

/** Options of `DatagramServer`. */
export interface DatagramServerOptions {
  /** Where handlers run; see `SpawnOption`. Default: `'default'`. */
  spawn?: SpawnOption;
}

function toGroup(what: string, option: SpawnOption | undefined): Pool | Group {
  if (option === undefined || option === 'default') return new Group();
  if (typeof option === 'number') return new Pool(option);
  if (option instanceof Pool || option instanceof Group) return option;
  throw new TypeError(`${what} spawn must be a Pool, a Group, a pool size or 'default', got ${describeValue(option)}`);
}

/**
 * What both servers share: a loop greenlet that takes work from a socket and spawns a handler
 * greenlet per item into a group, and the start/stop life cycle. Mirrors `gevent.baseserver`.
 */
abstract class BaseServer {
  /** The group (or pool) the handler greenlets run in. */
  readonly pool: Pool | Group;
  /**
   * Used by `stop()` when it is given no timeout: how long (ms) handlers may run on before they
   * are killed. Default 1000, gevent's `stop_timeout`: a handler blocked on an idle client would
   * otherwise hold `stop()` for ever. `Infinity` waits without limit.
   */
  stopTimeout = 1000;
  private loop: Greenlet | null = null;
  private stopper: Greenlet | null = null;
  private isStarted = false;
  private isClosed = false;
  private readonly stopped = new Event();

  protected constructor(
    protected readonly kind: string,
    spawnOption: SpawnOption | undefined,
  ) {
    this.pool = toGroup(kind, spawnOption);
  }

  /** True once `start()` ran (and until the server is closed). */
  get started(): boolean {
    return this.isStarted && !this.isClosed;
  }

  /** True once `close()` or `stop()` ran. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Starts listening and serving, at once (on an IP address the port is bound before `start`
   * returns, so `address` gives it). Running the returned Operation waits until the socket is
   * bound and throws a bind error such as `EADDRINUSE`.
   * @example
   * yield* server.start();
   * console.log(server.address);
   */
  start(): Operation<void> {
    if (this.isClosed) throw new Error(`${this.kind} was closed; create a new server to serve again`);
    if (!this.isStarted) {
      this.isStarted = true;
      this.openSocket();
      const loop = spawn(() => this.serveLoop());
      loop.name = `${this.kind} loop`;
      this.loop = loop;
    }
    return operation(() => this.boundSteps());
  }

  /**
   * Starts (if needed) and serves until `stop()` or `close()`; when the greenlet running it is
   * killed, the server stops (handlers get `stopTimeout` to finish). Mirrors `serve_forever`.
   * @example
   * spawn(() => server.serveForever());
   */
  serveForever(): Operation<void> {
    const self = this;
    return operation(function* () {
      yield* self.start();
      try {
        yield* self.stopped.wait();
      } finally {
        if (self.stopper === null) yield* self.stop();
      }
    });
  }

  /**
   * Stops accepting at once, lets running handlers finish within `timeout` ms (default
   * `stopTimeout`, 1000 ms as in gevent; `Infinity` for no limit), then kills the rest. Running
   * the returned Operation waits until every handler is gone.
   * @example
   * yield* server.stop(1000);
   */
  stop(timeout?: number): Operation<void> {
    const limit = checkDuration(`${this.kind}.stop() timeout`, timeout ?? this.stopTimeout);
    this.close();
    if (this.stopper === null) {
      const pool = this.pool;
      this.stopper = spawn(function* () {
        if (!(yield* pool.join({ timeout: limit }))) yield* pool.kill();
      });
      this.stopper.name = `${this.kind} stop`;
    }
    const stopper = this.stopper;
    return operation(function* () {
      yield* stopper.join();
    });
  }

  /**
   * Stops accepting at once and closes the listening socket; running handlers go on. Mirrors
   * `close`.
   * @example
   * server.close();
   */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeSocket();
    if (this.loop !== null) this.loop.kill();
    this.stopped.set();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal Creates, binds and starts the socket. */
  protected abstract openSocket(): void;
  /** @internal Closes the socket. */
  protected abstract closeSocket(): void;
  /** @internal Waits until bound. */
  protected abstract boundSteps(): Steps<void>;
  /** @internal Takes work from the socket forever, spawning handlers. */
  protected abstract serveLoop(): Steps<void>;

  /** @internal Runs `body(...args)` in a handler greenlet, waiting for a Pool slot if needed. */
  protected *spawnHandler<A extends unknown[]>(body: GreenletBody<unknown, A>, args: A): Steps<Greenlet> {
    const pool = this.pool;
    if (pool instanceof Pool) return yield* pool.spawn(body, ...args);
    return pool.spawn(body, ...args);
  }
}

/**
 * A TCP server that runs `handle(socket, address)` in a greenlet for every connection, and
 * closes the connection when the handler ends. A handler that throws loses only its own
 * connection: the server keeps serving and the error is reported through
 * `getHub().handleError`. Mirrors `gevent.server.StreamServer`.
 * @example
 * const server = new StreamServer(['127.0.0.1', 0], function* (sock) {
 *   for (let data = yield* sock.recv(1024); data.length > 0; data = yield* sock.recv(1024)) {
 *     yield* sock.sendall(data);
 *   }
 * });
 * yield* server.start();
 * console.log('echo on port', server.address[1]);
 */
export class StreamServer extends BaseServer {
  private listener: Socket | null;
  private readonly requested: Address | null;
  private readonly backlog: number | undefined;
  private readonly tlsOptions: TlsOptions | undefined;

  /**
   * `listener` is an address to listen on (port 0 picks a free port), or a greenlets `Socket`
   * that is bound or already listening.
   */
  constructor(listener: Address | Socket, readonly handle: StreamHandler, options: StreamServerOptions = {}) {
    super('StreamServer', options.spawn);
    if (typeof handle !== 'function') throw new TypeError(`StreamServer needs a handler function, got ${describeValue(handle)}`);
    if (listener instanceof Socket) {
      this.listener = listener;
      this.requested = null;
    } else {
      this.listener = null;
      this.requested = checkAddress('StreamServer', listener);
    }
    this.backlog = options.backlog;
    this.tlsOptions = options.tls;
  }

  /** The listening socket (once started). */
  get socket(): Socket | null {
    return this.listener;
  }

  /** The address served: the bound one (with the real port when 0 was asked) once started. */
  get address(): Address {
    if (this.listener !== null && !this.listener.closed) return this.listener.getsockname();
    const requested = this.requested ?? ['0.0.0.0', 0];
    return [requested[0], requested[1]];
  }

  /** The host part of `address`. Mirrors `server_host`. */
  get serverHost(): string {
    return this.address[0];
  }

  /** The port part of `address`. Mirrors `server_port`. */
  get serverPort(): number {
    return this.address[1];
  }

  protected openSocket(): void {
    let listener = this.listener;
    if (listener === null) {
      listener = new Socket({ tls: this.tlsOptions });
      listener.bind(this.requested!);
      this.listener = listener;
    }
    // Starts listening now (a no-op on a socket that already listens); bind errors come later.
    void listener.listen(this.backlog);
  }

  protected closeSocket(): void {
    this.listener?.close();
  }

  protected *boundSteps(): Steps<void> {
    yield* this.listener!.listen(this.backlog);
  }

  protected *serveLoop(): Steps<void> {
    const listener = this.listener!;
    const handle = this.handle;
    for (;;) {
      let accepted: [Socket, Address];
      try {
        accepted = yield* listener.accept();
      } catch (error) {
        if (this.closed) return;
        throw error;
      }
      const [conn, address] = accepted;
      let handler: Greenlet;
      try {
        handler = yield* this.spawnHandler(handle, [conn, address]);
      } catch (error) {
        // Stopped while waiting for a pool slot: this connection will not be served.
        conn.close();
        throw error;
      }
      // The handler is the greenlet itself (no wrapper between its body and the hub); its
      // connection closes once it ends, however it ends. An error it throws is reported by the
      // hub like any greenlet's.
      handler.rawlink(() => conn.close());
    }
  }
}

/**
 * A UDP server that runs `handle(data, address)` in a greenlet for every datagram; answer with
 * `server.sendto(data, address)`. Mirrors `gevent.server.DatagramServer`.
 * @example
 * const server = new DatagramServer(['127.0.0.1', 0], function* (data, address) {
 *   yield* server.sendto(data, address);
 * });
 * yield* server.start();
 */
export class DatagramServer extends BaseServer {
  private udp: UdpSocket | null;
  private readonly requested: Address | null;
  /** The bind started by `start()`, which `start()`'s Operation waits for. */
  private bindOperation: Operation<void> | null = null;

  /** `listener` is an address to bind (port 0 picks a free port), or a bound `UdpSocket`. */
  constructor(listener: Address | UdpSocket, readonly handle: DatagramHandler, options: DatagramServerOptions = {}) {
    super('DatagramServer', options.spawn);
    if (typeof handle !== 'function') throw new TypeError(`DatagramServer needs a handler function, got ${describeValue(handle)}`);
    if (listener instanceof UdpSocket) {
      this.udp = listener;
      this.requested = null;
    } else {
      this.udp = null;
      this.requested = checkAddress('DatagramServer', listener);
    }
  }

  /** The bound socket (once started). */
  get socket(): UdpSocket | null {
    return this.udp;
  }

  /** The address served: the bound one (with the real port when 0 was asked) once started. */
  get address(): Address {
    if (this.udp !== null && !this.udp.closed) {
      const bound = this.udp.getsockname();
      if (bound[1] !== 0 || this.requested === null) return bound;
    }
    const requested = this.requested ?? ['0.0.0.0', 0];
    return [requested[0], requested[1]];
  }

  /**
   * Sends a datagram from the server's socket, typically the answer to one just handled.
   * @example
   * yield* server.sendto('pong', address);
   */
  sendto(data: Bytes, address: Address): Operation<number> {
    const udp = this.udp;
    if (udp === null) throw new Error('DatagramServer.sendto(): the server is not started; run start() first');
    return udp.sendto(data, address);
  }

  protected openSocket(): void {
    if (this.udp === null) {
      this.udp = new UdpSocket();
      this.bindOperation = this.udp.bind(this.requested!);
    }
  }

  protected closeSocket(): void {
    this.udp?.close();
  }

  protected *boundSteps(): Steps<void> {
    if (this.bindOperation !== null) yield* this.bindOperation;
  }

  protected *serveLoop(): Steps<void> {
    const udp = this.udp!;
    const handle = this.handle;
    for (;;) {
      let datagram: [Uint8Array, Address];
      try {
        datagram = yield* udp.recvfrom();
      } catch (error) {
        if (this.closed) return;
        throw error;
      }
      yield* this.spawnHandler(handle, datagram);
    }
  }
}
