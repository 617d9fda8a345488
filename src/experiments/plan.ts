// The study's plan, fixed before any data exist: configurations and seeds (development seeds for
// tuning, held-out seeds for the verdicts), detector settings, each claim's measure settings,
// primary baseline, minimum effect and decision rule. Its sha256 (of the canonical JSON) goes into
// verdicts.json. Pure: building, canonical text and hashing; plan-io.ts reads and writes it.
import { createHash } from "node:crypto";
import { TRAIN_DEFAULTS, ADAMW_DEFAULTS, type TaskTrainDefaults } from "../model/index.js";
import { DEFAULT_BUDGETS } from "../quality/budget.js";
import { DEFAULT_PATIENCE, DEFAULT_MIN_DELTA, DEFAULT_SETTLE_THRESHOLD, DEFAULT_SETTLE_WINDOW, DEFAULT_MIN_CHECKPOINT_FRACTION } from "../quality/early-stop.js";
import { UsageError } from "../util/errors.js";
import { STUDY_ALPHA } from "./inference.js";
import { MIN_HELDOUT_SEEDS, RULE_TEXT } from "./verdict-rule.js";

export const PLAN_FILE = "plan.json";
export const PLAN_VERSION = 1;

/** A fixed training configuration; its seeds are the replicates. */
export interface PlanConfiguration {
  name: string;
  lr: number;
  width: number;
  weight_decay: number;
  steps: number;
  /** Checkpoints 0, 1, 2, ... log_spaced_up_to, then every save_every steps. */
  log_spaced_up_to: number;
  save_every: number;
  /** Validation tokens of the trainer's evaluation at each checkpoint; absent: the preset's (8192). */
  eval_tokens?: number;
  /** A synthetic task's run (the grokking and induction presets); absent: the language model of `tiny`. */
  task?: PlanTask;
}

/**
 * The training recipe of a synthetic task beyond PlanConfiguration's lr, width, weight decay and
 * steps: the task module's TaskTrainDefaults fields as they were when the plan was written (so a
 * field the module gains is recorded and passed on too), warmup resolved for the plan's steps.
 */
export type PlanTaskTrain = Omit<TaskTrainDefaults, "lr" | "width" | "weightDecay" | "steps">;

/** A synthetic task as the plan fixes it (plan-tasks.ts): the task's options and the rest of its training recipe. */
export interface PlanTask {
  name: "modular-addition" | "induction";
  /** The task's options (TaskOptions fields; the modular-addition split seed is the run's seed). */
  options: Record<string, number | string>;
  train: PlanTaskTrain;
}

/** The quality metric that defines each run's transition and findTransition's settings (task presets). */
export interface TransitionPlan {
  metric: string;
  /** The plateaus must differ by more than this (the metric's units). */
  min_difference: number;
  /** null = findTransition's default, max(3, round(n / 10)) points on the whole run. */
  plateau_points: number | null;
  noise_multiple: number;
  interpolation: "linear" | "log";
  why: string;
}

/** The one factor the task presets vary between their two configurations, stated before the data. */
export interface VariedFactor {
  name: string;
  /** Value in each configuration, by configuration name. */
  values: Record<string, number>;
  why: string;
}

export interface ClaimPlan {
  /** Configuration whose seeds this claim's verdict is computed on. */
  configuration: string;
  primary_baseline: string;
  /** Task presets: the claim pools the seeds of these configurations (overrides `configuration`). */
  configurations?: string[];
  /** Other baselines: reported; a required one must be beaten too. */
  secondary_baselines: { name: string; required: boolean }[];
  /** Smallest |mean paired difference| worth reporting, in the measure's units. */
  min_effect: number;
  /** Which events: "online" (known at the confirming checkpoint, past-only noise scales) or "offline". */
  events: "online" | "offline" | "none";
  /** Claim-specific settings (windows, costs, k ranges, thresholds...). */
  settings: Record<string, number | string | boolean | number[] | string[] | null>;
}

export interface StudyPlan {
  version: typeof PLAN_VERSION;
  preset: StudyPreset;
  configurations: PlanConfiguration[];
  /** Task presets only: the transition's metric and rule, and the varied factor. */
  transition?: TransitionPlan;
  varied_factor?: VariedFactor;
  seeds: { development: number[]; heldout: number[] };
  detectors: Record<string, number | string | boolean | string[]>;
  inference: { alpha: number; min_heldout_seeds: number; tests: string; multiple_comparisons: string; rule: string };
  /** The five core claims always; the two transition claims in the task presets' plans only. */
  claims: Record<CoreClaimId, ClaimPlan> & Partial<Record<TransitionClaimId, ClaimPlan>>;
  /** sha256 of the plan this one replaced (written with --new-plan), else null. */
  supersedes: string | null;
}

export type StudyPreset = "tiny" | "grokking" | "induction";
export const STUDY_PRESETS: readonly StudyPreset[] = ["tiny", "grokking", "induction"];

export type CoreClaimId = "events_precede_quality_changes" | "predict_loss_from_parameters" | "budgeted_evaluation" | "early_stopping" | "sparsification";
/** Claims of the runs with a known phase transition (the grokking and induction presets). */
export type TransitionClaimId = "parameters_announce_transition" | "predict_transition_step";
export type ClaimId = CoreClaimId | TransitionClaimId;
export const CORE_CLAIM_IDS: readonly CoreClaimId[] = ["events_precede_quality_changes", "predict_loss_from_parameters", "budgeted_evaluation", "early_stopping", "sparsification"];
export const TRANSITION_CLAIM_IDS: readonly TransitionClaimId[] = ["parameters_announce_transition", "predict_transition_step"];
/** Every claim, in the verdicts' order (a plan holds the core ones, and the transition ones for the task presets). */
export const CLAIM_IDS: readonly ClaimId[] = [...CORE_CLAIM_IDS, ...TRANSITION_CLAIM_IDS];

/** The claims a plan holds, in CLAIM_IDS order. */
export function planClaimIds(plan: StudyPlan): ClaimId[] {
  return CLAIM_IDS.filter((id) => plan.claims[id] !== undefined);
}

/** The base configuration (the preset's defaults at width 128) and the long, small one where early stopping can matter. */
export const BASE_CONFIGURATION: PlanConfiguration = { name: "base", lr: TRAIN_DEFAULTS.tiny.lr, width: 128, weight_decay: ADAMW_DEFAULTS.weightDecay, steps: TRAIN_DEFAULTS.tiny.steps, log_spaced_up_to: 32, save_every: 25 };
/**
 * Over-training: width 64 (a quarter of the base's matrix FLOPs) for 4x the steps, no weight
 * decay: its validation loss flattens long before the end, so a stop can save compute at a small
 * cost (at 600 steps the base run's loss still falls and neither stop rule fires).
 */
export const OVERTRAIN_CONFIGURATION: PlanConfiguration = { name: "overtrain", lr: TRAIN_DEFAULTS.tiny.lr, width: 64, weight_decay: 0, steps: 4 * TRAIN_DEFAULTS.tiny.steps, log_spaced_up_to: 32, save_every: 100 };

export const DEFAULT_DEVELOPMENT_SEEDS: readonly number[] = [0, 1];
/** Held-out seeds start here (never used for development). */
export const HELDOUT_SEED_BASE = 100;

export interface PlanOptions {
  heldoutSeeds?: number;
  developmentSeeds?: number;
  /** Configuration names to train (default both). */
  configurations?: readonly string[];
  /** Override every configuration's steps (tests). */
  steps?: number;
  /** Override every configuration's validation tokens per checkpoint (quick trials and tests). */
  evalTokens?: number;
  /** Pruning sparsities and random masks. */
  sparsities?: readonly number[];
  randomMasks?: number;
  pruneTokens?: number;
}

/** The plan `study` writes before training, from its options. */
export function buildPlan(o: PlanOptions = {}): StudyPlan {
  const heldout = o.heldoutSeeds ?? MIN_HELDOUT_SEEDS;
  const dev = o.developmentSeeds ?? DEFAULT_DEVELOPMENT_SEEDS.length;
  if (!Number.isInteger(heldout) || heldout < 2 || heldout > 64) throw new UsageError(`--seeds must be an integer from 2 to 64, got ${heldout}`);
  if (!Number.isInteger(dev) || dev < 0 || dev > 16) throw new UsageError(`--dev-seeds must be an integer from 0 to 16, got ${dev}`);
  const known = [BASE_CONFIGURATION, OVERTRAIN_CONFIGURATION];
  const names = o.configurations ?? known.map((c) => c.name);
  const unknown = names.filter((n) => !known.some((c) => c.name === n));
  if (unknown.length > 0 || names.length === 0) throw new UsageError(`--configs: unknown configuration "${unknown.join(", ")}"; use ${known.map((c) => c.name).join(", ")}`);
  const configurations = known.filter((c) => names.includes(c.name)).map((c) => ({ ...c, ...(o.steps !== undefined && { steps: o.steps }), ...(o.evalTokens !== undefined && { eval_tokens: o.evalTokens }) }));
  const overtrain = names.includes("overtrain") ? "overtrain" : "base";
  const online = "online" as const;
  return {
    version: PLAN_VERSION, preset: "tiny", configurations,
    seeds: { development: Array.from({ length: dev }, (_, i) => i), heldout: Array.from({ length: heldout }, (_, i) => HELDOUT_SEED_BASE + i) },
    detectors: {
      event_kinds: ["population_fork", "mode_split", "mode_merge", "layer_fork"], first_interval_excluded: true,
      persistence: 3, population_separation: 4, layer_gap: 4, bimodality_alpha: 0.05, parameter_change_point_cost: "linear",
      online_rule: "an event is known at the checkpoint that completes its persistence window, detected on checkpoints up to that one only (layer-fork noise scale from the past)",
    },
    inference: { alpha: STUDY_ALPHA, min_heldout_seeds: MIN_HELDOUT_SEEDS, tests: "two-sided one-sample t-test and t-interval of per-seed paired differences; Wilcoxon signed-rank (exact without ties) as a check", multiple_comparisons: "Holm across every comparison of every claim", rule: RULE_TEXT },
    claims: {
      events_precede_quality_changes: {
        configuration: "base", primary_baseline: "events of the other held-out seeds (shuffled across seeds), same change points", secondary_baselines: [], min_effect: 0.1, events: online,
        settings: { window_log: Math.log(2), metric_change_cost: "l2", metric_change_axis: "log-step", metric_change_min_size: 2, metric_change_penalty: "default (BIC-style)", measure: "share of validation-loss change points with an event known at or before them, within the window" },
      },
      predict_loss_from_parameters: {
        configuration: "base", primary_baseline: "step mean: the training runs' mean validation loss at the same step", secondary_baselines: [{ name: "learning-curve extrapolation from the held-out run's first half", required: false }, { name: "ridge on WeightWatcher alpha", required: false }], min_effect: 0.01, events: "none",
        settings: { scored_fraction: 0.5, lambda_grid: "10^-4 .. 10^4, half-decade steps", lambda_cv: "leave-one-run-out within the training runs (grouped by run)" },
      },
      budgeted_evaluation: {
        configuration: "base", primary_baseline: "log-uniform placement", secondary_baselines: [{ name: "events of another held-out seed (shuffled across seeds)", required: true }, { name: "uniform placement", required: false }], min_effect: 0.002, events: online,
        settings: { budgets: [...DEFAULT_BUDGETS], interpolation_axis: "ln(1 + step)" },
      },
      early_stopping: {
        configuration: overtrain, primary_baseline: "patience on validation loss: share of steps saved", secondary_baselines: [{ name: "patience: loss cost within the tolerance (non-inferiority)", required: true }], min_effect: 0.05, events: "none",
        settings: { loss_cost_tolerance: 0.02, patience: DEFAULT_PATIENCE, min_delta: DEFAULT_MIN_DELTA, settle_threshold: DEFAULT_SETTLE_THRESHOLD, settle_window: DEFAULT_SETTLE_WINDOW, min_checkpoint_fraction: DEFAULT_MIN_CHECKPOINT_FRACTION, causality: "both rules read only checkpoints up to the stop" },
      },
      sparsification: {
        configuration: "base", primary_baseline: "time-matched placebo: the same advantage change over a pair of checkpoints the same number of steps apart away from the fork", secondary_baselines: [], min_effect: 0.02, events: online,
        settings: { main_fork_rule: "the earliest layer_fork known online (one event kind: strengths of different kinds are not compared)", random_masks: o.randomMasks ?? 3, sparsities: [...(o.sparsities ?? [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])], prune_tokens: o.pruneTokens ?? TRAIN_DEFAULTS.tiny.evalTokens, scope: "global" },
      },
    },
    supersedes: null,
  };
}

/** JSON with object keys sorted at every level: the text that is hashed. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function planHash(plan: StudyPlan): string {
  return createHash("sha256").update(canonicalJson(plan)).digest("hex");
}

/** Plans equal up to `supersedes` (a re-written identical plan is the same plan). */
export function samePlanContent(a: StudyPlan, b: StudyPlan): boolean {
  return canonicalJson({ ...a, supersedes: null }) === canonicalJson({ ...b, supersedes: null });
}

/** Training runs of the plan: every configuration x (development, held-out) seed. */
export interface PlannedRun {
  name: string;
  configuration: PlanConfiguration;
  seed: number;
  role: "development" | "heldout";
}

export function plannedRuns(plan: StudyPlan): PlannedRun[] {
  return plan.configurations.flatMap((c) => [
    ...plan.seeds.development.map((seed) => ({ name: `${c.name}-dev-s${seed}`, configuration: c, seed, role: "development" as const })),
    ...plan.seeds.heldout.map((seed) => ({ name: `${c.name}-s${seed}`, configuration: c, seed, role: "heldout" as const })),
  ]);
}
