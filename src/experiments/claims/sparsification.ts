// Claim 5: sparsification. Per run, pruning-tolerance curves (global magnitude vs random pruning
// averaged over several random masks, same sparsities) just before and just after the run's main
// fork (the plan's fixed rule: the earliest online layer fork): does magnitude pruning's advantage
// over random grow across the fork more than over the same training interval in the other seeds
// (time-matched placebo pairs: the advantage grows with training anyway)? And does it follow the
// near-zero mass? Pure.
import { correlateWithBootstrap } from "../../quality/correlation.js";
import type { PruningRecord } from "../../store/types.js";
import type { ToleranceCurveSummary, Verdict } from "../verdict-types.js";
import { forkPair, mainFork, pruningCheckpoints, type StudyRunData } from "../run-data.js";
import type { ClaimPlan } from "../plan.js";
import { compare, describeComparison, formatEstimate, labelFamily, meanEstimate } from "../verdict-rule.js";
import { DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_BOOTSTRAP_SEED, DEFAULT_CONFIDENCE } from "../../quality/bootstrap.js";

/** Smallest change of magnitude pruning's advantage (nats) worth reporting. */
export const SPARSIFICATION_MIN_EFFECT = 0.02;
const CORRELATION_BOOTSTRAP = { resamples: DEFAULT_BOOTSTRAP_RESAMPLES, confidence: DEFAULT_CONFIDENCE, seed: DEFAULT_BOOTSTRAP_SEED } as const;

/** The pruning scope the study measures. */
export const STUDY_PRUNE_SCOPE = "global" as const;

/**
 * Rows of one method at a step, one per sparsity: random pruning's several masks (seeds) are
 * averaged (loss and loss increase), so one lucky mask does not decide.
 */
function rowsAt(rows: readonly PruningRecord[], step: number, method: "magnitude" | "random"): PruningRecord[] {
  const at = rows.filter((r) => r.step === step && r.method === method && r.scope === STUDY_PRUNE_SCOPE);
  const bySparsity = new Map<number, PruningRecord[]>();
  for (const r of at) bySparsity.set(r.sparsity, [...(bySparsity.get(r.sparsity) ?? []), r]);
  return [...bySparsity].sort(([a], [b]) => a - b).map(([, list]) => {
    const avg = (f: (r: PruningRecord) => number): number => list.reduce((t, r) => t + f(r), 0) / list.length;
    return { ...list[0]!, loss: avg((r) => r.loss), loss_increase: avg((r) => r.loss_increase) };
  });
}

/** Random masks measured at a step. */
export function randomMasksAt(rows: readonly PruningRecord[], step: number): number {
  return new Set(rows.filter((r) => r.step === step && r.method === "random" && r.scope === STUDY_PRUNE_SCOPE).map((r) => r.seed)).size;
}

/** Mean over the sparsities measured by both methods of (random loss increase - magnitude loss increase); null when none. */
export function magnitudeAdvantage(rows: readonly PruningRecord[], step: number): number | null {
  const random = new Map(rowsAt(rows, step, "random").map((r) => [r.sparsity, r.loss_increase]));
  const d = rowsAt(rows, step, "magnitude").filter((r) => random.has(r.sparsity)).map((r) => random.get(r.sparsity)! - r.loss_increase);
  return d.length === 0 ? null : d.reduce((s, v) => s + v, 0) / d.length;
}

export interface SparsificationPoint {
  run: string;
  step: number;
  position: string;
  advantage: number | null;
  magnitude_mean_increase: number | null;
  near_zero_mass: number | null;
}

/** One point per measured checkpoint of the run (positions from its main fork). */
export function sparsificationPoints(run: StudyRunData): SparsificationPoint[] {
  const fork = mainFork(run.onlineEvents ?? run.events);
  return pruningCheckpoints(run.steps, fork).filter((c) => rowsAt(run.pruning, c.step, "magnitude").length > 0).map((c) => {
    const mag = rowsAt(run.pruning, c.step, "magnitude");
    return {
      run: run.runId, step: c.step, position: c.position, advantage: magnitudeAdvantage(run.pruning, c.step),
      magnitude_mean_increase: mag.reduce((s, r) => s + r.loss_increase, 0) / mag.length, near_zero_mass: mag[0]!.near_zero_mass,
    };
  });
}

/** Stored pruning rows of a run as tolerance curves, one per measured checkpoint and method. */
export function toleranceCurves(run: StudyRunData): ToleranceCurveSummary[] {
  const fork = mainFork(run.onlineEvents ?? run.events);
  return pruningCheckpoints(run.steps, fork).flatMap((c) => (["magnitude", "random"] as const).flatMap((method) => {
    const rows = rowsAt(run.pruning, c.step, method);
    if (rows.length === 0) return [];
    return [{
      run: run.runId, step: c.step, position: c.position, fork_step: fork?.step ?? null, method, scope: STUDY_PRUNE_SCOPE,
      base_loss: rows[0]!.base_loss, near_zero_mass: rows[0]!.near_zero_mass,
      points: rows.map((r) => ({ sparsity: r.sparsity, loss: r.loss, loss_increase: r.loss_increase })),
    }];
  }));
}

function nearZeroRelation(points: readonly SparsificationPoint[]): Record<string, unknown> | null {
  const ok = points.filter((p) => p.near_zero_mass !== null && p.magnitude_mean_increase !== null);
  if (ok.length < 3) return null;
  const c = correlateWithBootstrap(ok.map((p) => p.near_zero_mass!), ok.map((p) => p.magnitude_mean_increase!), CORRELATION_BOOTSTRAP);
  return { n: c.n, spearman: c.spearman.estimate, spearman_ci: [c.spearman.ci.low, c.spearman.ci.high], p_value: c.spearman.pValue, note: "Spearman of the near-zero mass (|w| <= 0.1 std) with the mean magnitude-pruning loss increase, over measured checkpoints of all runs (negative: more near-zero mass, more tolerant)" };
}

const QUESTION = "Does magnitude pruning's advantage over random pruning grow across the main fork more than over the same training interval in seeds whose fork is elsewhere?";

export interface SparsificationPair {
  run: string;
  before_step: number;
  after_step: number;
  before: number;
  after: number;
  /** Mean over the other seeds (fork not inside (before_step, after_step]) of their change over the same steps. */
  placebo_change: number | null;
  placebo_seeds: number;
}

/** Per run: the advantage change across its fork and the time-matched placebo change of the other seeds. */
export function sparsificationPairs(runs: readonly StudyRunData[]): SparsificationPair[] {
  const out: SparsificationPair[] = [];
  const forks = new Map(runs.map((r) => [r.runId, mainFork(r.onlineEvents ?? r.events)]));
  for (const r of runs) {
    const pair = forkPair(r.steps, forks.get(r.runId) ?? null);
    if (pair === null) continue;
    const before = magnitudeAdvantage(r.pruning, pair.before), after = magnitudeAdvantage(r.pruning, pair.after);
    if (before === null || after === null) continue;
    const changes = runs.filter((o) => o !== r).flatMap((o) => {
      const f = forks.get(o.runId) ?? null;
      const inside = f !== null && (f.knownAt ?? f.step) > pair.before && f.stepLow < pair.after;
      const b = magnitudeAdvantage(o.pruning, pair.before), a = magnitudeAdvantage(o.pruning, pair.after);
      return inside || b === null || a === null ? [] : [a - b];
    });
    out.push({ run: r.runId, before_step: pair.before, after_step: pair.after, before, after, placebo_change: changes.length > 0 ? changes.reduce((x, y) => x + y, 0) / changes.length : null, placebo_seeds: changes.length });
  }
  return out;
}

export function sparsificationVerdict(runs: readonly StudyRunData[], plan?: ClaimPlan): Verdict {
  const points = runs.flatMap(sparsificationPoints);
  const pairs = sparsificationPairs(runs);
  const paired = pairs.filter((p) => p.placebo_change !== null);
  const tests = [compare(paired.map((p) => p.after - p.before - p.placebo_change!), { baseline: "time-matched placebo: the other seeds' advantage change over the same steps", role: "primary", minEffect: plan?.min_effect ?? SPARSIFICATION_MIN_EFFECT })];
  const label = labelFamily(tests);
  const difference = tests[0]!.difference;
  const ours = meanEstimate(paired.map((p) => p.after - p.before));
  const before = meanEstimate(paired.map((p) => p.placebo_change!));
  const masks = Math.max(0, ...runs.flatMap((r) => [...new Set(r.pruning.map((x) => x.step))].map((s) => randomMasksAt(r.pruning, s))));
  const overall = meanEstimate(points.filter((p) => p.advantage !== null).map((p) => p.advantage!), "measured checkpoints");
  const reason = paired.length === 0
    ? `no run has pruning curves on both sides of a main fork and a placebo seed (${pairs.length} fork pairs, ${points.length} checkpoints measured${points.length === 0 ? "; pruning skipped?" : ""})`
    : `magnitude advantage (random - magnitude loss increase, nats, mean over sparsities, random averaged over up to ${masks} masks): change across the fork ${formatEstimate(ours)} vs the other seeds' change over the same steps ${formatEstimate(before)}; difference ${formatEstimate(difference)} over ${paired.length} seeds; ${describeComparison(tests[0]!)}. Over all measured checkpoints magnitude beats random by ${formatEstimate(overall)}`;
  return {
    claim: "sparsification",
    question: QUESTION,
    measure: "change of magnitude pruning's advantage (random-pruning loss increase - magnitude-pruning loss increase, nats, global scope, mean over sparsities) from just before to just after the main fork (earliest online layer fork) (higher is better)",
    ours,
    baseline: { name: "time-matched placebo: the other seeds' change over the same checkpoints (their fork elsewhere)", estimate: before },
    verdict: label, reason, tests,
    details: { difference, main_fork_rule: "earliest online layer_fork (one kind)", random_masks: masks, pairs, magnitude_vs_random_all_checkpoints: overall, near_zero_relation: nearZeroRelation(points), paired, points },
  };
}
