/**
 * Seed 002, "七、Event": workers wait for an `Event` that a checker sets once "mysql" is up.
 *
 * First the plain form: both workers block in `wait()` until `set()` wakes them together. Then
 * the seed's retrying form: each worker waits at most 100 ms at a time (`wait(timeout)` returns
 * false on timeout), gives up after three tries, and connects once the checker has set the
 * event, 250 ms in (the seed: 0.5 s tries, a 3 s check).
 */
import { Event, getCurrent, joinAll, operation, sleep, spawn, type Greenlet } from '../src/index.js';

function named<T>(g: Greenlet<T>, name: string): Greenlet<T> {
  g.name = name;
  return g;
}

let ev = new Event();

function* connMysql() {
  console.log(`${getCurrent()?.name} is ready to connect mysql`);
  yield* ev.wait();
  console.log(`${getCurrent()?.name} has connected`);
}

function* checkMysql() {
  console.log('Begin to check mysql status...');
  yield* sleep(250);
  ev.set();
}

let workers = [named(spawn(connMysql), 'Thread-1'), named(spawn(connMysql), 'Thread-2')];
await operation(checkMysql);
await joinAll(workers);

console.log('-- with wait(timeout) and retries --');
ev = new Event();

function* connMysqlRetrying() {
  let count = 1;
  ev.clear();
  while (!ev.isSet()) {
    if (count > 3) throw new Error('Connect mysql error: still down after 3 tries');
    console.log(`${getCurrent()?.name} is in the ${count} times ready to connect mysql`);
    yield* ev.wait(100);
    count += 1;
  }
  console.log(`${getCurrent()?.name} has connected`);
}

workers = [named(spawn(connMysqlRetrying), 'Thread-1'), named(spawn(connMysqlRetrying), 'Thread-2')];
await operation(checkMysql);
await joinAll(workers);
