// All the plan's verdicts from the runs' data (pure): the five core claims, and the two transition
// claims of the grokking and induction plans; and the summary table printed by `study`.
import type { Verdict, VerdictsFile } from "./verdict-types.js";
import type { StudyRunData } from "./run-data.js";
import { budgetVerdict, earlyStopVerdict, eventsPrecedeVerdict, predictLossVerdict, sparsificationVerdict } from "./claims/index.js";
import { leadTimeStudyVerdict, predictTransitionStudyVerdict } from "./claims/transition-study.js";
import { CORE_CLAIM_IDS, planClaimIds, type ClaimId, type ClaimPlan, type StudyPlan } from "./plan.js";
import { applyHolmAcrossClaims, formatEstimate, RULE_TEXT } from "./verdict-rule.js";

/**
 * The claims in the mission's order, labelled with Holm's adjustment across all their
 * comparisons. A claim that throws is reported as inconclusive with the error (never dropped).
 */
export function computeVerdicts(runs: readonly StudyRunData[], plan: StudyPlan | null = null, role: "heldout" | "development" = "heldout"): Verdict[] {
  return applyHolmAcrossClaims(claimVerdicts(runs, plan, role));
}

/** The runs a claim is judged on: the plan's seeds (of `role`) of the claim's configuration(s); all runs without a plan. */
export function claimRuns(runs: readonly StudyRunData[], plan: StudyPlan | null, claim: ClaimId, role: "heldout" | "development" = "heldout"): StudyRunData[] {
  if (plan === null) return [...runs];
  const c = plan.claims[claim];
  if (c === undefined) return [];
  const configurations = c.configurations ?? [c.configuration];
  return runs.filter((r) => r.configuration !== undefined && configurations.includes(r.configuration) && r.role === role);
}

const CLAIM_FUNCTIONS: Record<ClaimId, (r: readonly StudyRunData[], p?: ClaimPlan) => Verdict> = {
  events_precede_quality_changes: eventsPrecedeVerdict,
  predict_loss_from_parameters: predictLossVerdict,
  budgeted_evaluation: budgetVerdict,
  early_stopping: earlyStopVerdict,
  sparsification: sparsificationVerdict,
  parameters_announce_transition: leadTimeStudyVerdict,
  predict_transition_step: predictTransitionStudyVerdict,
};

function claimVerdicts(runs: readonly StudyRunData[], plan: StudyPlan | null, role: "heldout" | "development"): Verdict[] {
  const ids: readonly ClaimId[] = plan === null ? CORE_CLAIM_IDS : planClaimIds(plan);
  return ids.map((claim) => {
    const f = CLAIM_FUNCTIONS[claim];
    try {
      return plan === null ? f(claimRuns(runs, plan, claim, role)) : f(claimRuns(runs, plan, claim, role), plan.claims[claim]);
    } catch (e) {
      const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      return { claim, question: "", measure: "", ours: { value: null, ci_low: null, ci_high: null, ci_method: null, n: 0 }, baseline: null, verdict: "inconclusive", reason: `could not be computed: ${message}`, details: { error: message } };
    }
  });
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

/** Plain-text table: one line per claim (ours, baseline, verdict), then each reason. */
export function formatVerdictTable(file: Pick<VerdictsFile, "verdicts" | "pythia" | "plan_sha256">): string {
  const rows = file.verdicts.map((v) => [v.claim, formatEstimate(v.ours, 4), v.baseline ? formatEstimate(v.baseline.estimate, 4) : "-", v.verdict]);
  const head = ["claim", "ours [95% CI]", "baseline [95% CI]", "verdict"];
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (r: string[]): string => r.map((c, j) => pad(c, widths[j]!)).join("  ").trimEnd();
  const out = [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line), ""];
  for (const v of file.verdicts) out.push(`${v.claim}: ${v.reason}`);
  if (file.pythia !== null) {
    const b = file.pythia["budget_log_uniform_vs_uniform"] as { reason?: string } | undefined;
    out.push(`pythia (metric side only): ${b?.reason ?? "see verdicts.json"}`);
  } else out.push("pythia: data not found, metric side not run");
  if (file.plan_sha256 !== undefined) out.push(`plan: sha256 ${file.plan_sha256} (plan.json, fixed before training); verdicts from the held-out seeds; ${RULE_TEXT}`);
  return out.join("\n");
}
