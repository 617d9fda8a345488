// Synthetic generators: known breakpoints, stated jump / ratio sizes, determinism, and the
// pitchfork simulator against the analytic stationary variance and branch values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { advancePitchfork, pitchforkSeries, pwConstant, pwVariance, randomBreakpoints, wideningNoise } from "../../src/dynamics/synthetic.js";
import { UsageError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/rng.js";

test("pwConstant: breakpoints follow the convention, segments are long enough, jumps are in delta", () => {
  for (let seed = 1; seed <= 30; seed++) {
    const { signal, bkps } = pwConstant(200, 4, 0, seed, { delta: [2, 5], minSegment: 15 });
    assert.equal(bkps.length, 5);
    assert.equal(bkps[4], 200);
    let start = 0;
    let previous = 0;
    for (const end of bkps) {
      assert.ok(end - start >= 15, `segment [${start}, ${end})`);
      for (let i = start; i < end; i++) assert.equal(signal[i], signal[start]);
      const jump = Math.abs(signal[start]! - previous);
      assert.ok(jump >= 2 - 1e-12 && jump <= 5 + 1e-12, `jump ${jump}`);
      previous = signal[start]!;
      start = end;
    }
  }
  assert.deepEqual(pwConstant(100, 2, 1, 9), pwConstant(100, 2, 1, 9));
  assert.notDeepEqual(pwConstant(100, 2, 1, 9).signal, pwConstant(100, 2, 1, 10).signal);
  assert.throws(() => randomBreakpoints(10, 5, new Rng(1), { minSegment: 3 }), UsageError);
});

test("pwConstant noise has the stated standard deviation", () => {
  const { signal } = pwConstant(20000, 0, 0.5, 3, { delta: [1, 1] });
  const level = signal.reduce((a, b) => a + b, 0) / signal.length;
  const sd = Math.sqrt(signal.reduce((a, v) => a + (v - level) ** 2, 0) / (signal.length - 1));
  assert.ok(Math.abs(Math.abs(level) - 1) < 0.02 && Math.abs(sd - 0.5) < 0.01, `level ${level} sd ${sd}`);
});

test("pwVariance: sd ratio between segments lies in the stated range", () => {
  const { signal, bkps } = pwVariance(30000, 2, 5, { ratio: [3, 6] });
  const sds: number[] = [];
  let start = 0;
  for (const end of bkps) {
    const seg = signal.subarray(start, end);
    sds.push(Math.sqrt(seg.reduce((a, v) => a + v * v, 0) / seg.length));
    start = end;
  }
  for (let k = 1; k < sds.length; k++) {
    const ratio = Math.max(sds[k]! / sds[k - 1]!, sds[k - 1]! / sds[k]!);
    assert.ok(ratio > 3 * 0.95 && ratio < 6 * 1.05, `ratio ${ratio}`);
  }
  const widening = wideningNoise(40000, 1, 2, 4);
  const head = widening.subarray(0, 2000), tail = widening.subarray(38000);
  const rms = (a: Float64Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
  assert.ok(Math.abs(rms(head) - 1.025) < 0.05 && Math.abs(rms(tail) - 1.975) < 0.08, `${rms(head)} ${rms(tail)}`);
});

test("pitchfork: stationary variance s^2 / (2|r|) for r < 0, branches +-sqrt(r) after the fork", () => {
  const s = 0.2;
  const below = pitchforkSeries({ nElements: 4000, steps: [0, 5], rOf: () => -2, noise: s, seed: 11, dt: 0.01 });
  const last = below.values[1]!;
  const variance = last.reduce((a, v) => a + v * v, 0) / last.length;
  assert.ok(Math.abs(variance / (s * s / 4) - 1) < 0.08, `variance ${variance} vs ${s * s / 4}`);
  assert.equal(below.crossIndex, null);

  const steps = Array.from({ length: 101 }, (_, i) => i * 2);
  const fork = pitchforkSeries({ nElements: 200, steps, rOf: { rStart: -1, rEnd: 1, crossAt: 100 }, noise: 0.05, seed: 12, dt: 0.05 });
  assert.equal(fork.crossIndex, 50);
  assert.ok(Math.abs(fork.r[0]! + 1) < 1e-12 && Math.abs(fork.r[50]!) < 1e-12 && Math.abs(fork.r[100]! - 1) < 1e-12);
  const up = Array.from(fork.branch).filter((b) => b === 1).length;
  assert.ok(up > 70 && up < 130, `branch sizes ${up} / ${200 - up}`);
  const end = fork.values[100]!;
  for (let j = 0; j < 200; j++) {
    assert.equal(Math.sign(end[j]!), fork.branch[j]);
    assert.ok(Math.abs(Math.abs(end[j]!) - 1) < 0.25, `element ${j} at ${end[j]}`);
  }
  const meanCheck = end.reduce((a, v) => a + v, 0) / 200;
  assert.ok(Math.abs(fork.mean[100]! - meanCheck) < 1e-12);
  assert.deepEqual(pitchforkSeries({ nElements: 3, steps: [0, 1, 5], rOf: () => -1, noise: 1, seed: 2, dt: 0.3 }).values, pitchforkSeries({ nElements: 3, steps: [0, 1, 5], rOf: () => -1, noise: 1, seed: 2, dt: 0.3 }).values);
  assert.throws(() => pitchforkSeries({ nElements: 1, steps: [0, 1], rOf: { rStart: -1, rEnd: 1, crossAt: 5 }, noise: 1, seed: 1, dt: 0.1 }), UsageError);
});

test("advancePitchfork: the Euler recurrence y += (r(t) y - y^3 + h_j) dt with r taken at each sub-step's start; noise s sqrt(dt) N(0, 1)", () => {
  const bias = [0.5, -0.25, 0];
  const y = Float64Array.from([0, 0.3, -1.2]);
  const ref = [...y];
  const h = 0.01;
  advancePitchfork(y, { count: 50, h, timeOf: (m) => 7 + m * h, rOf: (t) => t - 7.2, noise: 0, rng: new Rng(1), bias });
  for (let m = 0; m < 50; m++) {
    const r = 7 + m * h - 7.2;
    for (let j = 0; j < ref.length; j++) ref[j] = ref[j]! + (r * ref[j]! - ref[j]! ** 3 + bias[j]!) * h;
  }
  for (let j = 0; j < ref.length; j++) assert.ok(Math.abs(y[j]! - ref[j]!) < 1e-12, `element ${j}: ${y[j]} vs ${ref[j]}`);
  // r = 0, no bias, no cubic effect at y = 0 for one step: the increment is exactly s sqrt(h) times the seeded normal
  const z = new Float64Array(2);
  advancePitchfork(z, { count: 1, h: 0.04, timeOf: () => 0, rOf: () => 0, noise: 3, rng: new Rng(9) });
  const normals = new Rng(9);
  assert.deepEqual([...z], [3 * 0.2 * normals.normal(), 3 * 0.2 * normals.normal()]);
});
