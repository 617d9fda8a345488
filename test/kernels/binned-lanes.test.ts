// The histogram shape kernel's two-lane functions against the scalar ones they stand for, bit for
// bit: the normal CDF (assembly/lib/binned-cdf.ts normalCdf2) against the TypeScript normalCdf
// (src/util/special.ts, which the kernel's scalar normalCdf computes bit for bit) on arguments over
// every branch of erfc, and ln (assembly/lib/binned-log.ts logV) against the kernel's own scalar
// Math.log (AssemblyScript's), on lanes from the same path and from different ones, and at the edges.
import { test } from "node:test";
import assert from "node:assert/strict";
import { kernelModule } from "../../src/kernels/load.js";
import { normalCdf } from "../../src/util/special.js";
import { Rng } from "../../src/util/rng.js";

interface CdfExports { memory: WebAssembly.Memory; reserve(bytes: number): number; normalCdfBatch(ptr: number, n: number): void; logBatch(vector: number, ptr: number, n: number): void }

const ex = new WebAssembly.Instance(kernelModule("shape-binned"), {
  env: { abort: () => { throw new Error("abort"); }, exp: Math.exp, log: Math.log, log1p: Math.log1p, cos: Math.cos, sin: Math.sin },
}).exports as unknown as CdfExports;

test("the kernel's two-lane normal CDF is normalCdf bit for bit", () => {
  const rng = new Rng(8), n = 300_000;
  const edges = [0, 0.84375, 1.25, 1 / 0.35, 26, 28].flatMap((a) => [a, -a].map((x) => -x * Math.SQRT2)); // z where |z / sqrt 2| is an edge
  const xs = new Float64Array(n + 2 * edges.length + 8);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    // pairs (the kernel's lanes: 2j, 2j + 1) of neighbours (the same branch, mostly) and of independent arguments, |z| up to 45
    const wide = i % 8 < 4 ? 90 : 10;
    xs[i] = i % 4 === 1 ? xs[i - 1]! + 1e-3 * u : (u - 0.5) * wide;
  }
  edges.forEach((z, i) => {
    xs[n + 2 * i] = z;
    xs[n + 2 * i + 1] = z * (1 + 1e-16) + 1e-300;
  });
  xs.set([NaN, 0, -0, Infinity, -Infinity, 1e-310, -40, 40], n + 2 * edges.length);
  const ptr = ex.reserve(xs.length * 8);
  new Float64Array(ex.memory.buffer, ptr, xs.length).set(xs);
  ex.normalCdfBatch(ptr, xs.length);
  const got = new Float64Array(ex.memory.buffer, ptr, xs.length);
  const bad: number[] = [];
  for (let i = 0; i < xs.length; i++) if (!Object.is(got[i], normalCdf(xs[i]!))) bad.push(xs[i]!);
  assert.deepEqual(bad, []);
});

test("the kernel's two-lane log is its scalar Math.log bit for bit", () => {
  const rng = new Rng(9), n = 300_000;
  const xs = new Float64Array(n + 12);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    // the EM's sums of responsibilities (in [1, 3]), near 1 (log_lut's polynomial path), every binade, and pairs across paths
    xs[i] = i % 4 === 1 ? xs[i - 1]! * (1 + 1e-9 * u) : i % 8 === 0 ? 1 + 2 * u : i % 8 === 2 ? 1 + (u - 0.5) * 0.15 : i % 8 === 4 ? Math.exp((u - 0.5) * 1400) : 1 + (u - 0.5) * 0.01;
  }
  xs.set([1, 1, 0.9375, 1.0645, 3, 2, 0, -1, NaN, Infinity, 1e-310, 5e-324], n);
  const ptr = ex.reserve(2 * xs.length * 8);
  const vec = new Float64Array(ex.memory.buffer, ptr, xs.length), scalar = new Float64Array(ex.memory.buffer, ptr + xs.length * 8, xs.length);
  vec.set(xs);
  scalar.set(xs);
  ex.logBatch(1, ptr, xs.length);
  ex.logBatch(0, ptr + xs.length * 8, xs.length);
  const bad: number[] = [];
  for (let i = 0; i < xs.length; i++) if (!Object.is(vec[i], scalar[i])) bad.push(xs[i]!);
  assert.deepEqual(bad, []);
  assert.ok(Math.abs(scalar[0]! - Math.log(xs[0]!)) < 1e-15, "the scalar log is ln");
});
