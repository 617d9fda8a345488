// Fixture ReportData for the report tests: the synthetic run, with one tensor whose density is
// built the real way (sampled values -> bf16-bucket histograms -> densityGridFromBuckets) and
// whose values fork at a known step into two modes at +-FORK_OFFSET.
import { histKeyOf } from "../../../src/stats/histogram.js";
import { densityGridFromBuckets, encodeDensity, type BucketHistogram } from "../../../src/report/density.js";
import { syntheticReportData } from "../../../src/report/synthetic.js";
import type { ReportData, ReportTensor } from "../../../src/report/data.js";
import { Rng } from "../../../src/util/rng.js";

export const FORK_TENSOR = "gpt_neox.layers.1.attention.query_key_value.weight";
export const FORK_STEP = 4000;
export const FORK_OFFSET = 0.05;
export const FIXTURE_SD = 0.01;

function histogramOf(values: number[]): BucketHistogram {
  const m = new Map<number, number>();
  for (const v of values) { const k = histKeyOf(v); m.set(k, (m.get(k) ?? 0) + 1); }
  const keys = [...m.keys()].sort((a, b) => a - b);
  return { keys, counts: keys.map((k) => m.get(k)!) };
}

/** Values of the fork tensor at `step`: N(0, sd) before the fork, +-FORK_OFFSET after. */
function forkValues(step: number, rng: Rng, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (step > FORK_STEP ? (i % 2 === 0 ? 1 : -1) * FORK_OFFSET : 0) + FIXTURE_SD * rng.normal());
}

export function fixtureReportData(checkpoints = 24): ReportData {
  const data = syntheticReportData({ checkpoints, layers: 2, roles: ["attention.query_key_value.weight", "mlp.dense_4h_to_h.weight", "input_layernorm.weight"], bins: 160, forkStep: FORK_STEP, seed: 5 });
  const run = data.runs[0]!;
  const rng = new Rng(11);
  const hists = run.steps.map((s) => histogramOf(forkValues(s, rng, 20_000)));
  const grid = densityGridFromBuckets(hists, { bins: 240, range: [-0.1, 0.1] });
  const t = run.tensors.find((x) => x.name === FORK_TENSOR) as ReportTensor;
  t.density = encodeDensity(grid);
  t.numel = 20_000;
  const after = run.steps.filter((s) => s > FORK_STEP);
  t.modes = [
    { id: "m0", label: "upper branch", points: run.steps.map((step) => ({ step, value: step > FORK_STEP ? FORK_OFFSET : 0 })) },
    { id: "m1", label: "lower branch", points: after.map((step) => ({ step, value: -FORK_OFFSET })) },
  ];
  return data;
}
