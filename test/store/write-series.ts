// The write loop shared by the crash test and its child process: checkpoints of run "crash",
// skipping complete ones, reporting "begin"/"committed" around each transaction. The checkpoint
// at BIG_STEP is four times larger, so its transaction is the long one the crash test kills.
import type { Store } from "../../src/store/index.js";
import { fakeCheckpoint } from "./fake-results.js";

export const BIG_STEP = 4;

/** `intoFileFrom`: steps from it on commit into the store file (an analysis's last write, Store CheckpointWriteOptions). */
export async function writeSeries(store: Store, steps: readonly number[], tensors: number, report: (line: string) => void, intoFileFrom = Infinity): Promise<void> {
  const options = { tensors, histogramKeys: 200, trajectoryLength: 512 };
  await store.putRun({ run_id: "crash", source: "/runs/x", options: { seed: 7 } });
  for (const step of steps) {
    if (await store.isCheckpointComplete("crash", step)) continue;
    report(`begin ${step}`);
    const size = step === BIG_STEP ? { ...options, tensors: 4 * tensors } : options;
    await store.writeCheckpoints("crash", [fakeCheckpoint(step, 7, size)], undefined, { intoFile: step >= intoFileFrom });
    report(`committed ${step}`);
  }
}
