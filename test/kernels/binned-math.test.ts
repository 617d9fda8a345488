// exp, log and log1p of the histogram shape kernel (assembly/lib/binned-math.ts: fdlibm's, as V8
// computes Math.exp, Math.log and Math.log1p) against this thread's Math, bit for bit, on random
// arguments over their whole ranges and on the edge cases of fdlibm's branches.
import { test } from "node:test";
import assert from "node:assert/strict";
import { kernelModule } from "../../src/kernels/load.js";
import { Rng } from "../../src/util/rng.js";

interface MathExports { memory: WebAssembly.Memory; reserve(bytes: number): number; mathBatch(which: number, ptr: number, n: number): void }

const ex = new WebAssembly.Instance(kernelModule("shape-binned"), {
  env: { abort: () => { throw new Error("abort"); }, exp: Math.exp, log: Math.log, log1p: Math.log1p, cos: Math.cos, sin: Math.sin },
}).exports as unknown as MathExports;

/** Indices where the kernel's f (0 exp, 1 log) differs from `host` on xs (Object.is: -0, NaN count). */
function mismatches(which: 0 | 1 | 2, host: (x: number) => number, xs: Float64Array): number[] {
  const ptr = ex.reserve(xs.length * 8);
  new Float64Array(ex.memory.buffer, ptr, xs.length).set(xs);
  ex.mathBatch(which, ptr, xs.length);
  const got = new Float64Array(ex.memory.buffer, ptr, xs.length);
  const bad: number[] = [];
  for (let i = 0; i < xs.length; i++) if (!Object.is(got[i], host(xs[i]!))) bad.push(i);
  return bad;
}

const SPECIAL = [0, -0, 1, -1, 0.5, -0.5, 2, Math.E, Math.LN2, 0.5 * Math.LN2, 1.5 * Math.LN2, -1.5 * Math.LN2, 2 ** -28, -(2 ** -28), 2 ** -30,
  709.782712893384, 709.79, -745.1332191019411, -745.14, -708.4, -708.3964185322641, 1e-300, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
  Infinity, -Infinity, NaN, 1 + 2 ** -20, 1 - 2 ** -20, 1 + 2 ** -52, 1 - 2 ** -53];

test("the kernel's exp is Math.exp bit for bit", () => {
  const rng = new Rng(5), n = 400_000, xs = new Float64Array(n + SPECIAL.length);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    // the whole range, the reduction's small |x| branches, and the KDE / erfc range (-40, 0]
    xs[i] = i % 4 === 0 ? (u - 0.5) * 1500 : i % 4 === 1 ? (u - 0.5) * 2 : i % 4 === 2 ? -40 * u : (u - 0.5) * 2 ** -20;
  }
  xs.set(SPECIAL, n);
  assert.deepEqual(mismatches(0, Math.exp, xs).map((i) => xs[i]), []);
});

test("the kernel's log is Math.log bit for bit", () => {
  const rng = new Rng(6), n = 400_000, xs = new Float64Array(n + SPECIAL.length);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    // positive normal and subnormal numbers over every binade, near 1, and negatives (NaN)
    xs[i] = i % 4 === 0 ? Math.exp((u - 0.5) * 1400) : i % 4 === 1 ? 1 + (u - 0.5) * 2 ** -18 : i % 4 === 2 ? u * 1e-310 : i % 8 === 3 ? -u : 10 * u;
  }
  xs.set(SPECIAL, n);
  assert.deepEqual(mismatches(1, Math.log, xs).map((i) => xs[i]), []);
});

test("the kernel's log1p is Math.log1p bit for bit", () => {
  const rng = new Rng(7), n = 400_000, xs = new Float64Array(n + SPECIAL.length + 4);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    // (-1, 0] (the Weibull fit's -F), small |x|, the middle branch, and large x
    xs[i] = i % 4 === 0 ? -u : i % 4 === 1 ? (u - 0.5) * 2 ** -25 : i % 4 === 2 ? (u - 0.3) * 0.75 : Math.exp(800 * u - 100);
  }
  xs.set([...SPECIAL, -0.2928932188134524, 0.41421356237309503, -2, 2 ** 53], n);
  assert.deepEqual(mismatches(2, Math.log1p, xs).map((i) => xs[i]), []);
});
