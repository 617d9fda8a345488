// The spectral WASM kernel (assembly/spectral.ts) against its TypeScript oracle (stats/eigen.ts
// smallGram + symmetricEigenvaluesInPlace): the same eigenvalues bit for bit, on shapes that
// exercise the 4 x 4 Gram blocks and every remainder, both orientations, rank-deficient and
// clustered spectra; its finite checks (f32 values, the Gram matrix) against the TypeScript loops;
// and, installed, the numpy references of test/quality/spectral.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { WasmSpectralKernels } from "../../src/kernels/spectral-wasm.js";
import { smallGram, symmetricEigenvaluesInPlace } from "../../src/stats/eigen.js";
import { allFinite, empiricalSpectralDensity, spectralSummary } from "../../src/stats/spectral.js";
import { setSpectralKernels } from "../../src/stats/spectral-kernels.js";
import { Rng } from "../../src/util/rng.js";
import { loadFixture, maxRelDiff } from "../quality/fixtures.js";

const wasm = WasmSpectralKernels.create();

function oracle(w: Float32Array, rows: number, cols: number): Float64Array {
  const { gram, m } = smallGram(w, rows, cols);
  return symmetricEigenvaluesInPlace(gram, m);
}

function assertSameBits(got: Float64Array, want: Float64Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `${what}: eigenvalue ${i}: ${got[i]} != ${want[i]}`);
}

test("WASM Gram eigenvalues equal the TypeScript oracle's bit for bit (both orientations, every block remainder)", () => {
  const rng = new Rng(11);
  const shapes = [[1, 1], [1, 5], [5, 1], [2, 3], [3, 2], [4, 4], [5, 7], [7, 5], [6, 9], [9, 6], [8, 8], [13, 40], [40, 13], [31, 31], [64, 200], [384, 128], [128, 512]] as const;
  let compared = 0;
  for (const [rows, cols] of shapes) {
    const w = Float32Array.from({ length: rows * cols }, () => rng.normal() * 0.02);
    assertSameBits(wasm.gramEigenvalues(w, rows, cols), oracle(w, rows, cols), `${rows}x${cols}`);
    compared += Math.min(rows, cols);
  }
  assert.ok(compared > 300);
});

test("WASM Gram eigenvalues equal the oracle's on rank-deficient, repeated and zero matrices", () => {
  const rng = new Rng(3);
  // rank 2: every row a mix of two vectors (zero eigenvalues, QL deflation early)
  const rows = 24, cols = 40;
  const a = Float32Array.from({ length: cols }, () => rng.normal()), b = Float32Array.from({ length: cols }, () => rng.normal());
  const lowRank = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) { const x = rng.normal(), y = rng.normal(); for (let t = 0; t < cols; t++) lowRank[i * cols + t] = x * a[t]! + y * b[t]!; }
  // identical rows scaled: one cluster of equal singular values (Householder steps with zero norm)
  const scaledIdentity = new Float32Array(16 * 16);
  for (let i = 0; i < 16; i++) scaledIdentity[i * 16 + i] = 0.5;
  const zeros = new Float32Array(9 * 12);
  const cases: [Float32Array, number, number][] = [[lowRank, rows, cols], [lowRank, cols, rows], [scaledIdentity, 16, 16], [zeros, 9, 12], [Float32Array.from({ length: 12 * 5 }, (_, i) => (i % 7) - 3), 12, 5]];
  for (const [w, r, c] of cases) assertSameBits(wasm.gramEigenvalues(w, r, c), oracle(w, r, c), `${r}x${c}`);
  assert.throws(() => wasm.gramEigenvalues(new Float32Array(5), 2, 3), /expected 6 values/);
});

test("installed, the kernel gives the spectral summary of f32 values unchanged and numpy's ESD within the f32 rounding of W (1e-6)", () => {
  const rng = new Rng(5);
  const w = Float32Array.from({ length: 96 * 40 }, () => rng.normal());
  const plain = spectralSummary(w, 96, 40);
  const previous = setSpectralKernels(wasm);
  try {
    const fast = spectralSummary(w, 96, 40);
    assertSameBits(fast.eigenvalues, plain.eigenvalues, "spectralSummary");
    assert.deepEqual({ ...fast, eigenvalues: [] }, { ...plain, eigenvalues: [] });
    const fx = loadFixture<{ esd: { name: string; rows: number; cols: number; w: number[]; eigenvalues: number[] }[] }>("powerlaw.json");
    let worst = 0;
    for (const c of fx.esd) {
      // the fixtures' W is f64 and the kernel reads f32: the oracle on the same f32 values is the bit-exact reference,
      // numpy's eigenvalues (of the f64 W) are within the f32 rounding of W
      const f32 = Float32Array.from(c.w);
      const fast = empiricalSpectralDensity(f32, c.rows, c.cols);
      setSpectralKernels(null);
      assertSameBits(fast, empiricalSpectralDensity(f32, c.rows, c.cols), c.name);
      setSpectralKernels(wasm);
      worst = Math.max(worst, maxRelDiff(fast, c.eigenvalues));
    }
    console.log(`kernel ESD of f32-rounded W vs numpy (f64 W): max relative diff ${worst.toExponential(2)}`);
    assert.ok(worst > 0 && worst <= 1e-6, `${worst}`);
  } finally {
    setSpectralKernels(previous);
  }
});

test("WASM finite checks: allFinite of f32 values and the Gram's non-finite entry agree with the oracle wherever the bad value sits", () => {
  for (const n of [0, 1, 15, 16, 17, 33, 1000]) {
    const w = Float32Array.from({ length: n }, (_, i) => (i % 5) - 2.5);
    assert.equal(wasm.allFinite(w), true, `n ${n}`);
    for (const at of [0, 7, 15, 16, n - 1]) {
      if (at < 0 || at >= n) continue;
      for (const bad of [NaN, Infinity, -Infinity]) {
        const x = w.slice();
        x[at] = bad;
        assert.equal(wasm.allFinite(x), false, `n ${n}, ${bad} at ${at}`);
        const previous = setSpectralKernels(null);
        try {
          assert.equal(allFinite(x), false);
        } finally {
          setSpectralKernels(previous);
        }
      }
    }
  }
  // the Gram check names the same first non-finite entry as the oracle's (every block position and the padded panel)
  for (const [rows, cols, at] of [[9, 13, 0], [9, 13, 50], [13, 9, 116], [40, 6, 37], [8, 8, 63]] as const) {
    const w = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i));
    w[at] = Infinity;
    const oracleMessage = (() => {
      try {
        oracle(w, rows, cols);
      } catch (e) {
        return (e as Error).message;
      }
      return "no error";
    })();
    assert.match(oracleMessage, /non-finite entry at \(\d+, \d+\)/);
    assert.throws(() => wasm.gramEigenvalues(w, rows, cols), (e: Error) => e.message === oracleMessage);
  }
});
