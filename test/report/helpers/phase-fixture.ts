// A store for the "Phase transition" view: a small synthetic fork run analyzed (tensors, layer
// and model groups, events), a task metric that jumps from 0.02 to 0.98 around step 1500 between
// the checkpoints at 1000 and 2000, and the run's transition recomputed from it.
import { join } from "node:path";
import { writeSyntheticRun } from "../../../src/runs/synth.js";
import { analyzeRun } from "../../../src/pipeline/analyze.js";
import { recomputeRunTransition } from "../../../src/quality/run-transition.js";
import { Store } from "../../../src/store/index.js";

export const PHASE_STEPS = [0, 1, 4, 16, 64, 256, 1000, 2000, 3000, 4000];
export const PHASE_METRIC = "eval/test_accuracy";
/** The designed interval of the jump and the interpolated halfway crossing. */
export const PHASE_INTERVAL: [number, number] = [1000, 2000];

export function designedAccuracy(step: number): number {
  return 0.02 + 0.96 / (1 + Math.exp(-(step - 1500) / 60));
}

/** Writes, analyzes and opens (writable) the store under `dir`; the caller closes it. */
export async function phaseFixtureStore(dir: string): Promise<Store> {
  await writeSyntheticRun(join(dir, "run"), { kind: "fork", seed: 3, steps: PHASE_STEPS });
  await analyzeRun(join(dir, "run"), { out: join(dir, "out"), workers: 0, shape: false, spectralMaxDim: 0 });
  const store = await Store.openDir(join(dir, "out"));
  await store.putMetrics("run", "task", [
    ...PHASE_STEPS.map((step) => ({ step, name: PHASE_METRIC, value: designedAccuracy(step) })),
    ...PHASE_STEPS.map((step) => ({ step, name: "eval/test_loss", value: 4 - 3 * designedAccuracy(step) })),
  ]);
  await recomputeRunTransition(store, "run");
  return store;
}
