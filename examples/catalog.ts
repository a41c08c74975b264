/**
 * The examples `npm start` walks through, in order: the seed documents' programs rebuilt on
 * greenlets. Each `file` is a program in this folder (named as compiled, `.js`), runnable on its
 * own with `node dist/examples/<file>`; `seed` names the seed document it comes from.
 */

/** One runnable example, as the showcase presents it. */
export interface CatalogEntry {
  /** The compiled program, relative to this folder: `baozi.js`. */
  file: string;
  /** A short title for the header. */
  title: string;
  /** The seed document the program comes from: `000`. */
  seed: string;
  /** One sentence of what it shows. */
  about?: string;
  /** Command-line arguments for the program. */
  args?: string[];
}

/** The showcase's running order; append new examples at the end of their group. */
export const catalog: CatalogEntry[] = [
  // The core: generators, raw greenlets, spawn, sleep, joinAll.
  {
    file: 'baozi.js',
    title: 'Producer/consumer on generators',
    seed: '000',
    about: 'next(value) hands a baozi to a waiting generator; raw greenlet switches do the same and may block in between.',
  },
  {
    file: 'greenlet-switch.js',
    title: 'Raw greenlets switching: 12 56 34 78',
    seed: '000',
    about: 'Control moves only at an explicit switch(), and a finished greenlet returns to its parent.',
  },
  {
    file: 'greenlet-eat-play.js',
    title: 'Raw greenlets switching: eat and play',
    seed: '001',
    about: 'Two tasks take turns by switching to each other.',
  },
  {
    file: 'greenlet-switch-args.js',
    title: 'Raw greenlets: arguments through the first switch',
    seed: '002',
    about: "The first switch('ckl') into a greenlet becomes the arguments of its body.",
  },
  {
    file: 'spawn-lazy.js',
    title: 'spawn does not run until the main code blocks',
    seed: '003',
    about: 'spawn only schedules; the greenlet runs once the spawner blocks.',
  },
  {
    file: 'sleep-zero.js',
    title: 'sleep(0) interleaving: 12 56 34 78',
    seed: '003',
    about: 'sleep(0) is a switch: every other ready greenlet runs first.',
  },
  {
    file: 'gevent-eat-play.js',
    title: 'spawn and joinAll: eat and play with sleeps',
    seed: '002',
    about: 'Sleeping greenlets overlap, so the whole takes the longest sleep rather than the sum.',
  },
  {
    file: 'sync-async.js',
    title: 'Synchronous vs asynchronous tasks',
    seed: '003',
    about: 'Run one by one, tasks finish in order; spawned, they finish in the order of their random sleeps.',
  },
  {
    file: 'timer.js',
    title: 'threading.Timer as spawnLater',
    seed: '002',
    about: 'A greenlet can be scheduled to start after a delay.',
  },
  // Coordination between greenlets: the seeds' threading lessons replayed.
  {
    file: 'counter.js',
    title: 'A shared counter, without and with a Lock',
    seed: '002',
    about: 'A switch between read and write loses updates (n ends at 99); a Lock makes them take turns (n ends at 0).',
  },
  {
    file: 'semaphore.js',
    title: 'Semaphore(3): three of ten eat noodles at once',
    seed: '002',
    about: 'A semaphore bounds how many greenlets are inside at once and serves the others in arrival order.',
  },
  {
    file: 'event.js',
    title: 'Event: wait until mysql is up',
    seed: '002',
    about: 'Workers block on an Event, or retry wait(timeout), until a checker sets it.',
  },
  {
    file: 'queues.js',
    title: 'FIFO, LIFO and priority queues',
    seed: '002',
    about: 'Queue, LifoQueue and PriorityQueue hand items out first in, last in, or smallest first.',
  },
  {
    file: 'pipeline.js',
    title: 'Pipeline: say -> format -> save',
    seed: '002',
    about: 'Each stage blocks on a queue instead of busy-polling a list, and shutdown ends the stages in turn.',
  },
  {
    file: 'baozi-channel.js',
    title: 'Producer/consumer on a Channel',
    seed: '000',
    about: 'A Channel hands each baozi straight to the next waiting consumer.',
  },
  {
    file: 'pool.js',
    title: 'Pool(500): map over many small tasks',
    seed: '002, 004',
    about: 'Pool.map returns results in input order and never runs more than the capacity at once.',
  },
  // Networking: the seeds' network programs on cooperative sockets and HTTP.
  {
    file: 'crawler.js',
    title: 'Concurrent crawler: one greenlet per URL',
    seed: '000, 001',
    about: 'Each greenlet fetches a page with urlopen; they wait at the same time, so the crawl takes about the slowest page.',
  },
  {
    file: 'echo-upper.js',
    title: 'Upper-case echo server: 500 concurrent clients',
    seed: '000, 002',
    about: 'StreamServer runs one greenlet per connection; each handler is a plain recv/sendall loop.',
  },
  {
    file: 'hello-byebye.js',
    title: 'hello / byebye: a socket server and its clients',
    seed: '001',
    about: 'The server greets each connection from its own greenlet, so a slow client never holds up the others.',
  },
  {
    file: 'nonblocking-server.js',
    title: 'I/O models: a non-blocking server that polls',
    seed: '001',
    about: 'accept and recv throw BlockingIOError when nothing is there, so the loop spins while it waits.',
  },
  {
    file: 'select-server.js',
    title: 'I/O models: a select() server',
    seed: '001',
    about: 'One greenlet serves every connection, parked in select() until some socket is ready.',
  },
  {
    file: 'port-scanner.js',
    title: 'Port scanner: Pool(500) of connection attempts',
    seed: '004',
    about: 'One greenlet per port tries a connection with a short timeout; it finds exactly the listeners the program opened.',
  },
];
