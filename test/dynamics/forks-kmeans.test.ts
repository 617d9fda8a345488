// Pieces of the fork detectors: exact 1-D k-means against brute force over all cuts, label
// agreement under relabelling, the stable-fork rule on hand-made groupings, membership encoding.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeMembership, encodeMembership, findStableFork, kMeans1d, kMeans1dBruteForce, labelAgreement, type CheckpointGrouping } from "../../src/dynamics/forks/index.js";
import { UsageError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/rng.js";

test("kMeans1d (k = 2, 3) reaches the brute-force optimum on 200 random samples (mixtures, ties, n = 3..60)", () => {
  const rng = new Rng(1);
  for (let trial = 0; trial < 200; trial++) {
    const n = 3 + rng.int(58);
    const centres = [0, 3 * rng.normal(), 3 * rng.normal()];
    const x = Float64Array.from({ length: n }, () => {
      const v = centres[rng.int(3)]! + rng.normal();
      return trial % 5 === 0 ? Math.round(v) : v; // ties every fifth trial
    }).sort();
    for (const k of [2, 3] as const) {
      const fast = kMeans1d(x, k), slow = kMeans1dBruteForce(x, k);
      const total = (r: { withinSS: number[] }) => r.withinSS.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(total(fast) - total(slow)) <= 1e-9 * (1 + total(slow)), `trial ${trial} k ${k}: ${total(fast)} vs ${total(slow)}`);
      assert.equal(fast.sizes.reduce((a, b) => a + b, 0), n);
    }
  }
});

test("kMeans1d: means and sizes of well separated groups; errors", () => {
  const r = kMeans1d([1, 1.1, 1.2, 5, 5.1, 9, 9.2], 3);
  assert.deepEqual(r.sizes, [3, 2, 2]);
  assert.ok(Math.abs(r.means[0]! - 1.1) < 1e-12 && Math.abs(r.means[2]! - 9.1) < 1e-12);
  assert.throws(() => kMeans1d([2, 1], 2), UsageError);
  assert.throws(() => kMeans1d([1], 2), UsageError);
});

test("labelAgreement: invariant to relabelling, counts the best matching", () => {
  assert.equal(labelAgreement(Uint8Array.of(0, 0, 1, 1), Uint8Array.of(1, 1, 0, 0), 2), 1);
  assert.equal(labelAgreement(Uint8Array.of(0, 0, 1, 1), Uint8Array.of(1, 1, 0, 1), 2), 0.75);
  assert.equal(labelAgreement(Uint8Array.of(0, 1, 2, 2), Uint8Array.of(2, 0, 1, 1), 3), 1);
});

function grouping(k: number, labels?: number[]): CheckpointGrouping {
  return { k, labels: labels === undefined ? null : Uint8Array.from(labels), separation: k };
}

test("findStableFork: first stable run after a together checkpoint; blips and flips are not forks", () => {
  const A = [0, 0, 1, 1], B = [0, 1, 0, 1];
  const g = [grouping(1), grouping(2, A), grouping(1), grouping(2, B), grouping(2, A), grouping(2, A), grouping(2, A), grouping(2, A)];
  const fork = findStableFork(g, { persistence: 3, minAgreement: 1 });
  assert.deepEqual(fork, { index: 4, lastTogether: 2, stableUntil: 7, agreements: [1, 1, 1, 1] });
  // separated from the start: never together, no fork
  assert.equal(findStableFork([grouping(2, A), grouping(2, A), grouping(2, A), grouping(2, A)], { persistence: 3, minAgreement: 1 }), null);
  // a run shorter than P at the end is not a fork
  assert.equal(findStableFork([grouping(1), grouping(1), grouping(2, A), grouping(2, A)], { persistence: 3, minAgreement: 1 }), null);
  // agreement below the threshold breaks the run; accept() can veto a candidate
  const partial = [grouping(1), grouping(2, A), grouping(2, [0, 0, 1, 0]), grouping(2, A)];
  assert.equal(findStableFork(partial, { persistence: 3, minAgreement: 0.9 }), null);
  assert.equal(findStableFork(partial, { persistence: 3, minAgreement: 0.75 })?.index, 1);
  assert.equal(findStableFork(partial, { persistence: 3, minAgreement: 0.75, accept: () => false }), null);
  assert.throws(() => findStableFork(g, { persistence: 0, minAgreement: 1 }), UsageError);
});

test("membership: bitmap and byte encodings round-trip and are small", () => {
  const rng = new Rng(3);
  for (const n of [0, 1, 7, 8, 9, 1000, 65536]) {
    const two = Uint8Array.from({ length: n }, () => rng.int(2));
    const e2 = encodeMembership(two, 2);
    assert.equal(e2.encoding, "bitmap-lsb0-base64");
    assert.deepEqual(decodeMembership(e2), two);
    assert.ok(e2.data.length <= 4 * Math.ceil(Math.ceil(n / 8) / 3));
    const three = Uint8Array.from({ length: n }, () => rng.int(3));
    assert.deepEqual(decodeMembership(encodeMembership(three, 3)), three);
  }
  // documented bit order: element j is bit (j & 7) of byte j >> 3
  assert.equal(encodeMembership(Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 0, 1), 2).data, Buffer.from([1, 2]).toString("base64"));
  assert.throws(() => encodeMembership(Uint8Array.of(2), 2), UsageError);
});
