/**
 * The cost of call depth: a greenlet that loops `sleep(0)` at the bottom of 1, 10 and 100 nested
 * generator calls, so every resume travels through that many `yield*` frames, against the same
 * nest of native generators driven by a plain `next()` loop (the cost `yield*` itself forces).
 * The goal is a per-frame cost no higher than native delegation's: the hub adds a constant per
 * resume, never a cost per frame.
 */
import { operation, sleep, spawn, type Operation, type Steps } from '../src/index.js';
import { measure, note, perOp, report, scaled, verdict, type CaseResult } from './stats.js';

const RESUMES = scaled(200_000);
const DEPTHS = [1, 10, 100];

// Two textually separate copies of the same nest, so that V8's type feedback for one (an
// Operation at the bottom) never slows the other (a plain iterable) down.

/** `depth` generator frames; the innermost runs `step` (here `sleep(0)`) `resumes` times. */
function* nestInGreenlet(depth: number, resumes: number, step: Operation<void>): Steps<void> {
  if (depth <= 1) {
    for (let i = 0; i < resumes; i++) yield* step;
  } else {
    yield* nestInGreenlet(depth - 1, resumes, step);
  }
}

/** The same nest over a native step. */
function* nestNative(depth: number, resumes: number, step: Iterable<number, void, unknown>): Generator<number, void, unknown> {
  if (depth <= 1) {
    for (let i = 0; i < resumes; i++) yield* step;
  } else {
    yield* nestNative(depth - 1, resumes, step);
  }
}

/** The native twin of `sleep(0)`: one more generator frame that yields once. */
const nativeStep: Iterable<number, void, unknown> = {
  *[Symbol.iterator]() {
    yield 0;
  },
};

function inGreenlet(depth: number): Promise<void> {
  return Promise.resolve(
    operation(function* () {
      yield* spawn(() => nestInGreenlet(depth, RESUMES, sleep(0))).join();
    }),
  );
}

function nativeLoop(depth: number): void {
  const it = nestNative(depth, RESUMES, nativeStep);
  while (it.next().done !== true);
}

const byDepth = new Map<number, CaseResult[]>();
for (const depth of DEPTHS) {
  const results = await measure([
    { name: `greenlet, sleep(0) at depth ${depth}`, run: () => inGreenlet(depth) },
    { name: `native next() loop, depth ${depth}`, run: () => nativeLoop(depth) },
  ]);
  report(`a resume through ${depth} nested yield* frame${depth === 1 ? '' : 's'}`, results, RESUMES, 'resume');
  byDepth.set(depth, results);
}

const shallow = byDepth.get(DEPTHS[0])!;
const deep = byDepth.get(DEPTHS[DEPTHS.length - 1])!;
const frames = DEPTHS[DEPTHS.length - 1] - DEPTHS[0];
const greenletPerFrame = (perOp(deep[0], RESUMES) - perOp(shallow[0], RESUMES)) / frames;
const nativePerFrame = (perOp(deep[1], RESUMES) - perOp(shallow[1], RESUMES)) / frames;
const hubConstant = perOp(shallow[0], RESUMES) - perOp(shallow[1], RESUMES);
console.log('\n## growth with depth');
note(`per extra frame: greenlet ${(greenletPerFrame * 1000).toFixed(1)} ns, native ${(nativePerFrame * 1000).toFixed(1)} ns`);
note(`the hub's constant per resume (depth 1, greenlet minus native): ${(hubConstant * 1000).toFixed(0)} ns`);
// Noise on a busy machine moves the slopes by a few percent either way; 10% is the allowance.
verdict(
  'resume cost grows with depth no more than native yield* forces',
  greenletPerFrame <= nativePerFrame * 1.1,
  `${(greenletPerFrame * 1000).toFixed(1)} vs ${(nativePerFrame * 1000).toFixed(1)} ns per frame`,
);
