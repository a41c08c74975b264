/**
 * Seed 002, "八、线程queue": the three queue disciplines, each filled with three items and
 * emptied again.
 *
 * `Queue` is first in, first out; `LifoQueue` is a stack; `PriorityQueue` hands out the smallest
 * first, comparing `[priority, data]` arrays element by element like Python tuples. Outside any
 * greenlet, `await` runs a blocking call; none blocks here, as each queue holds three.
 */
import { LifoQueue, PriorityQueue, Queue } from '../src/index.js';

console.log('Queue (first in, first out):');
const q = new Queue<number>(3);
await q.put(1);
await q.put(2);
await q.put(3);
console.log(await q.get());
console.log(await q.get());
console.log(await q.get());

console.log('LifoQueue (last in, first out):');
const stack = new LifoQueue<number>(3);
await stack.put(1);
await stack.put(2);
await stack.put(3);
console.log(await stack.get());
console.log(await stack.get());
console.log(await stack.get());

console.log('PriorityQueue (smallest first):');
const pq = new PriorityQueue<[number, string]>(3);
await pq.put([10, 'data1']);
await pq.put([12, 'data2']);
await pq.put([8, 'data3']);
console.log(await pq.get());
console.log(await pq.get());
console.log(await pq.get());
