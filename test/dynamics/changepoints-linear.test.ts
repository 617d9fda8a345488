// The piecewise-linear cost against the independent numpy reference (exact least squares per
// segment and exhaustive optimal partitioning, tools/reference/changepoint_linear.py), and its
// behaviour on smooth trends (no change) versus level shifts and slope breaks (found).
// Rates are measured on fixed seeds (deterministic) and written next to each bound.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  changePointsOnSteps, CostLinear, derivePenalty, pelt, polynomialRss, precisionRecall, pseudoResidualSigma, xCoordinates,
} from "../../src/dynamics/changepoints/index.js";
import { randomBreakpoints } from "../../src/dynamics/synthetic.js";
import { UsageError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/rng.js";

interface Case {
  name: string; steps: number[]; signal: number[]; minSize: number; penalty: number; sigma: number; defaultPenalty: number;
  optimalBkps: number[]; optimalObjective: number;
  segmentLines: { rss: number; intercept: number; slope: number }[];
  segmentCosts: { start: number; end: number; rss: number }[];
  windows: { lo: number; hi: number; quadRss: number; lineRss: number }[];
}
const fixture = JSON.parse(readFileSync(new URL("../fixtures/dynamics/changepoints-linear.json", import.meta.url), "utf8")) as { cases: Case[] };
const close = (a: number, b: number, rel: number, what: string) => assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(b), 1e-12), `${what}: ${a} vs ${b}`);

for (const c of fixture.cases) {
  test(`linear cost + PELT = exhaustive optimal partition (numpy): ${c.name}`, () => {
    const x = xCoordinates(c.steps, "log-step");
    const cost = new CostLinear({ x, minSize: c.minSize }).fit(Float64Array.from(c.signal));
    const result = pelt(cost, c.signal.length, { penalty: c.penalty, minSize: c.minSize });
    assert.deepEqual(result.bkps, c.optimalBkps);
    close(result.objective, c.optimalObjective, 1e-9, "objective");
    assert.equal(result.cost, "linear");
    const starts = [0, ...c.optimalBkps];
    c.segmentLines.forEach((ref, k) => {
      const line = cost.line(starts[k]!, starts[k + 1]!);
      close(line.rss, ref.rss, 1e-9, `segment ${k} rss`);
      close(line.slope, ref.slope, 1e-9, `segment ${k} slope`);
      close(line.intercept, ref.intercept, 1e-9, `segment ${k} intercept`);
    });
    for (const s of c.segmentCosts) close(cost.error(s.start, s.end), s.rss, 1e-9, `cost [${s.start}, ${s.end})`);
    for (const w of c.windows) {
      close(polynomialRss(x, c.signal, w.lo, w.hi, 2), w.quadRss, 1e-8, `quadratic rss [${w.lo}, ${w.hi})`);
      close(polynomialRss(x, c.signal, w.lo, w.hi, 1), w.lineRss, 1e-8, `line rss [${w.lo}, ${w.hi})`);
    }
  });
}

test("default linear penalty: pseudo-residual sigma and 3 sigma^2 ln max(n, 100) match numpy", () => {
  for (const c of fixture.cases) {
    const x = xCoordinates(c.steps, "log-step");
    close(pseudoResidualSigma(x, c.signal), c.sigma, 1e-12, `${c.name} sigma`);
    const derived = derivePenalty("linear", c.signal, x);
    close(derived.penalty, c.defaultPenalty, 1e-12, `${c.name} penalty`);
    assert.match(derived.rule, /pseudo-residuals/);
  }
  // Exactly 0 on a straight line in x, whatever the spacing.
  const x = xCoordinates([0, 1, 2, 4, 8, 16, 32, 50, 75], "log-step");
  assert.ok(pseudoResidualSigma(x, Array.from(x, (v) => 3 - 2 * v)) < 1e-12);
  assert.throws(() => new CostLinear({ minSize: 1 }), UsageError);
  assert.throws(() => new CostLinear({ x: [0, 1] }).fit(Float64Array.of(1, 2, 3)), UsageError);
});

const TINY = [0, 1, 2, 4, 8, 16, 32, ...Array.from({ length: 23 }, (_, i) => 50 + 25 * i)];
const PYTHIA = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, ...Array.from({ length: 143 }, (_, i) => 1000 * (i + 1))];
const SCHEDULES = { tiny: TINY, pythia: PYTHIA } as const;
const TRENDS = {
  "power-law decay (1 + step)^-0.5": (x: number) => Math.exp(-0.5 * x),
  "log-linear growth 0.1 ln(1 + step)": (x: number) => 0.1 * x,
} as const;

// Null: smooth trend + N(0, noise^2), 100 seeds per cell, default linear detection (PELT,
// BIC penalty, abruptness check). Measured false alarms at noise 0.003 / 0.03: tiny power law
// 0 / 0, tiny log-linear 0 / 4, Pythia power law 1 / 6, Pythia log-linear 0 / 1 (per 100); at
// noise 0.1 up to 8 (tiny log-linear). The l2 cost floods on the same series (below). Bound: 10%.
for (const [schedule, steps] of Object.entries(SCHEDULES)) {
  for (const [trend, f] of Object.entries(TRENDS)) {
    test(`null ${trend} on ${schedule} steps (noise 0.003 and 0.03): false-alarm rate <= 10% over 100 seeds`, () => {
      const x = xCoordinates(steps, "log-step");
      for (const noise of [0.003, 0.03]) {
        let alarms = 0;
        for (let seed = 1; seed <= 100; seed++) {
          const rng = new Rng(seed);
          const values = Array.from(x, (v) => f(v) + noise * rng.normal());
          if (changePointsOnSteps(steps, values, { cost: "linear" }).changes.length > 0) alarms++;
        }
        assert.ok(alarms <= 10, `${alarms}/100 series with a change at noise ${noise}`);
      }
    });
  }
}

test("the l2 cost floods on the same smooth trend (the problem the linear cost solves): >= 3 changes per series", () => {
  const x = xCoordinates(TINY, "log-step");
  let total = 0;
  for (let seed = 1; seed <= 20; seed++) {
    const rng = new Rng(seed);
    total += changePointsOnSteps(TINY, Array.from(x, (v) => Math.exp(-0.5 * v) + 0.003 * rng.normal()), { cost: "l2", minSize: 2 }).changes.length;
  }
  assert.ok(total / 20 >= 3, `mean ${total / 20} changes per series`); // measured 7.1 (linear: 0)
});

/**
 * n points at x = index, lines per segment; levels jump (kind "shift") or slopes change
 * continuously (kind "kink", alternating in sign so the trend moves at most ~2 noise sd per
 * point). The abruptness check scales its bar with the move per checkpoint, so in a steep
 * trend a slope change must be large compared with that move: with slopes drifting as a
 * random walk (steps 1..2 sd per point) recall was 26/150.
 */
function piecewiseLinear(kind: "shift" | "kink", n: number, nBkps: number, seed: number): { values: number[]; bkps: number[] } {
  const rng = new Rng(seed);
  const bkps = randomBreakpoints(n, nBkps, rng, { minSegment: 15 });
  const values: number[] = [];
  let level = 0, slope = kind === "shift" ? 0.2 * (rng.uniform() - 0.5) : 0.5 * (rng.uniform() - 0.5), start = 0;
  for (const end of bkps) {
    if (start > 0) {
      const size = kind === "shift" ? 4 + 4 * rng.uniform() : 1 + rng.uniform(); // 4..8 noise sd (shift) or 1..2 sd per point (kink)
      const sign = rng.uniform() < 0.5 ? -1 : 1;
      if (kind === "shift") level += sign * size;
      else slope = slope > 0 ? slope - size : slope + size; // zig-zag: |slope| stays <= 2 sd per point
    }
    for (let i = start; i < end; i++) values.push(level + slope * (i - start));
    level += slope * (end - start);
    start = end;
  }
  return { values: values.map((v) => v + rng.normal()), bkps };
}

// 50 seeds, n = 100, 3 changes, noise sd 1, x = index, margin 3 points (|found - true| < 3).
// Measured: shifts precision 150/151, recall 150/150; slope breaks precision 144/150, recall 144/150.
for (const kind of ["shift", "kink"] as const) {
  test(`piecewise-linear with ${kind === "shift" ? "level shifts (4..8 sd)" : "slope breaks (1..2 sd per point)"}: precision and recall >= 0.9 over 50 seeds`, () => {
    let tp = 0, predicted = 0, actual = 0;
    for (let seed = 1; seed <= 50; seed++) {
      const { values, bkps } = piecewiseLinear(kind, 100, 3, seed);
      const steps = values.map((_, i) => i);
      const found = changePointsOnSteps(steps, values, { cost: "linear", xAxis: "index" });
      const pr = precisionRecall(bkps, found.bkps, 3);
      tp += pr.truePositives;
      predicted += pr.predicted;
      actual += pr.actual;
    }
    assert.ok(tp / predicted >= 0.9, `precision ${tp}/${predicted}`);
    assert.ok(tp / actual >= 0.9, `recall ${tp}/${actual}`);
  });
}
