// One run's "understanding quality" report from the store: every stored feature against every
// stored metric series (Spearman, Kendall, bootstrap CIs), and lead/lag of events vs metric changes.
import { NotEnoughPointsError, UsageError } from "../util/errors.js";
import { isOptimizerArtefact } from "../dynamics/artefacts.js";
import type { EventRecord, MetricRecord, Store } from "../store/index.js";
import type { DynamicsEventKind } from "../store/vocabulary.js";
import { alignToCheckpoints } from "./align.js";
import { DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_BOOTSTRAP_SEED, DEFAULT_CONFIDENCE } from "./bootstrap.js";
import { correlateFeatures, MIN_CORRELATION_POINTS, type FeatureMetricCorrelation } from "./correlation.js";
import { DEFAULT_LEAD_WINDOW_LOG, leadLag, type LeadLagEvent, type LeadLagResult } from "./leadlag.js";
import { featuresFromStore } from "./store-features.js";

/** Events matched with metric changes: distribution events (change points of statistics are left out). */
export const LEAD_LAG_EVENT_KINDS: readonly DynamicsEventKind[] = ["population_fork", "mode_split", "mode_merge", "layer_fork"];

export interface CorrelateRunOptions {
  /** Only this metric name (default: every stored metric series of the run). */
  metric?: string;
  /** Only this metric source (default: every source). */
  source?: string;
  /** Bootstrap resamples for every CI (default DEFAULT_BOOTSTRAP_RESAMPLES). */
  resamples?: number;
  seed?: number;
  /** Largest |metric step - checkpoint step| accepted when aligning (default 0: exact steps). */
  tolerance?: number;
  /** Also match events labelled as optimizer artefacts (events.artefact; default false: left out). */
  includeArtefacts?: boolean;
}

export interface MetricCorrelations {
  metric: string;
  source: string;
  /** Analysed checkpoints where the metric has a finite value. */
  n_checkpoints: number;
  /** Every feature with at least MIN_CORRELATION_POINTS paired points, by |Spearman rho| descending (NaN last). */
  correlations: FeatureMetricCorrelation[];
  /** Features with fewer paired finite points than MIN_CORRELATION_POINTS. */
  skipped_features: { feature: string; n: number }[];
  /** Change points of the metric series (PELT, linear cost in ln(1+step), as `events` does) matched with the latest event at or before each. */
  lead_lag: LeadLagResult;
}

export interface RunCorrelationReport {
  run: string;
  /** Analysed checkpoint steps (those with stored group statistics), ascending. */
  steps: number[];
  n_features: number;
  /** The events used for lead/lag (LEAD_LAG_EVENT_KINDS, interval not starting at step 0, optimizer artefacts left out unless asked for). */
  events: LeadLagEvent[];
  /** Events of those kinds left out as optimizer artefacts (0 with includeArtefacts). */
  artefacts_excluded: number;
  metrics: MetricCorrelations[];
  /** Metric series with fewer aligned finite points than MIN_CORRELATION_POINTS. */
  skipped_metrics: { metric: string; source: string; n: number }[];
  settings: { resamples: number; seed: number; confidence: number; tolerance: number; lead_window_log: number; event_kinds: string[]; include_artefacts: boolean };
}

const METRICS_HINT = "add them with `forking-paths metrics <out> --add <file>`";

/**
 * Events of LEAD_LAG_EVENT_KINDS with a step whose interval (step_low, step] does not start at 0;
 * events labelled as optimizer artefacts are left out unless `includeArtefacts`.
 */
export function leadLagEventsOf(events: readonly EventRecord[], o: { includeArtefacts?: boolean } = {}): LeadLagEvent[] {
  return events
    .filter((e) => LEAD_LAG_EVENT_KINDS.includes(e.kind) && e.step !== null && (e.step_low ?? e.step) >= 1 && (o.includeArtefacts === true || !isOptimizerArtefact(e)))
    .map((e) => ({ kind: e.kind, tensor: e.tensor, step: e.step! }))
    .sort((a, b) => a.step - b.step || a.kind.localeCompare(b.kind) || (a.tensor ?? "").localeCompare(b.tensor ?? ""));
}

/** |rho| within this are ties (rho is a Pearson of ranks: a perfect order may give 1 - 2e-16). */
const RHO_TIE = 1e-12;

/** |rho| descending; NaN (constant feature) last; ties by feature name. */
function byAbsSpearman(a: FeatureMetricCorrelation, b: FeatureMetricCorrelation): number {
  const x = Math.abs(a.spearman.estimate), y = Math.abs(b.spearman.estimate);
  if (Number.isNaN(x) !== Number.isNaN(y)) return Number.isNaN(x) ? 1 : -1;
  const d = Number.isNaN(x) || Math.abs(y - x) <= RHO_TIE ? 0 : y - x;
  return d || a.feature.localeCompare(b.feature);
}

async function selectedMetrics(store: Store, runId: string, options: CorrelateRunOptions): Promise<MetricRecord[]> {
  const rows = await store.metrics({ run: runId, ...(options.source !== undefined && { source: options.source }), ...(options.metric !== undefined && { name: options.metric }) });
  if (rows.length > 0) return rows;
  const all = await store.metrics({ run: runId });
  if (all.length === 0) throw new UsageError(`run "${runId}" in ${store.path} has no metrics; ${METRICS_HINT}`);
  const names = [...new Set(all.map((m) => `${m.source}:${m.name}`))].sort().join(", ");
  throw new UsageError(`run "${runId}" has no metric${options.metric !== undefined ? ` "${options.metric}"` : ""}${options.source !== undefined ? ` from source "${options.source}"` : ""}; stored (source:name): ${names}`);
}

/**
 * Correlates every stored feature of a run with each of its stored metric series (aligned to the
 * analysed steps), and matches the metric's change points with the run's events.
 * Throws UsageError when the run has no (matching) metrics, NotEnoughPointsError when no metric
 * series has MIN_CORRELATION_POINTS aligned finite points.
 */
export async function correlateRun(store: Store, runId: string, options: CorrelateRunOptions = {}): Promise<RunCorrelationReport> {
  const metricRows = await selectedMetrics(store, runId, options);
  const f = await featuresFromStore(store, runId);
  if (f.steps.length === 0) throw new UsageError(`run "${runId}" in ${store.path} has no analysed checkpoints with group statistics; run \`forking-paths analyze\` first`);
  const bootstrap = { resamples: options.resamples ?? DEFAULT_BOOTSTRAP_RESAMPLES, seed: options.seed ?? DEFAULT_BOOTSTRAP_SEED };
  const tolerance = options.tolerance ?? 0;
  const features: Record<string, (number | null)[]> = {};
  f.featureNames.forEach((name, j) => (features[name] = f.rows.map((r) => r[j] ?? null)));
  const stored = await store.events({ run: runId });
  const includeArtefacts = options.includeArtefacts === true;
  const events = leadLagEventsOf(stored, { includeArtefacts });
  const artefactsExcluded = includeArtefacts ? 0 : leadLagEventsOf(stored, { includeArtefacts: true }).length - events.length;
  const metrics: MetricCorrelations[] = [];
  const skipped: RunCorrelationReport["skipped_metrics"] = [];
  for (const source of [...new Set(metricRows.map((m) => m.source))].sort()) {
    for (const series of alignToCheckpoints(metricRows.filter((m) => m.source === source), f.steps, { tolerance })) {
      const n = series.values.filter((v) => v !== null && Number.isFinite(v)).length;
      if (n < MIN_CORRELATION_POINTS) { skipped.push({ metric: series.name, source, n }); continue; }
      const table = correlateFeatures(features, { [series.name]: series.values }, bootstrap);
      metrics.push({
        metric: series.name, source, n_checkpoints: n,
        correlations: table.rows.sort(byAbsSpearman),
        skipped_features: table.skipped.map((s) => ({ feature: s.feature, n: s.n })),
        lead_lag: leadLag(f.steps, series.values, events, { ...bootstrap, detect: { axis: "log-step", cost: "linear" } }),
      });
    }
  }
  if (metrics.length === 0) {
    const worst = skipped.reduce((m, s) => Math.max(m, s.n), 0);
    throw new NotEnoughPointsError(`run "${runId}": metrics aligned to analysed steps (${skipped.map((s) => `${s.source}:${s.metric}`).join(", ")}); check that metric steps match checkpoint steps`, MIN_CORRELATION_POINTS, worst);
  }
  return {
    run: runId, steps: f.steps, n_features: f.featureNames.length, events, artefacts_excluded: artefactsExcluded, metrics, skipped_metrics: skipped,
    settings: { ...bootstrap, confidence: DEFAULT_CONFIDENCE, tolerance, lead_window_log: DEFAULT_LEAD_WINDOW_LOG, event_kinds: [...LEAD_LAG_EVENT_KINDS], include_artefacts: includeArtefacts },
  };
}
