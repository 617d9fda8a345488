// What the event detectors read from the store: the complete checkpoints' steps, then tensors in
// batches of contiguous names (each batch's statistic rows in step order, which are kept in full
// and their trajectories, their histograms streamed), and the groups. One scan of each table per
// batch; a run that fits one batch is read in one scan per table. Store reads only.
import { bytesToFloat32 } from "../store/codec.js";
import type { EventStatRecord, EventStatValues } from "../store/event-queries.js";
import { decodeShapeExtra } from "../store/shape-extra.js";
import type { HistogramMasses } from "../dynamics/modes/snapshots.js";
import { HIST_MAX_FINITE_KEY } from "../stats/histogram.js";
import type { TensorRange } from "../store/sql.js";
import type { Store } from "../store/store.js";
import type { GroupKind, HistogramRecord, StatValues } from "../store/types.js";
import { UsageError } from "../util/errors.js";
import { EVENT_BATCH_MAX_ROWS, EVENT_BATCH_MAX_TRAJECTORY_BYTES } from "../util/limits.js";
import { roleGroupName } from "./groups.js";
import { stampLast } from "../util/timeline.js";

/** A statistic series name: a field of the stored statistics (or a keyed entry of one). */
export type SeriesStatistic = "std" | "mean" | "excess_kurtosis" | "frac_abs_le:0.001" | "frac_abs_le_rel_std:0.1" | "weibull_k";

/** What statisticOf reads of a row: a stored row (StatValues), or what event detection reads of one (EventStatValues). */
export type StatisticRow = Pick<StatValues, "std" | "mean" | "excess_kurtosis" | "frac_abs_le" | "frac_abs_le_rel_std" | "extra">;

/** Value of a statistic in a stored row; null when undefined there. */
export function statisticOf(row: StatisticRow, statistic: SeriesStatistic): number | null {
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
  /** Steps at which the target has a row, increasing, and what detection reads of the rows. */
  steps: number[];
  rows: EventStatValues[];
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

export { EVENT_BATCH_MAX_ROWS, EVENT_BATCH_MAX_TRAJECTORY_BYTES }; // util/limits.ts: analyze holds one batch too (checkpoint-batch.ts)

/**
 * Most histogram buckets (of the tensors of one batch, or of the groups) that event detection
 * streams into JS, where a row's masses are summed as it goes by; beyond it the masses are summed
 * inside DuckDB (forEachHistogramMasses) and only the rows that need their buckets read them, step
 * by step. Streaming 17.7 M buckets (154 Pythia-70m checkpoints) held ~450-590 MB of native memory
 * (the aggregate ~290 MB), while on the demo's ~1 M buckets the aggregate took 3-6x the CPU.
 */
export const EVENT_HISTOGRAM_STREAM_MAX_BUCKETS = 4_000_000;

/** A batch of tensors: a range of names, or the whole run (undefined) when one batch holds every tensor. */
export type TensorBatchRange = TensorRange | undefined;

/** Limits of a batch (defaults EVENT_BATCH_MAX_ROWS, EVENT_BATCH_MAX_TRAJECTORY_BYTES). */
export interface TensorBatchLimits {
  rows: number;
  trajectoryBytes: number;
}

/** One batch of tensors to read: its names, and its histograms' buckets. */
export interface TensorBatchPlan {
  range: TensorBatchRange;
  histogramBuckets: number;
}

/** The run's tensors as batches, and the most trajectories (stored steps) any tensor has. */
export interface TensorBatches {
  batches: TensorBatchPlan[];
  maxTrajectories: number;
}

/**
 * The run's tensors cut into batches of contiguous names within `limits`, from one query that
 * reads no statistics (forEachTensorExtent); the whole run is one batch (range undefined) when it fits.
 */
export async function tensorBatches(store: Store, runId: string, limits: TensorBatchLimits): Promise<TensorBatches> {
  const batches: Array<TensorBatchPlan & { range: TensorRange }> = [];
  let current: (TensorBatchPlan & { range: { from: string; to: string }; rows: number; bytes: number }) | null = null;
  let maxTrajectories = 0;
  await store.forEachTensorExtent(runId, (t) => {
    maxTrajectories = Math.max(maxTrajectories, t.trajectories);
    if (current !== null && (current.rows + t.rows > limits.rows || current.bytes + t.trajectoryBytes > limits.trajectoryBytes)) {
      batches.push({ range: current.range, histogramBuckets: current.histogramBuckets });
      current = null;
    }
    current ??= { range: { from: t.tensor, to: t.tensor }, histogramBuckets: 0, rows: 0, bytes: 0 };
    current.range.to = t.tensor;
    current.rows += t.rows;
    current.bytes += t.trajectoryBytes;
    current.histogramBuckets += t.histogramBuckets;
  });
  const last = current as (TensorBatchPlan & { range: TensorRange }) | null;
  if (last !== null) batches.push({ range: last.range, histogramBuckets: last.histogramBuckets });
  return { batches: batches.length === 1 ? [{ range: undefined, histogramBuckets: batches[0]!.histogramBuckets }] : batches, maxTrajectories };
}

/** Values of a kept tensor at each stored step, steps increasing. */
export interface Trajectories {
  steps: number[];
  values: Float32Array[];
}

/** One batch of tensors read for detection. */
export interface TensorBatch {
  range: TensorBatchRange;
  /** The batch's tensors (rows at complete steps only), in name order (localeCompare), each with its rows in step order. */
  targets: EventTarget[];
  /** Kept tensors' trajectories (every stored step), by name; empty unless asked for. */
  trajectories: Map<string, Trajectories>;
}

function tensorTargetOf(r: EventStatRecord, kept: boolean): EventTarget {
  return {
    name: r.name, target: "tensor", groupKind: null, steps: [], rows: [], layer: r.layer, roleGroup: roleGroupName({ role: r.role!, kind: r.kind! }),
    kept, isLayerNormGain: r.role!.startsWith("ln.") && r.kind === "weight",
  };
}

/** Sorts a target's steps (and rows with them) increasing; one row per step. */
function inStepOrder(t: { steps: number[]; rows?: unknown[]; values?: unknown[] }): void {
  if (t.steps.every((s, i) => i === 0 || t.steps[i - 1]! < s)) return;
  const order = t.steps.map((_, i) => i).sort((a, b) => t.steps[a]! - t.steps[b]!);
  if (t.rows !== undefined) t.rows = order.map((i) => t.rows![i]!);
  if (t.values !== undefined) t.values = order.map((i) => t.values![i]!);
  t.steps = order.map((i) => t.steps[i]!);
}

/**
 * Reads one batch of tensors: their statistic rows at the complete `steps` (one scan of the parts
 * detection reads: EventStatValues) and, with `trajectories`, their stored trajectories (one scan). A tensor
 * is kept when it has a trajectory at the first or last complete step; only kept tensors'
 * trajectories are returned. Without `trajectories`, `keptNames` says which are kept (or none).
 */
export async function readTensorBatch(store: Store, runId: string, range: TensorBatchRange, steps: readonly number[], o: { trajectories: boolean; keptNames?: ReadonlySet<string> }): Promise<TensorBatch> {
  return tensorBatchOf(
    (onRows) => store.forEachEventStatRow({ run: runId, groups: false, range }, onRows),
    (onTrajectory) => store.forEachTrajectory({ run: runId, range }, ({ step, tensor, bytes }) => onTrajectory(step, tensor, bytesToFloat32(bytes))),
    range, steps, o,
  );
}

/** Statistic rows of a batch or of the groups, chunk by chunk, in any order (Store.forEachEventStatRow, or rows held). */
export type EventStatRows = (onRows: (rows: readonly EventStatRecord[]) => void) => Promise<void>;
/** Trajectories of a batch, one by one, in any order, with their float32 values (Store.forEachTrajectory decoded, or values held). */
export type EventTrajectories = (onTrajectory: (step: number, tensor: string, values: Float32Array) => void) => Promise<void>;

/** readTensorBatch over rows and trajectories from anywhere: the same batch for the same rows in any order. */
export async function tensorBatchOf(rows: EventStatRows, trajectoriesOf: EventTrajectories, range: TensorBatchRange, steps: readonly number[], o: { trajectories: boolean; keptNames?: ReadonlySet<string> }): Promise<TensorBatch> {
  const complete = new Set(steps);
  const byName = new Map<string, EventTarget>();
  await rows((chunk) => {
    for (const r of chunk) {
      if (!complete.has(r.step)) continue;
      let t = byName.get(r.name);
      if (t === undefined) byName.set(r.name, (t = tensorTargetOf(r, o.keptNames?.has(r.name) === true)));
      t.steps.push(r.step);
      t.rows.push(r.values);
    }
  });
  stampLast("events: tensor batch stats read");
  const trajectories = new Map<string, Trajectories>();
  if (o.trajectories) {
    const ends = new Set([steps[0], steps[steps.length - 1]]);
    await trajectoriesOf((step, tensor, values) => {
      const target = byName.get(tensor);
      if (target === undefined) return;
      let t = trajectories.get(tensor);
      if (t === undefined) trajectories.set(tensor, (t = { steps: [], values: [] }));
      t.steps.push(step);
      t.values.push(values);
      if (ends.has(step)) target.kept = true;
    });
    for (const [name, t] of trajectories) {
      if (byName.get(name)!.kept) inStepOrder(t);
      else trajectories.delete(name);
    }
  }
  const targets = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  for (const t of targets) inStepOrder(t);
  return { range, targets, trajectories };
}

/**
 * Group targets of a run, in the store's order (step, group kind, group name): the rows stream, only
 * the parts detection reads (EventStatValues), as for tensors.
 */
export async function groupTargets(store: Store, runId: string, steps: readonly number[]): Promise<EventTarget[]> {
  return groupTargetsOf((onRows) => store.forEachEventStatRow({ run: runId, groups: true }, onRows), steps);
}

/** groupTargets over group rows from anywhere: the same targets for the same rows in any order. */
export async function groupTargetsOf(groupRows: EventStatRows, steps: readonly number[]): Promise<EventTarget[]> {
  const complete = new Set(steps);
  const rows: Array<{ step: number; group_kind: GroupKind; group_name: string; row: EventStatValues }> = [];
  await groupRows((chunk) => {
    for (const r of chunk) if (complete.has(r.step)) rows.push({ step: r.step, group_kind: r.groupKind!, group_name: r.name, row: r.values });
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

/** Steps of the run's complete checkpoints, increasing; a run not in the store is a UsageError. */
export async function completeSteps(store: Store, runId: string): Promise<number[]> {
  const runs = await store.listRuns();
  if (!runs.some((r) => r.run_id === runId)) {
    throw new UsageError(`run "${runId}" is not in the store ${store.path} (runs: ${runs.map((r) => r.run_id).join(", ") || "none"}); analyze it first or pick one of those`);
  }
  return (await store.listCheckpoints(runId, { completeOnly: true })).map((c) => c.step);
}

/**
 * Every tensor and group of a run at once (the study's online layer forks): unbounded, unlike event
 * detection's batches. Kept tensors are those with a trajectory at the first or last complete step.
 */
export async function loadRunInputs(store: Store, runId: string): Promise<RunInputs> {
  const steps = await completeSteps(store, runId);
  const keptNames = new Set<string>();
  for (const step of new Set([steps[0], steps[steps.length - 1]])) {
    if (step === undefined) continue;
    for (const t of await store.trajectories({ run: runId, step })) keptNames.add(t.tensor);
  }
  const { targets: tensors } = await readTensorBatch(store, runId, undefined, steps, { trajectories: false, keptNames });
  const groups = await groupTargets(store, runId, steps);
  return { runId, steps, tensors, groups };
}

/** Key of a target's histogram at a step in the reads below: the tensor name or "<group_kind>:<group_name>", NUL, the step. */
export function histogramRowKey(name: string, step: number): string {
  return `${name}\u0000${step}`;
}

/** A target's name in the histogram reads: the tensor name, or "<group_kind>:<group_name>". */
export function histogramNameOf(target: EventTarget): string {
  return target.target === "group" ? `${target.groupKind}:${target.name}` : target.name;
}

/**
 * The masses of the stored histograms (tensors of a batch's `range`, or groups) summed inside
 * DuckDB, by histogramRowKey: a few numbers per histogram, no bucket read into JS.
 */
export async function histogramMassesOf(store: Store, runId: string, o: { groups: boolean; range?: TensorBatchRange }): Promise<Map<string, HistogramMasses>> {
  const out = new Map<string, HistogramMasses>();
  await store.forEachHistogramMasses({ run: runId, groups: o.groups, maxFiniteKey: HIST_MAX_FINITE_KEY, range: o.range }, ({ step, name, ascending, total, zero, maxCount }) => {
    out.set(histogramRowKey(name, step), { ascending, total, zero, maxCount });
  });
  return out;
}

/**
 * The stored histograms of `targets` (tensors of one batch, read over its `range`; or groups) at
 * the steps where each target has a row (and `wanted` says yes), each handed to `onHistogram`
 * with the index of its step in target.steps, as views into the streamed chunk valid during the
 * call only (copy what must outlive it). One read of the table, or with `steps` one read per step
 * (a run's histograms are stored checkpoint by checkpoint: a step's read scans its blocks only).
 */
export async function forEachTargetHistogram(
  store: Store, runId: string, targets: readonly EventTarget[],
  o: { groups: boolean; range?: TensorBatchRange; steps?: readonly number[]; wanted?: (target: EventTarget, index: number) => boolean },
  onHistogram: (target: EventTarget, index: number, histogram: HistogramRecord) => void,
): Promise<void> {
  if (targets.length === 0) return;
  const byName = new Map<string, { target: EventTarget; indexOf: Map<number, number> }>();
  for (const target of targets) byName.set(histogramNameOf(target), { target, indexOf: new Map(target.steps.map((step, i) => [step, i])) });
  const take = (h: { step: number; name: string; keys: Int32Array; counts: Float64Array }) => {
    const entry = byName.get(h.name), i = entry?.indexOf.get(h.step);
    if (entry !== undefined && i !== undefined && (o.wanted === undefined || o.wanted(entry.target, i))) onHistogram(entry.target, i, { keys: h.keys, counts: h.counts });
  };
  for (const step of o.steps ?? [undefined]) {
    if (o.groups) await store.forEachGroupHistogram({ run: runId, ...(step !== undefined && { step }), transient: true }, take);
    else await store.forEachHistogram({ run: runId, range: o.range, step, transient: true }, take);
  }
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
 * Where event detection's inputs come from: the store (storeEventInputs), or the rows an analysis
 * holds of the checkpoints it wrote (pipeline/event-held.ts). Either gives the same targets, rows,
 * trajectories, masses and histograms for the same stored run.
 */
export interface EventInputReader {
  readonly runId: string;
  /** Detection runs beside the store's writes (of the rows it reads from memory): it then gives the event loop a turn every few ms. */
  readonly overlapsWrites?: boolean;
  /** Steps of the run's complete checkpoints, increasing (a run not in the store: UsageError). */
  completeSteps(): Promise<number[]>;
  /** The run's tensors as batches within `limits`, and the most trajectories any tensor has. */
  tensorBatches(limits: TensorBatchLimits): Promise<TensorBatches>;
  /** One batch of tensors (readTensorBatch). */
  readTensorBatch(range: TensorBatchRange, steps: readonly number[], o: { trajectories: boolean }): Promise<TensorBatch>;
  /** The group targets (groupTargets). */
  groupTargets(steps: readonly number[]): Promise<EventTarget[]>;
  /**
   * The masses of the histograms of a batch's tensors (`buckets` buckets) or of the groups (their
   * buckets counted here), by histogramRowKey, when they are better not streamed (over `limit`
   * buckets, or held anyway); null: stream them (forEachTargetHistogram).
   */
  massesOf(o: { groups: boolean; range?: TensorBatchRange; buckets?: number }, limit: number): Promise<Map<string, HistogramMasses> | null>;
  /** forEachTargetHistogram. */
  forEachTargetHistogram(
    targets: readonly EventTarget[], o: { groups: boolean; range?: TensorBatchRange; steps?: readonly number[]; wanted?: (target: EventTarget, index: number) => boolean },
    onHistogram: (target: EventTarget, index: number, histogram: HistogramRecord) => void,
  ): Promise<void>;
}

/** Event detection's inputs read from the store. */
export function storeEventInputs(store: Store, runId: string): EventInputReader {
  return {
    runId,
    completeSteps: () => completeSteps(store, runId),
    tensorBatches: (limits) => tensorBatches(store, runId, limits),
    readTensorBatch: (range, steps, o) => readTensorBatch(store, runId, range, steps, o),
    groupTargets: (steps) => groupTargets(store, runId, steps),
    massesOf: async (o, limit) => {
      const buckets = o.buckets ?? await store.histogramBuckets({ run: runId, groups: o.groups });
      return buckets > limit ? histogramMassesOf(store, runId, o) : null;
    },
    forEachTargetHistogram: (targets, o, onHistogram) => forEachTargetHistogram(store, runId, targets, o, onHistogram),
  };
}
