// Float64 values up to float64's max (issue 13 item 12): std, l2 and the shape moments of F64
// tensors beyond 1e154 (and of tiny ones below 1e-200) against an x87 extended-precision numpy
// reference (tools/reference/f64_range_fixtures.py); WASM = oracle; merged halves = whole.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { encodeFloats } from "../../src/formats/dtype.js";
import { MemorySource } from "../../src/io/index.js";
import { sketchChunkScalar } from "../../src/kernels/stats-scalar.js";
import { StatsPool } from "../../src/kernels/stats-pool.js";
import { sketchChunkWasm } from "../../src/kernels/stats-wasm.js";
import { ldexp, momentScaleExp } from "../../src/stats/moment-scale.js";
import { mergeAllSketches, mergeSketches, type TensorSketch } from "../../src/stats/sketch.js";
import { summarizeSketch, type TensorSummary } from "../../src/stats/summary.js";
import { assertClose, loadStatsCases } from "./sketch-fixtures.js";

const DIR = new URL("../fixtures/stats/", import.meta.url);

interface RangeExpected {
  numel: number; n: number; mean: number; std: number; variance: number | null;
  skewness: number; excess_kurtosis: number; l1: number | null; l2: number | null;
  linf: number; min: number; max: number;
}

interface RangeCase { name: string; bytes: Uint8Array; expected: RangeExpected }

function loadRangeCases(): RangeCase[] {
  const index = JSON.parse(readFileSync(new URL("f64_range.json", DIR), "utf8")) as { cases: Record<string, { file: string; expected: RangeExpected }> };
  const cases = Object.entries(index.cases).map(([name, c]) => ({ name, expected: c.expected, bytes: new Uint8Array(readFileSync(new URL(c.file, DIR))) }));
  const rising = cases.find((c) => c.name === "f64_mixed_rising")!;
  // The same values with the blocks in falling order: small blocks merge into large totals.
  const falling = new Float64Array(rising.bytes.slice().buffer).reverse();
  return [...cases, { name: "f64_mixed_falling", expected: rising.expected, bytes: new Uint8Array(falling.buffer) }];
}

const cases = loadRangeCases();

/** A summary against the extended-precision reference (null: beyond float64, for l1 +Infinity). */
function checkSummary(what: string, s: TensorSummary, e: RangeExpected): void {
  assert.equal(s.numel, e.numel, `${what}: numel`);
  assert.equal(s.finite_count, e.n, `${what}: n`);
  assertClose(s.mean, e.mean, 1e-12, 1e-15 * e.linf, `${what}: mean`);
  assertClose(s.std, e.std, 1e-12, 0, `${what}: std`);
  if (e.variance === null) assert.equal(s.variance, null, `${what}: variance beyond float64 is null`);
  else assertClose(s.variance, e.variance, 1e-12, 0, `${what}: variance`);
  assertClose(s.skewness, e.skewness, 1e-9, 1e-12, `${what}: skewness`);
  assertClose(s.excess_kurtosis, e.excess_kurtosis, 1e-9, 1e-12, `${what}: excess_kurtosis`);
  if (e.l1 === null) assert.equal(s.l1, Infinity, `${what}: l1 beyond float64`);
  else assertClose(s.l1, e.l1, 1e-12, 0, `${what}: l1`);
  assertClose(s.l2, e.l2, 1e-12, 0, `${what}: l2`);
  assert.equal(s.linf, e.linf, `${what}: linf`);
  assert.equal(s.min, e.min, `${what}: min`);
  assert.equal(s.max, e.max, `${what}: max`);
}

/** Same counts, extremes, histogram and scale; scaled sums within rounding of the larger one's. */
function assertScaledAgree(a: TensorSketch, b: TensorSketch, what: string): void {
  const strip = (s: TensorSketch) => ({ ...s, mean: 0, m2: 0, m3: 0, m4: 0, l1: 0, l2sq: 0 });
  assert.deepEqual(strip(a), strip(b), `${what}: counts, extremes, histogram, scale exponent`);
  const sc = ldexp(b.linf, -b.scaleExp), n = Math.max(1, b.n);
  assertClose(a.mean, b.mean, 1e-12, 1e-15 * b.linf, `${what}: mean`);
  const tol = { m2: sc ** 2 * n, m3: sc ** 3 * n, m4: sc ** 4 * n, l2sq: sc ** 2 * n };
  for (const k of ["m2", "m3", "m4", "l2sq"] as const) assertClose(a[k], b[k], 1e-12, 1e-14 * tol[k], `${what}: ${k}`);
  if (b.l1 === Infinity) assert.equal(a.l1, Infinity, `${what}: l1 beyond float64`);
  else assertClose(a.l1, b.l1, 1e-12, 0, `${what}: l1`);
}

test("the scale exponent: 0 in [2^-200, 2^200) and for zero, floor(log2 max|x|) outside, >= -1022", () => {
  assert.equal(momentScaleExp(0), 0);
  assert.equal(momentScaleExp(2 ** -200), 0);
  assert.equal(momentScaleExp(2 ** 200 * (1 - 2 ** -53)), 0);
  assert.equal(momentScaleExp(2 ** 200), 200);
  assert.equal(momentScaleExp(1e300), Math.floor(Math.log2(1e300)));
  assert.equal(momentScaleExp(Number.MAX_VALUE), 1023);
  assert.equal(momentScaleExp(2 ** -200 * (1 - 2 ** -53)), -201);
  assert.equal(momentScaleExp(5e-324), -1022);
  assert.equal(ldexp(3, 2000 - 1000 - 1000), 3);
  assert.equal(ldexp(ldexp(1.5, -1060), 1060), 1.5, "ldexp through a subnormal and beyond one power-of-two step");
  assert.equal(ldexp(Number.MAX_VALUE, -2000), (2 - 2 ** -52) * 2 ** -977, "down in steps, exact");
  assert.equal(ldexp(1, -1074), 5e-324);
  assert.equal(ldexp(1, 1024), Infinity);
  assert.equal(ldexp(-7, -5000), -0);
});

test("every float32/float16/bfloat16 fixture and ordinary float64 data stay unscaled (exponent 0)", () => {
  for (const c of loadStatsCases()) assert.equal(sketchChunkScalar(c.dtype, c.bytes).scaleExp, 0, c.name);
  const big = sketchChunkWasm("F64", encodeFloats("F64", [1e60, -3e59, 0.5]));
  assert.equal(big.scaleExp, 0);
});

test("oracle and WASM kernel: std, l2, mean and shape moments of F64 data up to 1.8e308 and down to 1e-300 equal the extended-precision reference", () => {
  for (const c of cases) {
    const scalar = sketchChunkScalar("F64", c.bytes);
    const wasm = sketchChunkWasm("F64", c.bytes);
    checkSummary(`${c.name} oracle`, summarizeSketch(scalar), c.expected);
    checkSummary(`${c.name} wasm`, summarizeSketch(wasm), c.expected);
    assertScaledAgree(wasm, scalar, `${c.name}: wasm vs oracle`);
    assert.ok(!/NaN/.test(JSON.stringify(summarizeSketch(wasm))), `${c.name}: no NaN in the summary`);
  }
});

test("huge and tiny F64 data: merged pieces (oracle and WASM) equal the whole; merging is deterministic", () => {
  for (const c of cases) {
    const numel = c.bytes.byteLength / 8;
    const whole = sketchChunkScalar("F64", c.bytes);
    const cuts = [0, Math.floor(numel / 2), numel].filter((v, i, a) => i === 0 || v > a[i - 1]!);
    const more = [0, Math.floor(numel / 7), Math.floor(numel / 3) + 1, numel - 1, numel].filter((v, i, a) => i === 0 || v > a[i - 1]!);
    for (const [label, at] of [["halves", cuts], ["pieces", more]] as const) {
      for (const [kernel, sketch] of [["oracle", sketchChunkScalar], ["wasm", sketchChunkWasm]] as const) {
        const parts = at.slice(1).map((end, i) => sketch("F64", c.bytes.subarray(at[i]! * 8, end * 8)));
        const merged = mergeAllSketches(parts);
        assertScaledAgree(merged, whole, `${c.name} ${label} ${kernel}`);
        checkSummary(`${c.name} ${label} ${kernel}`, summarizeSketch(merged), c.expected);
        assert.deepEqual(mergeAllSketches(parts), merged, `${c.name}: the same merge twice gives the same bits`);
        if (parts.length === 2) {
          const swapped = mergeSketches(parts[1]!, parts[0]!);
          checkSummary(`${c.name} ${label} ${kernel} swapped`, summarizeSketch(swapped), c.expected);
        }
      }
    }
  }
});

test("a float32-range sketch merged with a 1e300 one: the union is scaled, nothing overflows", () => {
  const small = sketchChunkScalar("F32", encodeFloats("F32", [0.5, -2, 3e38]));
  const huge = sketchChunkScalar("F64", encodeFloats("F64", [1e300, -2e300]));
  const s = summarizeSketch(mergeSketches(small, huge));
  const all = [0.5, -2, Math.fround(3e38), 1e300, -2e300];
  const mean = all.reduce((a, b) => a + b, 0) / all.length; // the small values vanish in 1e300
  assertClose(s.mean, mean, 1e-15, 0, "mean");
  assertClose(s.l2, Math.sqrt(5) * 1e300, 1e-15, 0, "l2");
  assertClose(s.std, Math.sqrt(((1e300 - mean) ** 2 / 1e300 + (-2e300 - mean) ** 2 / 1e300 + 3 * mean * (mean / 1e300)) / 5) * Math.sqrt(1e300), 1e-12, 0, "std");
});

test("StatsPool(2): F64 data beyond 1e154 chunked across workers equals the oracle", async () => {
  const pool = await StatsPool.create(2);
  try {
    for (const c of cases.filter((x) => x.name.startsWith("f64_mixed") || x.name === "f64_near_max")) {
      const source = new MemorySource(c.bytes, "mem.safetensors");
      const numel = c.bytes.byteLength / 8;
      const ref = { name: "w", dtype: "F64" as const, shape: [numel], numel, file: source.name, source, byteOffset: 0, byteLength: c.bytes.byteLength };
      const s = await pool.sketchTensor(ref, { chunkBytes: 8 * 3001 });
      assertScaledAgree(s, sketchChunkScalar("F64", c.bytes), `${c.name} pool`);
      checkSummary(`${c.name} pool`, summarizeSketch(s), c.expected);
    }
  } finally {
    await pool.close();
  }
});

test("a sketch stored before scaleExp existed (no field) is read and merged as unscaled", () => {
  const values = [0.25, -1.5, 3, 1e-3];
  const s = sketchChunkScalar("F64", encodeFloats("F64", values));
  const { scaleExp: _dropped, ...old } = s;
  const legacy = old as TensorSketch;
  assert.deepEqual(summarizeSketch(legacy), summarizeSketch(s));
  const merged = mergeSketches(legacy, sketchChunkScalar("F64", encodeFloats("F64", [1e300])));
  const whole = sketchChunkScalar("F64", encodeFloats("F64", [...values, 1e300]));
  assertScaledAgree(merged, whole, "legacy + 1e300");
  assert.deepEqual(mergeSketches(legacy, legacy).scaleExp, 0);
});
