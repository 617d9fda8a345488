// The shape of a study's verdicts.json: for each claim of the mission, the measure, our value with
// its confidence interval, the baseline's value, and an honest verdict. Types only.

export type VerdictLabel = "supported" | "not supported" | "inconclusive";

/** A number with its confidence interval (null bounds: no interval could be computed). */
export interface Estimate {
  value: number | null;
  ci_low: number | null;
  ci_high: number | null;
  /** e.g. "95% t-interval of the mean over seeds (df = n - 1)". */
  ci_method: string | null;
  /** Sample size behind the value (runs, checkpoints, events...). */
  n: number;
}

export interface Verdict {
  /** Stable id: "events_precede_quality_changes", "predict_loss_from_parameters", "budgeted_evaluation", "early_stopping", "sparsification". */
  claim: string;
  /** The question in one sentence. */
  question: string;
  /** What is measured and in which units (lower/higher is better). */
  measure: string;
  ours: Estimate;
  /** The comparison's name and value (null when the claim has no baseline). */
  baseline: { name: string; estimate: Estimate } | null;
  verdict: VerdictLabel;
  /** Why this verdict, in one or two sentences with the numbers. */
  reason: string;
  /** Supporting tables (per run, per k, per sparsity...), JSON. */
  details: Record<string, unknown>;
  /** The paired comparisons behind the label (verdict-rule.ts); absent in older files. */
  tests?: PairedComparison[];
}

/** One paired comparison over held-out seeds (verdict-rule.ts). */
export interface PairedComparison {
  baseline: string;
  role: "primary" | "secondary";
  /** Ours must be firmly better than this baseline for "supported". */
  required: boolean;
  /** Smallest |mean difference| worth reporting (measure's units). */
  min_effect: number;
  /** Per seed: positive = ours better. */
  differences: number[];
  /** Mean difference with its t-interval. */
  difference: Estimate;
  /** Two-sided one-sample t-test p-value. */
  t_p: number | null;
  /** Two-sided Wilcoxon signed-rank p-value (the check). */
  wilcoxon_p: number | null;
  /** t_p after Holm's adjustment over the family (the claim, or the whole study in verdicts.json). */
  p_holm: number | null;
  label: VerdictLabel;
}

/** Wall-clock and CPU seconds of one phase (CPU: user + system of the whole process, every thread). */
export interface PhaseTime {
  wall_seconds: number;
  cpu_seconds: number;
}

/** The study's phases: training; analysis (statistics into the store); events (offline detection during the analysis, then each run's data with its online events); pruning; verdicts (claims, tables, files). */
export interface StudyPhaseTimes {
  train: PhaseTime;
  analysis: PhaseTime;
  events: PhaseTime;
  pruning: PhaseTime;
  verdicts: PhaseTime;
  total: PhaseTime;
  /** What each phase covers, in one sentence. */
  note: string;
}

export interface StudyRunSummary {
  name: string;
  /** Plan configuration and role (absent in older files). */
  configuration?: string;
  role?: "development" | "heldout";
  lr: number;
  width: number;
  weight_decay: number;
  seed: number;
  steps: number;
  checkpoints: number;
  final_val_loss: number | null;
  train_seconds: number;
  analyze_seconds: number;
  /** Events by kind found by the default detectors. */
  events: Record<string, number>;
}

export interface ToleranceCurveSummary {
  run: string;
  step: number;
  /** "before_fork" | "after_fork" | "final" | ... : why this checkpoint was chosen. */
  position: string;
  fork_step: number | null;
  method: "magnitude" | "random";
  scope: "global" | "tensor";
  base_loss: number;
  near_zero_mass: number | null;
  points: { sparsity: number; loss: number; loss_increase: number }[];
}

export interface FeatureCorrelation {
  feature: string;
  /** Mean over runs of Spearman rho(feature, validation loss), 95% t-interval over runs; n = runs. */
  mean_spearman: Estimate;
  /** rho per run (runs where it is defined: >= 3 finite pairs, neither series constant). */
  per_run: { run: string; rho: number; n: number }[];
}

export interface FeatureCorrelationsSummary {
  metric: string;
  /** What was computed, in one sentence. */
  method: string;
  /** Runs with a defined rho for at least one feature. */
  n_runs: number;
  /** Top features by |mean rho| (descending; ties by name), only features defined in >= 2 runs (MIN_CORRELATION_RUNS). */
  top: FeatureCorrelation[];
}

export interface VerdictsFile {
  version: 1;
  created_at: string;
  preset: string;
  /** sha256 of the plan.json fixed before training (absent in older files). */
  plan_sha256?: string;
  /** sha256 of the plan it replaced (--new-plan), else null. */
  plan_supersedes?: string | null;
  /** Wall time of each phase and in total, seconds. */
  wall_seconds: { train: number; analyze: number; pruning: number; experiments: number; total: number };
  /** Wall and CPU time of each phase of this invocation (a resumed phase counts only what it redid; absent in older files). */
  phases?: StudyPhaseTimes;
  runs: StudyRunSummary[];
  verdicts: Verdict[];
  tolerance_curves: ToleranceCurveSummary[];
  /** The metric side run on Pythia's published evaluations (null when the data are not found). */
  pythia: Record<string, unknown> | null;
  /** Pooled Spearman correlations of parameter features with the validation loss (absent in older files). */
  feature_correlations?: FeatureCorrelationsSummary;
  /** Grokking / induction presets: every run's transition step (with interval) and lead time. */
  transitions?: TransitionTableRow[];
}

/** One run of a phase-transition study: its transition and the lead time found for it (claims/transition-study.ts). Plain data: the report page reads it. */
export interface TransitionTableRow {
  run: string;
  configuration: string | null;
  role: string | null;
  metric: string | null;
  transition_step: number | null;
  interval: [number, number] | null;
  /** Why there is none (findTransition's reason), when none. */
  reason: string | null;
  /** First parameter-side signal before the transition, its lead T - step, and the mid-p score against random placement. */
  first_signal_step: number | null;
  lead: number | null;
  lead_score: number | null;
  weight_norm_transition_step: number | null;
  /** The run's seed (absent in older files). */
  seed?: number | null;
  /** The events (kind and tensor or role) that make up the first signal (absent in older files). */
  first_signal_events?: string[];
  /** Whether the signals are online events (known-at steps) rather than the offline detectors' (absent in older files). */
  online?: boolean;
  /** Distinct signal checkpoints counted (k of the random-placement null; absent in older files). */
  signals?: number | null;
  /** Random placement of the same k signals: the expected lead of its first signal given one lies before T, and P(none before T) (absent in older files). */
  random_mean_lead?: number | null;
  random_p_none?: number | null;
  /** The weight-norm baseline's lead T - W (negative: its transition comes after T; absent in older files). */
  weight_norm_lead?: number | null;
  /** Leave-one-run-out prediction of the step from features before it (null: not computable). */
  predicted_step: number | null;
}
