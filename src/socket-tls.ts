/**
 * TLS over a connected greenlets socket: `wrapSocket`, the counterpart of Python's
 * `SSLContext.wrap_socket` under gevent. For a TLS client from the start, give `tls` options to
 * `new Socket()` or `createConnection()`; for a TLS server, to `new Socket()` before `listen`,
 * or to `StreamServer`.
 */
import net from 'node:net';
import tls from 'node:tls';
import { operation, type Operation } from './operation.js';
import { describeValue } from './errors.js';
import { runningGreenlet } from './waiter.js';
import { Socket, type TlsOptions } from './socket.js';

/** Options of `wrapSocket`: Node's TLS options, plus the side of the handshake. */
export interface WrapOptions extends TlsOptions {
  /** Take the server side of the handshake (needs `key` and `cert`, or a `secureContext`). */
  serverSide?: boolean;
  /** The name the server's certificate must carry (Python's `server_hostname`); default: the host connected to. */
  serverHostname?: string;
}

/**
 * Performs a TLS handshake over a connected socket and returns the TLS socket; the plain socket
 * must not be used afterwards. The handshake honours the socket's timeout and is killable (the
 * connection is then destroyed). Use it for protocols that switch to TLS mid-stream (STARTTLS),
 * or to serve TLS on sockets you accept yourself.
 * @example
 * const plain = yield* createConnection(['example.com', 443]);
 * const secure = yield* wrapSocket(plain, { serverHostname: 'example.com' });
 * @example
 * const [conn] = yield* listener.accept();
 * const secure = yield* wrapSocket(conn, { serverSide: true, key, cert });
 */
export function wrapSocket(sock: Socket, options: WrapOptions = {}): Operation<Socket> {
  if (!(sock instanceof Socket)) throw new TypeError(`wrapSocket() needs a greenlets Socket, got ${describeValue(sock)}`);
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`wrapSocket() options must be an object, got ${describeValue(options)}`);
  }
  return operation(function* () {
    runningGreenlet('wrapSocket()');
    const timeout = sock.getTimeout();
    const [peerHost] = sock.getpeername();
    const stream = sock.detachStream('wrapSocket');
    const { serverSide, serverHostname, ...tlsOptions } = options;
    let wrapped: Socket;
    if (serverSide === true) {
      const secure = new tls.TLSSocket(stream, {
        isServer: true,
        secureContext: tlsOptions.secureContext ?? tls.createSecureContext(tlsOptions),
        requestCert: tlsOptions.requestCert,
        rejectUnauthorized: tlsOptions.rejectUnauthorized,
        ALPNProtocols: tlsOptions.ALPNProtocols,
        SNICallback: tlsOptions.SNICallback,
      });
      wrapped = Socket.adopt(secure, 'secure');
    } else {
      const servername = serverHostname ?? tlsOptions.servername ?? (net.isIP(peerHost) === 0 ? peerHost : undefined);
      wrapped = Socket.adopt(tls.connect({ ...tlsOptions, socket: stream, servername }), 'secureConnect');
    }
    wrapped.setTimeout(timeout);
    try {
      yield* wrapped.handshakeSteps('wrapSocket()');
    } catch (error) {
      wrapped.close();
      throw error;
    }
    return wrapped;
  });
}
