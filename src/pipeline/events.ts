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
import { changePointEventsOf, layerForkEvents, modeEventMinCheckpoints, modeEvents, populationForkEvents, populationForkMinCheckpoints, type DetectorSettings } from "./event-detectors.js";
import { recomputeRunTransition } from "../quality/run-transition.js";
import { labelOptimizerArtefacts } from "./event-artefacts.js";
import {
  EVENT_BATCH_MAX_ROWS, EVENT_BATCH_MAX_TRAJECTORY_BYTES, EVENT_HISTOGRAM_STREAM_MAX_BUCKETS, histogramNameOf, histogramRowKey, storeEventInputs,
  type EventInputReader, type EventTarget, type SeriesStatistic, type TensorBatchLimits, type TensorBatchRange, type Trajectories,
} from "./event-inputs.js";
import { DEFAULT_BIMODALITY_ALPHA, histogramMasses, type HistogramMasses, snapshotFromHistogram, snapshotFromHistogramMasses, snapshotFromValues, storedHistogramShapeOf, storedShapeOf, type ValueSnapshot } from "../dynamics/modes/snapshots.js";
import { HISTOGRAM_SAMPLE_SIZE } from "../stats/histogram-sample.js";
import { stamp, stampLast } from "../util/timeline.js";

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

/** Mode snapshots of a target at the steps that have a stored histogram (others are dropped). */
type HistogramSnapshots = Map<EventTarget, { steps: number[]; snapshots: ValueSnapshot[] }>;

/**
 * Snapshots of the targets (tensors of one batch, or the groups) from their stored histograms.
 * Most rows' modes and dip are stored with them (extra.shape, computed by analyze from the same
 * histogram), and the rest of their snapshot is a few counts (histogramMasses): summed in JS as
 * the buckets stream by in one read (`masses` null), or summed by DuckDB beforehand (`masses`,
 * for batches beyond EVENT_HISTOGRAM_STREAM_MAX_BUCKETS; then only the rows that need their
 * buckets read them, step by step). The rows that need the buckets: no stored shape, one atom,
 * unsorted keys, empty. Only the small snapshots are kept.
 */
async function histogramSnapshotsOf(reader: EventInputReader, targets: readonly EventTarget[], o: { groups: boolean; range?: TensorBatchRange; masses: Map<string, HistogramMasses> | null }, options: EventDetectionOptions): Promise<HistogramSnapshots> {
  const byStep = new Map<EventTarget, Map<number, ValueSnapshot>>(targets.map((t) => [t, new Map()]));
  const put = (target: EventTarget, i: number, snapshot: ValueSnapshot) => byStep.get(target)!.set(target.steps[i]!, snapshot);
  const fromMasses = (target: EventTarget, i: number, masses: HistogramMasses) => snapshotFromHistogramMasses(masses, target.rows[i]!.std, storedHistogramShapeOf(target.rows[i]!.extra));
  const source = { groups: o.groups, ...(o.range !== undefined && { range: o.range }) };
  const masses = o.masses;
  if (masses === null) {
    await reader.forEachTargetHistogram(targets, source, (target, i, histogram) => put(target, i, fromMasses(target, i, histogramMasses(histogram)) ?? histogramSnapshot(target, i, histogram, options)));
  } else {
    const pending = new Map<EventTarget, Set<number>>(), pendingSteps = new Set<number>();
    for (const target of targets) {
      const name = histogramNameOf(target);
      target.steps.forEach((step, i) => {
        const m = masses.get(histogramRowKey(name, step));
        if (m === undefined) return; // no histogram stored at this step
        const snapshot = fromMasses(target, i, m);
        if (snapshot !== null) put(target, i, snapshot);
        else {
          pending.set(target, (pending.get(target) ?? new Set()).add(i));
          pendingSteps.add(step);
        }
      });
    }
    const steps = [...pendingSteps].sort((a, b) => a - b);
    await reader.forEachTargetHistogram([...pending.keys()], { ...source, steps, wanted: (t, i) => pending.get(t)!.has(i) }, (target, i, histogram) => put(target, i, histogramSnapshot(target, i, histogram, options)));
  }
  const out: HistogramSnapshots = new Map();
  for (const [target, snapshots] of byStep) {
    const steps = target.steps.filter((step) => snapshots.has(step));
    out.set(target, { steps, snapshots: steps.map((step) => snapshots.get(step)!) });
  }
  return out;
}

/** Population forks and modes of one kept tensor, from its trajectories. */
function keptTensorEvents({ steps, values }: Trajectories, target: EventTarget, wants: (k: DynamicsEventKind) => boolean, s: DetectorSettings): DynamicsEvent[] {
  const events: DynamicsEvent[] = [];
  if (wants("population_fork")) events.push(...populationForkEvents(target, steps, values, s));
  if ((wants("mode_split") || wants("mode_merge")) && steps.length >= modeEventMinCheckpoints(s)) {
    const extraByStep = new Map(target.steps.map((step, i) => [step, target.rows[i]!.extra]));
    const snapshots = values.map((v, i) => snapshotFromValues(v, storedShapeOf(extraByStep.get(steps[i]!))));
    events.push(...modeEvents(target, steps, snapshots, true, s));
  }
  return events;
}

/**
 * The tensor of each role group and layer that layer forks follow: the first by name
 * (localeCompare) among the run's tensors with that role group and layer, offered batch by batch.
 */
class LayerForkTensors {
  private readonly chosen = new Map<string, EventTarget>();

  offer(t: EventTarget): void {
    if (t.layer === null || t.roleGroup === null) return;
    const key = `${t.roleGroup}\u0000${t.layer}`, held = this.chosen.get(key);
    if (held === undefined || t.name.localeCompare(held.name) < 0) this.chosen.set(key, t);
  }

  /** The chosen tensors in name order (what layersByRole picks from the whole run). */
  tensors(): EventTarget[] {
    return [...this.chosen.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

/**
 * Longest stretch of tensor event detection between two turns of the event loop while the groups
 * are read (detectRunEvents): their reads' callbacks then run, and DuckDB moves on to the next.
 */
const EVENT_DETECTION_YIELD_MS = 5;

/** Gives the event loop a turn once EVENT_DETECTION_YIELD_MS passed since the last (detection beside the store's last write: its next transaction starts on this thread). */
async function turn(last: { at: number }): Promise<void> {
  if (performance.now() - last.at <= EVENT_DETECTION_YIELD_MS) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  last.at = performance.now();
}
/**
 * Tensor rows of the last batch up to which the groups are read while its events are detected
 * (the demo: 676 rows); beyond it they are read afterwards, so that a long or wide run holds one
 * batch or the groups' reads at a time (154 checkpoints of a 70m model, 11,704 rows: peak RSS
 * 661-728 MiB with the overlap against 611-693 without, 4 alternating runs each).
 */
export const EVENT_GROUP_PREFETCH_MAX_ROWS = 4_096;

/** How much one batch of tensors holds and one histogram read streams (EVENT_BATCH_MAX_ROWS, EVENT_BATCH_MAX_TRAJECTORY_BYTES, EVENT_HISTOGRAM_STREAM_MAX_BUCKETS). */
export interface EventReadLimits extends TensorBatchLimits {
  histogramBuckets: number;
}

export const DEFAULT_EVENT_READ_LIMITS: EventReadLimits = { rows: EVENT_BATCH_MAX_ROWS, trajectoryBytes: EVENT_BATCH_MAX_TRAJECTORY_BYTES, histogramBuckets: EVENT_HISTOGRAM_STREAM_MAX_BUCKETS };

/** What is detected: the kinds wanted, the tensor / group name filter, the settings. */
interface Detection {
  wants: (k: DynamicsEventKind) => boolean;
  modes: boolean;
  matches: (name: string) => boolean;
  filtered: boolean;
  s: DetectorSettings;
}

/** Events of the tensors, in the order the detectors give them (see detectRunEvents). */
interface TensorEventParts {
  /** Population forks and mode events of kept tensors; mode events of the others. */
  perTensor: DynamicsEvent[];
  /** Change points of tensors (only when tensor globs are given). */
  changePoints: DynamicsEvent[];
  layerForkTensors: LayerForkTensors;
}

/**
 * Tensor events of a run, batch by batch (EVENT_BATCH_MAX_ROWS rows, and trajectories within
 * EVENT_BATCH_MAX_TRAJECTORY_BYTES, at a time): a batch's rows, snapshots and trajectories are
 * dropped once its events are out; what stays is the events and one tensor per role and layer.
 */
async function tensorEventsOf(reader: EventInputReader, steps: readonly number[], d: Detection, options: EventDetectionOptions, limits: EventReadLimits, lastBatchRead: (whole: boolean) => void): Promise<TensorEventParts> {
  const parts: TensorEventParts = { perTensor: [], changePoints: [], layerForkTensors: new LayerForkTensors() };
  const n = steps.length, s = d.s;
  // a tensor's statistic series have at most n points (one row per complete step), its trajectories one per stored step
  const layerForks = d.wants("layer_fork") && n >= MIN_LAYER_FORK_CHECKPOINTS;
  const changePoints = d.filtered && d.wants("change_point") && n >= s.minChangePointCheckpoints;
  const histogramModes = d.modes && n >= modeEventMinCheckpoints(s);
  if (!layerForks && !changePoints && !histogramModes && !d.wants("population_fork") && !d.modes) return parts;
  const { batches, maxTrajectories } = await reader.tensorBatches(limits);
  stamp("events: tensor batches planned");
  const fromValues = (d.wants("population_fork") && maxTrajectories >= populationForkMinCheckpoints(s)) || (d.modes && maxTrajectories >= modeEventMinCheckpoints(s));
  if (!layerForks && !changePoints && !histogramModes && !fromValues) return parts; // no detector's window fits: nothing can be found
  for (const [b, { range, histogramBuckets }] of batches.entries()) {
    // summed by DuckDB before the rows are read: the statistics' read then reuses the native memory of the LIST scan
    const masses = histogramModes ? await reader.massesOf({ groups: false, range, buckets: histogramBuckets }, limits.histogramBuckets) : null;
    stampLast("events: tensor batch masses read");
    // kept tensors (a trajectory at the first or last step) are known from their trajectories, which histogram modes must skip
    const batch = await reader.readTensorBatch(range, steps, { trajectories: fromValues || histogramModes });
    stampLast("events: tensor batch read");
    if (layerForks) for (const t of batch.targets) parts.layerForkTensors.offer(t);
    const targets = batch.targets.filter((t) => d.matches(t.name));
    const fromHistograms = histogramModes ? await histogramSnapshotsOf(reader, targets.filter((t) => !t.kept), { groups: false, range, masses }, options) : new Map();
    stampLast("events: tensor batch histograms read");
    const prefetching = b === batches.length - 1;
    if (prefetching) lastBatchRead(batch.targets.reduce((rows, t) => rows + t.rows.length, 0) <= EVENT_GROUP_PREFETCH_MAX_ROWS);
    const yields = prefetching || reader.overlapsWrites === true;
    let yielded = performance.now();
    for (const target of targets) {
      if (yields && performance.now() - yielded > EVENT_DETECTION_YIELD_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve)); // the reads started by lastBatchRead go on
        yielded = performance.now();
      }
      if (target.kept) parts.perTensor.push(...keptTensorEvents(batch.trajectories.get(target.name) ?? { steps: [], values: [] }, target, d.wants, s));
      else if (histogramModes) {
        const { steps: at, snapshots } = fromHistograms.get(target)!;
        parts.perTensor.push(...modeEvents(target, at, snapshots, false, s));
      }
      if (changePoints) parts.changePoints.push(...changePointEventsOf(target, s));
    }
    stampLast("events: tensor batch detected");
  }
  return parts;
}

/**
 * Every event of a run from what the store holds. Reads statistics, histograms and trajectories;
 * never opens a checkpoint. Events are sorted by step, then kind, then tensor. Does not store them.
 * Tensors are read and detected in batches of at most `limits` (default EVENT_BATCH_MAX_ROWS rows,
 * EVENT_BATCH_MAX_TRAJECTORY_BYTES of trajectories); the result does not depend on them.
 */
export async function detectRunEvents(store: Store, runId: string, options: EventDetectionOptions = {}, limits: EventReadLimits = DEFAULT_EVENT_READ_LIMITS): Promise<DynamicsEvent[]> {
  return detectEventsFrom(storeEventInputs(store, runId), options, limits);
}

/**
 * detectRunEvents over inputs from `reader`: the store's (storeEventInputs), or the rows an
 * analysis holds of what it wrote (pipeline/event-held.ts), which give the same events.
 */
export async function detectEventsFrom(reader: EventInputReader, options: EventDetectionOptions = {}, limits: EventReadLimits = DEFAULT_EVENT_READ_LIMITS): Promise<DynamicsEvent[]> {
  stamp("events: detect start");
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
  const steps = await reader.completeSteps();
  // a group's series have at most one point per complete step: read the groups only if a window fits
  const groupModes = modes && steps.length >= modeEventMinCheckpoints(s), groupChangePoints = wants("change_point") && steps.length >= s.minChangePointCheckpoints;
  // The groups' reads start once the last tensor batch is read (a small one: EVENT_GROUP_PREFETCH_MAX_ROWS),
  // and go on while its events are detected (DuckDB's threads, and this thread between targets):
  // they need nothing of them.
  // Past it, only the groups' masses (a few numbers per histogram, summed by DuckDB on its thread
  // from the LIST columns: no rows held in JS) go on while the last batch's events are detected.
  let groupsRead: Promise<{ groups: EventTarget[]; fromHistograms: HistogramSnapshots | null }> | undefined;
  let groupMassesRead: Promise<Map<string, HistogramMasses> | null> | undefined;
  const readGroupMasses = () => {
    groupMassesRead ??= groupModes ? reader.massesOf({ groups: true }, limits.histogramBuckets) : Promise.resolve(null);
    groupMassesRead.catch(() => {}); // thrown where it is awaited
    return groupMassesRead;
  };
  const readGroups = () => {
    groupsRead ??= (async () => {
      const groupMasses = await readGroupMasses();
      stamp("events: group masses read");
      const groups = groupModes || groupChangePoints ? (await reader.groupTargets(steps)).filter((g) => matches(g.name)) : [];
      stamp("events: group rows read");
      return { groups, fromHistograms: groupModes ? await histogramSnapshotsOf(reader, groups, { groups: true, masses: groupMasses }, options) : null };
    })();
    groupsRead.catch(() => {}); // thrown where it is awaited
    return groupsRead;
  };
  const tensors = await tensorEventsOf(reader, steps, { wants, modes, matches, filtered, s }, options, limits, (whole) => void (whole ? readGroups() : readGroupMasses()));
  stamp("events: tensors detected");
  // when the groups' reads are under way: layer forks (tensors only) while they finish; listed after the group modes
  const layerForksOf = () => (wants("layer_fork") ? layerForkEvents(tensors.layerForkTensors.tensors(), matches, MIN_LAYER_FORK_CHECKPOINTS, s) : []);
  const layerForksEarly = groupsRead !== undefined || groupMassesRead !== undefined ? layerForksOf() : null;
  const { groups, fromHistograms } = await readGroups();
  stamp("events: groups read");
  const events: DynamicsEvent[] = tensors.perTensor;
  const last = { at: performance.now() };
  const yields = reader.overlapsWrites === true ? () => turn(last) : () => undefined;
  if (fromHistograms !== null) {
    for (const group of groups) {
      await yields();
      const { steps: at, snapshots } = fromHistograms.get(group)!;
      events.push(...modeEvents(group, at, snapshots, false, s));
    }
  }
  stamp("events: group modes detected");
  events.push(...(layerForksEarly ?? layerForksOf()));
  stamp("events: layer forks detected");
  if (wants("change_point")) {
    for (const target of groups) {
      await yields();
      events.push(...changePointEventsOf(target, s));
    }
    events.push(...tensors.changePoints);
  }
  stamp("events: change points detected");
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

/**
 * detectRunEvents + storeRunEvents: recompute a run's events from the store with these settings.
 * `beforeStoring` runs between the detection (reads only) and the writes (e.g. analyze's import
 * of the training log, which the run's transition reads). `detected`: the events of this run
 * and these options detected already (analyze's detection from its own rows, under way while
 * its last write commits), stored instead of detecting them from the store.
 */
export async function recomputeRunEvents(store: Store, runId: string, options: EventDetectionOptions = {}, beforeStoring?: () => Promise<void>, detected?: Promise<DynamicsEvent[]>): Promise<DynamicsEvent[]> {
  const events = await (detected ?? detectRunEvents(store, runId, options));
  await beforeStoring?.();
  await storeRunEvents(store, runId, events, options);
  stamp("events: stored");
  await recomputeRunTransition(store, runId); // the quality side, defined once per run (quality/run-transition.ts)
  stamp("events: transition stored");
  return events;
}

/** Number of events of each kind (every kind present, 0 when none). */
export function countEventsByKind(events: readonly { kind: string }[]): Record<DynamicsEventKind, number> {
  const counts = Object.fromEntries(EVENT_KINDS.map((k) => [k, 0])) as Record<DynamicsEventKind, number>;
  for (const e of events) if (e.kind in counts) counts[e.kind as DynamicsEventKind]++;
  return counts;
}
