/**
 * `greenlets/http`: an HTTP/1.1 server where every request runs in its own greenlet, and the
 * `urlopen` client. Both are built on Node's own `http`/`https` modules, and every blocking call
 * is an Operation that a kill or a timeout interrupts cleanly.
 * @packageDocumentation
 */
export {
  HttpServer,
  createServer,
  ServerRequest,
  ServerResponse,
  type HttpHandler,
  type HttpServerOptions,
  type Address,
  type AddressLike,
} from './http-server.js';
export { urlopen, ClientResponse, HTTPError, defaultAgents, type UrlopenOptions } from './http-client.js';
