// `forking-paths demo` (npm run demo): the main job on the built-in default. Trains the `tiny`
// GPT-NeoX on the State of the Union corpus (checkpoints on a Pythia-like schedule), analyzes
// every checkpoint, detects events, writes a self-contained report.html and prints a summary.
// Re-running reuses what is done (training and analysis both resume). `--synthetic` analyzes a
// synthetic run with a known fork instead of training (seconds instead of minutes).
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { analyzeRun, train, writeSyntheticRun, Store, reportDataFromStore, renderReport, readMetricsPath, recomputeRunTransition, TRAINER_STATE_FILE, type AnalyzeSummary } from "../../index.js";
import { progressBar, formatSeconds, formatBytes } from "../progress.js";
import { printAnalyzeSummary } from "./analyze.js";
import { parseIntOption } from "../options.js";
import { say } from "../terminal.js";

interface DemoFlags { out: string; seed: number; synthetic?: boolean; steps?: number }

export function register(program: Command): void {
  program
    .command("demo")
    .description("the main job on the built-in default: train the tiny model on the State of the Union corpus, analyze every checkpoint, detect events, write report.html, print a summary")
    .option("--out <dir>", "output folder", "demo-output")
    .option("--seed <s>", "training seed", parseIntOption("--seed"), 0)
    .option("--steps <n>", "training steps (default: the tiny preset's schedule)", parseIntOption("--steps", 1))
    .option("--synthetic", "analyze a synthetic run whose LayerNorm gains fork at a known step instead of training")
    .action(async (flags: DemoFlags) => {
      const started = Date.now();
      const runDir = join(flags.out, "run"), outDir = join(flags.out, "analysis");
      const finalLoss = flags.synthetic ? await synthesize(runDir, flags.seed) : await trainTiny(runDir, flags);
      const bar = progressBar("2/3 analyze");
      // One store for analysis, metrics and report (each open and close of a DuckDB file costs a checkpoint).
      const store = await Store.openDir(outDir);
      try {
        const summary = await analyzeRun(runDir, {
          out: outDir,
          store,
          onProgress: (p) => bar.update(p.checkpointsDone, p.checkpointsTotal, `checkpoint ${p.checkpointsDone}/${p.checkpointsTotal} (step ${p.step})`),
        });
        bar.done();
        printAnalyzeSummary(summary);
        await storeTrainingMetrics(runDir, store, summary);
        const reportPath = await writeDemoReport(store, join(flags.out, "report.html"));
        printDemoSummary(summary, finalLoss, reportPath, (Date.now() - started) / 1000);
      } finally {
        await store.close();
      }
    });
}

async function trainTiny(runDir: string, flags: DemoFlags): Promise<number | null> {
  const bar = progressBar("1/3 train");
  const result = await train({ out: runDir, preset: "tiny", seed: flags.seed, ...(flags.steps !== undefined && { steps: flags.steps }) }, {
    onStep: (i) => bar.update(i.step, i.totalSteps, `step ${i.step}/${i.totalSteps} loss ${i.loss.toFixed(3)} ${i.tokensPerSecond.toFixed(0)} tok/s`),
  });
  bar.done();
  say(`1/3 trained tiny (${result.parameters.toLocaleString("en-US")} parameters) to step ${result.step} in ${formatSeconds(result.wallSeconds)}${result.resumedFrom !== null ? ` (resumed from step ${result.resumedFrom})` : ""}; run: ${resolve(runDir)}`);
  return Number.isFinite(result.lastEvalLoss) ? result.lastEvalLoss : null;
}

async function synthesize(runDir: string, seed: number): Promise<number | null> {
  if (!existsSync(join(runDir, "synth.json"))) await writeSyntheticRun(runDir, { kind: "fork", seed: seed + 1 });
  say(`1/3 synthetic run with a designed LayerNorm fork: ${resolve(runDir)} (ground truth in synth.json)`);
  return null;
}

/** The training log (loss, validation loss) of the last checkpoint, stored as quality metrics for the report. */
async function storeTrainingMetrics(runDir: string, store: Store, summary: AnalyzeSummary): Promise<void> {
  const last = summary.steps[summary.steps.length - 1];
  const state = join(runDir, `checkpoint-${last}`, TRAINER_STATE_FILE);
  if (last === undefined || !existsSync(state)) return;
  const { metrics } = await readMetricsPath(state);
  await store.putMetrics(summary.runId, "trainer_state", metrics);
  await recomputeRunTransition(store, summary.runId);
}

async function writeDemoReport(store: Store, path: string): Promise<string> {
  const data = await reportDataFromStore(store, { title: "forking-paths demo" });
  const html = renderReport(data);
  await writeFile(path, html);
  say(`3/3 report: ${resolve(path)} (${formatBytes(Buffer.byteLength(html))})`);
  return resolve(path);
}

function printDemoSummary(s: AnalyzeSummary, finalLoss: number | null, reportPath: string, seconds: number): void {
  const events = s.events ? Object.entries(s.events).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(", ") : "not run";
  say("");
  say(`summary: ${s.checkpoints} checkpoints analyzed; events: ${events || "none"}`);
  if (finalLoss !== null) say(`final validation loss: ${finalLoss.toFixed(4)} nats per byte (a byte bigram model scores about 2.5)`);
  say(`open ${reportPath} in a browser; total ${formatSeconds(seconds)}`);
}
