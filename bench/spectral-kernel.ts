// The spectral summary's Gram matrix and eigenvalues: the WASM SIMD kernel (assembly/spectral.ts,
// what the statistics workers run) against the TypeScript oracle (stats/eigen.ts smallGram +
// symmetricEigenvaluesInPlace), on the attention/MLP matrix shapes of the demo's `tiny` model and
// of Pythia-70m-sized layers (min side <= 256, the default --spectral-max-dim). Same eigenvalues
// bit for bit (checked here on each shape); prints ms per matrix for each and the ratio.
// Timings are this process's CPU time per call (process.cpuUsage), the minimum over repeated
// batches: wall time on a machine shared with other jobs measures the scheduler, not the code.
// Run: node --import tsx bench/spectral-kernel.ts
import { loadavg } from "node:os";
import { WasmSpectralKernels } from "../src/kernels/spectral-wasm.js";
import { smallGram, symmetricEigenvaluesInPlace } from "../src/stats/eigen.js";
import { Rng } from "../src/util/rng.js";

const SHAPES: readonly (readonly [number, number])[] = [[384, 128], [128, 128], [512, 128], [128, 512], [768, 256], [1024, 256], [256, 1024]];
const BATCHES = 5;

function cpuMsPerCall(f: () => unknown, calls: number): number {
  let best = Infinity;
  for (let b = 0; b < BATCHES; b++) {
    const start = process.cpuUsage();
    for (let i = 0; i < calls; i++) f();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000 / calls);
  }
  return best;
}

const wasm = WasmSpectralKernels.create();
const rng = new Rng(1);
console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
console.log("shape        TypeScript ms   WASM ms   ratio");
for (const [rows, cols] of SHAPES) {
  const w = Float32Array.from({ length: rows * cols }, () => rng.normal() * 0.02);
  const oracle = () => {
    const { gram, m } = smallGram(w, rows, cols);
    return symmetricEigenvaluesInPlace(gram, m);
  };
  const want = oracle(), got = wasm.gramEigenvalues(w, rows, cols);
  if (!want.every((v, i) => Object.is(v, got[i]))) throw new Error(`${rows}x${cols}: the kernel's eigenvalues differ from the oracle's`);
  const calls = Math.max(2, Math.round(2e7 / (rows * cols * Math.min(rows, cols))));
  const ts = cpuMsPerCall(oracle, calls), ws = cpuMsPerCall(() => wasm.gramEigenvalues(w, rows, cols), calls);
  console.log(`${`${rows}x${cols}`.padEnd(12)} ${ts.toFixed(2).padStart(13)} ${ws.toFixed(2).padStart(9)} ${(ts / ws).toFixed(2).padStart(7)}x`);
}
