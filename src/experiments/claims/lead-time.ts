// Claim 6 (runs with a known phase transition: grokking, induction heads): does the parameter side
// announce the transition before the quality metric moves, and by how much? Pure.
//
// The rule, stated once:
// - The transition is the quality metric's (quality/transition.ts findTransition: the halfway
//   crossing T, with the bracketing checkpoints). Runs without one are left out and counted.
// - Signals: the steps at which the run's events became known (knownAt, else the event's step) and,
//   unless turned off, the steps at which an early-warning signal was raised. Events flagged as
//   optimizer artefacts are dropped unless `includeArtefacts`. Each signal is moved to the first
//   eligible checkpoint at or after it (a signal known at s is known at every later checkpoint);
//   eligible checkpoints are the run's checkpoints at steps >= `eligibleFrom` (default 1: step 0 is
//   the initialisation, where nothing can be known). k = the number of distinct signal checkpoints.
// - "Before the transition" means at a checkpoint step < T. The anchor signal is the first signal
//   before T (`anchor: "first"`, the "first non-trivial event before the transition") or the
//   last one (`anchor: "last"`, the nearest announcement); its lead is T - its step (> 0).
// - Null: the same k signal checkpoints drawn uniformly without replacement from the M eligible
//   ones. Its distribution of the anchor's lead is computed exactly (closed form over which
//   checkpoint is the anchor; checked against enumeration of every subset in the tests), including
//   the outcome "no signal before T".
// - Score of a run: the mid-p probability that the null's lead is longer than the observed one,
//   P(L_null > L_obs) + P(L_null = L_obs) / 2, with "no signal before T" the longest (infinite)
//   lead. Under the null the score's mean is exactly 1/2; above 1/2 the signals sit closer before
//   the transition than chance puts them (they carry information about when it happens).
// - Weight-norm baseline: the transition of the run's total weight-norm series under the same rule
//   (findTransition, halfway between its plateaus), W; its lead is T - W (negative: after T).
//   Against it the measure is the relative lead (L_ours - L_weightNorm) / T, where L_ours is the
//   anchor's lead (without a signal before T: T minus the first signal after it, <= 0).
// - Across runs: per run d = score - 1/2 against the random placement (primary) and d = the relative
//   lead difference against the weight norm (required too: "supported" means the events beat chance
//   AND announce earlier than the weight norm's own transition); verdict-rule.ts labels them
//   (paired t-test with the Wilcoxon check, Holm, at least MIN_HELDOUT_SEEDS runs).
import { findTransition, type Transition, type TransitionOptions } from "../../quality/transition.js";
import { UsageError } from "../../util/errors.js";
import type { Verdict } from "../verdict-types.js";
import type { ClaimPlan } from "../plan.js";
import { compare, describeComparison, formatEstimate, labelFamily, meanEstimate } from "../verdict-rule.js";

/** Smallest excess of the mean score over 1/2 worth reporting. */
export const LEAD_SCORE_MIN_EFFECT = 0.1;
/** Smallest mean relative-lead advantage over the weight norm worth reporting (a fraction of T). */
export const LEAD_WEIGHT_NORM_MIN_EFFECT = 0.05;

/** One event of a run as the claim reads it (a stored event reduced to what matters here). */
export interface LeadEvent {
  step: number;
  kind: string;
  /** Step at which the event became known (online detectors); absent: its step. */
  knownAt?: number;
  /** An optimizer artefact (by the stated rule of the events table); left out unless asked for. */
  artefact?: boolean;
}

export interface LeadRunInput {
  runId: string;
  /** Checkpoint steps, strictly increasing. */
  steps: readonly number[];
  /** The quality metric's transition (findTransition). */
  transition: Transition;
  events: readonly LeadEvent[];
  /** Steps at which an early-warning signal was raised (known at). */
  earlyWarnings?: readonly number[];
  /** Total weight norm at each checkpoint (aligned with steps; null where not stored). */
  weightNorm?: readonly (number | null)[];
}

export interface LeadOptions {
  /** Count events flagged as optimizer artefacts (default false). */
  includeArtefacts?: boolean;
  /** Count early-warning signals (default true). */
  useEarlyWarnings?: boolean;
  /** Only these event kinds (default: every kind). */
  eventKinds?: readonly string[];
  /** Eligible checkpoints are at steps >= this (default 1). */
  eligibleFrom?: number;
  /** Which signal before T is the anchor (default "first"). */
  anchor?: "first" | "last";
  /** Options of the weight norm's transition (default: findTransition's). */
  weightNormTransition?: TransitionOptions;
}

/** The null distribution of the anchor's lead: lead -> probability, and P(no signal before T). */
export interface LeadNull {
  /** Eligible checkpoints (M) and signal checkpoints drawn (k). */
  checkpoints: number;
  signals: number;
  /** Eligible checkpoints before T (B). */
  before: number;
  /** Probability of each possible lead (one entry per eligible checkpoint before T, ascending lead). */
  leads: { lead: number; p: number }[];
  /** P(no signal before T). */
  pNone: number;
  /** E[lead | some signal before T] (null when that has probability 0). */
  meanLead: number | null;
}

export interface LeadRun {
  runId: string;
  /** T, or null when the run has no transition (then everything else is null/empty). */
  transitionStep: number | null;
  transitionInterval: [number, number] | null;
  /** Distinct signal checkpoints (after the artefact rule), ascending. */
  signalSteps: number[];
  /** Artefact events left out. */
  artefactsExcluded: number;
  /** The anchor signal before T and its lead T - step (null: no signal before T). */
  anchorStep: number | null;
  lead: number | null;
  /** Lead against the weight norm: the anchor's lead, else T minus the first signal after T (<= 0); null without signals. */
  leadOrLag: number | null;
  null: LeadNull | null;
  /** Mid-p score (see the rule); null without a transition or without signals. */
  score: number | null;
  /** The weight norm's own transition step W and its lead T - W (null when not found / not given). */
  weightNormStep: number | null;
  weightNormLead: number | null;
  /** (leadOrLag - weightNormLead) / T; null when either is missing. */
  relativeLeadVsWeightNorm: number | null;
}

/** ln C(n, k) for 0 <= k <= n, else -Infinity. */
function logChoose(n: number, k: number): number {
  if (k < 0 || k > n || n < 0) return -Infinity;
  let s = 0;
  for (let i = 0; i < k; i++) s += Math.log(n - i) - Math.log(i + 1);
  return s;
}

/** C(a, b) / C(n, k) computed in logs (0 when the numerator is 0). */
function ratio(a: number, b: number, n: number, k: number): number {
  const num = logChoose(a, b);
  return num === -Infinity ? 0 : Math.exp(num - logChoose(n, k));
}

function checkSteps(steps: readonly number[], what: string): void {
  for (let i = 0; i < steps.length; i++) {
    if (!Number.isFinite(steps[i]!) || (i > 0 && !(steps[i]! > steps[i - 1]!))) throw new UsageError(`${what}: checkpoint steps must be finite and strictly increasing; index ${i} has ${steps[i]} ---> HINT: sort the run's checkpoints by step and drop duplicates`);
  }
}

/**
 * The exact null of the anchor's lead: k of the M eligible checkpoints (ascending) drawn uniformly
 * without replacement. With B of them before T (positions 1..B):
 * "first": P(anchor = position i) = C(M - i, k - 1) / C(M, k);
 * "last":  P(anchor = position j) = C(M - (B - j) - 1, k - 1) / C(M, k);
 * both: P(no signal before T) = C(M - B, k) / C(M, k).
 */
export function leadNull(eligible: readonly number[], k: number, transitionStep: number, anchor: "first" | "last" = "first"): LeadNull {
  const M = eligible.length;
  if (!(Number.isInteger(k) && k >= 1 && k <= M)) throw new UsageError(`lead time: ${k} signals cannot be placed on ${M} eligible checkpoints ---> HINT: give at least one signal and no more than the eligible checkpoints`);
  const B = eligible.filter((s) => s < transitionStep).length;
  const leads: { lead: number; p: number }[] = [];
  for (let pos = 1; pos <= B; pos++) {
    const p = anchor === "first" ? ratio(M - pos, k - 1, M, k) : ratio(M - (B - pos) - 1, k - 1, M, k);
    leads.push({ lead: transitionStep - eligible[pos - 1]!, p });
  }
  leads.sort((a, b) => a.lead - b.lead);
  const pNone = ratio(M - B, k, M, k);
  const pSome = leads.reduce((s, l) => s + l.p, 0);
  const meanLead = pSome > 0 ? leads.reduce((s, l) => s + l.p * l.lead, 0) / pSome : null;
  return { checkpoints: M, signals: k, before: B, leads, pNone, meanLead };
}

/** Mid-p score of an observed lead (null = no signal before T, the longest) under the null: P(L > obs) + P(L = obs) / 2. */
export function leadScore(observed: number | null, nul: LeadNull): number {
  if (observed === null) return nul.pNone / 2;
  let longer = nul.pNone, equal = 0;
  for (const l of nul.leads) {
    if (l.lead > observed) longer += l.p;
    else if (l.lead === observed) equal += l.p;
  }
  return longer + equal / 2;
}

/** The signal checkpoints of a run under the options (see the rule), and how many artefact events were dropped. */
export function signalCheckpoints(run: LeadRunInput, options: LeadOptions = {}): { eligible: number[]; signals: number[]; artefactsExcluded: number } {
  checkSteps(run.steps, `lead time (${run.runId})`);
  const from = options.eligibleFrom ?? 1;
  const eligible = run.steps.filter((s) => s >= from);
  let artefactsExcluded = 0;
  const raw: number[] = [];
  for (const e of run.events) {
    if (options.eventKinds !== undefined && !options.eventKinds.includes(e.kind)) continue;
    if (e.artefact === true && options.includeArtefacts !== true) { artefactsExcluded++; continue; }
    raw.push(e.knownAt ?? e.step);
  }
  if (options.useEarlyWarnings !== false) raw.push(...(run.earlyWarnings ?? []));
  const snapped = new Set<number>();
  for (const s of raw) {
    if (!Number.isFinite(s)) throw new UsageError(`lead time (${run.runId}): a signal has step ${s} ---> HINT: give finite event and early-warning steps`);
    const at = eligible.find((c) => c >= s);
    if (at !== undefined) snapped.add(at);
  }
  return { eligible, signals: [...snapped].sort((a, b) => a - b), artefactsExcluded };
}

/** The weight norm's own transition step (findTransition on the finite points), or null. */
export function weightNormTransitionStep(steps: readonly number[], weightNorm: readonly (number | null)[], options: TransitionOptions = {}): number | null {
  if (steps.length !== weightNorm.length) throw new UsageError(`lead time: ${steps.length} steps but ${weightNorm.length} weight-norm values; give one value per checkpoint (null where not stored)`);
  const s: number[] = [], v: number[] = [];
  steps.forEach((st, i) => { const x = weightNorm[i]; if (typeof x === "number" && Number.isFinite(x)) { s.push(st); v.push(x); } });
  const k = options.plateauPoints ?? Math.max(3, Math.round(s.length * 0.1));
  if (s.length < 2 * k) return null;
  const t = findTransition(s, v, options);
  return t.found ? t.step : null;
}

/** One run: its signals, the anchor's lead, the exact null and score, and the weight-norm baseline. */
export function leadRun(run: LeadRunInput, options: LeadOptions = {}): LeadRun {
  const anchor = options.anchor ?? "first";
  const { eligible, signals, artefactsExcluded } = signalCheckpoints(run, options);
  const t = run.transition;
  const empty: LeadRun = {
    runId: run.runId, transitionStep: null, transitionInterval: null, signalSteps: signals, artefactsExcluded, anchorStep: null, lead: null, leadOrLag: null,
    null: null, score: null, weightNormStep: null, weightNormLead: null, relativeLeadVsWeightNorm: null,
  };
  if (!t.found) return empty;
  const T = t.step;
  const before = signals.filter((s) => s < T);
  const anchorStep = before.length === 0 ? null : anchor === "first" ? before[0]! : before[before.length - 1]!;
  const lead = anchorStep === null ? null : T - anchorStep;
  const after = signals.find((s) => s >= T);
  const leadOrLag = lead ?? (after === undefined ? null : T - after);
  const nul = signals.length === 0 ? null : leadNull(eligible, signals.length, T, anchor);
  const score = nul === null ? null : leadScore(lead, nul);
  const weightNormStep = run.weightNorm === undefined ? null : weightNormTransitionStep(run.steps, run.weightNorm, options.weightNormTransition);
  const weightNormLead = weightNormStep === null ? null : T - weightNormStep;
  const relativeLeadVsWeightNorm = leadOrLag === null || weightNormLead === null ? null : (leadOrLag - weightNormLead) / T;
  return { ...empty, transitionStep: T, transitionInterval: t.interval, anchorStep, lead, leadOrLag, null: nul, score, weightNormStep, weightNormLead, relativeLeadVsWeightNorm };
}

export interface LeadVerdictOptions extends LeadOptions {
  /** Minimum effects (defaults LEAD_SCORE_MIN_EFFECT, LEAD_WEIGHT_NORM_MIN_EFFECT). */
  scoreMinEffect?: number;
  weightNormMinEffect?: number;
}

/**
 * The claim's options from a plan entry (settings anchor "first" | "last", include_artefacts,
 * early_warnings, eligible_from, weight_norm_min_effect; min_effect = the score's minimum effect);
 * defaults as documented above for anything absent.
 */
export function leadTimeSettings(plan?: ClaimPlan): LeadVerdictOptions {
  const s = plan?.settings ?? {};
  const o: LeadVerdictOptions = {};
  if (s["anchor"] === "first" || s["anchor"] === "last") o.anchor = s["anchor"];
  if (typeof s["include_artefacts"] === "boolean") o.includeArtefacts = s["include_artefacts"];
  if (typeof s["early_warnings"] === "boolean") o.useEarlyWarnings = s["early_warnings"];
  if (typeof s["eligible_from"] === "number") o.eligibleFrom = s["eligible_from"];
  if (typeof s["weight_norm_min_effect"] === "number") o.weightNormMinEffect = s["weight_norm_min_effect"];
  if (plan !== undefined) o.scoreMinEffect = plan.min_effect;
  return o;
}

const QUESTION = "Do parameter-distribution events (or early warnings) announce the run's phase transition before the quality metric moves, closer to it than the same number of events placed at random, and earlier than the weight norm's own transition?";

/** The claim across runs (each run one replicate), labelled by verdict-rule.ts. */
export function leadTimeVerdict(runs: readonly LeadRunInput[], options: LeadVerdictOptions = {}): Verdict {
  const anchor = options.anchor ?? "first";
  const perRun = runs.map((r) => leadRun(r, options));
  const scored = perRun.filter((r) => r.score !== null);
  const vsNorm = perRun.filter((r) => r.relativeLeadVsWeightNorm !== null);
  const tests = [
    compare(scored.map((r) => r.score! - 0.5), { baseline: "the same number of signals placed at random over the eligible checkpoints (exact null)", role: "primary", minEffect: options.scoreMinEffect ?? LEAD_SCORE_MIN_EFFECT, unit: "runs" }),
    compare(vsNorm.map((r) => r.relativeLeadVsWeightNorm!), { baseline: "the weight norm's own transition (findTransition on the total weight norm)", role: "secondary", required: true, minEffect: options.weightNormMinEffect ?? LEAD_WEIGHT_NORM_MIN_EFFECT, unit: "runs" }),
  ];
  const label = labelFamily(tests);
  const leads = perRun.filter((r) => r.lead !== null).map((r) => r.lead!);
  const relLeads = perRun.filter((r) => r.lead !== null && r.transitionStep !== null).map((r) => r.lead! / r.transitionStep!);
  const noTransition = perRun.filter((r) => r.transitionStep === null).length;
  const noSignals = perRun.filter((r) => r.transitionStep !== null && r.signalSteps.length === 0).length;
  const artefacts = perRun.reduce((s, r) => s + r.artefactsExcluded, 0);
  const ours = meanEstimate(scored.map((r) => r.score!), "runs");
  const reason = scored.length === 0
    ? `no run had both a transition of its quality metric and a parameter-side signal (${noTransition} without a transition, ${noSignals} without signals)`
    : `${anchor} signal before the transition: lead ${formatEstimate(meanEstimate(leads, "runs"), 0)} steps (${formatEstimate(meanEstimate(relLeads, "runs"))} of the transition step) in ${leads.length} of ${scored.length} runs; mid-p score against random placement ${formatEstimate(ours)} (chance 0.5); ${describeComparison(tests[0]!)}; ${describeComparison(tests[1]!)}; ${noTransition} runs without a transition, ${noSignals} without signals, ${artefacts} artefact events left out${options.includeArtefacts === true ? " (artefacts included on request)" : ""}`;
  return {
    claim: "parameters_announce_transition",
    question: QUESTION,
    measure: `per run, the mid-p probability that the ${anchor} of the same number of randomly placed signal checkpoints leads the quality transition by more than the observed ${anchor} signal does (no signal before it = the longest lead); 0.5 = chance, higher = the signals sit closer before the transition`,
    ours,
    baseline: { name: "the same number of signals placed at random (exact null, score 0.5)", estimate: { value: 0.5, ci_low: null, ci_high: null, ci_method: null, n: scored.length } },
    verdict: label,
    reason, tests,
    details: {
      anchor, include_artefacts: options.includeArtefacts === true, early_warnings: options.useEarlyWarnings !== false, eligible_from: options.eligibleFrom ?? 1,
      null_method: "exact: closed form over the anchor's checkpoint for k signal checkpoints drawn uniformly without replacement from the eligible checkpoints",
      weight_norm_rule: "findTransition on the total weight norm (halfway between its plateaus)",
      runs_without_transition: noTransition, runs_without_signals: noSignals, artefacts_excluded: artefacts,
      runs: perRun.map((r) => ({ ...r, null: r.null === null ? null : { checkpoints: r.null.checkpoints, signals: r.null.signals, before: r.null.before, p_none: r.null.pNone, mean_lead: r.null.meanLead } })),
    },
  };
}
