// Pruning-tolerance curves from the store: rows written through Store.putPruning come back in
// the report as one curve per (step, method, scope), loss increase against sparsity, random
// pruning averaged over its seeds (expected values computed here from the rows written).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reportDataFromStore } from "../../src/report/from-store.js";
import { PRUNING_CURVE_METRIC } from "../../src/report/pruning-curves.js";
import { BASE, MAGNITUDE_SCALE, NEAR_ZERO, SPARSITY, storeWithPruning } from "./helpers/pruning-fixture.js";

test("reportDataFromStore turns the pruning table into loss-increase curves per step and method", async () => {
  const dir = await mkdtemp(join(tmpdir(), "fp-report-pruning-"));
  const store = await storeWithPruning(dir);
  try {
    const run = (await reportDataFromStore(store)).runs[0]!;
    assert.deepEqual(run.pruning.map((c) => [c.step, c.method, c.scope]), [[100, "magnitude", "global"], [100, "random", "global"], [2000, "magnitude", "global"], [2000, "random", "global"]]);
    for (const c of run.pruning) {
      assert.equal(c.metric, PRUNING_CURVE_METRIC);
      assert.deepEqual(c.sparsity, SPARSITY);
      assert.equal(c.nearZeroMass, NEAR_ZERO[c.step!]);
      assert.equal(c.baseLoss, BASE[c.step!]);
      const expected = SPARSITY.map((s) => c.method === "magnitude" ? MAGNITUDE_SCALE[c.step!]! * s ** 3 : 2 * s ** 2 + 0.01 * s * (1 + 2 + 3) / 3);
      c.values.forEach((v, i) => assert.ok(Math.abs(v! - expected[i]!) < 1e-9, `${c.step} ${c.method} sparsity ${SPARSITY[i]}: ${v} vs ${expected[i]}`));
      assert.deepEqual(c.seeds, c.method === "magnitude" ? [0] : [1, 2, 3]);
    }
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
