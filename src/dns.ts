/**
 * `greenlets/dns`: cooperative name resolution. `getaddrinfo`, `gethostbyname`,
 * `gethostbynameEx` and `getnameinfo` block only the calling greenlet, as gevent's resolver
 * does, and are killable. They use the system resolver (`dns.lookup`, `dns.lookupService`, so
 * `/etc/hosts` and nsswitch apply), which runs on libuv's thread pool and cannot be cancelled:
 * a killed or timed-out lookup releases its greenlet at once and its late result is dropped,
 * but the thread-pool job itself finishes in the background.
 * @packageDocumentation
 */
import dns from 'node:dns';
import { wake, wakeThrow } from './hub.js';
import { describeValue, nameErrorClass } from './errors.js';
import { Operation, type Steps } from './operation.js';
import { Waiter, runningGreenlet } from './waiter.js';
import type { Greenlet } from './greenlet.js';

/** Any address family (Python's `socket.AF_UNSPEC`). */
export const AF_UNSPEC = 0;
/** IPv4 (Python's `socket.AF_INET`). */
export const AF_INET = 2;
/** IPv6 (Python's `socket.AF_INET6`; the platform's value). */
export const AF_INET6 = process.platform === 'darwin' ? 30 : process.platform === 'win32' ? 23 : 10;
/** A stream (TCP) socket type. */
export const SOCK_STREAM = 1;
/** A datagram (UDP) socket type. */
export const SOCK_DGRAM = 2;
/** A raw socket type. */
export const SOCK_RAW = 3;
/** The TCP protocol number. */
export const IPPROTO_TCP = 6;
/** The UDP protocol number. */
export const IPPROTO_UDP = 17;
/** `getaddrinfo` flag: with no host, give the wildcard address (for binding). */
export const AI_PASSIVE = 0x01;
/** `getaddrinfo` flag: fill in the canonical name of the first result. */
export const AI_CANONNAME = 0x02;
/** `getaddrinfo` flag: the host must be a numeric address; no lookup is made. */
export const AI_NUMERICHOST = 0x04;
/** `getaddrinfo` flag: with AF_INET6, give IPv4 addresses as IPv4-mapped IPv6 ones. */
export const AI_V4MAPPED = 0x08;
/** `getaddrinfo` flag: only the families configured on this host. */
export const AI_ADDRCONFIG = 0x20;

/** `GaiError.errno`: the name does not resolve (Python's `socket.EAI_NONAME`). */
export const EAI_NONAME = -2;
/** `GaiError.errno`: a temporary failure; try again later (Python's `socket.EAI_AGAIN`). */
export const EAI_AGAIN = -3;
/** `GaiError.errno`: a permanent resolver failure (Python's `socket.EAI_FAIL`). */
export const EAI_FAIL = -4;
/** `GaiError.errno`: the address family is not supported (Python's `socket.EAI_FAMILY`). */
export const EAI_FAMILY = -6;
/** `GaiError.errno`: the port or service name is not known (Python's `socket.EAI_SERVICE`). */
export const EAI_SERVICE = -8;

/**
 * A name-resolution failure: `errno` is one of the `EAI_*` values, `code` Node's error code
 * (e.g. `ENOTFOUND`), and `cause` the original error. Mirrors Python's `socket.gaierror`.
 * @example
 * try { yield* getaddrinfo('no-such-host.invalid'); }
 * catch (e) { if (e instanceof GaiError) console.log(e.errno === EAI_NONAME); }
 */
export class GaiError extends Error {
  constructor(
    readonly errno: number,
    message: string,
    readonly code?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
nameErrorClass(GaiError);

/** Python's spelling of `GaiError`. */
export { GaiError as gaierror };

/** An `[address, port]` pair, as Python's sockaddr (IPv6 ones too, without flow info and scope). */
export type SockAddr = [address: string, port: number];

/**
 * One `getaddrinfo` result: Python's 5-tuple `[family, type, proto, canonname, sockaddr]`, whose
 * parts can also be read by name (`info.family`, `info.sockaddr`, and `info.address` for
 * `sockaddr[0]`).
 */
export type AddrInfo = [family: number, type: number, proto: number, canonname: string, sockaddr: SockAddr] & {
  readonly family: number;
  readonly type: number;
  readonly proto: number;
  readonly canonname: string;
  readonly sockaddr: SockAddr;
  readonly address: string;
  readonly port: number;
};

/** Options of `getaddrinfo`, as Python's keyword arguments. */
export interface GetaddrinfoOptions {
  /** `AF_INET`, `AF_INET6` or `AF_UNSPEC` (the default: both). */
  family?: number;
  /** `SOCK_STREAM`, `SOCK_DGRAM` or `SOCK_RAW`; 0 (the default) gives one result per type. */
  type?: number;
  /** A protocol number; 0 (the default) picks the usual one for each type. */
  proto?: number;
  /** `AI_*` flags, or-ed together. */
  flags?: number;
}

const SERVICES: Record<string, number> = {
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  domain: 53,
  http: 80,
  pop3: 110,
  imap: 143,
  https: 443,
};

const NODE_ERRNO: Record<string, [number, string]> = {
  ENOTFOUND: [EAI_NONAME, 'Name or service not known'],
  ENODATA: [EAI_NONAME, 'No address associated with hostname'],
  EAI_NONAME: [EAI_NONAME, 'Name or service not known'],
  EAI_AGAIN: [EAI_AGAIN, 'Temporary failure in name resolution'],
  ESERVFAIL: [EAI_AGAIN, 'Temporary failure in name resolution'],
  EAI_FAIL: [EAI_FAIL, 'Non-recoverable failure in name resolution'],
  EAI_FAMILY: [EAI_FAMILY, 'ai_family not supported'],
  EAI_SERVICE: [EAI_SERVICE, 'Servname not supported for ai_socktype'],
};

function toGaiError(error: NodeJS.ErrnoException, what: string): GaiError {
  const code = error.code ?? 'EAI_FAIL';
  const [errno, text] = NODE_ERRNO[code] ?? [EAI_FAIL, error.message];
  return new GaiError(errno, `${what}: [Errno ${errno}] ${text}`, code, { cause: error });
}

function checkHost(what: string, host: unknown): void {
  if (typeof host !== 'string') throw new TypeError(`${what} host must be a string, got ${describeValue(host)}`);
}

function toPort(what: string, port: unknown): number {
  if (port === undefined || port === null) return 0;
  if (typeof port === 'number') {
    if (Number.isInteger(port) && port >= 0 && port <= 65535) return port;
    throw new RangeError(`${what} port must be an integer from 0 to 65535, got ${describeValue(port)}`);
  } else if (typeof port === 'string') {
    if (/^\d+$/.test(port) && Number(port) <= 65535) return Number(port);
    const known = SERVICES[port.toLowerCase()];
    if (known !== undefined) return known;
    throw new GaiError(EAI_SERVICE, `${what}: [Errno ${EAI_SERVICE}] Servname not supported for ai_socktype: ${describeValue(port)}`, 'EAI_SERVICE');
  }
  throw new TypeError(`${what} port must be an integer from 0 to 65535 or a service name, got ${describeValue(port)}`);
}

function nodeFamily(what: string, family: number): 0 | 4 | 6 {
  if (family === AF_UNSPEC) return 0;
  if (family === AF_INET) return 4;
  if (family === AF_INET6) return 6;
  throw new GaiError(EAI_FAMILY, `${what}: [Errno ${EAI_FAMILY}] ai_family not supported: ${describeValue(family)}`, 'EAI_FAMILY');
}

function makeAddrInfo(family: number, type: number, proto: number, canonname: string, sockaddr: SockAddr): AddrInfo {
  const info = [family, type, proto, canonname, sockaddr] as unknown as AddrInfo;
  return Object.defineProperties(info, {
    family: { value: family },
    type: { value: type },
    proto: { value: proto },
    canonname: { value: canonname },
    sockaddr: { value: sockaddr },
    address: { value: sockaddr[0] },
    port: { value: sockaddr[1] },
  });
}

class LookupWaiter extends Waiter {
  constructor(
    greenlet: Greenlet,
    private readonly what: string,
  ) {
    super(greenlet);
  }

  // The thread-pool job cannot be recalled; once unhooked, its callback's wake() finds the
  // greenlet parked elsewhere (or gone) and the late result is dropped.
  unhook(): void {}

  describe(): string {
    return this.what;
  }
}

function* lookupSteps(what: string, host: string, options: dns.LookupAllOptions): Steps<dns.LookupAddress[]> {
  const w = new LookupWaiter(runningGreenlet(what), what);
  dns.lookup(host, options, (error, addresses) => {
    if (error !== null) wakeThrow(w, toGaiError(error, what));
    else wake(w, addresses);
  });
  return (yield w.park()) as dns.LookupAddress[];
}

class GetaddrinfoOperation extends Operation<AddrInfo[]> {
  constructor(
    private readonly host: string | null,
    private readonly port: number,
    private readonly options: GetaddrinfoOptions,
  ) {
    super();
  }

  *[Symbol.iterator](): Steps<AddrInfo[]> {
    const { port, options } = this;
    const flags = options.flags ?? 0;
    const what = `getaddrinfo(${describeValue(this.host)}, ${port})`;
    const family = nodeFamily(what, options.family ?? AF_UNSPEC);
    let host = this.host;
    if (host === null || host === '') {
      const passive = (flags & AI_PASSIVE) !== 0;
      host = family === 6 ? (passive ? '::' : '::1') : passive ? '0.0.0.0' : '127.0.0.1';
    }
    if ((flags & AI_NUMERICHOST) !== 0 && !isNumericHost(host)) {
      throw new GaiError(EAI_NONAME, `${what}: [Errno ${EAI_NONAME}] Name or service not known (AI_NUMERICHOST needs a numeric address)`, 'EAI_NONAME');
    }
    let hints = 0;
    if ((flags & AI_ADDRCONFIG) !== 0) hints |= dns.ADDRCONFIG;
    if ((flags & AI_V4MAPPED) !== 0) hints |= dns.V4MAPPED;
    const addresses = yield* lookupSteps(what, host, { all: true, family, hints, verbatim: true });
    const types = options.type ? [options.type] : [SOCK_STREAM, SOCK_DGRAM, SOCK_RAW];
    const result: AddrInfo[] = [];
    for (const a of addresses) {
      const af = a.family === 6 ? AF_INET6 : AF_INET;
      for (const type of types) {
        const proto = options.proto || (type === SOCK_STREAM ? IPPROTO_TCP : type === SOCK_DGRAM ? IPPROTO_UDP : 0);
        const canonname = result.length === 0 && (flags & AI_CANONNAME) !== 0 ? host : '';
        result.push(makeAddrInfo(af, type, proto, canonname, [a.address, port]));
      }
    }
    return result;
  }
}

function isNumericHost(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

/**
 * Resolves `host` and `port` to the addresses to connect to (or bind, with `AI_PASSIVE`), as
 * Python's `socket.getaddrinfo`: a list of `[family, type, proto, canonname, sockaddr]`.
 * Blocks only the calling greenlet; killable (the lookup itself finishes in the background).
 * Throws `GaiError` for a name that does not resolve.
 * @example
 * const infos = yield* getaddrinfo('localhost', 80, { type: SOCK_STREAM });
 * const [address, port] = infos[0]!.sockaddr;
 */
export function getaddrinfo(host: string | null, port?: number | string | null, options: GetaddrinfoOptions = {}): Operation<AddrInfo[]> {
  if (host !== null) checkHost('getaddrinfo()', host);
  return new GetaddrinfoOperation(host, toPort('getaddrinfo()', port), options);
}

class GethostbynameOperation extends Operation<string> {
  constructor(private readonly host: string) {
    super();
  }

  *[Symbol.iterator](): Steps<string> {
    const what = `gethostbyname(${describeValue(this.host)})`;
    const [first] = yield* lookupSteps(what, this.host, { all: true, family: 4 });
    if (first === undefined) throw new GaiError(EAI_NONAME, `${what}: [Errno ${EAI_NONAME}] No IPv4 address for this name`, 'ENODATA');
    return first.address;
  }
}

/**
 * The IPv4 address of `host`, as a string, as Python's `socket.gethostbyname`. Blocks only the
 * calling greenlet; killable. Throws `GaiError` for a name that does not resolve.
 * @example
 * const ip = yield* gethostbyname('localhost'); // '127.0.0.1'
 */
export function gethostbyname(host: string): Operation<string> {
  checkHost('gethostbyname()', host);
  return new GethostbynameOperation(host);
}

class GethostbynameExOperation extends Operation<[string, string[], string[]]> {
  constructor(private readonly host: string) {
    super();
  }

  *[Symbol.iterator](): Steps<[string, string[], string[]]> {
    const what = `gethostbynameEx(${describeValue(this.host)})`;
    const addresses = yield* lookupSteps(what, this.host, { all: true, family: 4 });
    if (addresses.length === 0) throw new GaiError(EAI_NONAME, `${what}: [Errno ${EAI_NONAME}] No IPv4 address for this name`, 'ENODATA');
    return [this.host, [], [...new Set(addresses.map((a) => a.address))]];
  }
}

/**
 * `[hostname, aliases, addresses]` (IPv4) for `host`, as Python's `socket.gethostbyname_ex`;
 * the system resolver reports no aliases, so that list is empty.
 * @example
 * const [name, , ips] = yield* gethostbynameEx('localhost');
 */
export function gethostbynameEx(host: string): Operation<[string, string[], string[]]> {
  checkHost('gethostbynameEx()', host);
  return new GethostbynameExOperation(host);
}

class LookupServiceWaiter extends LookupWaiter {}

class GetnameinfoOperation extends Operation<[string, string]> {
  constructor(private readonly sockaddr: SockAddr) {
    super();
  }

  *[Symbol.iterator](): Steps<[string, string]> {
    const [address, port] = this.sockaddr;
    const what = `getnameinfo([${describeValue(address)}, ${port}])`;
    const w = new LookupServiceWaiter(runningGreenlet(what), what);
    dns.lookupService(address, port, (error, hostname, service) => {
      if (error !== null) wakeThrow(w, toGaiError(error, what));
      else wake(w, [hostname, service]);
    });
    return (yield w.park()) as [string, string];
  }
}

/**
 * The host name and service name of a numeric `[address, port]`, as Python's
 * `socket.getnameinfo` (uses `/etc/hosts`, DNS and `/etc/services`).
 * @example
 * const [host, service] = yield* getnameinfo(['127.0.0.1', 80]); // ['localhost', 'http']
 */
export function getnameinfo(sockaddr: SockAddr): Operation<[string, string]> {
  if (!Array.isArray(sockaddr) || typeof sockaddr[0] !== 'string') {
    throw new TypeError(`getnameinfo() needs an [address, port] pair, got ${describeValue(sockaddr)}`);
  }
  const port = toPort('getnameinfo()', sockaddr[1]);
  return new GetnameinfoOperation([sockaddr[0], port]);
}
