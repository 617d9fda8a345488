// `forking-paths train --preset tiny|small --out <run-dir>`: trains a GPT-NeoX model on the
// State of the Union corpus, writing Hugging Face style checkpoints on a Pythia-like schedule.
import type { Command } from "commander";
import { UsageError, train, type TrainResult, TRAIN_DEFAULTS, type TrainOptions, WEIGHT_DTYPES, type WeightDtype, type NeoXPresetName } from "../../index.js";
import { progressBar, formatSeconds } from "../progress.js";
import { parseIntOption, parseNumberOption, printJson } from "../options.js";
import { say } from "../terminal.js";

interface TrainFlags {
  preset: string;
  out: string;
  steps?: number;
  lr?: number;
  seed: number;
  width?: number;
  layers?: number;
  batch?: number;
  dtype: string;
  workers?: number;
  saveEvery?: number;
  logStepsUpTo?: number;
  evalTokens?: number;
  tokenizer?: string;
  init: string;
  json?: boolean;
}

const t = TRAIN_DEFAULTS.tiny;

export function register(program: Command): void {
  program
    .command("train")
    .description(
      `train a GPT-NeoX model (Pythia architecture) on the State of the Union corpus (byte tokens; most recent addresses held out for validation) with the WASM SIMD kernels; ` +
        `checkpoints <out>/checkpoint-<step>/ (model.safetensors, config.json, trainer_state.json, optimizer state) at steps 0, 1, 2, 4, ... then every --save-every; ` +
        `re-running with the same --out resumes from the last complete checkpoint. Default tiny: ${t.steps} steps of ${t.batchSize} x 128 tokens, lr ${t.lr}.`,
    )
    .requiredOption("--out <run-dir>", "run folder (created; an existing run there is resumed)")
    .option("--preset <name>", "tiny (~0.86M parameters, 4 layers, width 128, context 128) or small (~10.8M, 6 layers, width 384, context 256)", "tiny")
    .option("--steps <n>", "optimizer steps (default: the preset's)", parseIntOption("--steps", 1))
    .option("--lr <x>", "peak learning rate after warmup; cosine decay to lr/10", parseNumberOption("--lr"))
    .option("--seed <s>", "seed of initialisation and batch sampling", parseIntOption("--seed"), 0)
    .option("--width <d>", "hidden size override (a multiple of the preset's head size)", parseIntOption("--width", 1))
    .option("--layers <l>", "number of layers override", parseIntOption("--layers", 1))
    .option("--batch <b>", "sequences per step (default: the preset's)", parseIntOption("--batch", 1))
    .option("--dtype <t>", "saved weight precision: f32, f16 or bf16", "f32")
    .option("--workers <n>", "compute threads of the WASM kernels (results do not depend on it)", parseIntOption("--workers", 1))
    .option("--save-every <k>", "save every k steps after the log-spaced start", parseIntOption("--save-every", 1))
    .option("--log-steps-up-to <p>", "save at 1, 2, 4, ... up to this power of two (Pythia: 512)", parseIntOption("--log-steps-up-to", 0))
    .option("--eval-tokens <n>", "validation tokens evaluated at every checkpoint", parseIntOption("--eval-tokens", 2))
    .option("--tokenizer <file>", "a Hugging Face tokenizer.json instead of bytes (e.g. Pythia's 20B_tokenizer.json)")
    .option("--init <scheme>", "initialisation: pythia (small_init + wang_init) or hf (normal(0, 0.02))", "pythia")
    .option("--json", "print the result as JSON")
    .action(async (flags: TrainFlags) => {
      const options = trainOptionsFrom(flags);
      const bar = progressBar("train", !flags.json && process.stderr.isTTY === true);
      let first: number | undefined;
      const result = await train(options, {
        onStep: (i) => {
          first ??= i.step - 1;
          bar.update(i.step - first, i.totalSteps - first, `step ${i.step}/${i.totalSteps} loss ${i.loss.toFixed(3)} ${i.tokensPerSecond.toFixed(0)} tok/s`);
        },
      });
      bar.done();
      if (flags.json) printJson(result);
      else say(trainSummary(result));
    });
}

function trainOptionsFrom(f: TrainFlags): TrainOptions {
  if (f.preset !== "tiny" && f.preset !== "small") throw new UsageError(`--preset must be tiny or small, got "${f.preset}"`);
  if (!WEIGHT_DTYPES.includes(f.dtype as WeightDtype)) throw new UsageError(`--dtype must be one of ${WEIGHT_DTYPES.join(", ")}, got "${f.dtype}"`);
  if (f.init !== "pythia" && f.init !== "hf") throw new UsageError(`--init must be pythia or hf, got "${f.init}"`);
  const saveSchedule = { ...(f.saveEvery !== undefined && { saveEvery: f.saveEvery }), ...(f.logStepsUpTo !== undefined && { logSpacedUpTo: f.logStepsUpTo }) };
  return {
    out: f.out,
    preset: f.preset as NeoXPresetName,
    seed: f.seed,
    dtype: f.dtype as WeightDtype,
    init: f.init,
    saveSchedule,
    ...(f.steps !== undefined && { steps: f.steps }),
    ...(f.lr !== undefined && { lr: f.lr }),
    ...(f.width !== undefined && { width: f.width }),
    ...(f.layers !== undefined && { layers: f.layers }),
    ...(f.batch !== undefined && { batchSize: f.batch }),
    ...(f.workers !== undefined && { threads: f.workers }),
    ...(f.evalTokens !== undefined && { evalTokens: f.evalTokens }),
    ...(f.tokenizer !== undefined && { tokenizer: f.tokenizer }),
  };
}

/** The final one-line summary. */
export function trainSummary(r: TrainResult): string {
  const s = r.settings;
  const from = r.resumedFrom !== null ? ` (resumed from step ${r.resumedFrom})` : "";
  const state = r.completed ? "finished" : "stopped";
  return `${state} ${s.preset} run (${r.parameters.toLocaleString("en-US")} parameters) at step ${r.step}/${s.steps}${from} in ${formatSeconds(r.wallSeconds)}: ` +
    `${r.tokensPerSecond.toFixed(0)} tokens/s, train loss ${r.lastTrainLoss.toFixed(4)}, validation loss ${r.lastEvalLoss.toFixed(4)} nats/token ` +
    `(${r.evalPredictions} predictions); ${r.checkpoints.length} checkpoint(s) written to ${r.out}`;
}
