// `forking-paths demo` (npm run demo): the main job on the built-in default. Writes a synthetic
// checkpoint series whose LayerNorm population forks at a known step, analyzes it, and prints
// what a user should look at. (The trainer-based demo replaces the synthetic run once the
// trainer lands.)
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { analyzeRun, writeSyntheticRun, Store, type SyntheticRunInfo } from "../../index.js";
import { progressBar, formatSeconds } from "../progress.js";
import { printAnalyzeSummary } from "./analyze.js";
import { parseIntOption } from "../options.js";
import { readFile } from "node:fs/promises";

export function register(program: Command): void {
  program
    .command("demo")
    .description("run the main job on the built-in default: write a synthetic run whose LayerNorm gains fork at a known step, analyze it, print a summary")
    .option("--out <dir>", "output folder", "demo-output")
    .option("--seed <s>", "seed of the synthetic run", parseIntOption("--seed"), 1)
    .action(async (flags: { out: string; seed: number }) => {
      const started = Date.now();
      const runDir = join(flags.out, "run"), outDir = join(flags.out, "analysis");
      const info: SyntheticRunInfo = existsSync(join(runDir, "synth.json"))
        ? (JSON.parse(await readFile(join(runDir, "synth.json"), "utf8")) as SyntheticRunInfo)
        : await writeSyntheticRun(runDir, { kind: "fork", seed: flags.seed });
      console.log(`1/2 synthetic run: ${info.steps.length} checkpoints, steps ${info.steps[0]}..${info.steps[info.steps.length - 1]} in ${resolve(runDir)}`);
      const bar = progressBar("2/2 analyze");
      const summary = await analyzeRun(runDir, {
        out: outDir,
        onProgress: (p) => bar.update(p.checkpointsDone, p.checkpointsTotal, `step ${p.step}`),
      });
      bar.done();
      printAnalyzeSummary(summary);
      await printForkView(outDir, summary.runId, info);
      console.log(`done in ${formatSeconds((Date.now() - started) / 1000)}. Next: forking-paths stats ${outDir} --tensor ${info.forkTensors[0] ?? "<name>"}`);
    });
}

/** The fork tensor's spread and kurtosis over steps: the population splits where kurtosis falls towards -2. */
async function printForkView(outDir: string, runId: string, info: SyntheticRunInfo): Promise<void> {
  const tensor = info.forkTensors[0];
  if (tensor === undefined) return;
  const store = await Store.openDir(outDir, { readOnly: true });
  try {
    const rows = (await store.tensorStats({ run: runId, tensor })).sort((a, b) => a.step - b.step);
    console.log(`\n${tensor} (designed fork at step ${info.forkStep}, branches separated from step ${info.separationStep}):`);
    console.log("   step       std   ex.kurtosis   q0.05   q0.95");
    for (const r of rows) {
      const f = (x: number | null | undefined, d = 4) => (x === null || x === undefined ? "-" : x.toFixed(d));
      console.log(`${String(r.step).padStart(7)}  ${f(r.std).padStart(8)}  ${f(r.excess_kurtosis, 3).padStart(12)}  ${f(r.quantiles["0.05"], 3).padStart(6)}  ${f(r.quantiles["0.95"], 3).padStart(6)}`);
    }
  } finally {
    await store.close();
  }
}
