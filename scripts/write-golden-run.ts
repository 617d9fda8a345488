// Writes test/fixtures/golden/golden-run: the small synthetic run whose analysis
// test/cli/golden.test.ts compares with a committed golden file. The run itself is committed, so
// a change to the synthetic generator does not move the golden; rewrite it only on purpose:
//   rm -rf test/fixtures/golden/golden-run && node --import tsx scripts/write-golden-run.ts
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeSyntheticRun } from "../src/runs/synth.js";

const out = join(fileURLToPath(new URL("..", import.meta.url)), "test", "fixtures", "golden", "golden-run");

/** A fork run cut to ten Pythia-like checkpoints and a width of 16: every detector fires, the store stays small. */
export const GOLDEN_RUN = { kind: "fork", seed: 16, steps: [0, 2, 8, 32, 64, 128, 256, 512, 1000, 2000], hidden: 16, layers: 2, vocab: 32, maxPositions: 8 } as const;

async function main(): Promise<void> {
  const info = await writeSyntheticRun(out, { ...GOLDEN_RUN, steps: [...GOLDEN_RUN.steps] });
  console.log(`wrote ${info.checkpoints.length} checkpoints to ${out}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
