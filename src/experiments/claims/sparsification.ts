// Claim 5: sparsification. Per run, pruning-tolerance curves (global magnitude vs random pruning,
// same sparsities) just before and just after the run's main fork: does magnitude pruning's
// advantage over the random control grow after the fork, and does it follow the near-zero mass?
import { correlateWithBootstrap } from "../../quality/correlation.js";
import type { PruningRecord } from "../../store/types.js";
import type { ToleranceCurveSummary, Verdict } from "../verdict-types.js";
import { mainFork, pruningCheckpoints, type StudyRunData } from "../run-data.js";
import { compare, describeComparison, formatEstimate, labelFamily, meanEstimate } from "../verdict-rule.js";
import { DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_BOOTSTRAP_SEED, DEFAULT_CONFIDENCE } from "../../quality/bootstrap.js";

/** Smallest change of magnitude pruning's advantage (nats) worth reporting. */
export const SPARSIFICATION_MIN_EFFECT = 0.02;
const CORRELATION_BOOTSTRAP = { resamples: DEFAULT_BOOTSTRAP_RESAMPLES, confidence: DEFAULT_CONFIDENCE, seed: DEFAULT_BOOTSTRAP_SEED } as const;

/** The pruning scope the study measures. */
export const STUDY_PRUNE_SCOPE = "global" as const;

function rowsAt(rows: readonly PruningRecord[], step: number, method: "magnitude" | "random"): PruningRecord[] {
  return rows.filter((r) => r.step === step && r.method === method && r.scope === STUDY_PRUNE_SCOPE).sort((a, b) => a.sparsity - b.sparsity);
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
  const fork = mainFork(run.events);
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
  const fork = mainFork(run.events);
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

const QUESTION = "Does magnitude pruning's advantage over random pruning grow after the main fork (when the distribution has developed its near-zero population)?";

export function sparsificationVerdict(runs: readonly StudyRunData[]): Verdict {
  const points = runs.flatMap(sparsificationPoints);
  const paired = runs.map((r) => {
    const at = (pos: string): number | null => points.find((p) => p.run === r.runId && p.position === pos)?.advantage ?? null;
    return { run: r.runId, before: at("before_fork"), after: at("after_fork") };
  }).filter((p): p is { run: string; before: number; after: number } => p.before !== null && p.after !== null);
  const tests = [compare(paired.map((p) => p.after - p.before), { baseline: "the advantage just before the fork", role: "primary", minEffect: SPARSIFICATION_MIN_EFFECT })];
  const label = labelFamily(tests);
  const difference = tests[0]!.difference;
  const ours = meanEstimate(paired.map((p) => p.after));
  const before = meanEstimate(paired.map((p) => p.before));
  const overall = meanEstimate(points.filter((p) => p.advantage !== null).map((p) => p.advantage!), "measured checkpoints");
  const reason = paired.length === 0
    ? `no run has pruning curves on both sides of a main fork (${points.length} checkpoints measured${points.length === 0 ? "; pruning skipped?" : ""})`
    : `magnitude advantage (random - magnitude loss increase, nats, mean over sparsities) after the fork ${formatEstimate(ours)} vs before ${formatEstimate(before)}; after - before ${formatEstimate(difference)} over ${paired.length} runs; ${describeComparison(tests[0]!)}. Over all measured checkpoints magnitude beats random by ${formatEstimate(overall)}`;
  return {
    claim: "sparsification",
    question: QUESTION,
    measure: "magnitude pruning's advantage: random-pruning loss increase - magnitude-pruning loss increase (nats), global scope, mean over sparsities (higher is better), at the checkpoint just after the main fork",
    ours,
    baseline: { name: "the same advantage at the checkpoint just before the fork", estimate: before },
    verdict: label, reason, tests,
    details: { difference, magnitude_vs_random_all_checkpoints: overall, near_zero_relation: nearZeroRelation(points), paired, points },
  };
}
