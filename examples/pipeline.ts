/**
 * Seed 002, "多线程共享内存练习": say -> format -> save, three workers in a pipeline.
 *
 * The seed's threads busy-poll shared lists (`if msg_list: ...` in a `while True`); here each
 * stage blocks on a `Queue` until an item arrives, and shutting a queue down ends the stage
 * after it, once drained. The typed input is a fixed list, and "db.txt" is kept in memory.
 */
import { Queue, joinAll, sleep, spawn } from '../src/index.js';

const typed = ['hello', 'greenlets', 'byebye'];
const msgList = new Queue<string>();
const formatList = new Queue<string>();
const dbTxt: string[] = [];

function* say() {
  for (const msg of typed) {
    yield* sleep(20); // typing takes a while
    console.log(`>>: ${msg}`);
    yield* msgList.put(msg);
  }
  msgList.shutdown();
}

function* format() {
  const msgs = msgList.stream();
  for (let r = yield* msgs.next(); !r.done; r = yield* msgs.next()) {
    console.log(`format: ${r.value} -> ${r.value.toUpperCase()}`);
    yield* formatList.put(r.value.toUpperCase());
  }
  formatList.shutdown();
}

function* save() {
  const formatted = formatList.stream();
  for (let r = yield* formatted.next(); !r.done; r = yield* formatted.next()) {
    dbTxt.push(r.value);
    console.log(`save: ${r.value} >> db.txt`);
  }
}

await joinAll([spawn(say), spawn(format), spawn(save)]);
console.log(`db.txt: ${dbTxt.join(' ')}`);
