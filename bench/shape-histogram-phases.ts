// The histogram shape path (stats/shape/histogram-shape.ts, what a worker runs for every large
// tensor and every group) statistic by statistic, in this thread with the worker's kernels
// installed: CPU ms per histogram of each piece of histogramShapeSummary, called as it calls
// them, on the large tensors of a real series and on their checkpoint's groups. Pass 1 is the
// cold one (JIT warm-up included: what a worker pays on its first histograms); then the least
// over the warm passes. Also the whole histogramShapeExtra per histogram and a checksum of its
// JSON (a change that must keep the bytes shows that it does).
// Run: node --import tsx bench/shape-histogram-phases.ts [--run /tmp/path-bench/pythia-160m/safetensors] [--steps 1000,2000] [--reps 5]
import { createHash } from "node:crypto";
import { discoverRun } from "../src/runs/discovery.js";
import { DTYPE_IS_FLOAT, DTYPE_ITEMSIZE } from "../src/formats/dtype.js";
import { installShapeKernels } from "../src/kernels/shape-wasm.js";
import { StatsJobHost } from "../src/kernels/stats-host.js";
import { unpackSketch } from "../src/kernels/packed-sketch.js";
import { histogramShapeExtra, shapeSeed } from "../src/stats/extras.js";
import { isKeptTensor } from "../src/pipeline/checkpoint-batch.js";
import { CheckpointGroupsBuilder } from "../src/pipeline/groups.js";
import { classifyTensor, isNonParameterBuffer } from "../src/tensor/names.js";
import { isContiguousView } from "../src/tensor/read.js";
import { DEFAULT_KEEP_FULL_MAX_ELEMENTS } from "../src/util/limits.js";
import { binnedFromHistogram, binnedMoments, binnedQuantile, maxBucketMass, meanBucketWidth, type BinnedDistribution } from "../src/stats/shape/binned.js";
import { HISTOGRAM_MIXTURE_EM, mixtureBounds, mixtureCellsOf } from "../src/stats/shape/histogram-shape.js";
import { binnedBimodality, binnedKsToNormal, binnedWeibullFit } from "../src/stats/shape/binned-fits.js";
import { fitGaussianMixtureBinned } from "../src/stats/shape/gmm-binned.js";
import { binnedDip } from "../src/stats/shape/dip-binned.js";
import { dipPValue } from "../src/stats/shape/dip-test.js";
import { binnedKdeEvaluate, binnedKdeGrid, binnedSilvermanBandwidth } from "../src/stats/shape/kde-binned.js";
import { modesOnGrid } from "../src/stats/shape/kde-modes.js";
import { binnedBandwidthSJ } from "../src/stats/shape/bandwidth-binned.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const run = arg("--run", "/tmp/path-bench/pythia-160m/safetensors");
const steps = arg("--steps", "1000,2000").split(",").map(Number);
const reps = Number(arg("--reps", "5"));
installShapeKernels();
const host = new StatsJobHost();
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};

interface Target { name: string; step: number; keys: Int32Array; counts: Float64Array; group: boolean }
const targets: Target[] = [];
let job = 1;
for (const cp of (await discoverRun(run)).filter((c) => steps.includes(c.step))) {
  const open = await cp.open();
  const groups = new CheckpointGroupsBuilder();
  for (const t of open.tensors) {
    if (!DTYPE_IS_FLOAT[t.dtype] || isNonParameterBuffer(t.name, t.dtype)) continue;
    const path = t.source.localPath;
    if (path === undefined || !isContiguousView(t)) throw new Error(`${t.name}: not a local contiguous tensor`);
    const itemsize = DTYPE_ITEMSIZE[t.dtype];
    const offset = t.view ? t.view.storageByteOffset + t.view.storageOffset * itemsize : t.byteOffset;
    const id = job++;
    host.fileRange(id, t.dtype, path, offset, t.numel * itemsize);
    // the worker's task reads the packed sketch's typed arrays (a group's sketch comes packed too: StatsPool.callOnSketch)
    const packed = host.finishPacked(id);
    const c = classifyTensor(t.name);
    groups.add({ layer: c.layer, role: c.role, kind: c.kind }, unpackSketch(packed));
    if (!isKeptTensor(t, DEFAULT_KEEP_FULL_MAX_ELEMENTS)) targets.push({ name: t.name, step: cp.step, keys: packed.histKeys, counts: packed.histCounts, group: false });
  }
  for (const g of groups.groups()) targets.push({ name: g.name, step: cp.step, keys: Int32Array.from(g.sketch.histKeys), counts: Float64Array.from(g.sketch.histCounts), group: true });
  await open.close();
}

const PHASES = ["bins", "moments", "cells", "spread", "weibull", "gmm1", "gmm2", "gmm3", "bounds", "bimodality", "dip", "kdeS grid", "kdeS modes", "sj bw", "kdeSJ grid", "kdeSJ modes", "ks", "whole extra"] as const;
type Phase = (typeof PHASES)[number];
const zero = () => Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;

/** histogramShapeSummary's pieces in its order, each timed. */
function pieces(t: Target, acc: Record<Phase, number>): void {
  let t0 = cpu();
  const lap = (p: Phase) => {
    const t1 = cpu();
    acc[p] += t1 - t0;
    t0 = t1;
  };
  const h = { keys: t.keys, counts: t.counts };
  const d: BinnedDistribution = binnedFromHistogram(h);
  lap("bins");
  const n = d.total, mo = binnedMoments(d), sd = Math.sqrt((mo.m2 * n) / Math.max(1, n - 1));
  const iqr = binnedQuantile(d, 0.75) - binnedQuantile(d, 0.25);
  lap("moments");
  const cells = mixtureCellsOf(d, mo, iqr);
  lap("cells");
  maxBucketMass(d);
  meanBucketWidth(d);
  lap("spread");
  binnedWeibullFit(d);
  lap("weibull");
  const em = { seed: 0, tol: HISTOGRAM_MIXTURE_EM.tol, nInit: HISTOGRAM_MIXTURE_EM.nInit, maxIter: HISTOGRAM_MIXTURE_EM.maxIter };
  const fits = [fitGaussianMixtureBinned(cells, 1, em)];
  lap("gmm1");
  fits.push(fitGaussianMixtureBinned(cells, 2, em));
  lap("gmm2");
  fits.push(fitGaussianMixtureBinned(cells, 3, em));
  lap("gmm3");
  mixtureBounds(cells, fits.reduce((a, b) => (b.bic < a.bic ? b : a)));
  lap("bounds");
  binnedBimodality(n, mo);
  lap("bimodality");
  const r = binnedDip(d);
  dipPValue(r.dip, n);
  lap("dip");
  for (const rule of ["S", "SJ"] as const) {
    const hw = rule === "S" ? binnedSilvermanBandwidth(n, mo.m2) : binnedBandwidthSJ(d, sd, iqr);
    if (rule === "SJ") lap("sj bw");
    try {
      const g = binnedKdeGrid(d, hw, { gridSize: 1024 });
      lap(rule === "S" ? "kdeS grid" : "kdeSJ grid");
      modesOnGrid(g, (points) => binnedKdeEvaluate(d, hw, points), 0.01);
      lap(rule === "S" ? "kdeS modes" : "kdeSJ modes");
    } catch {
      lap(rule === "S" ? "kdeS grid" : "kdeSJ grid");
    }
  }
  binnedKsToNormal(d, mo);
  lap("ks");
}

const hash = createHash("sha256");
const best = { large: zero(), group: zero() };
for (const b of Object.values(best)) for (const p of PHASES) b[p] = Infinity;
const counts = { large: targets.filter((t) => !t.group).length, group: targets.filter((t) => t.group).length };
const show = (what: string, a: Record<Phase, number>, n: number) => {
  const sum = PHASES.filter((p) => p !== "whole extra").reduce((s, p) => s + a[p], 0);
  console.log(`  ${what} (${n}): pieces ${(sum / n).toFixed(3)}, whole extra ${(a["whole extra"] / n).toFixed(3)} ms each: ` + PHASES.filter((p) => p !== "whole extra").map((p) => `${p} ${(a[p] / n).toFixed(3)}`).join(", "));
};
for (let rep = 0; rep < reps; rep++) {
  const acc = { large: zero(), group: zero() };
  // the whole path first on pass 1 (the cold figure is the worker's: its first histograms), then the pieces
  for (const t of targets) {
    const a = t.group ? acc.group : acc.large;
    const t0 = cpu();
    const extra = histogramShapeExtra({ keys: t.keys, counts: t.counts }, shapeSeed(t.group ? "group" : "tensor", t.name, t.step));
    a["whole extra"] += cpu() - t0;
    if (rep === 0) hash.update(JSON.stringify(extra));
  }
  for (const t of targets) pieces(t, t.group ? acc.group : acc.large);
  console.log(`pass ${rep + 1}${rep === 0 ? " (cold: JIT warm-up included)" : ""}:`);
  show("large", acc.large, counts.large);
  show("group", acc.group, counts.group);
  if (rep > 0) for (const k of ["large", "group"] as const) for (const p of PHASES) best[k][p] = Math.min(best[k][p], acc[k][p]);
}
console.log(`least over warm passes 2..${reps}:`);
show("large", best.large, counts.large);
show("group", best.group, counts.group);
console.log(`shape JSON checksum ${hash.digest("hex").slice(0, 16)} (histogramShapeExtra of every histogram, pass 1)`);
