/**
 * Where a queue keeps its buffered items, in the order its `get` takes them: first in, first
 * out (a deque), last in, first out, or smallest first (a binary heap, with Python's natural
 * order as the default).
 */
import { Deque } from './deque.js';

/** @internal Where a queue keeps its buffered items; the order of `take` is the queue's order. */
export interface ItemStore<T> {
  readonly length: number;
  push(item: T): void;
  /** Removes and returns the next item; the caller checks `length` first. */
  take(): T;
  /** The next item, without removing it; the caller checks `length` first. */
  first(): T;
  clear(): void;
}

/** @internal Items in arrival order (Queue, SimpleQueue). */
export class FifoStore<T> extends Deque<T> implements ItemStore<T> {
  take(): T {
    return this.shift();
  }

  first(): T {
    return this.peekFirst() as T;
  }
}

/** @internal Newest item first (LifoQueue). */
export class LifoStore<T> extends Deque<T> implements ItemStore<T> {
  take(): T {
    return this.pop();
  }

  first(): T {
    return this.peekLast() as T;
  }
}

/**
 * A binary min-heap. Each item carries its insertion number so that equal priorities come out
 * in insertion order; the numbers live in a parallel array to avoid an object per item.
 */
export class HeapStore<T> implements ItemStore<T> {
  private readonly items: T[] = [];
  private readonly seqs: number[] = [];
  private nextSeq = 0;

  constructor(private readonly compare: (a: T, b: T) => number) {}

  get length(): number {
    return this.items.length;
  }

  push(item: T): void {
    const { items, seqs } = this;
    const seq = this.nextSeq++;
    let i = items.length;
    items.push(item);
    seqs.push(seq);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.precedes(item, seq, items[parent], seqs[parent])) break;
      items[i] = items[parent];
      seqs[i] = seqs[parent];
      i = parent;
    }
    items[i] = item;
    seqs[i] = seq;
  }

  take(): T {
    const { items, seqs } = this;
    const top = items[0];
    const last = items.pop()!;
    const lastSeq = seqs.pop()!;
    const n = items.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && this.precedes(items[right], seqs[right], items[child], seqs[child])) child = right;
      if (!this.precedes(items[child], seqs[child], last, lastSeq)) break;
      items[i] = items[child];
      seqs[i] = seqs[child];
      i = child;
    }
    items[i] = last;
    seqs[i] = lastSeq;
    return top;
  }

  first(): T {
    return this.items[0];
  }

  clear(): void {
    this.items.length = 0;
    this.seqs.length = 0;
  }

  private precedes(a: T, seqA: number, b: T, seqB: number): boolean {
    const order = this.compare(a, b);
    // NaN (a comparator with no opinion) counts as equal, like 0.
    return order < 0 || (!(order > 0) && seqA < seqB);
  }
}

function isNumeric(v: unknown): v is number | bigint | boolean {
  const t = typeof v;
  return t === 'number' || t === 'bigint' || t === 'boolean';
}

/**
 * The default order of a PriorityQueue, Python's for the usual cases: numbers (with bigints and
 * booleans) and strings compare naturally, Dates by time, arrays element-wise like tuples (a
 * prefix comes first). Anything else counts as equal, so insertion order decides.
 */
export function naturalOrder(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const order = naturalOrder(a[i], b[i]);
      if (order !== 0) return order;
    }
    return a.length - b.length;
  }
  if ((isNumeric(a) && isNumeric(b)) || (typeof a === 'string' && typeof b === 'string')) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (a instanceof Date && b instanceof Date) {
    const ta = a.getTime();
    const tb = b.getTime();
    return ta < tb ? -1 : ta > tb ? 1 : 0;
  }
  return 0;
}
