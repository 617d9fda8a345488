// The two transition claims on a study's runs (the grokking and induction presets): the runs'
// data (run-data.ts) turned into lead-time.ts and predict-transition.ts inputs under the plan's
// settings, and the table of every run's transition step and lead time. Pure.
import type { TransitionTableRow, Verdict } from "../verdict-types.js";
import type { ClaimPlan } from "../plan.js";
import { claimEvents, type StudyRunData } from "../run-data.js";
import { leadRun, leadTimeSettings, leadTimeVerdict, type LeadRunInput } from "./lead-time.js";
import { predictTransitionSteps, predictTransitionVerdict, type TransitionPredictRun } from "./predict-transition.js";

const NO_TRANSITION = { found: false as const, reason: "no transition metric stored", before: NaN, after: NaN, noise: NaN, plateauPoints: 0 };

/**
 * A run as the lead-time claim reads it: its online events (else offline) that the claims count
 * (claimEvents: distribution events whose interval does not start at step 0; artefacts were left
 * out when the data were loaded), its transition and its total weight norm.
 */
export function leadInputOf(run: StudyRunData): LeadRunInput {
  return {
    runId: run.runId, steps: run.steps, transition: run.transition ?? NO_TRANSITION,
    events: claimEvents(run.onlineEvents ?? run.events).map((e) => ({ step: e.step, kind: e.kind, ...(e.knownAt !== undefined && { knownAt: e.knownAt }) })),
    ...(run.weightNorm !== undefined && { weightNorm: run.weightNorm }),
  };
}

export function transitionPredictInputOf(run: StudyRunData): TransitionPredictRun {
  return { runId: run.runId, steps: run.steps, featureNames: run.featureNames, features: run.features, transitionStep: run.transition?.found === true ? run.transition.step : null };
}

/** Claim 6: does the parameter side announce the transition (lead-time.ts), with the plan's settings. */
export function leadTimeStudyVerdict(runs: readonly StudyRunData[], plan?: ClaimPlan): Verdict {
  const v = leadTimeVerdict(runs.map(leadInputOf), leadTimeSettings(plan));
  const artefacts = runs.reduce((s, r) => s + (r.artefactsExcluded ?? 0), 0);
  return { ...v, details: { ...v.details, stored_artefact_events_excluded: artefacts } };
}

function baselineFeaturesOf(plan?: ClaimPlan): string[] | undefined {
  const b = plan?.settings["baseline_features"];
  return Array.isArray(b) && b.every((x) => typeof x === "string") ? (b as string[]) : undefined;
}

function cutoffOf(plan?: ClaimPlan): number | undefined {
  const c = plan?.settings["cutoff_fraction"];
  return typeof c === "number" ? c : undefined;
}

/** Claim 7: the transition step predicted from features before it, leave one run out (predict-transition.ts). */
export function predictTransitionStudyVerdict(runs: readonly StudyRunData[], plan?: ClaimPlan): Verdict {
  const baselineFeatures = baselineFeaturesOf(plan), cutoffFraction = cutoffOf(plan);
  return predictTransitionVerdict(runs.map(transitionPredictInputOf), {
    ...(baselineFeatures !== undefined && { baselineFeatures }), ...(cutoffFraction !== undefined && { cutoffFraction }), ...(plan !== undefined && { minEffect: plan.min_effect }),
  });
}

/**
 * The events that make up a run's signal at checkpoint `at` ("kind tensor", sorted, distinct): the
 * claim's events (leadInputOf) whose known-at step (else step) moves to `at` under the lead-time
 * rule (the first eligible checkpoint at or after it).
 */
export function signalEventsAt(run: StudyRunData, at: number | null, eligibleFrom = 1): string[] {
  if (at === null) return [];
  const eligible = run.steps.filter((s) => s >= eligibleFrom);
  const names = claimEvents(run.onlineEvents ?? run.events)
    .filter((e) => eligible.find((c) => c >= (e.knownAt ?? e.step)) === at)
    .map((e) => `${e.kind} ${e.tensor ?? "-"}`);
  return [...new Set(names)].sort();
}

/** Every run's transition and lead time, under the plans' settings (the runs as given: development and held-out alike). */
export function transitionTable(runs: readonly StudyRunData[], leadPlan?: ClaimPlan, predictPlan?: ClaimPlan): TransitionTableRow[] {
  const options = leadTimeSettings(leadPlan);
  const baselineFeatures = baselineFeaturesOf(predictPlan), cutoffFraction = cutoffOf(predictPlan);
  const predicted = new Map(predictTransitionSteps(runs.map(transitionPredictInputOf), { ...(baselineFeatures !== undefined && { baselineFeatures }), ...(cutoffFraction !== undefined && { cutoffFraction }) }).map((p) => [p.runId, p]));
  return runs.map((r) => {
    const lead = leadRun(leadInputOf(r), options);
    const t = r.transition ?? null;
    const p = predicted.get(r.runId);
    return {
      run: r.runId, configuration: r.configuration ?? null, role: r.role ?? null, metric: r.transitionSeries?.metric ?? null,
      transition_step: t?.found === true ? t.step : null, interval: t?.found === true ? t.interval : null, reason: t === null ? "no transition metric stored" : t.found ? null : t.reason,
      first_signal_step: lead.anchorStep, lead: lead.lead, lead_score: lead.score, weight_norm_transition_step: lead.weightNormStep,
      predicted_step: p !== undefined && p.beforeTransition ? p.predicted : null,
      seed: r.seed ?? null, first_signal_events: signalEventsAt(r, lead.anchorStep, options.eligibleFrom), online: r.onlineEvents !== undefined,
      signals: lead.null?.signals ?? null, random_mean_lead: lead.null?.meanLead ?? null, random_p_none: lead.null?.pNone ?? null, weight_norm_lead: lead.weightNormLead,
    };
  });
}

const cell = (v: number | null | undefined, digits = 0): string => (v === null || v === undefined ? "-" : v.toFixed(digits));

/** The random-placement cell: the expected lead given a signal before T, and P(none before T). */
function randomCell(r: TransitionTableRow): string {
  if (r.random_p_none === undefined || r.random_p_none === null) return "-";
  return `${cell(r.random_mean_lead)} (P none ${r.random_p_none.toFixed(2)})`;
}

/** The table as markdown (transitions.md in the study folder, `study --table`). */
export function formatTransitionTable(rows: readonly TransitionTableRow[], header: string): string {
  const lines = [
    header, "",
    "| run | configuration | role | seed | metric | transition step | interval | first signal | signal events | lead (steps) | random-placement lead | score vs random | weight-norm transition | weight-norm lead | predicted step |",
    "|---|---|---|---:|---|---:|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ...rows.map((r) => `| ${r.run} | ${r.configuration ?? "-"} | ${r.role ?? "-"} | ${cell(r.seed)} | ${r.metric ?? "-"} | ${r.transition_step === null ? `none${r.reason !== null ? ` (${r.reason})` : ""}` : cell(r.transition_step)} | ${r.interval === null ? "-" : `[${r.interval[0]}, ${r.interval[1]}]`} | ${cell(r.first_signal_step)} | ${r.first_signal_events === undefined || r.first_signal_events.length === 0 ? "-" : r.first_signal_events.join("; ")} | ${cell(r.lead)} | ${randomCell(r)} | ${cell(r.lead_score, 3)} | ${cell(r.weight_norm_transition_step)} | ${cell(r.weight_norm_lead)} | ${cell(r.predicted_step)} |`),
    "",
  ];
  return lines.join("\n");
}
