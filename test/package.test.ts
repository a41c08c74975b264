// The package as its users see it: imported by name through package.json's `exports`, every
// public name that the API contract and the io issue fix must be there, with the right kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';

async function load(specifier: string): Promise<Record<string, unknown>> {
  // A string variable, so the compiler leaves the self-reference to Node at run time.
  return (await import(specifier)) as Record<string, unknown>;
}

const CORE_FUNCTIONS = [
  'spawn', 'spawnLater', 'getCurrent', 'sleep', 'idle', 'joinAll', 'killAll', 'wait', 'iwait',
  'getHub', 'call', 'withTimeout', 'local', 'operation',
];
const CORE_CLASSES = [
  'Greenlet', 'RawGreenlet', 'Timeout', 'Event', 'AsyncResult', 'Semaphore', 'BoundedSemaphore',
  'RLock', 'Lock', 'DummySemaphore', 'Queue', 'SimpleQueue', 'JoinableQueue', 'LifoQueue',
  'PriorityQueue', 'Channel', 'Group', 'Pool', 'Local', 'Operation', 'Stream',
];
const ERRORS = ['GreenletExit', 'Timeout', 'LoopExit', 'Full', 'Empty', 'ShutDown', 'InvalidSwitch'];

test('greenlets exports every core and sync-layer name', async () => {
  const api = await load('greenlets');
  const missing = [...CORE_FUNCTIONS, ...CORE_CLASSES].filter((name) => typeof api[name] !== 'function');
  assert.deepEqual(missing, []);
});

test('every error class is an Error subclass whose name is the class name', async () => {
  const api = await load('greenlets');
  const seen = ERRORS.map((name) => {
    const ErrorClass = api[name] as new (...args: unknown[]) => Error;
    const error = new ErrorClass();
    return [name, error instanceof Error, error.name];
  });
  assert.deepEqual(seen, ERRORS.map((name) => [name, true, name]));
});

test('the io subpaths export their fixed names', async () => {
  const expected: Record<string, string[]> = {
    'greenlets/socket': ['Socket', 'createConnection', 'UdpSocket', 'wrapSocket', 'SocketTimeout'],
    'greenlets/server': ['StreamServer', 'DatagramServer'],
    'greenlets/http': ['urlopen'],
    'greenlets/select': ['select'],
    'greenlets/dns': ['getaddrinfo', 'gethostbyname'],
    'greenlets/subprocess': ['Popen', 'run', 'call', 'checkCall', 'checkOutput', 'CalledProcessError', 'TimeoutExpired'],
  };
  const missing: string[] = [];
  for (const [specifier, names] of Object.entries(expected)) {
    const module = await load(specifier);
    for (const name of names) if (typeof module[name] !== 'function') missing.push(`${specifier}: ${name}`);
  }
  assert.deepEqual(missing, []);
  const subprocess = await load('greenlets/subprocess');
  assert.notEqual(subprocess.PIPE, undefined);
});
