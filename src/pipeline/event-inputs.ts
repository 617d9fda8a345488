// What the event detectors read from the store, gathered per run: the complete checkpoints'
// steps, each tensor's and group's statistic rows in step order, which tensors are kept in full,
// and lazy readers of trajectories and histograms. Store reads only; no checkpoint is opened.
import { decodeShapeExtra } from "../store/shape-extra.js";
import type { Store } from "../store/store.js";
import type { GroupKind, GroupStatsRecord, HistogramRecord, StatValues, TensorStatsRecord } from "../store/types.js";
import { UsageError } from "../util/errors.js";
import { roleGroupName } from "./groups.js";

/** A statistic series name: a field of the stored statistics (or a keyed entry of one). */
export type SeriesStatistic = "std" | "mean" | "excess_kurtosis" | "frac_abs_le:0.001" | "frac_abs_le_rel_std:0.1" | "weibull_k";

/** Value of a statistic in a stored row; null when undefined there. */
export function statisticOf(row: StatValues, statistic: SeriesStatistic): number | null {
  let value: unknown;
  switch (statistic) {
    case "std":
    case "mean":
    case "excess_kurtosis":
      value = row[statistic];
      break;
    case "frac_abs_le:0.001":
      value = row.frac_abs_le["0.001"];
      break;
    case "frac_abs_le_rel_std:0.1":
      value = row.frac_abs_le_rel_std["0.1"];
      break;
    case "weibull_k":
      value = decodeShapeExtra(row.extra)?.weibullK ?? null;
      break;
  }
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** One tensor or group followed over the run's checkpoints. */
export interface EventTarget {
  /** Tensor name, or group name ("model", "attn.qkv.weight", "layer.0"). */
  name: string;
  target: "tensor" | "group";
  groupKind: GroupKind | null;
  /** Steps at which the target has a row, increasing, and the rows. */
  steps: number[];
  rows: StatValues[];
  /** Tensors only: layer, role group (role.kind), and whether its values are kept in full. */
  layer: number | null;
  roleGroup: string | null;
  kept: boolean;
  isLayerNormGain: boolean;
}

export interface RunInputs {
  runId: string;
  /** Steps of the complete checkpoints, increasing. */
  steps: number[];
  tensors: EventTarget[];
  groups: EventTarget[];
}

/** The series of a statistic over the target's steps, finite points only. */
export function seriesOf(target: EventTarget, statistic: SeriesStatistic): { steps: number[]; values: number[] } {
  const steps: number[] = [], values: number[] = [];
  target.rows.forEach((row, i) => {
    const v = statisticOf(row, statistic);
    if (v !== null) {
      steps.push(target.steps[i]!);
      values.push(v);
    }
  });
  return { steps, values };
}

/**
 * What the detectors read from a stored row (statisticOf, storedShapeOf, storedHistogramShapeOf),
 * and nothing else: a row's extra (shape summary with its notes and bounds, spectra) is many
 * times the size of the numbers the detectors use, and a run holds tensors x checkpoints rows.
 */
export function eventRowOf(row: StatValues): StatValues {
  return {
    numel: row.numel, nan_count: row.nan_count, posinf_count: row.posinf_count, neginf_count: row.neginf_count, zero_count: row.zero_count,
    ...(row.finite_count !== undefined && { finite_count: row.finite_count }),
    mean: row.mean, std: row.std, variance: row.variance, skewness: row.skewness, excess_kurtosis: row.excess_kurtosis,
    min: row.min, max: row.max, l1: row.l1, l2: row.l2, linf: row.linf,
    quantiles: {}, frac_abs_le: row.frac_abs_le, frac_abs_le_rel_std: row.frac_abs_le_rel_std,
    ...(row.extra !== undefined && { extra: eventExtraOf(row.extra) }),
  };
}

const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === "object" && !Array.isArray(x);

/** extra.shape_method.method and the parts of extra.shape the detectors read; malformed parts are kept as they are. */
function eventExtraOf(extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const method = extra.shape_method;
  if (method !== undefined) out.shape_method = isObject(method) ? { method: method.method } : method;
  const shape = extra.shape;
  if (shape === undefined) return out;
  if (!isObject(shape)) {
    out.shape = shape;
    return out;
  }
  const { dip, mixtures, kde, weibull } = shape;
  const fits = isObject(mixtures) && Array.isArray(mixtures.fits) ? mixtures.fits : undefined;
  out.shape = {
    dip: isObject(dip) ? { pValue: dip.pValue } : dip,
    mixtures: fits !== undefined ? { fits: fits.map((f: unknown) => (isObject(f) ? { components: f.components, bic: f.bic } : f)) } : mixtures,
    kde: Array.isArray(kde) ? kde.filter((k: unknown) => isObject(k) && k.rule === "silverman").slice(0, 1) : kde,
    weibull: isObject(weibull) ? { k: weibull.k } : weibull,
  };
  return out;
}

function addRow(byName: Map<string, EventTarget>, row: TensorStatsRecord, keptNames: ReadonlySet<string>): void {
  let t = byName.get(row.tensor);
  if (t === undefined) {
    t = {
      name: row.tensor, target: "tensor", groupKind: null, steps: [], rows: [], layer: row.layer, roleGroup: roleGroupName(row),
      kept: keptNames.has(row.tensor), isLayerNormGain: row.role.startsWith("ln.") && row.kind === "weight",
    };
    byName.set(row.tensor, t);
  }
  t.steps.push(row.step);
  t.rows.push(eventRowOf(row));
}

/**
 * Tensor targets of a run: the rows stream chunk by chunk and each is cut to eventRowOf at once,
 * so one chunk of full rows is decoded at a time (a single scan of the table).
 */
async function tensorTargets(store: Store, runId: string, keptNames: ReadonlySet<string>, complete: ReadonlySet<number>): Promise<EventTarget[]> {
  const byName = new Map<string, EventTarget>();
  await store.forEachTensorStats({ run: runId }, (rows) => {
    for (const row of rows) if (complete.has(row.step)) addRow(byName, row, keptNames);
  });
  const targets = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  for (const t of targets) inStepOrder(t);
  return targets;
}

/** Sorts a target's steps (and rows with them) increasing; one row per step. */
function inStepOrder(t: EventTarget): void {
  if (t.steps.every((s, i) => i === 0 || t.steps[i - 1]! < s)) return;
  const order = t.steps.map((_, i) => i).sort((a, b) => t.steps[a]! - t.steps[b]!);
  t.steps = order.map((i) => t.steps[i]!);
  t.rows = order.map((i) => t.rows[i]!);
}

/**
 * Group targets of a run, in the store's order (step, group kind, group name): the rows stream and
 * each is cut to eventRowOf at once, as for tensors.
 */
async function groupTargets(store: Store, runId: string, complete: ReadonlySet<number>): Promise<EventTarget[]> {
  const rows: Array<Pick<GroupStatsRecord, "step" | "group_kind" | "group_name"> & { row: StatValues }> = [];
  await store.forEachGroupStats({ run: runId }, (chunk) => {
    for (const r of chunk) if (complete.has(r.step)) rows.push({ step: r.step, group_kind: r.group_kind, group_name: r.group_name, row: eventRowOf(r) });
  });
  rows.sort((a, b) => a.step - b.step || compareUtf8(a.group_kind, b.group_kind) || compareUtf8(a.group_name, b.group_name));
  const byName = new Map<string, EventTarget>();
  for (const { step, group_kind, group_name, row } of rows) {
    const key = `${group_kind}\u0000${group_name}`;
    let t = byName.get(key);
    if (t === undefined) {
      t = { name: group_name, target: "group", groupKind: group_kind, steps: [], rows: [], layer: null, roleGroup: null, kept: false, isLayerNormGain: false };
      byName.set(key, t);
    }
    t.steps.push(step);
    t.rows.push(row);
  }
  return [...byName.values()];
}

/** Order of strings by their UTF-8 bytes (DuckDB's VARCHAR order). */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Everything the detectors need from the store for one run (trajectories and histograms stay lazy). */
export async function loadRunInputs(store: Store, runId: string): Promise<RunInputs> {
  const runs = await store.listRuns();
  if (!runs.some((r) => r.run_id === runId)) {
    throw new UsageError(`run "${runId}" is not in the store ${store.path} (runs: ${runs.map((r) => r.run_id).join(", ") || "none"}); analyze it first or pick one of those`);
  }
  const steps = (await store.listCheckpoints(runId, { completeOnly: true })).map((c) => c.step);
  const complete = new Set(steps);
  const keptNames = new Set<string>();
  for (const step of new Set([steps[0], steps[steps.length - 1]])) {
    if (step === undefined) continue;
    for (const t of await store.trajectories({ run: runId, step })) keptNames.add(t.tensor);
  }
  const tensors = await tensorTargets(store, runId, keptNames, complete);
  const groups = await groupTargets(store, runId, complete);
  return { runId, steps, tensors, groups };
}

/** Full values of a kept tensor at each of the target's steps (steps without a stored trajectory are dropped). */
export async function loadTrajectories(store: Store, runId: string, tensor: string): Promise<{ steps: number[]; values: Float32Array[] }> {
  const records = (await store.trajectories({ run: runId, tensor })).sort((a, b) => a.step - b.step);
  return { steps: records.map((r) => r.step), values: records.map((r) => r.values) };
}

/** Stored histograms by step: one query per tensor, or one for all groups of the run (cached per call site). */
export type HistogramsByStep = Map<number, HistogramRecord>;

export async function tensorHistograms(store: Store, runId: string, tensor: string): Promise<HistogramsByStep> {
  return new Map((await store.histograms({ run: runId, tensor })).map((h) => [h.step, { keys: h.keys, counts: h.counts }]));
}

/** Group histograms keyed by "<group_kind>:<group_name>", then by step. */
export async function groupHistogramsOfRun(store: Store, runId: string): Promise<Map<string, HistogramsByStep>> {
  const out = new Map<string, HistogramsByStep>();
  for (const h of await store.groupHistograms({ run: runId })) {
    const byStep = out.get(h.name) ?? new Map<number, HistogramRecord>();
    byStep.set(h.step, { keys: h.keys, counts: h.counts });
    out.set(h.name, byStep);
  }
  return out;
}

/**
 * One group's histograms by step, in one query: event detection reads the groups one at a time
 * (all groups of a 154-checkpoint Pythia-70m run at once are ~15 groups x 154 steps x thousands
 * of buckets, held together with their JS conversion).
 */
export async function groupHistogramsOf(store: Store, runId: string, kind: GroupKind, name: string): Promise<HistogramsByStep> {
  return new Map((await store.groupHistograms({ run: runId, group: { kind, name } })).map((h) => [h.step, { keys: h.keys, counts: h.counts }]));
}

/** Key of a target's histograms in forEachCheckpointHistogram: "tensor" or "group", NUL, then the tensor name or "<group_kind>:<group_name>". */
export function histogramKeyOf(target: Pick<EventTarget, "target" | "name" | "groupKind">): string {
  return target.target === "group" ? `group\u0000${target.groupKind}:${target.name}` : `tensor\u0000${target.name}`;
}

/**
 * The stored histograms of the wanted keys (histogramKeyOf) at each of `steps`, one checkpoint at
 * a time (one query for its tensors, one for its groups), each handed to `onHistogram` as views
 * into the streamed chunk, valid during the call only (copy what must outlive it). Histograms are stored checkpoint by checkpoint, so a step's query reads that
 * checkpoint's blocks only, whereas a query per tensor (or range of names) decodes every
 * checkpoint's LIST columns each time: DuckDB then held ~300 MB of native memory beside its pool.
 */
export async function forEachCheckpointHistogram(
  store: Store, runId: string, steps: readonly number[], wanted: ReadonlySet<string>,
  onHistogram: (key: string, step: number, histogram: HistogramRecord) => void,
): Promise<void> {
  const keys = [...wanted];
  const tensors = keys.some((k) => k.startsWith("tensor\u0000")), groups = keys.some((k) => k.startsWith("group\u0000"));
  for (const step of steps) {
    const take = (target: "tensor" | "group") => (h: { name: string; keys: Int32Array; counts: Float64Array }) => {
      const key = `${target}\u0000${h.name}`;
      if (wanted.has(key)) onHistogram(key, step, { keys: h.keys, counts: h.counts });
    };
    if (tensors) await store.forEachHistogram({ run: runId, step, transient: true }, take("tensor"));
    if (groups) await store.forEachGroupHistogram({ run: runId, step, transient: true }, take("group"));
  }
}

/**
 * Fewest tensors loaded per query, and most queries per run, by the batched loader below. Few
 * per batch: a Pythia-70m tensor has thousands of buckets at each of 154 checkpoints, so a batch
 * of 32 held ~32 x 154 histograms (and their JS conversion) at once.
 */
const MIN_TENSORS_PER_BATCH = 8;
const MAX_BATCHES_PER_RUN = 64;

/**
 * Trajectories and histograms of many tensors in few queries: one query per tensor scans the
 * whole table each time (20 k one-element tensors: minutes). Names are cut into contiguous
 * batches in DuckDB's byte order; a batch is loaded (one range query per table) when one of its
 * tensors is first asked for, and dropped when the next batch is loaded, so memory holds one batch.
 */
export class BatchedTensorLoader {
  private readonly batchOf = new Map<string, number>();
  private readonly batches: { from: string; to: string }[] = [];
  private loaded = -1;
  private trajectoriesByName = new Map<string, { steps: number[]; values: Float32Array[] }>();
  private histogramsByName = new Map<string, HistogramsByStep>();

  constructor(private readonly store: Store, private readonly runId: string, names: readonly string[]) {
    const sorted = [...new Set(names)].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const size = Math.max(MIN_TENSORS_PER_BATCH, Math.ceil(sorted.length / MAX_BATCHES_PER_RUN));
    for (let i = 0; i < sorted.length; i += size) {
      const part = sorted.slice(i, i + size);
      for (const n of part) this.batchOf.set(n, this.batches.length);
      this.batches.push({ from: part[0]!, to: part[part.length - 1]! });
    }
  }

  /** `targets` in batch order (each batch is then loaded once). */
  inLoadOrder<T extends { name: string }>(targets: readonly T[]): T[] {
    const order = (t: T) => this.batchOf.get(t.name) ?? -1;
    return [...targets].sort((a, b) => order(a) - order(b));
  }

  /** Same result as loadTrajectories(store, runId, tensor). */
  async trajectories(tensor: string): Promise<{ steps: number[]; values: Float32Array[] }> {
    if (!(await this.load(tensor, "trajectories"))) return loadTrajectories(this.store, this.runId, tensor);
    return this.trajectoriesByName.get(tensor) ?? { steps: [], values: [] };
  }

  /** Same result as tensorHistograms(store, runId, tensor). */
  async histograms(tensor: string): Promise<HistogramsByStep> {
    if (!(await this.load(tensor, "histograms"))) return tensorHistograms(this.store, this.runId, tensor);
    return this.histogramsByName.get(tensor) ?? new Map();
  }

  private loadedKinds = new Set<string>();

  private async load(tensor: string, kind: "trajectories" | "histograms"): Promise<boolean> {
    const index = this.batchOf.get(tensor);
    if (index === undefined) return false;
    if (index !== this.loaded) {
      this.loaded = index;
      this.loadedKinds.clear();
      this.trajectoriesByName = new Map();
      this.histogramsByName = new Map();
    }
    if (this.loadedKinds.has(kind)) return true;
    this.loadedKinds.add(kind);
    const range = this.batches[index]!;
    if (kind === "trajectories") {
      for (const r of (await this.store.trajectories({ run: this.runId, range })).sort((a, b) => a.step - b.step)) {
        const t = this.trajectoriesByName.get(r.tensor) ?? { steps: [], values: [] };
        t.steps.push(r.step);
        t.values.push(r.values);
        this.trajectoriesByName.set(r.tensor, t);
      }
    } else {
      for (const h of await this.store.histograms({ run: this.runId, range })) {
        const byStep = this.histogramsByName.get(h.name) ?? new Map<number, HistogramRecord>();
        byStep.set(h.step, { keys: h.keys, counts: h.counts });
        this.histogramsByName.set(h.name, byStep);
      }
    }
    return true;
  }
}
