// `forking-paths prune <checkpoint-dir>`: magnitude or random pruning (global or per tensor) into
// a complete checkpoint folder, optionally with the loss before and after on validation tokens,
// recorded with --store in the analysis store's pruning table (with the near-zero mass).
import { basename, dirname, join } from "node:path";
import type { Command } from "commander";
import {
  Store, UsageError, checkpointFolder, checkpointFolderStep, pruneCheckpoint, recordPrunedCheckpoint,
  PRUNE_METHODS, PRUNE_SCOPES, type PruneMethod, type PruneResult, type PruneScope,
} from "../../index.js";
import { collect, parseIntOption, parseNumberOption, printJson } from "../options.js";
import { evaluationTokens } from "../tokens.js";
import { say } from "../terminal.js";

interface PruneFlags {
  sparsity: number;
  method: string;
  scope: string;
  include?: string[];
  seed: number;
  out?: string;
  force?: boolean;
  eval?: string | boolean;
  tokens?: string;
  text?: string;
  maxTokens?: number;
  workers?: number;
  store?: string;
  run?: string;
  step?: number;
  json?: boolean;
}

/** Where a --store result went. */
interface StoredAt {
  store: string;
  run: string;
  step: number;
  registered_run: boolean;
}

export function register(program: Command): void {
  program
    .command("prune")
    .description(
      "zero a fraction of the weights of a checkpoint (by default the 2-D attention and MLP weight matrices; not embeddings, LayerNorm or biases) and write a complete checkpoint folder " +
        "(model.safetensors in the original dtypes, config.json, pruning.json). Exactly floor(s*n + 0.5) weights are pruned; magnitude ranks by |w|, ties by tensor name then index.",
    )
    .argument("<checkpoint-dir>", "checkpoint folder with config.json and model.safetensors or pytorch_model.bin (f32, f16 or bf16)")
    .requiredOption("--sparsity <s>", "fraction of weights to prune, in [0, 1) (e.g. 0.5)", parseNumberOption("--sparsity"))
    .option("--method <m>", "magnitude or random (the control)", "magnitude")
    .option("--scope <s>", "global (rank all prunable weights together) or tensor (each tensor to the sparsity)", "global")
    .option("--include <glob>", "also prune tensors matching this glob (repeatable; * matches across dots)", collect)
    .option("--seed <n>", "seed of the random method", parseIntOption("--seed"), 0)
    .option("--out <dir>", "output folder (default: <checkpoint-dir>-pruned-<method>-<scope>-<percent>)")
    .option("--force", "replace an existing pruned model in --out")
    .option("--eval [data]", "evaluate the loss before and after on a built-in data set: sotu-val (default)")
    .option("--tokens <ids.json>", "evaluate on token ids (a JSON array of integers)")
    .option("--text <file>", "evaluate on a UTF-8 text file (byte tokenizer)")
    .option("--max-tokens <n>", "evaluate only the first n tokens", parseIntOption("--max-tokens", 2))
    .option("--workers <n>", "compute threads of the evaluator", parseIntOption("--workers", 1))
    .option("--store <out-dir>", "record the evaluated result (needs --eval, --tokens or --text) in <out-dir>/analysis.duckdb, table pruning; the same (run, step, method, scope, sparsity, seed) is replaced")
    .option("--run <id>", "run of the --store result (default: the only run in the store); a new id is registered with the checkpoint's parent folder as source")
    .option("--step <n>", "training step of the checkpoint for --store (default: trainer_state.json global_step, else the folder name: step<N>, checkpoint-<N>, ...)", parseIntOption("--step"))
    .option("--json", "print { sparsity, method, scope, pruned_tensors, zeros_fraction, loss_before?, loss_after?, out, stored? }")
    .action(async (checkpoint: string, flags: PruneFlags) => {
      const method = oneOf(flags.method, PRUNE_METHODS, "--method");
      const scope = oneOf(flags.scope, PRUNE_SCOPES, "--scope");
      const out = flags.out ?? defaultOut(checkpoint, method, scope, flags.sparsity);
      checkStoreFlags(flags);
      const tokens = await pruneEvalTokens(flags);
      // Step and run are settled before the (possibly long) pruning and evaluation.
      const target = flags.store !== undefined ? await storeTarget(flags.store, checkpoint, flags) : undefined;
      const r = await pruneCheckpoint(checkpoint, {
        sparsity: flags.sparsity, method, scope, seed: flags.seed, out, overwrite: flags.force === true,
        ...(flags.include !== undefined && { include: flags.include }),
        ...(tokens !== undefined && { eval: { tokens, ...(flags.workers !== undefined && { threads: flags.workers }) } }),
      });
      const stored = target !== undefined ? await storePruning(target, r, flags.include ?? []) : undefined;
      if (flags.json) printJson({ ...pruneJson(r), ...(stored !== undefined && { stored }) });
      else {
        printSummary(r);
        if (stored !== undefined) say(`  stored in ${stored.store} as run "${stored.run}"${stored.registered_run ? " (newly registered)" : ""}, step ${stored.step}`);
      }
    });
}

function checkStoreFlags(f: PruneFlags): void {
  if (f.store === undefined) {
    if (f.run !== undefined || f.step !== undefined) throw new UsageError("--run and --step only apply with --store <out-dir>");
    return;
  }
  if (f.eval === undefined && f.tokens === undefined && f.text === undefined) {
    throw new UsageError("--store records the evaluated result: add --eval [data], --tokens <ids.json> or --text <file>");
  }
}

/** --step, else the step the checkpoint folder tells (trainer_state.json, folder name). */
async function checkpointStep(folder: string, given: number | undefined): Promise<number> {
  if (given !== undefined) return given;
  const step = await checkpointFolderStep(folder);
  if (step === null) throw new UsageError(`cannot tell the training step of ${folder} (no trainer_state.json, folder name not step<N>/checkpoint-<N>) ---> HINT: give it with --step <n>`);
  return step;
}

/** Store, run and step a --store result goes to; the store is opened here only to check the run. */
async function storeTarget(outDir: string, checkpoint: string, flags: PruneFlags): Promise<StoredAt> {
  const folder = await checkpointFolder(checkpoint);
  const step = await checkpointStep(folder, flags.step);
  const store = await Store.openDir(outDir);
  try {
    const runs = (await store.listRuns()).map((x) => x.run_id);
    let run = flags.run;
    if (run === undefined) {
      const [only] = runs;
      if (runs.length !== 1 || only === undefined) throw new UsageError(`the store has ${runs.length} runs${runs.length > 0 ? ` (${runs.join(", ")})` : ""}; say which one with --run <id>`);
      run = only;
    }
    return { store: store.path, run, step, registered_run: !runs.includes(run) };
  } finally {
    await store.close();
  }
}

async function storePruning(target: StoredAt, r: PruneResult, include: readonly string[]): Promise<StoredAt> {
  const store = await Store.open(target.store);
  try {
    const { registeredRun } = await recordPrunedCheckpoint(store, target.run, target.step, r, include);
    return { ...target, registered_run: registeredRun };
  } finally {
    await store.close();
  }
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(", ")}, got "${value}"`);
  return value as T;
}

function defaultOut(checkpoint: string, method: PruneMethod, scope: PruneScope, sparsity: number): string {
  const trimmed = checkpoint.replace(/[/\\]+$/, "");
  return join(dirname(trimmed), `${basename(trimmed)}-pruned-${method}-${scope}-${Math.round(sparsity * 1000) / 10}`);
}

/** Tokens for --eval / --tokens / --text (at most one), capped by --max-tokens; undefined = no evaluation. */
async function pruneEvalTokens(f: PruneFlags): Promise<Int32Array | undefined> {
  const given = [f.eval, f.tokens, f.text].filter((x) => x !== undefined).length;
  if (given > 1) throw new UsageError("give only one of --eval, --tokens, --text");
  if (given === 0) {
    if (f.maxTokens !== undefined) throw new UsageError("--max-tokens needs --eval, --tokens or --text");
    return undefined;
  }
  const tokens = await evaluationTokens({
    ...(f.tokens !== undefined && { tokens: f.tokens }),
    ...(f.text !== undefined && { text: f.text }),
    ...(typeof f.eval === "string" ? { data: f.eval } : f.eval === true ? { data: "sotu-val" } : {}),
  });
  return f.maxTokens !== undefined ? tokens.subarray(0, f.maxTokens) : tokens;
}

/** The --json document. */
export function pruneJson(r: PruneResult): Record<string, unknown> {
  return {
    sparsity: r.sparsity,
    method: r.method,
    scope: r.scope,
    seed: r.seed,
    pruned_tensors: r.prunedTensors.map((t) => ({ name: t.name, numel: t.numel, zeros: t.zeros })),
    zeros_fraction: r.zerosFraction,
    ...(r.lossBefore !== undefined && { loss_before: r.lossBefore, loss_after: r.lossAfter, loss_increase: r.lossIncrease, predictions: r.predictions }),
    out: r.out,
  };
}

function printSummary(r: PruneResult): void {
  say(`pruned ${r.prunedTensors.length} tensor(s) by ${r.method} (${r.scope} scope) to ${(100 * r.zerosFraction).toFixed(2)}% zeros (${r.zeros} of ${r.numel}); written to ${r.out}`);
  if (r.lossBefore !== undefined) {
    say(`  loss ${r.lossBefore.toFixed(6)} -> ${r.lossAfter!.toFixed(6)} nats/token (+${r.lossIncrease!.toFixed(6)}) over ${r.predictions} predictions`);
  }
}
