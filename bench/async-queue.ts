/**
 * A plain promise-based async queue, the anchor the queue benchmarks compare against: what one
 * writes without a library. `get` returns a promise (settled at once when an item is buffered);
 * `put` on a full bounded queue waits for room.
 */

/** A FIFO over an array with a moving head, compacted now and then (no O(n) `shift`). */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

export class AsyncQueue<T> {
  private readonly items = new Fifo<T>();
  private readonly getters = new Fifo<(item: T) => void>();
  private readonly putters = new Fifo<() => void>();

  constructor(private readonly maxsize = Infinity) {}

  async put(item: T): Promise<void> {
    while (this.getters.length === 0 && this.items.length >= this.maxsize) {
      await new Promise<void>((resolve) => this.putters.push(resolve));
    }
    const getter = this.getters.shift();
    if (getter === undefined) this.items.push(item);
    else getter(item);
  }

  get(): Promise<T> {
    if (this.items.length > 0) {
      const item = this.items.shift() as T;
      this.putters.shift()?.();
      return Promise.resolve(item);
    }
    return new Promise<T>((resolve) => this.getters.push(resolve));
  }
}
