// Event detection's inputs held by the analysis that wrote them (issue 11): as each checkpoint's
// batch is queued for its write, what the detectors read of it is kept here (EventStatValues of
// every tensor and group row, the kept tensors' values, a few masses per histogram, and the rare
// histogram whose snapshot needs its buckets), so that analyze detects the run's events from
// memory, beside its last write, instead of reading them back once it is committed. The reader
// gives what the store's reads give for the same rows (event-inputs.ts storeEventInputs; test:
// test/pipeline/event-held.test.ts). Held within one detection batch's limits
// (EVENT_BATCH_MAX_ROWS rows, EVENT_BATCH_MAX_TRAJECTORY_BYTES): beyond them nothing is held
// and the events are read from the store, batch by batch, as before.
import type { CheckpointBatch } from "./checkpoint-batch.js";
import type { EventStatRecord } from "../store/event-queries.js";
import { eventStatValuesOf } from "../store/event-values.js";
import type { HistogramData, HistogramRecord } from "../store/types.js";
import { heldHistogramMasses, type HeldHistogramMasses, type HistogramMasses } from "../dynamics/modes/snapshots.js";
import {
  EVENT_BATCH_MAX_ROWS, EVENT_BATCH_MAX_TRAJECTORY_BYTES, groupTargetsOf, histogramNameOf, histogramRowKey, tensorBatchOf,
  type EventInputReader, type TensorBatchLimits,
} from "./event-inputs.js";

/** What a checkpoint's batch gives event detection. */
export type HeldBatch = Pick<CheckpointBatch, "eventRows" | "eventTrajectories" | "groups">;

/** Masses of a histogram, and the histogram itself when its snapshot needs the buckets (no stored shape, one atom, unsorted, empty). */
interface HeldHistograms {
  masses: Map<string, HistogramMasses>;
  buckets: Map<string, HistogramRecord>;
}

/**
 * The event inputs of the checkpoints an analysis wrote, checkpoint by checkpoint (`add`, in any
 * order); `reader` hands them to detectEventsFrom once every checkpoint of the run in the store is
 * one of them.
 */
export class HeldEventRows {
  private tensorRows: EventStatRecord[] = [];
  private groupRows: EventStatRecord[] = [];
  private trajectories: Array<{ step: number; tensor: string; values: Float32Array }> = [];
  private tensorHistograms: HeldHistograms = { masses: new Map(), buckets: new Map() };
  private groupHistograms: HeldHistograms = { masses: new Map(), buckets: new Map() };
  private readonly steps = new Set<number>();
  private readonly trajectoryCounts = new Map<string, number>();
  private trajectoryBytes = 0;
  /** Why nothing is held (a limit passed), else null. */
  private droppedBecause: string | null = null;

  constructor(private readonly limits: TensorBatchLimits = { rows: EVENT_BATCH_MAX_ROWS, trajectoryBytes: EVENT_BATCH_MAX_TRAJECTORY_BYTES }) {}

  /** Keeps what detection reads of checkpoint `step`'s batch (a step added twice is a bug). */
  add(step: number, batch: HeldBatch): void {
    if (this.droppedBecause !== null) return;
    if (batch.eventRows === null) {
      this.drop("rows not collected (more than one detection batch)");
      return;
    }
    if (this.steps.has(step)) throw new Error(`event rows of step ${step} were held twice: a bug in the caller`);
    this.steps.add(step);
    for (const r of batch.eventRows) {
      this.tensorRows.push({ step, name: r.tensor, groupKind: null, layer: r.layer, role: r.role, kind: r.kind, values: r.values });
      holdHistogram(this.tensorHistograms, histogramRowKey(r.tensor, step), r.histogram, r.values, r.masses);
    }
    for (const g of batch.groups) {
      const values = eventStatValuesOf(g);
      this.groupRows.push({ step, name: g.group_name, groupKind: g.group_kind, layer: null, role: null, kind: null, values });
      holdHistogram(this.groupHistograms, histogramRowKey(`${g.group_kind}:${g.group_name}`, step), g.histogram, values);
    }
    for (const t of batch.eventTrajectories) {
      this.trajectories.push({ step, tensor: t.tensor, values: t.values });
      this.trajectoryCounts.set(t.tensor, (this.trajectoryCounts.get(t.tensor) ?? 0) + 1);
      this.trajectoryBytes += t.values.byteLength;
    }
    if (this.tensorRows.length > this.limits.rows) this.drop(`more than ${this.limits.rows} tensor rows`);
    else if (this.trajectoryBytes > this.limits.trajectoryBytes) this.drop(`more than ${this.limits.trajectoryBytes} bytes of kept values`);
  }

  /** Lets go of everything held; the events are then read from the store. */
  drop(reason: string): void {
    this.droppedBecause ??= reason;
    this.tensorRows = [];
    this.groupRows = [];
    this.trajectories = [];
    this.tensorHistograms = { masses: new Map(), buckets: new Map() };
    this.groupHistograms = { masses: new Map(), buckets: new Map() };
    this.trajectoryCounts.clear();
  }

  /** Why nothing is held, or null while it is. */
  get dropped(): string | null {
    return this.droppedBecause;
  }

  /** Steps held, increasing. */
  heldSteps(): number[] {
    return [...this.steps].sort((a, b) => a - b);
  }

  /**
   * The held rows as event detection's inputs of run `runId`, when they are all of it (the caller
   * knows: a store that held none of the run's checkpoints before); null once dropped.
   */
  reader(runId: string): EventInputReader | null {
    if (this.droppedBecause !== null) return null;
    const steps = this.heldSteps();
    const tensorRows = this.tensorRows, groupRows = this.groupRows, trajectories = this.trajectories;
    const tensorHistograms = this.tensorHistograms, groupHistograms = this.groupHistograms;
    const withStatRows = new Set(tensorRows.map((r) => r.name));
    let maxTrajectories = 0;
    for (const [tensor, n] of this.trajectoryCounts) if (withStatRows.has(tensor)) maxTrajectories = Math.max(maxTrajectories, n);
    return {
      runId,
      overlapsWrites: true,
      completeSteps: async () => [...steps],
      // one batch (the limits held to are one batch's), none for a run without tensor rows (as forEachTensorExtent's)
      tensorBatches: async () => ({ batches: tensorRows.length === 0 ? [] : [{ range: undefined, histogramBuckets: 0 }], maxTrajectories }),
      readTensorBatch: (range, batchSteps, o) => tensorBatchOf(async (onRows) => onRows(tensorRows), async (onTrajectory) => {
        for (const t of trajectories) onTrajectory(t.step, t.tensor, t.values);
      }, range, batchSteps, o),
      groupTargets: (batchSteps) => groupTargetsOf(async (onRows) => onRows(groupRows), batchSteps),
      massesOf: async (o) => (o.groups ? groupHistograms : tensorHistograms).masses,
      forEachTargetHistogram: async (targets, o, onHistogram) => {
        const held = o.groups ? groupHistograms : tensorHistograms;
        const only = o.steps === undefined ? null : new Set(o.steps);
        for (const target of targets) {
          const name = histogramNameOf(target);
          target.steps.forEach((step, i) => {
            if ((only !== null && !only.has(step)) || (o.wanted !== undefined && !o.wanted(target, i))) return;
            const key = histogramRowKey(name, step);
            const histogram = held.buckets.get(key);
            if (histogram !== undefined) onHistogram(target, i, histogram);
            else if (held.masses.has(key)) throw new Error(`a bug: the buckets of histogram ${name} at step ${step} were not held, but its snapshot needs them`);
          });
        }
      },
    };
  }
}

/**
 * A row's histogram masses, and its buckets when its snapshot cannot be made from the masses (as
 * the store reads them: Int32Array keys, Float64Array counts; the row's own typed arrays, which
 * nothing writes once the row is made, else a copy); `given`: both worked out already (by the
 * worker that made the row: pipeline/row-tasks.ts), else worked out here.
 */
function holdHistogram(held: HeldHistograms, key: string, histogram: HistogramData | undefined, values: EventStatRecord["values"], given?: HeldHistogramMasses): void {
  if (histogram === undefined) return;
  const { masses, needsBuckets } = given ?? heldHistogramMasses(histogram, values.std, values.extra);
  held.masses.set(key, masses);
  if (!needsBuckets) return;
  const { keys, counts } = histogram;
  held.buckets.set(key, { keys: keys instanceof Int32Array ? keys : Int32Array.from(keys), counts: counts instanceof Float64Array ? counts : Float64Array.from(counts) });
}
