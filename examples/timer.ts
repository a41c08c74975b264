/**
 * Seed 002, "Timer": `threading.Timer(5, work, args=('laoxi',))` becomes `spawnLater`.
 *
 * The greenlet is created at once and starts only when its delay has passed (200 ms here
 * instead of five seconds); the main code is free in the meantime.
 */
import { spawnLater } from '../src/index.js';

function work(n: string) {
  console.log(`I had ${n} report to me`);
}

const t = spawnLater(200, work, 'laoxi');
console.log(`main: timer set (dead: ${t.dead})`);
