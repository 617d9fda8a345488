// Where the exact shape statistics of kept tensors (exactShapeExtra: LayerNorm parameters and
// biases of at most DEFAULT_KEEP_FULL_MAX_ELEMENTS values) spend their time: each statistic of
// shapeSummary timed per tensor in the order shapeSummary runs them (CPU ms per tensor,
// process.cpuUsage; the machine is shared), cold (the first pass of a fresh process, JIT
// cold, as a worker's first checkpoint) and warm (least over --reps passes), with the WASM shape
// kernels installed as on the workers; then exactShapeExtra whole, cold and warm, in another
// fresh process, and a checksum of its JSON (a change that must keep the bytes shows that it
// does). Each run and mode is a child process of its own. Not a test.
// Run: node --import tsx bench/shape-exact-split.ts [--run DIR] [--steps 1000,2000|all] [--reps 5]
//   (default: /tmp/path-bench/pythia-160m/safetensors steps 1000,2000 and /tmp/path-bench/tiny-run all steps)
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { discoverRun } from "../src/runs/discovery.js";
import { readTensorBytes } from "../src/tensor/read.js";
import { decodeToFloat32, DTYPE_IS_FLOAT } from "../src/formats/dtype.js";
import { installShapeKernels } from "../src/kernels/shape-wasm.js";
import { EXACT_MIXTURE_EM, exactShapeExtra } from "../src/stats/extras.js";
import { isNonParameterBuffer } from "../src/tensor/names.js";
import { isKeptTensor } from "../src/pipeline/checkpoint-batch.js";
import { DEFAULT_KEEP_FULL_MAX_ELEMENTS } from "../src/util/limits.js";
import { bimodalityCoefficient } from "../src/stats/shape/bimodality.js";
import { dipOfSorted } from "../src/stats/shape/dip.js";
import { dipTestOfDip } from "../src/stats/shape/dip-test.js";
import { fitGaussianMixtureRefined } from "../src/stats/shape/gmm-refined.js";
import { gaussianKde, kdeEvaluate, kdeGrid, type GaussianKde, type KdeGrid } from "../src/stats/shape/kde.js";
import { modesOnGrid } from "../src/stats/shape/kde-modes.js";
import { ksToNormal } from "../src/stats/shape/ks.js";
import { markSortedFinite, sortedFiniteCopy } from "../src/stats/shape/sample.js";
import { weibullFitAbs } from "../src/stats/shape/weibull.js";
import { finiteJsonCopy } from "../src/stats/shape/json-safe.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const reps = Number(arg("--reps", "5"));
const mode = arg("--mode", "");

if (mode === "") {
  // the parent: one child per run and mode, so that each cold pass is a fresh process's first
  const given = process.argv.includes("--run");
  const runs = given ? [{ run: arg("--run", ""), steps: arg("--steps", "all") }]
    : [{ run: "/tmp/path-bench/pythia-160m/safetensors", steps: "1000,2000" }, { run: "/tmp/path-bench/tiny-run", steps: "all" }];
  for (const r of runs) {
    for (const m of ["pieces", "whole"]) {
      const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--mode", m, "--run", r.run, "--steps", r.steps, "--reps", String(reps)], { encoding: "utf8" });
      process.stdout.write(out);
    }
  }
  process.exit(0);
}

const run = arg("--run", "");
const stepsArg = arg("--steps", "all");
const steps = stepsArg === "all" ? null : stepsArg.split(",").map(Number);
if (!installShapeKernels()) throw new Error("the WASM shape kernels are not built: run `npm run build:kernels`");

const kept: Float32Array[] = [];
for (const cp of (await discoverRun(run)).filter((c) => steps === null || steps.includes(c.step))) {
  const open = await cp.open();
  for (const t of open.tensors) {
    if (!DTYPE_IS_FLOAT[t.dtype] || isNonParameterBuffer(t.name, t.dtype) || !isKeptTensor(t, DEFAULT_KEEP_FULL_MAX_ELEMENTS)) continue;
    kept.push(decodeToFloat32(t.dtype, await readTensorBytes(t)));
  }
  await open.close();
}
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; };
const sizes = kept.map((v) => v.length);
const label = `${run} (${steps === null ? "all steps" : `steps ${steps.join(",")}`}): ${kept.length} kept tensors of ${Math.min(...sizes)}-${Math.max(...sizes)} values (mean ${(sizes.reduce((a, b) => a + b, 0) / sizes.length).toFixed(0)})`;

if (mode === "whole") {
  const hash = createHash("sha256");
  const passes: number[] = [];
  for (let r = 0; r <= reps; r++) {
    const t0 = cpuMs();
    for (const v of kept) {
      const extra = exactShapeExtra(v);
      if (r === 0) hash.update(JSON.stringify(extra));
    }
    passes.push((cpuMs() - t0) / kept.length);
  }
  console.log(`  exactShapeExtra whole: cold ${passes[0]!.toFixed(3)}, warm ${Math.min(...passes.slice(1)).toFixed(3)} CPU ms per tensor (passes ${passes.map((p) => p.toFixed(3)).join(" ")}); JSON checksum ${hash.digest("hex").slice(0, 16)}`);
  process.exit(0);
}

// mode "pieces": shapeSummary's statistics one by one, tensor by tensor, in its order
const emOptions = { cells: EXACT_MIXTURE_EM.cells, tol: EXACT_MIXTURE_EM.tol, maxIter: EXACT_MIXTURE_EM.maxIter, seed: 0 };
const PIECES = ["sort", "bimodality", "dip", "em k=1", "em k=2", "em k=3", "silverman bw", "silverman grid", "silverman modes", "sj bw", "sj grid", "sj modes", "weibull", "ks", "json copy"] as const;
type Piece = (typeof PIECES)[number];
/** A statistic that throws on a degenerate tensor (constant values at step 0) counts its time until it throws. */
const safe = <T>(f: () => T): T | null => { try { return f(); } catch { return null; } };
const emSteps: Record<2 | 3, number[]> = { 2: [], 3: [] };

function onePass(record: boolean): Record<Piece, number> {
  const total = Object.fromEntries(PIECES.map((p) => [p, 0])) as Record<Piece, number>;
  let t0 = cpuMs();
  const lap = (p: Piece) => {
    const t1 = cpuMs();
    total[p] += t1 - t0;
    t0 = t1;
  };
  for (const raw of kept) {
    t0 = cpuMs();
    let nonFinite = 0;
    for (let i = 0; i < raw.length; i++) if (!Number.isFinite(raw[i]!)) nonFinite++;
    const v = markSortedFinite(sortedFiniteCopy(raw));
    lap("sort");
    const out: Record<string, unknown> = { nonFinite };
    out.bimodality = safe(() => bimodalityCoefficient(v));
    lap("bimodality");
    out.dip = safe(() => dipTestOfDip(dipOfSorted(v).dip, v.length));
    lap("dip");
    for (const k of [1, 2, 3] as const) {
      const fit = safe(() => fitGaussianMixtureRefined(v, k, emOptions));
      if (record && k > 1 && fit !== null) emSteps[k as 2 | 3].push(fit.iterations);
      out[`em${k}`] = fit;
      lap(`em k=${k}`);
    }
    for (const rule of ["silverman", "sj"] as const) {
      const kde = safe(() => gaussianKde(v, { bandwidth: rule }));
      lap(rule === "sj" ? "sj bw" : "silverman bw");
      const grid = kde === null ? null : safe(() => kdeGrid(kde, { gridSize: 1024 }));
      lap(rule === "sj" ? "sj grid" : "silverman grid");
      out[rule] = grid === null ? null : safe(() => modesOnGrid(grid as KdeGrid, (points) => kdeEvaluate(kde as GaussianKde, points), 0.01));
      lap(rule === "sj" ? "sj modes" : "silverman modes");
    }
    out.weibull = safe(() => weibullFitAbs(v));
    lap("weibull");
    out.ks = safe(() => ksToNormal(v));
    lap("ks");
    finiteJsonCopy(out);
    lap("json copy");
  }
  return total;
}

const cold = onePass(true);
const warm = Object.fromEntries(PIECES.map((p) => [p, Infinity])) as Record<Piece, number>;
for (let r = 0; r < reps; r++) {
  const pass = onePass(false);
  for (const p of PIECES) warm[p] = Math.min(warm[p], pass[p]);
}
const per = (ms: number) => (ms / kept.length).toFixed(3);
console.log(label);
for (const k of [2, 3] as const) {
  const its = emSteps[k];
  console.log(`  em k=${k}: exact EM steps per fit mean ${(its.reduce((a, b) => a + b, 0) / its.length).toFixed(1)}, max ${Math.max(...its)}, at the cap ${its.filter((i) => i >= EXACT_MIXTURE_EM.maxIter).length} of ${its.length}`);
}
console.log(`  ${"statistic".padEnd(16)} ${"cold".padStart(7)} ${"warm".padStart(7)}  CPU ms per tensor (warm: least of ${reps} passes)`);
for (const p of PIECES) console.log(`  ${p.padEnd(16)} ${per(cold[p]).padStart(7)} ${per(warm[p]).padStart(7)}`);
const sum = (t: Record<Piece, number>) => PIECES.reduce((s, p) => s + t[p], 0);
console.log(`  ${"sum".padEnd(16)} ${per(sum(cold)).padStart(7)} ${per(sum(warm)).padStart(7)}`);
