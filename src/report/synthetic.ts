// Synthetic ReportData with a known fork, for the report's tests, benchmarks and screenshots:
// Pythia-style steps, Gaussian tensors whose values split into two modes at a known step in
// the upper layers, kept LayerNorm gains whose elements fork into two branches, events,
// a loss curve and pruning curves. Pure; not an analysis of anything real.

import { pythiaSchedule } from "../runs/revisions.js";
import { Rng } from "../util/rng.js";
import { encodeArray, encodeDensity, type DensityGrid } from "./density.js";
import { REPORT_DATA_VERSION, emptyRun, type ReportData, type ReportEvent, type ReportRun, type ReportTensor } from "./data.js";
import { addAt } from "../util/typed.js";

export interface SyntheticReportOptions {
  checkpoints?: number;
  layers?: number;
  roles?: readonly string[];
  bins?: number;
  seed?: number;
  /** Step at which the upper layers' values split into two modes. */
  forkStep?: number;
}

export const SYNTHETIC_ROLES = [
  "attention.query_key_value.weight",
  "attention.dense.weight",
  "mlp.dense_h_to_4h.weight",
  "mlp.dense_4h_to_h.weight",
  "input_layernorm.weight",
] as const;

/** Pythia-style steps: 0, 1, 2, 4 ... 512, then 1000, 2000 ... until `count` steps. */
export function pythiaSteps(count: number): number[] {
  return pythiaSchedule(1000 * count).slice(0, count);
}

/** Half-distance between the two modes at `step` (0 before the fork). */
function separation(step: number, forkStep: number): number {
  return step <= forkStep ? 0 : 0.02 * Math.sqrt(Math.log(step / forkStep));
}

function tensorName(layer: number, role: string): string {
  return `gpt_neox.layers.${layer}.${role}`;
}

/** Builds the synthetic data (about columns x tensors x bins work; 150 x 80 x 2000 takes ~1 s). */
export function syntheticReportData(options: SyntheticReportOptions = {}): ReportData {
  const steps = pythiaSteps(options.checkpoints ?? 40);
  const layers = options.layers ?? 4;
  const roles = options.roles ?? SYNTHETIC_ROLES;
  const bins = options.bins ?? 400;
  const forkStep = options.forkStep ?? steps[Math.floor(steps.length * 0.45)]!;
  const rng = new Rng(options.seed ?? 1);
  const run: ReportRun = emptyRun("synthetic", "syntheticReportData()", steps);
  for (let l = 0; l < layers; l++) {
    for (const role of roles) {
      const forks = l >= layers / 2 && role !== "input_layernorm.weight";
      run.tensors.push(syntheticTensor(tensorName(l, role), l, role, steps, bins, forks ? forkStep : Infinity, rng));
    }
  }
  run.trajectories.push(syntheticTrajectories(tensorName(0, "input_layernorm.weight"), steps, forkStep, rng));
  run.events.push(...syntheticEvents(layers, roles, steps, forkStep));
  run.metrics.push({
    name: "held-out loss",
    unit: "nats/token",
    steps,
    values: steps.map((s) => 2.2 + 8.6 / (1 + Math.pow(s / 300, 0.7)) + 0.01 * rng.normal()),
  });
  const lastStep = steps[steps.length - 1]!;
  for (const step of [forkStep, lastStep]) {
    for (const method of ["magnitude", "random"]) {
      const sparsity = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
      const base = step === lastStep ? 2.3 : 3.1, power = method === "magnitude" ? (step === lastStep ? 4 : 3) : 1.5;
      run.pruning.push({ step, method, metric: "held-out loss", sparsity, values: sparsity.map((s) => base + 4 * Math.pow(s, power)) });
    }
  }
  return { version: REPORT_DATA_VERSION, title: "Synthetic run with a fork", generatedAt: new Date(0).toISOString(), runs: [run] };
}

function syntheticTensor(
  name: string, layer: number, role: string, steps: number[], bins: number, forkStep: number, rng: Rng,
): ReportTensor {
  const numel = role === "input_layernorm.weight" ? 512 : 262_144;
  const centre = role === "input_layernorm.weight" ? 1 : 0;
  const sd = (s: number): number => 0.02 * (1 + 0.15 * Math.log1p(s) / Math.log(1e5)) * (1 + 0.02 * rng.normal());
  const sds = steps.map(sd);
  const seps = steps.map((s) => separation(s, forkStep));
  const lo = centre - 0.14, hi = centre + 0.14, width = (hi - lo) / bins;
  const cells = new Float64Array(steps.length * bins);
  const colTotal = new Float64Array(steps.length);
  for (let c = 0; c < steps.length; c++) {
    for (let k = 0; k < bins; k++) {
      const x = lo + (k + 0.5) * width - centre;
      const m = seps[c]!, s = sds[c]!;
      const pdf = 0.5 * (gauss(x - m, s) + gauss(x + m, s));
      cells[c * bins + k] = numel * pdf * width;
      addAt(colTotal, c, cells[c * bins + k]!);
    }
  }
  const grid: DensityGrid = { lo, hi, bins, columns: steps.length, cells, colTotal, colOutside: colTotal.map((t) => numel - t) };
  const split = steps.findIndex((s) => s > forkStep);
  const modes = split < 0
    ? [{ id: "m0", label: "mode 0", points: steps.map((step) => ({ step, value: centre, mass: 1 })) }]
    : [
        { id: "m0", label: "mode 0", points: steps.map((step, c) => ({ step, value: centre + seps[c]!, mass: c < split ? 1 : 0.5 })) },
        { id: "m1", label: "mode 1", points: steps.slice(split).map((step, i) => ({ step, value: centre - seps[split + i]!, mass: 0.5 })) },
      ];
  const stats: Record<string, Array<number | null>> = {
    mean: steps.map(() => centre),
    std: steps.map((_, c) => Math.sqrt(sds[c]! ** 2 + seps[c]! ** 2)),
    excess_kurtosis: steps.map((_, c) => mixtureKurtosis(sds[c]!, seps[c]!)),
    "frac_abs_le_1e-3": steps.map((_, c) => Math.min(1, (2e-3 / (sds[c]! * Math.sqrt(2 * Math.PI))) * Math.exp(-(seps[c]! ** 2) / (2 * sds[c]! ** 2)))),
    weibull_k: steps.map((_, c) => 1.205 + 3 * seps[c]!),
    dip_p: steps.map((_, c) => (seps[c]! > sds[c]! ? 0.001 : 0.9)),
  };
  return { name, kind: "tensor", layer, role, numel, shape: [numel], stats, density: encodeDensity(grid), modes };
}

function gauss(x: number, s: number): number {
  return Math.exp(-(x * x) / (2 * s * s)) / (s * Math.sqrt(2 * Math.PI));
}

function mixtureKurtosis(s: number, m: number): number {
  const v = s * s + m * m;
  return (3 * s ** 4 + 6 * s * s * m * m + m ** 4) / (v * v) - 3;
}

function syntheticTrajectories(tensor: string, steps: number[], forkStep: number, rng: Rng) {
  const n = 48;
  const branch = Array.from({ length: n }, (_, i) => i % 3 === 0 ? 1 : 0);
  const start = Array.from({ length: n }, () => 1 + 0.01 * rng.normal());
  const values = new Float32Array(steps.length * n);
  steps.forEach((step, s) => {
    const sep = 3 * separation(step, forkStep);
    for (let e = 0; e < n; e++) values[s * n + e] = start[e]! + (branch[e] === 1 ? -sep : 0.4 * sep) + 0.002 * rng.normal();
  });
  return { tensor, elements: Array.from({ length: n }, (_, i) => i * 10), values: encodeArray(values), branch, forkStep };
}

function syntheticEvents(layers: number, roles: readonly string[], steps: number[], forkStep: number): ReportEvent[] {
  const at = steps.findIndex((s) => s > forkStep);
  const step = steps[at]!, low = steps[at - 1]!;
  const events: ReportEvent[] = [];
  for (let l = Math.ceil(layers / 2); l < layers; l++) {
    for (const role of roles.filter((r) => r !== "input_layernorm.weight")) {
      events.push({ kind: "mode_split", tensor: tensorName(l, role), step, step_low: low, step_high: step, strength: 2 + l / layers, evidence: { dip_p: 0.001 } });
    }
  }
  events.push({ kind: "population_fork", tensor: tensorName(0, "input_layernorm.weight"), step, step_low: low, step_high: step, strength: 3, evidence: { branch_sizes: [32, 16] } });
  events.push({ kind: "layer_fork", tensor: roles[0]!, step, step_low: low, step_high: step, strength: 2.5, evidence: { statistic: "std" } });
  const cp = steps[Math.floor(steps.length * 0.2)]!;
  events.push({ kind: "change_point", tensor: tensorName(0, roles[0]!), step: cp, step_low: cp, step_high: cp, strength: 1.4, evidence: { statistic: "std" } });
  return events;
}
