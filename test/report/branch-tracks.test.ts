// The report draws a population fork's branch centres over the fork tensor's bifurcation diagram:
// from a synthetic run with a designed fork, analyzed for real, the store -> report adapter gives
// two tracks that separate, with the event's own centres.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeSyntheticRun } from "../../src/runs/synth.js";
import { analyzeRun } from "../../src/pipeline/analyze.js";
import { Store } from "../../src/store/store.js";
import { reportDataFromStore } from "../../src/report/from-store.js";
import { tempDir } from "../helpers/temp.js";

test("population fork branches become mode tracks over the fork tensor", async () => {
  const dir = tempDir("fp-branches-");
  const info = await writeSyntheticRun(join(dir, "run"), { kind: "fork", seed: 2 });
  await analyzeRun(join(dir, "run"), { out: join(dir, "out"), workers: 0, include: ["*layernorm*"], shape: false });
  const store = await Store.openDir(join(dir, "out"), { readOnly: true });
  try {
    const data = await reportDataFromStore(store, { groups: false });
    const run = data.runs[0]!;
    const tensor = run.tensors.find((t) => t.name === info.forkTensors[0])!;
    const branches = (tensor.modes ?? []).filter((m) => m.kind === "branch");
    assert.equal(branches.length, 2, "two branch tracks");
    const [lower, upper] = branches;
    const last = (t: typeof lower) => t!.points[t!.points.length - 1]!.value;
    assert.ok(last(upper) - last(lower) > 0.2, `branches separate: ${last(lower)} .. ${last(upper)}`);
    const fork = run.events.find((e) => e.kind === "population_fork" && e.tensor === tensor.name && (e.evidence as { variable?: string }).variable === "value")!;
    const centres = (fork.evidence as { branch_centres: { lower: number[]; upper: number[] } }).branch_centres;
    assert.deepEqual(lower!.points.map((p) => p.value), centres.lower);
    assert.deepEqual(upper!.points.map((p) => p.value), centres.upper);
  } finally {
    await store.close();
  }
});
