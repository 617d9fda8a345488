// The counts of each stored histogram that mode snapshots reuse, summed inside DuckDB
// (forEachHistogramMasses), equal the TypeScript oracle (dynamics/modes histogramMasses) on the
// same histograms: sorted and unsorted keys, duplicates, +-0, Inf/NaN buckets, zero counts,
// a single bucket, an empty histogram; for tensor and group histograms.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "../../src/store/store.js";
import { histogramMasses } from "../../src/dynamics/modes/snapshots.js";
import { HIST_MAX_FINITE_KEY } from "../../src/stats/histogram.js";
import { Rng } from "../../src/util/rng.js";
import { fakeCheckpoint } from "./fake-results.js";

function randomHistogram(rng: Rng, n: number, sorted: boolean): { keys: number[]; counts: number[] } {
  const pool = [0x0000, 0x8000, 0x7f80, 0xff80, 0x7fc0, HIST_MAX_FINITE_KEY, 0x8000 | HIST_MAX_FINITE_KEY, 0x3f80, 0xbf80];
  const keys = new Set<number>();
  while (keys.size < n) keys.add(rng.uniform() < 0.3 ? pool[rng.int(pool.length)]! : rng.int(65536));
  const list = [...keys];
  if (sorted) list.sort((a, b) => a - b);
  return { keys: list, counts: list.map(() => (rng.uniform() < 0.15 ? 0 : 1 + rng.int(100_000))) };
}

test("forEachHistogramMasses: DuckDB's sums equal histogramMasses on every stored histogram", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-histogram-masses-"));
  const store = await Store.openDir(dir);
  try {
    await store.putRun({ run_id: "r", source: "/x" });
    const rng = new Rng(11);
    const expected = new Map<string, ReturnType<typeof histogramMasses>>();
    for (let step = 0; step < 3; step++) {
      const cp = fakeCheckpoint(step, 1, { tensors: 8, histogramKeys: 4, trajectoryLength: 4 });
      cp.tensors.forEach((t, i) => {
        const h = i === 0 ? { keys: [], counts: [] } : i === 1 ? { keys: [0x3f80], counts: [7] } : i === 2 ? { keys: [5, 5, 3], counts: [1, 2, 3] } : randomHistogram(rng, 1 + rng.int(300), i % 3 !== 0);
        t.histogram = h;
        expected.set(`t ${step} ${t.tensor}`, histogramMasses(h));
      });
      const g = randomHistogram(rng, 50, step !== 1);
      const groups = cp.groups!;
      groups[1]!.histogram = g;
      expected.set(`g ${step} model:model`, histogramMasses(g));
      expected.set(`g ${step} role:mlp.in`, histogramMasses(groups[0]!.histogram!));
      await store.writeCheckpoint("r", cp);
    }
    const got = new Map<string, unknown>();
    for (const groups of [false, true]) {
      await store.forEachHistogramMasses({ run: "r", groups, maxFiniteKey: HIST_MAX_FINITE_KEY }, ({ step, name, ...masses }) => {
        got.set(`${groups ? "g" : "t"} ${step} ${name}`, masses);
      });
    }
    assert.equal(got.size, expected.size, "one record per stored histogram, the empty one included");
    for (const [key, masses] of expected) assert.deepEqual(got.get(key), masses, key);
    // the cases the reuse rule turns on are all present
    const values = [...expected.values()];
    assert.ok(values.some((m) => !m.ascending) && values.some((m) => m.total === 0) && values.some((m) => m.zero > 0) && values.some((m) => m.maxCount > 0));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
