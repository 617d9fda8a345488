// The study's phases dispose every WASM backend they start: a model's buffers stay in its backend's
// bump arena until dispose(), so one backend shared by every pruning curve grew by a model per
// checkpoint until it hit the 4 GiB limit (commit 5f4be9b). Two held-out runs of 2 steps are
// trained and analyzed; the pruning phase then measures several curves (three random masks at every
// chosen checkpoint), and after each curve and each trained run no backend may still be live.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Store } from "../../src/index.js";
import { analyzePhase, buildPlan, pruningPhase, sweepFromPlan, trainPhase } from "../../src/experiments/index.js";
import { createWasmKernels, liveWasmBackends, type LiveWasmBackends } from "../../src/model/wasm/kernels.js";
import { tempDir } from "../helpers/temp.js";

test("liveWasmBackends counts a started backend and its memory until it is disposed", async () => {
  const before = liveWasmBackends();
  const kernels = await createWasmKernels({ threads: 1 });
  const started = liveWasmBackends();
  assert.equal(started.count, before.count + 1);
  kernels.allocF32(8 * 1024 * 1024); // 32 MiB: past the arena's initial 16 MiB, so its memory grows
  const grown = liveWasmBackends();
  assert.ok(grown.bytes > started.bytes && grown.bytes - before.bytes >= 32 * 1024 * 1024, `memory held ${started.bytes} -> ${grown.bytes} bytes`);
  await kernels.dispose();
  assert.deepEqual(liveWasmBackends(), before);
  await kernels.dispose();
  assert.deepEqual(liveWasmBackends(), before, "a second dispose() changes nothing");
});

test("study phases: every training run and every pruning curve disposes its WASM backend (memory does not grow with the checkpoints)", async () => {
  const out = join(tempDir("fp-study-kernels-"), "study");
  const sweep = sweepFromPlan(buildPlan({ heldoutSeeds: 2, developmentSeeds: 0, configurations: ["base"], steps: 2, evalTokens: 256 }));
  const idle = liveWasmBackends();
  const seen: Array<{ line: string; live: LiveWasmBackends }> = [];
  const log = (line: string): void => { seen.push({ line, live: liveWasmBackends() }); };
  await trainPhase(sweep, { out, threads: 1, log });
  const store = await Store.openDir(out);
  try {
    await analyzePhase(sweep, store, { out, threads: 1, log });
    const measured = await pruningPhase(sweep, store, { out, threads: 1, log, masks: 3, sparsities: [0.5], tokens: 256 });
    assert.ok(measured >= 3 * sweep.length, `${measured} curves: at least three masks of each run's final checkpoint`);
    const curves = seen.filter((s) => s.line.startsWith("pruning "));
    const trained = seen.filter((s) => s.line.startsWith("train ") && s.line.includes("validation loss"));
    assert.equal(curves.length, measured);
    assert.equal(trained.length, sweep.length);
    const held = (xs: typeof seen): string => xs.map((s) => `${s.live.count} (${s.live.bytes} bytes)`).join(", ");
    assert.deepEqual(trained.map((s) => s.live), trained.map(() => idle), `live backends after each trained run: ${held(trained)}`);
    assert.deepEqual(curves.map((s) => s.live), curves.map(() => idle), `live backends after each pruning curve: ${held(curves)}`);
    assert.deepEqual(liveWasmBackends(), idle);
    // per checkpoint three curves and four rows (magnitude and random with mask 0, random with masks 1 and 2)
    assert.equal((await store.pruning({})).length, (measured / 3) * 4);
  } finally {
    await store.close();
  }
});
