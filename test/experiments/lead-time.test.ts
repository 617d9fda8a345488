// The lead-time claim and the transition-step prediction on synthetic runs with known answers:
// the exact null against enumeration of every subset, a known lag giving that lead, random events
// giving a null-consistent label, the artefact rule, the weight-norm baseline, and leave-one-run-out
// prediction against the mean of the other runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { leadNull, leadRun, leadScore, leadTimeSettings, leadTimeVerdict, signalCheckpoints, weightNormTransitionStep, type LeadEvent, type LeadRunInput } from "../../src/experiments/claims/lead-time.js";
import { predictTransitionSteps, predictTransitionVerdict, type TransitionPredictRun } from "../../src/experiments/claims/predict-transition.js";
import { findTransition } from "../../src/quality/transition.js";
import { Rng } from "../../src/util/rng.js";

/** Checkpoints 0, 10, ..., 1000. */
const STEPS = Array.from({ length: 101 }, (_, i) => i * 10);
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
/** A test-accuracy curve that jumps from 0.02 to 1 around step T (width 15 steps). */
const accuracy = (T: number): number[] => STEPS.map((s) => 0.02 + 0.98 * sigmoid((s - T) / 15));
/** A weight norm falling from 40 to 20 around step W. */
const norm = (W: number): number[] => STEPS.map((s) => 20 + 20 * sigmoid(-(s - W) / 20));
const ev = (step: number, artefact = false): LeadEvent => ({ step, kind: "layer_fork", artefact });

function run(id: string, T: number, events: LeadEvent[], W = T, earlyWarnings: number[] = []): LeadRunInput {
  return { runId: id, steps: STEPS, transition: findTransition(STEPS, accuracy(T)), events, earlyWarnings, weightNorm: norm(W) };
}

/** Every k-subset of 0..M-1. */
function subsets(M: number, k: number): number[][] {
  const out: number[][] = [];
  const rec = (start: number, acc: number[]): void => {
    if (acc.length === k) { out.push([...acc]); return; }
    for (let i = start; i < M; i++) rec(i + 1, [...acc, i]);
  };
  rec(0, []);
  return out;
}

test("leadNull matches enumeration of every subset, and the mid-p score has mean exactly 1/2 under the null", () => {
  const eligible = [3, 5, 8, 13, 21, 34, 55, 89];
  const T = 40;
  for (const anchor of ["first", "last"] as const) {
    for (const k of [1, 2, 3, 5]) {
      const nul = leadNull(eligible, k, T, anchor);
      const all = subsets(eligible.length, k);
      const count = new Map<number | null, number>();
      for (const sub of all) {
        const before = sub.map((i) => eligible[i]!).filter((s) => s < T);
        const lead = before.length === 0 ? null : T - (anchor === "first" ? before[0]! : before[before.length - 1]!);
        count.set(lead, (count.get(lead) ?? 0) + 1);
      }
      assert.ok(Math.abs(nul.pNone - (count.get(null) ?? 0) / all.length) < 1e-12, `${anchor} k=${k}: P(none)`);
      for (const l of nul.leads) assert.ok(Math.abs(l.p - (count.get(l.lead) ?? 0) / all.length) < 1e-12, `${anchor} k=${k}: P(lead ${l.lead})`);
      const meanScore = all.reduce((s, sub) => {
        const before = sub.map((i) => eligible[i]!).filter((x) => x < T);
        const lead = before.length === 0 ? null : T - (anchor === "first" ? before[0]! : before[before.length - 1]!);
        return s + leadScore(lead, nul);
      }, 0) / all.length;
      assert.ok(Math.abs(meanScore - 0.5) < 1e-12, `${anchor} k=${k}: mean score ${meanScore}`);
    }
  }
});

test("a run whose events precede the transition by a known lag gives that lead, a high score, and the weight norm's step", () => {
  const T = 600;
  const r = leadRun(run("a", T, [ev(560), ev(580), ev(590)], 700));
  assert.ok(Math.abs(r.transitionStep! - T) < 1e-6, `transition ${r.transitionStep}`);
  assert.equal(r.anchorStep, 560);
  assert.ok(Math.abs(r.lead! - 40) < 1e-6);
  assert.ok(r.score! > 0.9, `score ${r.score}`);
  assert.ok(Math.abs(r.weightNormStep! - 700) <= 10, `weight-norm step ${r.weightNormStep}`);
  assert.ok(Math.abs(r.relativeLeadVsWeightNorm! - (40 - (T - r.weightNormStep!)) / T) < 1e-12);
  const last = leadRun(run("a", T, [ev(560), ev(580), ev(590)]), { anchor: "last" });
  assert.ok(Math.abs(last.lead! - 10) < 1e-6);
  // events only after the transition: no lead, the lowest scores, a negative lead-or-lag
  const late = leadRun(run("b", T, [ev(650), ev(700)]));
  assert.equal(late.lead, null);
  assert.ok(late.score! < 0.2, `score ${late.score}`);
  assert.ok(Math.abs(late.leadOrLag! - (T - 650)) < 1e-6);
});

test("artefact events are left out unless asked for; early warnings count as signals unless turned off; signals snap to the next checkpoint", () => {
  const r = run("a", 600, [ev(1, true), ev(10, true), ev(560)], 600, [433]);
  const s = signalCheckpoints(r);
  assert.deepEqual(s.signals, [440, 560]);
  assert.equal(s.artefactsExcluded, 2);
  assert.deepEqual(signalCheckpoints(r, { includeArtefacts: true }).signals, [10, 440, 560]);
  assert.deepEqual(signalCheckpoints(r, { useEarlyWarnings: false }).signals, [560]);
  assert.equal(leadRun(r).anchorStep, 440);
  assert.equal(leadRun(r, { includeArtefacts: true }).anchorStep, 10);
});

test("a run without a transition or without signals is left out of the score, and bad steps fail with a usage error", () => {
  const flat: LeadRunInput = { runId: "flat", steps: STEPS, transition: findTransition(STEPS, STEPS.map(() => 0.02)), events: [ev(100)] };
  assert.equal(leadRun(flat).score, null);
  assert.equal(leadRun(run("none", 500, [])).score, null);
  assert.throws(() => leadRun({ ...flat, steps: [0, 10, 10] }), /strictly increasing/);
  assert.throws(() => leadNull([1, 2], 3, 1), /cannot be placed/);
});

test("eight runs with events shortly before the transition and the weight norm later: supported", () => {
  const runs = Array.from({ length: 8 }, (_, i) => {
    const T = 400 + 50 * i;
    return run(`r${i}`, T, [ev(120 + 40 * i, true), ev(T - 50), ev(T - 30 - 10 * (i % 3)), ev(T + 100)], T + 60);
  });
  const v = leadTimeVerdict(runs);
  assert.equal(v.claim, "parameters_announce_transition");
  assert.equal(v.verdict, "supported", v.reason);
  assert.equal(v.tests!.length, 2);
  assert.ok(v.ours.value! > 0.8);
  const details = v.details as { artefacts_excluded: number };
  assert.equal(details.artefacts_excluded, 8);
});

test("the weight norm's transition firmly earlier than the events: not supported", () => {
  const runs = Array.from({ length: 8 }, (_, i) => {
    const T = 400 + 50 * i;
    return run(`r${i}`, T, [ev(T - 40), ev(T - 20)], T - 200 - 10 * i);
  });
  assert.equal(leadTimeVerdict(runs).verdict, "not supported");
});

test("events placed at random give a null-consistent label and a mean score near 1/2", () => {
  const rng = new Rng(7);
  const draw = (k: number): LeadEvent[] => {
    const chosen = new Set<number>();
    while (chosen.size < k) chosen.add(STEPS[1 + rng.int(STEPS.length - 1)]!);
    return [...chosen].map((s) => ev(s));
  };
  const runs = Array.from({ length: 12 }, (_, i) => run(`r${i}`, 300 + 40 * i, draw(3), 300 + 40 * i));
  const v = leadTimeVerdict(runs);
  assert.equal(v.tests![0]!.label, "inconclusive", v.reason);
  assert.notEqual(v.verdict, "supported");
  // many random runs: the mean score is 1/2 within sampling error (sd of a score <= 1/sqrt(12))
  const scores = Array.from({ length: 400 }, (_, i) => leadRun(run(`s${i}`, 300 + (i % 10) * 40, draw(1 + (i % 5)))).score!);
  const m = scores.reduce((s, x) => s + x, 0) / scores.length;
  assert.ok(Math.abs(m - 0.5) < 4 / Math.sqrt(12 * scores.length), `mean score ${m}`);
});

test("weightNormTransitionStep skips missing values and returns null for a flat norm", () => {
  const w = norm(300).map((v, i) => (i % 7 === 3 ? null : v));
  assert.ok(Math.abs(weightNormTransitionStep(STEPS, w)! - 300) <= 10);
  assert.equal(weightNormTransitionStep(STEPS, STEPS.map(() => 5)), null);
  assert.throws(() => weightNormTransitionStep(STEPS, [1, 2]), /weight-norm values/);
});

/** Runs whose transition step is exp(6 + 0.5 x) for a feature x readable early, plus a noise feature. */
function predictRuns(n: number, rng: Rng, informative = true): TransitionPredictRun[] {
  return Array.from({ length: n }, (_, i) => {
    const x = rng.normal();
    const T = Math.exp(6 + 0.5 * (informative ? x : rng.normal()));
    const steps = Array.from({ length: 60 }, (_, j) => j * 10);
    return {
      runId: `p${i}`, steps, featureNames: ["signal", "noise", "weight_norm"], transitionStep: T,
      // the signal feature is constant over steps (known from the start); the weight norm is uninformative
      features: steps.map((s) => [x, rng.normal(), 30 - s / 100 + 0.01 * rng.normal()]),
    };
  });
}

test("transition-step prediction: an informative early feature beats the other runs' mean, out of run", () => {
  const runs = predictRuns(10, new Rng(3));
  const preds = predictTransitionSteps(runs, { baselineFeatures: ["weight_norm"] });
  assert.equal(preds.length, 10);
  for (const p of preds) {
    assert.ok(p.beforeTransition, `${p.runId}: checkpoint ${p.checkpoint} vs T ${p.transitionStep}`);
    assert.ok(p.checkpoint! <= p.cutoff);
    assert.ok(p.error! < 0.2, `${p.runId}: error ${p.error}`);
  }
  const mErr = preds.reduce((s, p) => s + p.error!, 0) / preds.length;
  const bErr = preds.reduce((s, p) => s + p.meanBaselineError, 0) / preds.length;
  assert.ok(mErr < bErr / 2, `model ${mErr} vs mean baseline ${bErr}`);
  const v = predictTransitionVerdict(runs, { baselineFeatures: ["weight_norm"] });
  assert.equal(v.claim, "predict_transition_step");
  assert.equal(v.verdict, "supported", v.reason);
});

test("transition-step prediction: uninformative features are not supported over the mean baseline; runs without a transition are skipped", () => {
  const runs = predictRuns(10, new Rng(5), false);
  runs.push({ ...runs[0]!, runId: "none", transitionStep: null });
  const preds = predictTransitionSteps(runs);
  assert.equal(preds.length, 10);
  assert.ok(!preds.some((p) => p.runId === "none"));
  assert.notEqual(predictTransitionVerdict(runs).verdict, "supported");
  assert.throws(() => predictTransitionSteps(runs, { cutoffFraction: 0 }), /cutoff fraction/);
});

test("leadTimeSettings reads a plan entry and keeps the defaults for what it lacks", () => {
  const plan = { configuration: "base", primary_baseline: "random placement", secondary_baselines: [], min_effect: 0.2, events: "online" as const, settings: { anchor: "last", include_artefacts: true, eligible_from: 5 } };
  assert.deepEqual(leadTimeSettings(plan), { anchor: "last", includeArtefacts: true, eligibleFrom: 5, scoreMinEffect: 0.2 });
  assert.deepEqual(leadTimeSettings(), {});
});
