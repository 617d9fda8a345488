// Where the exact shape statistics of kept tensors spend their time: each statistic of
// shapeSummary timed alone over every kept tensor of a Pythia-shaped series (CPU ms per tensor,
// process.cpuUsage over --reps passes, WASM shape kernels installed as on the workers), with
// the EM steps per fit and the distinct values per tensor. Not a test.
// Run: node --import tsx bench/shape-exact-split.ts [--run DIR] [--steps 0,1000,2000] [--reps 5]
import { tmpdir } from "node:os";
import { join } from "node:path";
import { discoverRun } from "../src/runs/discovery.js";
import { readTensorBytes } from "../src/tensor/read.js";
import { decodeToFloat32, DTYPE_IS_FLOAT } from "../src/formats/dtype.js";
import { installShapeKernels } from "../src/kernels/shape-wasm.js";
import { EXACT_MIXTURE_EM, exactShapeExtra } from "../src/stats/extras.js";
import { isNonParameterBuffer } from "../src/tensor/names.js";
import { DEFAULT_KEEP_FULL_MAX_ELEMENTS } from "../src/util/limits.js";
import { bimodalityCoefficient } from "../src/stats/shape/bimodality.js";
import { dipOfSorted } from "../src/stats/shape/dip.js";
import { dipTestOfDip } from "../src/stats/shape/dip-test.js";
import { fitGaussianMixtureRefined } from "../src/stats/shape/gmm-refined.js";
import { gaussianKde } from "../src/stats/shape/kde.js";
import { kdeModes } from "../src/stats/shape/kde-modes.js";
import { ksToNormal } from "../src/stats/shape/ks.js";
import { finiteValues, markSortedFinite } from "../src/stats/shape/sample.js";
import { weibullFitAbs } from "../src/stats/shape/weibull.js";
import { shapeSummary } from "../src/stats/shape/summary.js";
import { histogramShapeExtra, shapeSeed } from "../src/stats/extras.js";
import { sketchOfValues } from "../src/stats/sketch-values.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const run = arg("--run", join(tmpdir(), "fp-bench-pythia", "pythia-160m", "safetensors"));
const steps = arg("--steps", "0,1000,2000").split(",").map(Number);
const reps = Number(arg("--reps", "5"));
if (!installShapeKernels()) throw new Error("the WASM shape kernels are not built: run `npm run build:kernels`");

const kept: Float32Array[] = [];
for (const cp of (await discoverRun(run)).filter((c) => steps.includes(c.step))) {
  const open = await cp.open();
  for (const t of open.tensors) {
    if (!DTYPE_IS_FLOAT[t.dtype] || isNonParameterBuffer(t.name, t.dtype) || t.numel > DEFAULT_KEEP_FULL_MAX_ELEMENTS) continue;
    kept.push(decodeToFloat32(t.dtype, await readTensorBytes(t)));
  }
  await open.close();
}
const sorted = kept.map((v) => markSortedFinite(finiteValues(v).sort()));
const hists = kept.map((v) => { const s = sketchOfValues(v); return { keys: s.histKeys, counts: s.histCounts }; });
/** A statistic that throws on a degenerate tensor (constant values at step 0) counts its time until it throws. */
const safe = <T>(f: () => T): T | null => { try { return f(); } catch { return null; } };
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; };
const opts = { cells: EXACT_MIXTURE_EM.cells, tol: EXACT_MIXTURE_EM.tol, maxIter: EXACT_MIXTURE_EM.maxIter, seed: 0 };
const parts: Record<string, (v: Float64Array, raw: Float32Array) => unknown> = {
  "sort+copy": (_v, raw) => finiteValues(raw).sort(),
  bimodality: (v) => bimodalityCoefficient(v),
  dip: (v) => dipTestOfDip(dipOfSorted(v).dip, v.length),
  "em k=1": (v) => fitGaussianMixtureRefined(v, 1, opts),
  "em k=2": (v) => fitGaussianMixtureRefined(v, 2, opts),
  "em k=3": (v) => fitGaussianMixtureRefined(v, 3, opts),
  "kde silverman": (v) => kdeModes(gaussianKde(v, { bandwidth: "silverman" }), { gridSize: 1024, minRelativeProminence: 0.01 }),
  "kde sj (bw)": (v) => gaussianKde(v, { bandwidth: "sj" }),
  "kde sj": (v) => kdeModes(gaussianKde(v, { bandwidth: "sj" }), { gridSize: 1024, minRelativeProminence: 0.01 }),
  weibull: (v) => weibullFitAbs(v),
  ks: (v) => ksToNormal(v),
  "shapeSummary (all)": (_v, raw) => shapeSummary(raw, { mixtureEm: EXACT_MIXTURE_EM }),
  "exactShapeExtra+JSON": (_v, raw) => JSON.stringify(exactShapeExtra(raw)),
  "histogram path (kf0)": (v) => JSON.stringify(histogramShapeExtra(hists[sorted.indexOf(v)]!, shapeSeed("tensor", "t", 0))),
};
const distinct = sorted.map((v) => { let d = v.length > 0 ? 1 : 0; for (let i = 1; i < v.length; i++) if (v[i] !== v[i - 1]) d++; return d; });
const sizes = sorted.map((v) => v.length);
console.log(`${kept.length} kept tensors at steps ${steps.join(",")}: values ${Math.min(...sizes)}-${Math.max(...sizes)} (mean ${(sizes.reduce((a, b) => a + b, 0) / sizes.length).toFixed(0)}), distinct ${Math.min(...distinct)}-${Math.max(...distinct)} (mean ${(distinct.reduce((a, b) => a + b, 0) / distinct.length).toFixed(0)})`);
for (const k of [2, 3] as const) {
  const its = sorted.map((v) => safe(() => fitGaussianMixtureRefined(v, k, opts).iterations)).filter((i): i is number => i !== null);
  const capped = its.filter((i) => i >= opts.maxIter).length;
  console.log(`em k=${k}: exact EM steps per fit mean ${(its.reduce((a, b) => a + b, 0) / its.length).toFixed(1)}, max ${Math.max(...its)}, at the cap ${capped}`);
}
for (const [name, f] of Object.entries(parts)) {
  for (let i = 0; i < sorted.length; i++) safe(() => f(sorted[i]!, kept[i]!)); // warm
  const t0 = cpuMs();
  for (let r = 0; r < reps; r++) for (let i = 0; i < sorted.length; i++) safe(() => f(sorted[i]!, kept[i]!));
  console.log(`${name.padEnd(22)} ${((cpuMs() - t0) / (reps * sorted.length)).toFixed(3)} ms per tensor`);
}
