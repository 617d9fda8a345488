// `forking-paths synth <out-run-dir>`: a synthetic checkpoint series with designed distributions.
import type { Command } from "commander";
import { writeSyntheticRun, UsageError } from "../../index.js";
import { parseIntOption, printJson } from "../options.js";
import { say } from "../terminal.js";

export function register(program: Command): void {
  program
    .command("synth")
    .description("write a synthetic checkpoint series (safetensors) whose tensors follow designed distributions: Gaussian drift, growing heavy tails, and (kind fork) a LayerNorm population that forks at a known step; ground truth in synth.json")
    .argument("<out-run-dir>", "folder to write checkpoint-<step>/ into")
    .option("--kind <kind>", "fork | null", "fork")
    .option("--seed <s>", "random seed", parseIntOption("--seed"), 0)
    .option("--json", "print the ground truth as JSON")
    .action(async (outDir: string, flags: { kind: string; seed: number; json?: boolean }) => {
      if (flags.kind !== "fork" && flags.kind !== "null") throw new UsageError(`--kind: expected fork or null, got "${flags.kind}"`);
      const info = await writeSyntheticRun(outDir, { kind: flags.kind, seed: flags.seed });
      if (flags.json) printJson(info);
      else say(`wrote ${info.steps.length} checkpoints (steps ${info.steps[0]}..${info.steps[info.steps.length - 1]}) to ${outDir}${info.forkStep !== null ? `; population fork at step ${info.forkStep}` : "; no fork (null run)"}`);
    });
}
