// Row types of the results store API: what the analyzer writes and what queries return.
// Statistic field names match stats/'s TensorSummary, so a summary can be spread into a row.
import type { TensorSummary } from "../stats/summary.js";
import type { CheckpointStage } from "./staging.js";
import type { BufferDtype, Dtype, DynamicsEventKind, GroupKind, TensorKind, TensorRole } from "./vocabulary.js";

/** A sparse histogram: sorted keys (float32 bits >>> 16) and their counts. */
export interface HistogramData {
  keys: Int32Array | readonly number[];
  counts: Float64Array | readonly number[];
}

/**
 * Distribution statistics of one tensor or group as the store holds them: stats/'s TensorSummary
 * (one definition of every statistic), with the differences of a stored row stated here:
 * inf_count is not a column (posinf + neginf; the records add it back), finite_count is derived
 * when not given, the norms may be null, the fields the first schemas lacked (the rel-std bounds,
 * the quantile error bound) may be absent or null, and further statistics live in `extra`.
 */
export interface StatValues extends Omit<TensorSummary, "inf_count" | "finite_count" | "l1" | "l2" | "linf" | "frac_abs_le_rel_std_bounds" | "quantile_rel_error_bound"> {
  /** numel minus NaN and Inf; derived when not given. */
  finite_count?: number;
  l1: number | null;
  l2: number | null;
  linf: number | null;
  frac_abs_le_rel_std_bounds?: TensorSummary["frac_abs_le_rel_std_bounds"];
  quantile_rel_error_bound?: number | null;
  /** Further statistics (shape tests, spectra), JSON-serializable. */
  extra?: Record<string, unknown>;
}

export interface TensorStatsInput extends StatValues {
  tensor: string;
  layer: number | null;
  role: TensorRole;
  kind: TensorKind;
  dtype: Dtype;
  shape: readonly number[];
  /** Stored in the histograms table when given. */
  histogram?: HistogramData;
  /** The mergeable sketch, JSON-serializable; stored as sketch_json when given. */
  sketch?: unknown;
}

export type { GroupKind } from "./vocabulary.js";

export interface GroupStatsInput extends StatValues {
  group_kind: GroupKind;
  group_name: string;
  n_tensors: number;
  histogram?: HistogramData;
}

export interface BufferInput {
  tensor: string;
  dtype: BufferDtype;
  shape: readonly number[];
  numel: number;
  role: TensorRole;
}

export interface TrajectoryInput {
  tensor: string;
  values: Float32Array;
}

export interface CheckpointInfo {
  step: number;
  label: string;
  path: string;
  /** e.g. "safetensors", "pytorch". */
  format: string;
  n_tensors: number;
  total_bytes: number;
}

/** Everything computed for one checkpoint; written in one transaction. */
export interface CheckpointResult {
  checkpoint: CheckpointInfo;
  tensors: readonly TensorStatsInput[];
  groups?: readonly GroupStatsInput[];
  buffers?: readonly BufferInput[];
  trajectories?: readonly TrajectoryInput[];
  /** Per-tensor rows already staged in the store that writes this result (Store.stageCheckpoint), written before `tensors`. */
  stage?: CheckpointStage;
}

export interface RunInput {
  run_id: string;
  /** Where the checkpoints come from (folder path or hub repo id). */
  source: string;
  options?: Record<string, unknown>;
}

export interface RunRecord {
  run_id: string;
  source: string;
  created_at: string;
  options: Record<string, unknown>;
}

export interface CheckpointRecord extends CheckpointInfo {
  run_id: string;
  complete: boolean;
  analyzed_at: string | null;
}

export interface TensorStatsRecord extends StatValues {
  run_id: string;
  step: number;
  tensor: string;
  layer: number | null;
  role: TensorRole;
  kind: TensorKind;
  dtype: Dtype;
  shape: number[];
  inf_count: number;
  sketch?: unknown;
}

export interface GroupStatsRecord extends StatValues {
  run_id: string;
  step: number;
  group_kind: GroupKind;
  group_name: string;
  n_tensors: number;
  inf_count: number;
}

export interface BufferRecord extends BufferInput {
  run_id: string;
  step: number;
  shape: number[];
}

export interface TrajectoryRecord {
  run_id: string;
  step: number;
  tensor: string;
  values: Float32Array;
}

export interface HistogramRecord {
  keys: Int32Array;
  counts: Float64Array;
}

export interface EventInput {
  kind: DynamicsEventKind;
  tensor: string | null;
  step: number | null;
  step_low: number | null;
  step_high: number | null;
  strength: number | null;
  evidence: unknown;
  detector: unknown;
  /** Name of the optimizer-artefact rule the event meets (dynamics/artefacts.ts); null or absent: none. */
  artefact?: string | null;
}

/** `artefact` as read: null when the event is no optimizer artefact, or was stored before the label existed. */
export interface EventRecord extends EventInput {
  run_id: string;
}

/** An event as an online detector knows it: `known_at` is the first checkpoint step from which it is known using only checkpoints up to that one. */
export interface OnlineEventInput {
  kind: DynamicsEventKind;
  tensor: string | null;
  step: number;
  step_low: number;
  strength: number;
  known_at: number;
  /** The optimizer-artefact rule of the offline event it comes from; null: none. */
  artefact: string | null;
}

export interface OnlineEventRecord extends OnlineEventInput {
  run_id: string;
}

/** The transition of a run in one quality metric (quality/transition.ts), as stored. */
export interface TransitionInput {
  metric: string;
  /** Metrics source the series came from. */
  source: string;
  /** "default order": the first metric of the documented order present; "explicit": named by the user. */
  chosen_by: "default order" | "explicit";
  found: boolean;
  /** Interpolated step of the halfway crossing; null when not found. */
  step: number | null;
  /** Steps of the checkpoints bracketing the crossing; null when not found. */
  step_low: number | null;
  step_high: number | null;
  /** Plateau medians and robust noise sd; null when the series was too short to estimate them. */
  before: number | null;
  after: number | null;
  noise: number | null;
  /** Finite metric values the rule saw. */
  n_points: number;
  /** direction, halfway, misplaced, plateau_points, reason (when not found), options. */
  detail: Record<string, unknown>;
}

export interface TransitionRecord extends TransitionInput {
  run_id: string;
}

export interface MetricInput {
  step: number;
  name: string;
  value: number | null;
}

export interface MetricRecord extends MetricInput {
  run_id: string;
  source: string;
}

export interface TensorStatsFilter {
  run?: string;
  tensor?: string;
  step?: number;
  role?: TensorRole;
  layer?: number;
  /** Parse and return the stored sketch (large); default false. */
  withSketch?: boolean;
}

export interface IntegrityReport {
  ok: boolean;
  problems: string[];
}

/** One evaluated pruning of one checkpoint: method, scope and sparsity, loss before and after. */
export interface PruningInput {
  step: number;
  method: "magnitude" | "random";
  scope: "global" | "tensor";
  /** Requested fraction of the prunable weights pruned, in [0, 1). */
  sparsity: number;
  seed: number;
  /** Loss of the unpruned checkpoint on the same tokens. */
  base_loss: number;
  /** Loss after pruning. */
  loss: number;
  /** Predictions (tokens) the losses average over. */
  eval_predictions: number;
  /** Achieved fraction of exact zeros in the pruned tensors. */
  zeros_fraction: number;
  /** Fraction of the prunable weights with |w| <= 0.1 std before pruning; null when not measured. */
  near_zero_mass: number | null;
  /** Anything else worth keeping (tokens used, checkpoint path, pruned tensors), JSON-serializable. */
  detail?: Record<string, unknown>;
}

export interface PruningRecord extends PruningInput {
  run_id: string;
  /** loss - base_loss. */
  loss_increase: number;
}

export interface PruningFilter {
  run?: string;
}
