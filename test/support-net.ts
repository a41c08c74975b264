// What the network tests need alike: a key and certificate for TLS on localhost, the address
// to listen on, a listening socket, and the check that no socket or server is left open.
import { Socket, type Address } from '../src/socket.js';
import type { Steps } from '../src/index.js';

/** A private key for {@link CERT}; for tests only. */
export const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgoq4I0SCYT1reutRq
0qivPzohDqx02tDKcL981PuaKayhRANCAATdMWo/NRA4q9f1Q5u3O6zPSrTganac
zvYNAabjrcX++ACPCQ7ciAoF4ZL36woF8gxIgrsTP3X7o3SjaVORfLmf
-----END PRIVATE KEY-----
`;
/** Self-signed for localhost and 127.0.0.1, valid 2020-2120. */
export const CERT = `-----BEGIN CERTIFICATE-----
MIIBZTCCAQqgAwIBAgIBATAKBggqhkjOPQQDAjAUMRIwEAYDVQQDDAlsb2NhbGhv
c3QwIBcNMjAwMTAxMDAwMDAwWhgPMjEyMDAxMDEwMDAwMDBaMBQxEjAQBgNVBAMM
CWxvY2FsaG9zdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABN0xaj81EDir1/VD
m7c7rM9KtOBqdpzO9g0BpuOtxf74AI8JDtyICgXhkvfrCgXyDEiCuxM/dfujdKNp
U5F8uZ+jSzBJMBoGA1UdEQQTMBGCCWxvY2FsaG9zdIcEfwAAATAMBgNVHRMEBTAD
AQH/MB0GA1UdDgQWBBQjc5Ka/b9sYQAfnud/DmyXzjUN7DAKBggqhkjOPQQDAgNJ
ADBGAiEAv1yuf9nLfnSlxFhLPgsKVrtS8Up0T8gXPFqIy4hAxyICIQDtr/zvQen3
a8j8afn7hMGUih3LC+EuiQVhUwA3xwM+8Q==
-----END CERTIFICATE-----
`;

/** 127.0.0.1 with port 0: the system picks a free port. */
export const LOCAL: Address = ['127.0.0.1', 0];

/** Bytes read from a socket as UTF-8 text. */
export const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

/** A socket listening on 127.0.0.1 (TLS with `options.tls`), and the address it got. */
export function* listening(options: { tls?: { key: string; cert: string } } = {}): Steps<[Socket, Address]> {
  const listener = new Socket(options);
  listener.bind(['127.0.0.1', 0]);
  yield* listener.listen();
  return [listener, listener.getsockname()];
}

/** The socket and server handles still open after waiting up to a second for them to close. */
export async function netHandlesLeftOpen(): Promise<string[]> {
  const kinds = ['TCPWrap', 'TCPServerWrap', 'UDPWrap', 'TLSWrap'];
  let open: string[] = [];
  for (let i = 0; i < 50; i++) {
    open = process.getActiveResourcesInfo().filter((r) => kinds.includes(r));
    if (open.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return open;
}
