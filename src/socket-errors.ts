/**
 * What the socket modules share: the `Address` type, the socket errors (`SocketTimeout`,
 * `BlockingIOError`), and the small checks and conversions every socket call needs.
 */
import net from 'node:net';
import dns from 'node:dns';
import util from 'node:util';
import { describeValue, nameErrorClass } from './errors.js';

/** A socket address, as in Python: `[host, port]`, e.g. `['127.0.0.1', 8080]`. */
export type Address = [host: string, port: number];

/**
 * `shutdown(how)`: stop receiving; later reads return the end of the stream.
 * @example
 * sock.shutdown(SHUT_RD);
 */
export const SHUT_RD = 0;

/**
 * `shutdown(how)`: stop sending; the peer reads the end of the stream, and this side can still
 * receive its answer.
 * @example
 * yield* sock.sendall(request);
 * sock.shutdown(SHUT_WR);
 * const answer = yield* sock.recv(65536);
 */
export const SHUT_WR = 1;

/**
 * `shutdown(how)`: stop both receiving and sending.
 * @example
 * sock.shutdown(SHUT_RDWR);
 */
export const SHUT_RDWR = 2;

/** The bytes a socket call accepts: bytes as they are, or a string sent as UTF-8. */
export type Bytes = Uint8Array | string;

/**
 * Thrown by a socket operation that did not finish within the socket's timeout
 * (`setTimeout(ms)`, or `createConnection(address, { timeout })`). Mirrors Python's
 * `socket.timeout` (`TimeoutError`); `code` is `'ETIMEDOUT'`.
 * @example
 * sock.setTimeout(500);
 * try { yield* sock.recv(1024); } catch (e) { if (e instanceof SocketTimeout) console.log('quiet peer'); }
 */
export class SocketTimeout extends Error {
  readonly code = 'ETIMEDOUT';
}
nameErrorClass(SocketTimeout);

/**
 * Thrown by an operation on a non-blocking socket (`setBlocking(false)`, or `setTimeout(0)`)
 * that would have to wait. Mirrors Python's `BlockingIOError`; `code` is `'EAGAIN'` (or
 * `'EINPROGRESS'` for a connect that has started and not finished).
 * @example
 * sock.setBlocking(false);
 * try { yield* sock.recv(1024); } catch (e) { if (!(e instanceof BlockingIOError)) throw e; }
 */
export class BlockingIOError extends Error {
  readonly code: 'EAGAIN' | 'EINPROGRESS';

  constructor(message: string, code: 'EAGAIN' | 'EINPROGRESS' = 'EAGAIN') {
    super(message);
    this.code = code;
  }
}
nameErrorClass(BlockingIOError);

/** @internal A Node-style system error (`code`, `errno`, `syscall`), as Node's own calls throw. */
export function socketError(code: string, syscall: string, detail: string): NodeJS.ErrnoException {
  const entry = [...util.getSystemErrorMap()].find(([, [name]]) => name === code);
  const description = entry?.[1][1] ?? code;
  const error: NodeJS.ErrnoException = new Error(`${syscall} ${code}: ${description} (${detail})`);
  error.code = code;
  if (entry !== undefined) error.errno = entry[0];
  error.syscall = syscall;
  return error;
}

/** @internal Validates an `[host, port]` address; `what` names the call in the message. */
export function checkAddress(what: string, address: unknown): Address {
  if (!Array.isArray(address) || address.length < 2) {
    throw new TypeError(`${what} needs an address [host, port], got ${describeValue(address)}`);
  }
  const [host, port] = address as unknown[];
  if (typeof host !== 'string') {
    throw new TypeError(`${what} needs a host string in [host, port], got ${describeValue(host)}`);
  }
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`${what} needs a port from 0 to 65535 in [host, port], got ${describeValue(port)}`);
  }
  return [host, port];
}

/** @internal Validates a byte count such as `recv(max)`. */
export function checkSize(what: string, size: unknown): number {
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
    throw new RangeError(`${what} must be a non-negative integer, got ${describeValue(size)}`);
  }
  return size;
}

/** @internal The bytes of `data`; a string is encoded as UTF-8. */
export function toBytes(what: string, data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  throw new TypeError(`${what} needs a Uint8Array (or a string, sent as UTF-8), got ${describeValue(data)}`);
}

/** @internal The address Node reports, as `[host, port]`; null when there is none (yet). */
export function addressOf(host: string | undefined, port: number | undefined): Address | null {
  return host === undefined || port === undefined ? null : [host, port];
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * @internal A `dns.lookup` that answers an IP literal at once (in the same tick) and resolves
 * anything else through `dns.lookup`. Node resolves even `'127.0.0.1'` one tick later; answering
 * at once is what lets a bind or listen on a literal address finish before the call returns.
 */
export function literalLookup(
  hostname: string,
  options: dns.LookupOptions | number | LookupCallback,
  callback?: LookupCallback,
): void {
  const cb = (typeof options === 'function' ? options : callback)!;
  const opts: dns.LookupOptions = typeof options === 'object' ? options : typeof options === 'number' ? { family: options } : {};
  const family = net.isIP(hostname);
  if (family !== 0 && opts.all !== true) {
    cb(null, hostname, family);
    return;
  }
  dns.lookup(hostname, opts, cb as never);
}

/**
 * @internal Starts `server` listening on `[host, port]`. Node looks up even an IP literal one
 * tick later, so a plain `listen` would leave the port unknown when the call returns; for the
 * span of this synchronous call `dns.lookup` answers literals at once (the original is restored
 * before returning), so a literal address is bound when this returns, as Python's `listen()`
 * is. Returns whether it is already listening; if not, 'listening' or 'error' follows.
 */
export function listenNow(server: net.Server, host: string, port: number, backlog: number): boolean {
  const original = dns.lookup;
  const literal = net.isIP(host) !== 0;
  if (literal) {
    (dns as { lookup: unknown }).lookup = function lookupLiteral(
      hostname: string,
      options: dns.LookupOptions | number | LookupCallback,
      callback?: LookupCallback,
    ): void {
      if (hostname === host) {
        const cb = (typeof options === 'function' ? options : callback)!;
        cb(null, hostname, net.isIP(hostname));
        return;
      }
      (original as (...args: unknown[]) => void)(hostname, options, callback);
    };
  }
  try {
    server.listen({ host, port, backlog });
  } finally {
    if (literal) (dns as { lookup: unknown }).lookup = original;
  }
  return server.listening;
}
