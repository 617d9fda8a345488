// Event detection over a stored analysis: reads a run's statistics, histograms and trajectories
// from the store (never the checkpoints), runs every dynamics/ detector on them (population
// forks, mode splits/merges, layer forks, change points, early warnings), and stores the events.
import type { DynamicsEvent, DynamicsEventKind } from "../dynamics/events.js";
import { COST_KINDS, type CostKind } from "../dynamics/changepoints/index.js";
import type { ShortEarlyWarningOptions } from "../dynamics/ews/index.js";
import type { Store } from "../store/store.js";
import type { EventInput, HistogramRecord } from "../store/types.js";
import { EVENT_KINDS } from "../store/vocabulary.js";
import { UsageError } from "../util/errors.js";
import { deriveSeed } from "../util/rng.js";
import { nameFilter } from "../util/glob.js";
import { installShapeKernels } from "../kernels/shape-wasm.js";
import { shapeKernels } from "../stats/shape/kernels.js";
import { changePointEventsOf, layerForkEvents, modeEvents, populationForkEvents, type DetectorSettings } from "./event-detectors.js";
import { recomputeRunTransition } from "../quality/run-transition.js";
import { labelOptimizerArtefacts } from "./event-artefacts.js";
import { BatchedTensorLoader, forEachCheckpointHistogram, histogramKeyOf, loadRunInputs, type EventTarget, type RunInputs, type SeriesStatistic } from "./event-inputs.js";
import { DEFAULT_BIMODALITY_ALPHA, snapshotFromHistogram, snapshotFromHistogramMasses, snapshotFromValues, storedHistogramShapeOf, storedShapeOf, type HistogramMasses, type ValueSnapshot } from "../dynamics/modes/snapshots.js";
import { HISTOGRAM_SAMPLE_SIZE } from "../stats/histogram-sample.js";
import { HIST_MAX_FINITE_KEY } from "../stats/histogram.js";

export type { DynamicsEvent, DynamicsEventKind } from "../dynamics/events.js";

export { EVENT_KINDS };
/** Series shorter than this are not searched for change points (a BIC penalty on fewer points means little). */
export const MIN_CHANGE_POINT_CHECKPOINTS = 8;
/** Layer forks need one "together" checkpoint and a persistence window; fewer checkpoints are skipped. */
export const MIN_LAYER_FORK_CHECKPOINTS = 4;
/**
 * Shortest change-point segment: with 1, a single odd checkpoint (a zero-variance segment)
 * becomes two change points of huge strength.
 */
export const MIN_CHANGE_POINT_SEGMENT = 2;
/**
 * Default change-point cost: a line per segment in ln(1 + step), penalty 3 sigma^2 ln max(n, 100)
 * with sigma from pseudo-residuals about the local line, and the abruptness check
 * (dynamics/changepoints/abrupt.ts). The l2 cost (version 1) saw every stretch of a smooth
 * drift of std or kurtosis as a new level: 538 change points on the 30-checkpoint tiny run.
 */
export const DEFAULT_CHANGE_POINT_COST: CostKind = "linear";
export const DEFAULT_CHANGE_POINT_STATISTICS: readonly SeriesStatistic[] = ["std", "excess_kurtosis", "mean", "frac_abs_le:0.001"];
export const DEFAULT_LAYER_FORK_STATISTICS: readonly SeriesStatistic[] = ["std", "excess_kurtosis", "frac_abs_le_rel_std:0.1", "weibull_k"];
/** Version of the detection settings written into each stored event's `detector` field. */
export const EVENT_DETECTION_VERSION = 2;

export interface EventDetectionOptions {
  /** Event kinds to detect (default all); mode_split and mode_merge come from one detector. */
  kinds?: readonly DynamicsEventKind[];
  /**
   * Tensor / group name globs (any match). Narrows every detector; change points then run on
   * every matching tensor (large ones too) instead of only the groups (per role, per layer,
   * model), the default: per-tensor series of every kept tensor gave hundreds of change points.
   */
  tensors?: readonly string[];
  /** Checkpoints a split / fork must persist (default: each detector's default, 3). */
  persistence?: number;
  /** Population fork: 2-means separation threshold (default 4). */
  populationSeparation?: number;
  /** Layer fork: gap between layer groups in noise sigmas (default 4). */
  layerGap?: number;
  /** Bimodality confirmation: dip test p-value threshold (default 0.05). */
  alpha?: number;
  /** Change points: penalty per change (default: the BIC-style penalty of dynamics/changepoints). */
  penalty?: number;
  /** Change points: segment cost (default DEFAULT_CHANGE_POINT_COST, "linear"). */
  changePointCost?: CostKind;
  changePointStatistics?: readonly SeriesStatistic[];
  layerStatistics?: readonly SeriesStatistic[];
  /** Default MIN_CHANGE_POINT_CHECKPOINTS. */
  minChangePointCheckpoints?: number;
  /** Shortest segment in checkpoints (default MIN_CHANGE_POINT_SEGMENT). */
  minChangePointSegment?: number;
  /** Values drawn from a histogram for the modes of large tensors and groups (default 4096). */
  histogramSampleSize?: number;
  /** Seed of the histogram samples (default 0). */
  seed?: number;
  /** Early warnings (ews/surrogate.ts): surrogates, seed, alpha, detrending. */
  earlyWarning?: ShortEarlyWarningOptions;
}

function positive(name: string, value: number | undefined, integer: boolean): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`event detection: ${name} must be a positive ${integer ? "integer" : "number"}, got ${value}`);
  }
}

function probability(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0 && value < 1)) throw new UsageError(`event detection: ${name} must be a p-value threshold in (0, 1), got ${value}`);
}

const SERIES_STATISTICS: readonly SeriesStatistic[] = ["std", "mean", "excess_kurtosis", "frac_abs_le:0.001", "frac_abs_le_rel_std:0.1", "weibull_k"];

/** The early-warning options earlyWarningShort would refuse, refused up front (before any store read or detector). */
function checkEarlyWarning(o: ShortEarlyWarningOptions): void {
  probability("earlyWarning.alpha", o.alpha);
  if (o.surrogates !== undefined && !(Number.isInteger(o.surrogates) && o.surrogates >= 19)) throw new UsageError(`event detection: earlyWarning.surrogates must be an integer >= 19, got ${o.surrogates}`);
  positive("earlyWarning.minTrendPoints", o.minTrendPoints, true);
  if (o.seed !== undefined && !Number.isSafeInteger(o.seed)) throw new UsageError(`event detection: earlyWarning.seed must be an integer, got ${o.seed}`);
}

function settingsOf(o: EventDetectionOptions): DetectorSettings {
  positive("persistence", o.persistence, true);
  positive("populationSeparation", o.populationSeparation, false);
  positive("layerGap", o.layerGap, false);
  probability("alpha", o.alpha);
  if (o.seed !== undefined && !Number.isSafeInteger(o.seed)) throw new UsageError(`event detection: seed must be an integer, got ${o.seed}`);
  for (const statistic of [...(o.changePointStatistics ?? []), ...(o.layerStatistics ?? [])]) {
    if (!SERIES_STATISTICS.includes(statistic)) throw new UsageError(`event detection: unknown statistic "${statistic}" (use ${SERIES_STATISTICS.join(", ")})`);
  }
  checkEarlyWarning(o.earlyWarning ?? {});
  positive("minChangePointCheckpoints", o.minChangePointCheckpoints, true);
  positive("histogramSampleSize", o.histogramSampleSize, true);
  positive("minChangePointSegment", o.minChangePointSegment, true);
  if (o.penalty !== undefined && !(Number.isFinite(o.penalty) && o.penalty >= 0)) throw new UsageError(`event detection: penalty must be a finite number >= 0, got ${o.penalty}`);
  if (o.changePointCost !== undefined && !COST_KINDS.includes(o.changePointCost)) throw new UsageError(`event detection: unknown change-point cost "${o.changePointCost}" (use ${COST_KINDS.join(", ")})`);
  for (const k of o.kinds ?? []) if (!EVENT_KINDS.includes(k)) throw new UsageError(`event detection: unknown kind "${k}" (use ${EVENT_KINDS.join(", ")})`);
  return {
    persistence: o.persistence, populationSeparation: o.populationSeparation, layerGap: o.layerGap, alpha: o.alpha ?? DEFAULT_BIMODALITY_ALPHA, penalty: o.penalty, changePointCost: o.changePointCost ?? DEFAULT_CHANGE_POINT_COST,
    changePointStatistics: o.changePointStatistics ?? DEFAULT_CHANGE_POINT_STATISTICS, layerStatistics: o.layerStatistics ?? DEFAULT_LAYER_FORK_STATISTICS,
    minChangePointCheckpoints: o.minChangePointCheckpoints ?? MIN_CHANGE_POINT_CHECKPOINTS,
    minChangePointSegment: o.minChangePointSegment ?? MIN_CHANGE_POINT_SEGMENT, earlyWarning: o.earlyWarning ?? {},
  };
}

/** Detection settings as stored with each event (JSON). */
export function detectorRecord(options: EventDetectionOptions): Record<string, unknown> {
  const s = settingsOf(options);
  return {
    version: EVENT_DETECTION_VERSION, persistence: s.persistence ?? null, population_separation: s.populationSeparation ?? null, layer_gap: s.layerGap ?? null,
    alpha: s.alpha, penalty: s.penalty ?? "default (BIC)", change_point_cost: s.changePointCost, change_point_statistics: s.changePointStatistics, layer_statistics: s.layerStatistics,
    min_change_point_checkpoints: s.minChangePointCheckpoints, min_change_point_segment: s.minChangePointSegment, histogram_sample_size: options.histogramSampleSize ?? HISTOGRAM_SAMPLE_SIZE, seed: options.seed ?? 0,
    tensors: options.tensors ?? [], kinds: options.kinds ?? EVENT_KINDS, early_warning: { ...s.earlyWarning },
  };
}

/** Snapshot of a target at its i-th step from that step's stored histogram. */
function histogramSnapshot(target: EventTarget, i: number, histogram: HistogramRecord, options: EventDetectionOptions): ValueSnapshot {
  const step = target.steps[i]!;
  const seed = deriveSeed(options.seed ?? 0, target.target, target.name, step);
  const row = target.rows[i]!;
  return snapshotFromHistogram(histogram, row.std, seed, options.histogramSampleSize ?? HISTOGRAM_SAMPLE_SIZE, storedHistogramShapeOf(row.extra));
}

/** Masses of the stored histograms by histogramKeyOf's key, NUL, the step. */
type MassesByKey = Map<string, HistogramMasses>;

/**
 * The masses of every stored histogram of the run (tensors and groups), one aggregate query per
 * table. Run before the run's statistics are read: DuckDB's scan of the LIST columns takes a
 * couple of hundred MB of native memory at 154 Pythia-70m checkpoints, which the statistics'
 * read then reuses instead of adding to (events peaked at 631-714 MB with this query after it).
 * What is kept is a few numbers per histogram.
 */
async function histogramMassesOf(store: Store, runId: string): Promise<MassesByKey> {
  const out: MassesByKey = new Map();
  for (const target of ["tensor", "group"] as const) {
    await store.forEachHistogramMasses({ run: runId, groups: target === "group", maxFiniteKey: HIST_MAX_FINITE_KEY }, ({ step, name, ascending, total, zero, maxCount }) => {
      out.set(`${target}\u0000${name}\u0000${step}`, { ascending, total, zero, maxCount });
    });
  }
  return out;
}

/**
 * Snapshots of the targets from their stored histograms (a target's steps without a histogram
 * are dropped). Most rows' modes and dip are stored with them (extra.shape, computed by analyze
 * from the same histogram), and the rest of their snapshot is a few counts the store sums in one
 * query per table (histogramMassesOf): no bucket is read. Only the rows that need the
 * histogram itself (no stored shape, one atom, unsorted keys, empty) read it, checkpoint by
 * checkpoint. Only the small snapshots are kept.
 */
async function histogramSnapshotsOf(store: Store, inputs: RunInputs, masses: MassesByKey, targets: readonly EventTarget[], options: EventDetectionOptions): Promise<Map<EventTarget, { steps: number[]; snapshots: ValueSnapshot[] }>> {
  const byKey = new Map<string, { target: EventTarget; indexOf: Map<number, number>; byStep: Map<number, ValueSnapshot> }>();
  for (const target of targets) byKey.set(histogramKeyOf(target), { target, indexOf: new Map(target.steps.map((step, i) => [step, i])), byStep: new Map() });
  const pending = new Map<number, Set<string>>(); // step -> keys whose snapshot needs the histogram
  for (const [key, { target, byStep }] of byKey) {
    target.steps.forEach((step, i) => {
      const m = masses.get(`${key}\u0000${step}`);
      if (m === undefined) return; // no histogram stored at this step
      const snapshot = snapshotFromHistogramMasses(m, target.rows[i]!.std, storedHistogramShapeOf(target.rows[i]!.extra));
      if (snapshot !== null) byStep.set(step, snapshot);
      else pending.set(step, (pending.get(step) ?? new Set()).add(key));
    });
  }
  const steps = inputs.steps.filter((step) => pending.has(step));
  await forEachCheckpointHistogram(store, inputs.runId, steps, new Set([...pending.values()].flatMap((keys) => [...keys])), (key, step, histogram) => {
    const entry = byKey.get(key), i = entry?.indexOf.get(step);
    if (entry !== undefined && i !== undefined && pending.get(step)?.has(key) === true) entry.byStep.set(step, histogramSnapshot(entry.target, i, histogram, options));
  });
  const out = new Map<EventTarget, { steps: number[]; snapshots: ValueSnapshot[] }>();
  for (const { target, byStep } of byKey.values()) {
    const steps = target.steps.filter((step) => byStep.has(step));
    out.set(target, { steps, snapshots: steps.map((step) => byStep.get(step)!) });
  }
  return out;
}

/** Population forks and modes of one kept tensor, from its trajectories. */
async function keptTensorEvents(loader: BatchedTensorLoader, target: EventTarget, wants: (k: DynamicsEventKind) => boolean, s: DetectorSettings): Promise<DynamicsEvent[]> {
  const { steps, values } = await loader.trajectories(target.name);
  const events: DynamicsEvent[] = [];
  if (wants("population_fork")) events.push(...populationForkEvents(target, steps, values, s));
  if (wants("mode_split") || wants("mode_merge")) {
    const extraByStep = new Map(target.steps.map((step, i) => [step, target.rows[i]!.extra]));
    const snapshots = values.map((v, i) => snapshotFromValues(v, storedShapeOf(extraByStep.get(steps[i]!))));
    events.push(...modeEvents(target, steps, snapshots, true, s));
  }
  return events;
}

/**
 * Every event of a run from what the store holds. Reads statistics, histograms and trajectories;
 * never opens a checkpoint. Events are sorted by step, then kind, then tensor. Does not store them.
 */
export async function detectRunEvents(store: Store, runId: string, options: EventDetectionOptions = {}): Promise<DynamicsEvent[]> {
  // the shape statistics events recompute (mode snapshots of kept values) run on the same WASM
  // kernels as the analysis' workers, in whichever process detects them: a cluster's merge, a
  // single analyze and `events --recompute` give the same bytes
  if (shapeKernels() === null) installShapeKernels();
  const s = settingsOf(options);
  const kinds = new Set(options.kinds ?? EVENT_KINDS);
  const wants = (k: DynamicsEventKind) => kinds.has(k);
  const filtered = (options.tensors ?? []).length > 0;
  const matches = nameFilter(options.tensors ?? []);
  const modes = wants("mode_split") || wants("mode_merge");
  const masses = modes ? await histogramMassesOf(store, runId) : new Map<string, HistogramMasses>();
  const inputs = await loadRunInputs(store, runId);
  const tensors = inputs.tensors.filter((t) => matches(t.name));
  const groups = inputs.groups.filter((g) => matches(g.name));
  const events: DynamicsEvent[] = [];
  const loader = new BatchedTensorLoader(store, runId, tensors.map((t) => t.name));
  const fromHistograms = modes ? await histogramSnapshotsOf(store, inputs, masses, [...tensors.filter((t) => !t.kept), ...groups], options) : new Map();
  for (const target of loader.inLoadOrder(tensors)) {
    if (target.kept) events.push(...(await keptTensorEvents(loader, target, wants, s)));
    else if (modes) {
      const { steps, snapshots } = fromHistograms.get(target)!;
      events.push(...modeEvents(target, steps, snapshots, false, s));
    }
  }
  for (const group of groups) {
    if (!modes) break;
    const { steps, snapshots } = fromHistograms.get(group)!;
    events.push(...modeEvents(group, steps, snapshots, false, s));
  }
  if (wants("layer_fork")) events.push(...layerForkEvents(inputs.tensors, matches, MIN_LAYER_FORK_CHECKPOINTS, s));
  if (wants("change_point")) {
    const targets = filtered ? [...groups, ...tensors] : groups;
    for (const target of targets) events.push(...changePointEventsOf(target, s));
  }
  return events.filter((e) => wants(e.kind)).sort((a, b) => a.step - b.step || a.kind.localeCompare(b.kind) || a.tensor.localeCompare(b.tensor));
}

/**
 * Stores events, replacing those in the scope of `options` (its kinds and tensor globs; the
 * whole run when neither is given), so recomputation is idempotent and leaves other events be.
 */
export async function storeRunEvents(store: Store, runId: string, events: readonly DynamicsEvent[], options: EventDetectionOptions = {}): Promise<void> {
  const detector = detectorRecord(options);
  const rows: EventInput[] = await labelOptimizerArtefacts(store, runId, events.map((e) => ({ kind: e.kind, tensor: e.tensor, step: e.step, step_low: e.step_low, step_high: e.step_high, strength: e.strength, evidence: e.evidence, detector })));
  const kinds = new Set<string>(options.kinds ?? EVENT_KINDS);
  const matches = nameFilter(options.tensors ?? []);
  const whole = options.kinds === undefined && (options.tensors ?? []).length === 0;
  if (whole) return store.replaceEvents(runId, rows);
  const kept = (await store.events({ run: runId })).filter((e) => !(kinds.has(e.kind) && matches(e.tensor ?? "")));
  const keptRows: EventInput[] = kept.map(({ run_id: _run, ...rest }) => rest);
  await store.replaceEvents(runId, [...keptRows, ...rows]);
}

/** detectRunEvents + storeRunEvents: recompute a run's events from the store with these settings. */
export async function recomputeRunEvents(store: Store, runId: string, options: EventDetectionOptions = {}): Promise<DynamicsEvent[]> {
  const events = await detectRunEvents(store, runId, options);
  await storeRunEvents(store, runId, events, options);
  await recomputeRunTransition(store, runId); // the quality side, defined once per run (quality/run-transition.ts)
  return events;
}

/** Number of events of each kind (every kind present, 0 when none). */
export function countEventsByKind(events: readonly { kind: string }[]): Record<DynamicsEventKind, number> {
  const counts = Object.fromEntries(EVENT_KINDS.map((k) => [k, 0])) as Record<DynamicsEventKind, number>;
  for (const e of events) if (e.kind in counts) counts[e.kind as DynamicsEventKind]++;
  return counts;
}
