/**
 * @internal The bytes a socket has received and nobody has read yet: the chunks Node delivered,
 * kept as they came (no copy on arrival), taken from the front by `recv` and `readline`.
 */
import { Deque } from './deque.js';

const EMPTY = new Uint8Array(0);
const NO_CHUNKS = new Deque<Uint8Array>();

/** @internal */
export class ReceiveBuffer {
  // Created on the first chunk: many sockets (failed connects, write-only peers) never get one.
  private chunks: Deque<Uint8Array> = NO_CHUNKS;
  /** Bytes of the first chunk already taken. */
  private offset = 0;
  /** Unread bytes in all chunks. */
  length = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.chunks === NO_CHUNKS) this.chunks = new Deque<Uint8Array>();
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /**
   * Takes up to `max` bytes from the front. A whole first chunk that fits is returned as is, so
   * the common echo-sized read copies nothing.
   */
  take(max: number): Uint8Array {
    if (this.length === 0 || max <= 0) return EMPTY;
    const first = this.chunks.peekFirst()!;
    const available = first.length - this.offset;
    if (available >= max || this.chunks.length === 1) {
      const n = Math.min(available, max);
      const out = this.offset === 0 && n === first.length ? first : first.subarray(this.offset, this.offset + n);
      this.consume(n);
      return out;
    }
    const n = Math.min(this.length, max);
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks.peekFirst()!;
      const part = Math.min(chunk.length - this.offset, n - filled);
      out.set(chunk.subarray(this.offset, this.offset + part), filled);
      filled += part;
      this.consume(part);
    }
    return out;
  }

  /**
   * The number of bytes up to and including the first `byte`, looking at no more than `limit`
   * bytes; -1 when it is not there.
   */
  indexAfter(byte: number, limit: number): number {
    let seen = 0;
    let offset = this.offset;
    for (const chunk of this.chunks) {
      if (seen >= limit) break;
      const end = Math.min(chunk.length, offset + (limit - seen));
      const at = chunk.subarray(offset, end).indexOf(byte);
      if (at >= 0) return seen + at + 1;
      seen += end - offset;
      offset = 0;
    }
    return -1;
  }

  clear(): void {
    this.chunks = NO_CHUNKS;
    this.offset = 0;
    this.length = 0;
  }

  private consume(n: number): void {
    this.length -= n;
    const first = this.chunks.peekFirst()!;
    this.offset += n;
    if (this.offset === first.length) {
      this.chunks.shift();
      this.offset = 0;
    }
  }
}
