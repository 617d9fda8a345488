// ReportData: the typed, JSON-serializable input of the report page and the dashboard. It is
// what the store adapter produces and what the page reads; it holds no class instances.
import type { VerdictsFile } from "../experiments/verdict-types.js";

/** Version of the ReportData layout; the page refuses data of another major version. */
export const REPORT_DATA_VERSION = 1;

/** A numeric array packed for the page: little-endian typed values, optionally gzipped, base64. */
export interface EncodedArray {
  dtype: "u8" | "u16" | "f32";
  /** "gzip-base64": gzip then base64 (the page inflates with DecompressionStream). */
  encoding: "base64" | "gzip-base64";
  /** Number of elements (not bytes). */
  length: number;
  data: string;
}

/**
 * Density of one tensor over checkpoints on a shared linear value grid: a (checkpoints x bins)
 * matrix of per-cell counts, quantised per column: count(c, b) ~= q(c, b) / qmax * colMax[c].
 */
export interface EncodedDensity {
  /** Value grid [lo, hi] split into `bins` equal cells. */
  lo: number;
  hi: number;
  bins: number;
  /** Column c belongs to run.steps[c]; a column with colMax 0 has no histogram. */
  columns: number;
  /** Largest cell count of each column (exact, before quantisation). */
  colMax: number[];
  /** Total count of each column that fell inside [lo, hi]. */
  colTotal: number[];
  /** Elements of each column outside [lo, hi] (clipped tails). */
  colOutside: number[];
  /** Row-major (column-major in time: column c occupies [c * bins, (c + 1) * bins)). */
  cells: EncodedArray;
}

/** A mode or branch followed over checkpoints (drawn as a line over the density). */
export interface ModeTrack {
  id: string;
  label: string;
  /** "branch": population-fork branch centre (dashed); "mode": KDE mode track of the mode tracker (solid). Default "branch". */
  kind?: "branch" | "mode";
  points: Array<{ step: number; value: number; mass?: number }>;
}

/** Where a mode split or merge happened: the single mode and the two modes next to it. */
export interface ModeMark {
  kind: "split" | "merge";
  /** The event's step (split: first two-mode checkpoint; merge: first one-mode checkpoint). */
  step: number;
  strength: number;
  /** The single mode (split: last checkpoint before; merge: first checkpoint after). */
  single: { step: number; value: number };
  /** The two modes at the two-mode checkpoint next to it. */
  pair: { step: number; values: [number, number] };
}

export type ReportTensorKind = "tensor" | "group";

/** One tensor or group of one run. */
export interface ReportTensor {
  name: string;
  kind: ReportTensorKind;
  /** For groups: "role" | "layer" | "model". */
  groupKind?: string;
  layer: number | null;
  role: string;
  shape?: number[];
  numel: number;
  /** Statistic name -> value per run step (null where missing). */
  stats: Record<string, Array<number | null>>;
  density?: EncodedDensity;
  modes?: ModeTrack[];
  /** Mode splits and merges over the mode tracks (points marked on the heatmap). */
  modeMarks?: ModeMark[];
}

/** Values of a kept (small) tensor's elements at every step, with population-fork branches. */
export interface ReportTrajectories {
  tensor: string;
  /** Element indices shown (a sample of the tensor when it is large). */
  elements: number[];
  /** Steps x elements float32, row-major by step (row s = run.steps[s]). */
  values: EncodedArray;
  /** Branch of each shown element after the fork (-1: none / before any fork). */
  branch?: number[];
  /** Step of the population fork the branches come from. */
  forkStep?: number;
}

/** An event from dynamics/ (same fields as DynamicsEvent; evidence is any JSON). */
export interface ReportEvent {
  kind: string;
  tensor: string;
  step: number;
  step_low: number;
  step_high: number;
  strength: number;
  evidence?: Record<string, unknown>;
  /** Name of the optimizer-artefact rule the event meets (dynamics/artefacts.ts); absent when none. */
  artefact?: string;
}

/** An event as an online (causal) detector knows it: from checkpoints up to `knownAt` only. */
export interface ReportOnlineEvent {
  kind: string;
  tensor: string;
  step: number;
  step_low: number;
  knownAt: number;
  strength: number;
  /** Name of the optimizer-artefact rule of the offline event it comes from; absent when none. */
  artefact?: string;
}

export interface ReportMetric {
  name: string;
  /** e.g. "held-out loss (nats/token)". */
  unit?: string;
  steps: number[];
  values: Array<number | null>;
}

/** The run's transition in its quality metric (the transitions table), for the page. */
export interface ReportTransition {
  metric: string;
  source: string;
  found: boolean;
  /** Interpolated halfway crossing (null when not found). */
  step: number | null;
  /** Checkpoints bracketing the crossing (null when not found). */
  interval: [number, number] | null;
  before: number | null;
  after: number | null;
  noise: number | null;
  /** (before + after) / 2 when found. */
  halfway: number | null;
  /** Why no transition was found. */
  reason?: string;
}

/** A parameter-side series of the "Phase transition" view, drawn in its panel on the shared step axis. */
export interface ReportPhaseFeature extends ReportMetric {
  /** "norm": weight norms; "events": events per checkpoint. */
  panel: "norm" | "events";
}

/** The "Phase transition" view: the quality metric that defines the transition and parameter-side features. */
export interface ReportPhase {
  transition: ReportTransition;
  /** The transition metric's series, steps ascending. */
  metric: ReportMetric;
  features: ReportPhaseFeature[];
}

export interface PruningCurve {
  /** Checkpoint step the pruning was applied to (null: not step-specific). */
  step: number | null;
  /** e.g. "magnitude", "random". */
  method: string;
  /** e.g. "held-out loss". */
  metric: string;
  sparsity: number[];
  values: Array<number | null>;
  /** "global" | "tensor" (shown when a run has both). */
  scope?: string;
  /** Fraction of the prunable weights with |w| <= 0.1 std before pruning (null: not measured). */
  nearZeroMass?: number | null;
  /** Unpruned loss of the checkpoint. */
  baseLoss?: number;
  /** Seeds averaged at each sparsity (random pruning: more than one). */
  seeds?: number[];
}

export interface ReportRun {
  id: string;
  source: string;
  /** Checkpoint steps, ascending, unique (may start at 0). */
  steps: number[];
  tensors: ReportTensor[];
  trajectories: ReportTrajectories[];
  events: ReportEvent[];
  /** Present when the store holds the run's online events (`events --online`, a study). */
  onlineEvents?: ReportOnlineEvent[];
  metrics: ReportMetric[];
  pruning: PruningCurve[];
  /** Present when the run has a transition metric (a row of the transitions table). */
  phase?: ReportPhase;
}

export interface ReportData {
  version: typeof REPORT_DATA_VERSION;
  title: string;
  /** ISO timestamp. */
  generatedAt: string;
  runs: ReportRun[];
  /** A study's verdicts.json (the CLI reads <out>/verdicts.json when present). */
  verdicts?: VerdictsFile;
}

/** An empty run, to be filled by an adapter. */
export function emptyRun(id: string, source: string, steps: number[]): ReportRun {
  return { id, source, steps, tensors: [], trajectories: [], events: [], metrics: [], pruning: [] };
}
