// describeMixture orders the components as the sort it replaced (Array.prototype.sort with
// means[a] - means[b]), ties and non-finite means included.
import { test } from "node:test";
import assert from "node:assert/strict";
import { describeMixture, GMM_METHOD } from "../../../src/stats/shape/gmm.js";
import { Rng } from "../../../src/util/rng.js";

test("describeMixture: components by increasing mean, in the order Array.prototype.sort gives", () => {
  const rng = new Rng(3);
  const pool = [0, 1, -1, 0.5, 2, Infinity, -Infinity, NaN];
  for (let t = 0; t < 500; t++) {
    const k = 1 + (t % 3);
    const means = Float64Array.from({ length: k }, () => (t < 400 ? pool[Math.floor(rng.uniform() * 5)]! : pool[Math.floor(rng.uniform() * pool.length)]!));
    const weights = Float64Array.from({ length: k }, (_, c) => c + 1), variances = Float64Array.from({ length: k }, (_, c) => 10 * (c + 1));
    const fit = describeMixture(GMM_METHOD, 100, k, { params: { weights, means, variances }, meanLogLik: -1, converged: true, iterations: 3 });
    const order = Array.from({ length: k }, (_, c) => c).sort((a, b) => means[a]! - means[b]!);
    assert.deepStrictEqual(fit.weights, order.map((c) => weights[c]!), `means ${Array.from(means).join(",")}`);
    assert.deepStrictEqual(fit.means, order.map((c) => means[c]!));
    assert.deepStrictEqual(fit.variances, order.map((c) => variances[c]!));
  }
});
