// Online (causal) detectors: events known only once their persistence window has been seen, the
// layer-fork noise scale from the past only; what comes after "known at" cannot change them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { detectLayerFork } from "../../src/dynamics/forks/layer.js";
import { detectPopulationFork } from "../../src/dynamics/forks/population.js";
import { onlineEvents, knownAtAfterPersistence, markKnownAt } from "../../src/dynamics/online.js";
import { Rng } from "../../src/util/rng.js";

const STEPS = Array.from({ length: 40 }, (_, i) => 10 * i);

/** 4 layers moving together with noise 0.01; layers 2 and 3 jump by +1 from checkpoint 8; after `wildFrom`, noise 0.5. */
function layers(wildFrom = Infinity, seed = 3): number[][] {
  const rng = new Rng(seed);
  return [0, 1, 2, 3].map((l) => STEPS.map((_, t) => 1 + 0.01 * t + (l >= 2 && t >= 8 ? 1 : 0) + (t >= wildFrom ? 0.5 : 0.01) * rng.normal()));
}

const onlineLayer = (series: number[][]) => onlineEvents(STEPS, (len) => {
  const r = detectLayerFork("attn", STEPS.slice(0, len), series.map((s) => s.slice(0, len)));
  return r.event === null ? [] : [r.event];
}, { minLength: 4, oncePerSeries: true });

test("defect 7: an online layer fork is known at the checkpoint completing its persistence window, from past data only", () => {
  const series = layers();
  const offline = detectLayerFork("attn", STEPS, series).event!;
  assert.equal(offline.step, 80);
  const [online] = onlineLayer(series);
  assert.equal(online!.step, 80);
  assert.equal(online!.evidence["known_at_step"], 100, "fork at index 8, persistence 3: known at index 10");
  assert.equal(online!.evidence["causal"], true);
  // Noisy checkpoints after index 10 change the offline detector's whole-series noise scale (and
  // with it the event), never the online event.
  const wild = layers(12);
  const offlineWild = detectLayerFork("attn", STEPS, wild);
  assert.ok(offlineWild.sigma > 5 * detectLayerFork("attn", STEPS, series).sigma, "the offline noise scale reads the future");
  assert.notDeepEqual(offlineWild.event?.strength ?? null, offline.strength);
  const [onlineWild] = onlineLayer(wild);
  assert.equal(onlineWild!.step, online!.step);
  assert.equal(onlineWild!.evidence["known_at_step"], online!.evidence["known_at_step"]);
  assert.equal(onlineWild!.strength, online!.strength);
});

test("population fork: the online stream equals the offline event known at index + persistence - 1", () => {
  const rng = new Rng(9);
  // 40 elements, together until checkpoint 6, then two branches at -1 and +1
  const values = STEPS.map((_, t) => Float32Array.from({ length: 40 }, (_, j) => (t >= 6 ? (j < 20 ? -1 : 1) : 0) + 0.05 * rng.normal()));
  const offline = detectPopulationFork("w", STEPS, values).event!;
  const online = onlineEvents(STEPS, (len) => { const e = detectPopulationFork("w", STEPS.slice(0, len), values.slice(0, len)).event; return e === null ? [] : [e]; }, { oncePerSeries: true });
  assert.equal(online.length, 1);
  assert.equal(online[0]!.step, offline.step);
  assert.equal(online[0]!.evidence["known_at_step"], knownAtAfterPersistence(STEPS, offline.step, 3));
  assert.equal(knownAtAfterPersistence(STEPS, 60, 3), 80);
  assert.equal(knownAtAfterPersistence(STEPS, 390, 3), null, "window not complete at the last checkpoint");
  assert.throws(() => markKnownAt(offline, offline.step - 1));
});
