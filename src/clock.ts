/**
 * @internal The hub's timers: one binary heap ordered by deadline (ties in start order), behind
 * a single Node timer armed for the earliest deadline. A hundred thousand sleeping greenlets cost
 * a hundred thousand small heap entries, not a hundred thousand Node timers; and cancelling a
 * Timeout that never fires (the common case) removes its entry at once, so nothing piles up.
 */
import { performance } from 'node:perf_hooks';

/** @internal Something the clock calls back at a deadline. */
export interface TimerEntry {
  deadline: number;
  seq: number;
  /** Position in the heap, -1 when not scheduled. */
  heapIndex: number;
  fire(): void;
}

// Node's timers count from the event loop's cached time, which lags behind performance.now()
// once greenlets have run for a while in the same turn: they fire up to that lag early. An entry
// that is not due yet is never fired early (`sleep(ms)` never returns before `ms` passed); the
// Node timer is re-armed for what is left instead.
const MAX_DELAY = 2 ** 31 - 1;

/** @internal The timer heap and its single Node timer; one per hub. */
export class Clock {
  private readonly heap: TimerEntry[] = [];
  private seq = 0;
  private nodeTimer: ReturnType<typeof setTimeout> | null = null;
  private armedFor = Infinity;

  constructor(private readonly runDue: () => void) {}

  now(): number {
    return performance.now();
  }

  get size(): number {
    return this.heap.length;
  }

  add(entry: TimerEntry, ms: number): void {
    entry.deadline = this.now() + ms;
    entry.seq = this.seq++;
    entry.heapIndex = this.heap.length;
    this.heap.push(entry);
    this.siftUp(entry.heapIndex);
    if (entry.deadline < this.armedFor) this.arm();
  }

  remove(entry: TimerEntry): void {
    const index = entry.heapIndex;
    if (index < 0) return;
    entry.heapIndex = -1;
    const last = this.heap.pop()!;
    if (index < this.heap.length) {
      this.heap[index] = last;
      last.heapIndex = index;
      this.siftDown(index);
      this.siftUp(last.heapIndex);
    }
    // An empty heap must not hold a Node timer: it would keep the process alive for nothing.
    if (this.heap.length === 0) this.disarm();
  }

  /** Calls `fire()` on every entry that is due, in deadline order, then re-arms. */
  fireDue(): void {
    this.disarm();
    const limit = this.now();
    const heap = this.heap;
    while (heap.length > 0 && heap[0].deadline <= limit) {
      const entry = heap[0];
      this.remove(entry);
      entry.fire();
    }
    if (heap.length > 0 && this.nodeTimer === null) this.arm();
  }

  private arm(): void {
    this.disarm();
    const first = this.heap[0];
    if (first === undefined) return;
    const delay = Math.min(MAX_DELAY, Math.max(0, Math.ceil(first.deadline - this.now())));
    this.armedFor = first.deadline;
    this.nodeTimer = setTimeout(this.runDue, delay);
  }

  private disarm(): void {
    if (this.nodeTimer !== null) {
      clearTimeout(this.nodeTimer);
      this.nodeTimer = null;
    }
    this.armedFor = Infinity;
  }

  private before(a: TimerEntry, b: TimerEntry): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    const entry = heap[index];
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex];
      if (!this.before(entry, parent)) break;
      heap[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    heap[index] = entry;
    entry.heapIndex = index;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const length = heap.length;
    const entry = heap[index];
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && this.before(heap[right], heap[left]) ? right : left;
      if (!this.before(heap[child], entry)) break;
      heap[index] = heap[child];
      heap[index].heapIndex = index;
      index = child;
    }
    heap[index] = entry;
    entry.heapIndex = index;
  }
}
