// `forking-paths prune <checkpoint-dir>`: magnitude or random pruning (global or per tensor) into
// a complete checkpoint folder, optionally with the loss before and after on validation tokens.
import { basename, dirname, join } from "node:path";
import type { Command } from "commander";
import { UsageError, pruneCheckpoint, PRUNE_METHODS, PRUNE_SCOPES, type PruneMethod, type PruneResult, type PruneScope } from "../../index.js";
import { collect, parseIntOption, parseNumberOption, printJson } from "../options.js";
import { evaluationTokens } from "../tokens.js";

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
  json?: boolean;
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
    .option("--json", "print { sparsity, method, scope, pruned_tensors, zeros_fraction, loss_before?, loss_after?, out }")
    .action(async (checkpoint: string, flags: PruneFlags) => {
      const method = oneOf(flags.method, PRUNE_METHODS, "--method");
      const scope = oneOf(flags.scope, PRUNE_SCOPES, "--scope");
      const out = flags.out ?? defaultOut(checkpoint, method, scope, flags.sparsity);
      const tokens = await pruneEvalTokens(flags);
      const r = await pruneCheckpoint(checkpoint, {
        sparsity: flags.sparsity, method, scope, seed: flags.seed, out, overwrite: flags.force === true,
        ...(flags.include !== undefined && { include: flags.include }),
        ...(tokens !== undefined && { eval: { tokens, ...(flags.workers !== undefined && { threads: flags.workers }) } }),
      });
      if (flags.json) printJson(pruneJson(r));
      else printSummary(r);
    });
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
  console.log(`pruned ${r.prunedTensors.length} tensor(s) by ${r.method} (${r.scope} scope) to ${(100 * r.zerosFraction).toFixed(2)}% zeros (${r.zeros} of ${r.numel}); written to ${r.out}`);
  if (r.lossBefore !== undefined) {
    console.log(`  loss ${r.lossBefore.toFixed(6)} -> ${r.lossAfter!.toFixed(6)} nats/token (+${r.lossIncrease!.toFixed(6)}) over ${r.predictions} predictions`);
  }
}
