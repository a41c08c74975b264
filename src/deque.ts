/**
 * @internal A growable ring buffer: O(1) push and shift at both ends with no per-item
 * allocation, which is what the hub's ready queue and the queues' buffers need.
 */
export class Deque<T> {
  private items: (T | undefined)[];
  private head = 0;
  private mask: number;
  length = 0;

  constructor(capacityHint = 16) {
    let capacity = 16;
    while (capacity < capacityHint) capacity *= 2;
    this.items = new Array<T | undefined>(capacity);
    this.mask = capacity - 1;
  }

  push(item: T): void {
    if (this.length > this.mask) this.grow();
    this.items[(this.head + this.length) & this.mask] = item;
    this.length++;
  }

  unshift(item: T): void {
    if (this.length > this.mask) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.items[this.head] = item;
    this.length++;
  }

  /** Removes and returns the first item; the caller checks `length` first. */
  shift(): T {
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.length--;
    return item;
  }

  /** Removes and returns the last item; the caller checks `length` first. */
  pop(): T {
    this.length--;
    const index = (this.head + this.length) & this.mask;
    const item = this.items[index] as T;
    this.items[index] = undefined;
    return item;
  }

  peekFirst(): T | undefined {
    return this.length === 0 ? undefined : this.items[this.head];
  }

  peekLast(): T | undefined {
    return this.length === 0 ? undefined : this.items[(this.head + this.length - 1) & this.mask];
  }

  at(index: number): T | undefined {
    if (index < 0 || index >= this.length) return undefined;
    return this.items[(this.head + index) & this.mask];
  }

  clear(): void {
    this.items = new Array<T | undefined>(16);
    this.mask = 15;
    this.head = 0;
    this.length = 0;
  }

  *[Symbol.iterator](): Generator<T, void, undefined> {
    for (let i = 0; i < this.length; i++) yield this.items[(this.head + i) & this.mask] as T;
  }

  private grow(): void {
    const old = this.items;
    const capacity = old.length * 2;
    const items = new Array<T | undefined>(capacity);
    for (let i = 0; i < this.length; i++) items[i] = old[(this.head + i) & this.mask];
    this.items = items;
    this.head = 0;
    this.mask = capacity - 1;
  }
}
