// The spectral summary's cost, phase by phase, on the weight matrices it really gets: the demo's
// `tiny` checkpoints (attention/MLP matrices 128 x 128 .. 512 x 128) and, with --pythia, one layer
// of a Pythia-160m checkpoint (768 x 768 .. 3072 x 768: spectral only with --spectral-max-dim 768;
// by default 160m has no spectral matrix). Three parts:
//  1. a demo worker's spectral work, cold: spectralExtra (WASM kernel installed) on every spectral
//     matrix of the demo run in step order, in a fresh process (JIT and WASM tier-up included),
//     CPU ms per worker (the demo's 2 workers share the matrices);
//  2. CPU ms per matrix of each phase (least of several batches, warm): the finite check of W, W into the kernel's memory,
//     the f64 vectors and the Gram product (W^T W), tridiagonalisation, QL iterations, eigenvalues
//     out (copy + sort), the power-law fit (the KS search over xmin), spectralSummary and spectralExtra
//     in total (extra - summary: the finite check and the JSON-ready copy);
//  3. the TypeScript oracle against the WASM kernel (same eigenvalues bit for bit, checked on each
//     matrix) on synthetic shapes.
// Timings are CPU time (process.cpuUsage): wall time on a shared machine measures the scheduler.
// Run: node --import tsx bench/spectral-kernel.ts [--demo /tmp/path-bench/tiny-run] [--pythia /tmp/path-bench/pythia-160m/safetensors/step1000] [--no-oracle]
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadavg } from "node:os";
import { bf16BitsToNumber, f16BitsToNumber } from "../src/formats/dtype.js";
import { instantiateKernel } from "../src/kernels/load.js";
import { installSpectralKernels, WasmSpectralKernels } from "../src/kernels/spectral-wasm.js";
import { smallGram, symmetricEigenvaluesInPlace } from "../src/stats/eigen.js";
import { spectralExtra } from "../src/stats/extras.js";
import { allFinite, empiricalSpectralDensity, fitPowerLaw, spectralSummary } from "../src/stats/spectral.js";
import { classifyTensor, isSpectralTarget } from "../src/tensor/names.js";
import { Rng } from "../src/util/rng.js";

interface Matrix { name: string; rows: number; cols: number; w: Float32Array }

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const demoRun = arg("--demo", "/tmp/path-bench/tiny-run");
const pythia = arg("--pythia", "");
const BATCHES = 5;

/** The spectral targets (at maxDim) of a safetensors file, decoded to f32. */
function spectralMatrices(path: string, maxDim: number, only?: RegExp): Matrix[] {
  const buf = readFileSync(path);
  const headerLength = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + headerLength).toString("utf8")) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + headerLength, out: Matrix[] = [];
  for (const [name, e] of Object.entries(header)) {
    if (name === "__metadata__" || (only !== undefined && !only.test(name))) continue;
    if (!isSpectralTarget(classifyTensor(name), e.shape, maxDim)) continue;
    const [rows, cols] = e.shape as [number, number], bytes = buf.subarray(base + e.data_offsets[0], base + e.data_offsets[1]);
    const w = new Float32Array(rows * cols);
    if (e.dtype === "F32") w.set(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
    else {
      const h = new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      const decode = e.dtype === "F16" ? f16BitsToNumber : e.dtype === "BF16" ? bf16BitsToNumber : null;
      if (decode === null) throw new Error(`${path}: ${name}: dtype ${e.dtype} not handled here`);
      for (let i = 0; i < w.length; i++) w[i] = decode(h[i]!);
    }
    out.push({ name, rows, cols, w });
  }
  return out;
}

/** The demo run's checkpoints in step order, each with its spectral matrices. */
function demoCheckpoints(run: string): Matrix[][] {
  const dirs = readdirSync(run).filter((d) => /^checkpoint-\d+$/.test(d)).sort((a, b) => Number(a.split("-")[1]) - Number(b.split("-")[1]));
  return dirs.map((d) => spectralMatrices(join(run, d, "model.safetensors"), 256));
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Least CPU ms per call over BATCHES batches of `calls` calls; `prepare` runs before each call and its own cost is subtracted. */
function cpuMsPerCall(f: () => unknown, calls: number, prepare?: () => void): number {
  let best = Infinity, bestPrepare = Infinity;
  for (let b = 0; b < BATCHES; b++) {
    let start = cpuMs();
    for (let i = 0; i < calls; i++) { prepare?.(); f(); }
    best = Math.min(best, (cpuMs() - start) / calls);
    if (prepare !== undefined) {
      start = cpuMs();
      for (let i = 0; i < calls; i++) prepare();
      bestPrepare = Math.min(bestPrepare, (cpuMs() - start) / calls);
    }
  }
  return prepare === undefined ? best : Math.max(0, best - bestPrepare);
}

/** The kernel's exports, for phase timings (src/kernels/spectral-wasm.ts runs them in this order). */
interface Exports {
  memory: WebAssembly.Memory;
  reserve(bytes: number): number;
  gramVectors(wPtr: number, rows: number, cols: number, vecsPtr: number): number;
  gram(vecsPtr: number, m: number, k: number, gPtr: number): void;
  tridiagonalize(a: number, n: number, d: number, e: number, v: number, w: number): void;
  tridiagonalEigenvalues(d: number, e: number, n: number): number;
  firstNonFiniteF64?(ptr: number, n: number): number;
}
const aligned = (bytes: number) => Math.ceil(bytes / 16) * 16;

const PHASES = ["finite W", "W in", "vectors", "gram", "check", "tridiag", "QL", "out+sort", "fit(KS)", "summary", "extra", "extra-sum"] as const;

/** CPU ms per call of each phase on one matrix (kernel installed for summary/extra). */
function phases(ex: Exports, x: Matrix, calls: number): Record<(typeof PHASES)[number], number> {
  const { rows, cols, w } = x, m = Math.min(rows, cols), k = Math.max(rows, cols);
  const wBytes = aligned(4 * rows * cols), vecBytes = aligned(8 * Math.ceil(m / 4) * 4 * k), gBytes = aligned(8 * m * m), nBytes = aligned(8 * m);
  const base = ex.reserve(wBytes + vecBytes + gBytes + 4 * nBytes + gBytes + 2 * nBytes);
  const vecs = base + wBytes, g = vecs + vecBytes, d = g + gBytes, e = d + nBytes, v = e + nBytes, u = v + nBytes;
  const g0 = u + nBytes, d0 = g0 + gBytes, e0 = d0 + nBytes; // saved inputs of the in-place phases
  const mem = () => ex.memory.buffer;
  const copy = (from: number, to: number, n: number) => new Float64Array(mem(), to, n).set(new Float64Array(mem(), from, n));
  const t: Record<string, number> = {};
  t["finite W"] = cpuMsPerCall(() => allFinite(w), calls);
  t["W in"] = cpuMsPerCall(() => new Float32Array(mem(), base, rows * cols).set(w), calls);
  t.vectors = cpuMsPerCall(() => ex.gramVectors(base, rows, cols, vecs), calls);
  t.gram = cpuMsPerCall(() => ex.gram(vecs, m, k, g), calls);
  t.check = cpuMsPerCall(() => {
    if (ex.firstNonFiniteF64 !== undefined) return ex.firstNonFiniteF64(g, m * m);
    const gram = new Float64Array(mem(), g, m * m);
    for (let i = 0; i < gram.length; i++) if (!Number.isFinite(gram[i]!)) throw new Error("non-finite");
    return -1;
  }, calls);
  copy(g, g0, m * m);
  t.tridiag = cpuMsPerCall(() => ex.tridiagonalize(g, m, d, e, v, u), calls, () => copy(g0, g, m * m));
  copy(d, d0, m); copy(e, e0, m);
  t.QL = cpuMsPerCall(() => ex.tridiagonalEigenvalues(d, e, m), calls, () => { copy(d0, d, m); copy(e0, e, m); });
  t["out+sort"] = cpuMsPerCall(() => new Float64Array(mem(), d, m).slice().sort(), calls);
  const esd = empiricalSpectralDensity(w, rows, cols);
  t["fit(KS)"] = cpuMsPerCall(() => fitPowerLaw(esd), calls);
  t.summary = cpuMsPerCall(() => spectralSummary(w, rows, cols), calls);
  t.extra = cpuMsPerCall(() => spectralExtra(w, rows, cols), calls);
  t["extra-sum"] = Math.max(0, t.extra - t.summary); // the finite check of W and the stored form
  return t as Record<(typeof PHASES)[number], number>;
}

function phaseTable(title: string, matrices: Matrix[], ex: Exports): void {
  console.log(`\n${title}: CPU ms per matrix, least of ${BATCHES} batches (warm)`);
  console.log(`${"matrix".padEnd(44)}${PHASES.map((p) => p.padStart(10)).join("")}`);
  const total = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<(typeof PHASES)[number], number>;
  for (const x of matrices) {
    const calls = Math.max(1, Math.round(4e6 / (x.rows * x.cols * Math.min(x.rows, x.cols)) * 8));
    const t = phases(ex, x, calls);
    for (const p of PHASES) total[p] += t[p];
    console.log(`${`${x.name.replace("gpt_neox.", "")} ${x.rows}x${x.cols}`.padEnd(44)}${PHASES.map((p) => t[p].toFixed(3).padStart(10)).join("")}`);
  }
  console.log(`${"mean".padEnd(44)}${PHASES.map((p) => (total[p] / matrices.length).toFixed(3).padStart(10)).join("")}`);
}

console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
installSpectralKernels();
if (existsSync(demoRun)) {
  const checkpoints = demoCheckpoints(demoRun);
  const all = checkpoints.flat();
  // 1. cold: this process has not run the spectral path yet (the matrices were only read)
  const start = cpuMs();
  let firstCheckpoint = 0;
  for (const [i, ckpt] of checkpoints.entries()) {
    for (const x of ckpt) if (spectralExtra(x.w, x.rows, x.cols).spectral === null) throw new Error(`${x.name}: no spectrum`);
    if (i === 0) firstCheckpoint = cpuMs() - start;
  }
  const cold = cpuMs() - start;
  console.log(`demo ${demoRun}: ${checkpoints.length} checkpoints, ${all.length} spectral matrices`);
  console.log(`  spectralExtra on all of them, cold, in step order: ${cold.toFixed(1)} CPU ms (first checkpoint ${firstCheckpoint.toFixed(1)}); per demo worker (half): ${(cold / 2).toFixed(1)} ms`);
  // again, warm: the steady state
  const warmStart = cpuMs();
  for (const x of all) spectralExtra(x.w, x.rows, x.cols);
  const warm = cpuMs() - warmStart;
  console.log(`  the same, warm: ${warm.toFixed(1)} CPU ms; per demo worker ${(warm / 2).toFixed(1)} ms`);
  const ex = instantiateKernel("spectral").exports as unknown as Exports;
  phaseTable("demo, last checkpoint", checkpoints[checkpoints.length - 1]!, ex);
} else console.log(`no demo run at ${demoRun} (--demo DIR): skipped`);

if (pythia !== "") {
  const ex = instantiateKernel("spectral").exports as unknown as Exports;
  const file = pythia.endsWith(".safetensors") ? pythia : join(pythia, "model.safetensors");
  phaseTable(`${file}, layer 0 (spectral at --spectral-max-dim 768)`, spectralMatrices(file, 768, /\.layers\.0\./), ex);
}

if (!process.argv.includes("--no-oracle")) {
  const SHAPES: readonly (readonly [number, number])[] = [[384, 128], [128, 128], [512, 128], [128, 512], [768, 256], [1024, 256], [256, 1024]];
  const wasm = WasmSpectralKernels.create();
  const rng = new Rng(1);
  console.log("\nsynthetic N(0, 0.02) matrices: Gram eigenvalues, TypeScript oracle against the WASM kernel (CPU ms per matrix)");
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
}
