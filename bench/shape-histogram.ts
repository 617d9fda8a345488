// Shape statistics of Pythia-size tensors from their bucket histograms: the histogram path
// (stats/shape/histogram-shape.ts, what analyze and the mode detector now run) against the
// former sample path (4,096 values drawn from the histogram, per-point shapeSummary with the
// sample EM settings tol 1e-3 / one start; per-point Silverman KDE and dip test for the mode
// snapshots), per call, same histograms, one process; prints ours, the old path and the ratio.
// Timings are this process's CPU time per call (process.cpuUsage), the minimum over repeated
// batches: wall time on a machine shared with other jobs measures the scheduler, not the code.
// Run: node --import tsx bench/shape-histogram.ts
import { loadavg } from "node:os";
import { sketchOfValues } from "../src/stats/sketch-values.js";
import { dipTest, gaussianKde, histogramShapeSummary, kdeModes, selectMixtureByBic, shapeSummary } from "../src/stats/shape/index.js";
import { snapshotFromHistogram } from "../src/dynamics/modes/snapshots.js";
import { sampleFromHistogram } from "../src/stats/histogram-sample.js";
import { Rng } from "../src/util/rng.js";

type Histogram = { keys: number[]; counts: number[] };
const SAMPLE = 4096;

/** The analyze shape path before the histogram statistics (pipeline/shape-rows.ts at f072afc). */
function oldShape(h: Histogram, seed: number): unknown {
  const sample = sampleFromHistogram(h, SAMPLE, seed);
  const base = shapeSummary(sample, { maxComponents: 1, seed, sampleSize: sample.length });
  return { ...base, mixtures: selectMixtureByBic(sample, 3, { seed, tol: 1e-3, nInit: 1 }) };
}

/** The mode snapshot before (pipeline/snapshots.ts at f072afc): Silverman KDE modes and dip test of the sample. */
function oldSnapshot(h: Histogram, seed: number): unknown {
  const sample = sampleFromHistogram(h, SAMPLE, seed);
  return { modes: kdeModes(gaussianKde(sample, { bandwidth: "silverman" }), { gridSize: 1024, minRelativeProminence: 0.01 }), p: dipTest(sample).pValue };
}

function perCall(f: () => unknown, reps: number, batches = 7): number {
  f();
  let best = Infinity;
  for (let b = 0; b < batches; b++) {
    const t = process.cpuUsage();
    for (let i = 0; i < reps; i++) f();
    const u = process.cpuUsage(t);
    best = Math.min(best, (u.user + u.system) / 1000 / reps);
  }
  return best;
}

function histogramOf(n: number, draw: (rng: Rng) => number, seed: number): Histogram {
  const rng = new Rng(seed);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = draw(rng);
  const s = sketchOfValues(values);
  return { keys: Array.from(s.histKeys), counts: Array.from(s.histCounts) };
}

const cases: { name: string; h: Histogram }[] = [
  { name: "gaussian 1M (sd 0.02)", h: histogramOf(1_000_000, (r) => 0.02 * r.normal(), 1) },
  { name: "qkv 768x2304 gaussian", h: histogramOf(768 * 2304, (r) => 0.02 * r.normal(), 2) },
  { name: "bimodal 1M (60/40)", h: histogramOf(1_000_000, (r) => (r.uniform() < 0.6 ? -0.05 + 0.02 * r.normal() : 0.06 + 0.015 * r.normal()), 3) },
  { name: "heavy-tailed 2.36M (t4-like)", h: histogramOf(768 * 3072, (r) => (0.02 * r.normal()) / Math.sqrt((r.normal() ** 2 + r.normal() ** 2 + r.normal() ** 2 + r.normal() ** 2) / 4), 4) },
  { name: "group 4M (layer sds 0.01..0.04)", h: histogramOf(4_000_000, (r) => (0.01 + 0.03 * r.uniform()) * r.normal(), 5) },
];

console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(" ")} on this machine (CPU ms per call, min over batches)`);
console.log("case | buckets | histogram shape ms | old sample shape ms | ratio | histogram snapshot ms | old snapshot ms | ratio");
let sumNew = 0, sumOld = 0;
for (const c of cases) {
  const buckets = c.h.keys.length;
  const ours = perCall(() => histogramShapeSummary(c.h, { seed: 7 }), 20);
  const old = perCall(() => oldShape(c.h, 7), 2, 3);
  const snapOurs = perCall(() => snapshotFromHistogram(c.h, null, 7), 20);
  const snapOld = perCall(() => oldSnapshot(c.h, 7), 3, 3);
  sumNew += ours;
  sumOld += old;
  console.log(`${c.name} | ${buckets} | ${ours.toFixed(3)} | ${old.toFixed(1)} | ${(old / ours).toFixed(0)}x | ${snapOurs.toFixed(3)} | ${snapOld.toFixed(1)} | ${(snapOld / snapOurs).toFixed(0)}x`);
}
console.log(`all cases: histogram shape ${sumNew.toFixed(2)} ms, old sample shape ${sumOld.toFixed(1)} ms, ratio ${(sumOld / sumNew).toFixed(0)}x`);
