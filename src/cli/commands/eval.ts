// `forking-paths eval <checkpoint>`: mean next-token cross-entropy of a GPT-NeoX checkpoint
// (safetensors or PyTorch .bin; f32/f16/bf16) on token ids, a text file or the SOTU validation split.
import type { Command } from "commander";
import { evaluateLoss, EVAL_PROTOCOL, DEFAULT_EVAL_BATCH, UsageError } from "../../index.js";
import { evaluationTokens } from "../tokens.js";
import { parseIntOption } from "../options.js";
import { say } from "../terminal.js";

interface EvalFlags {
  tokens?: string;
  text?: string;
  data?: string;
  tokenizer?: string;
  batch: number;
  workers?: number;
  maxTokens?: number;
  json?: boolean;
}


export function register(program: Command): void {
  program
    .command("eval")
    .description(`print the mean next-token cross-entropy (nats) of a GPT-NeoX checkpoint. Protocol: ${EVAL_PROTOCOL}`)
    .argument("<checkpoint>", "checkpoint folder with config.json and model.safetensors or pytorch_model.bin (f32, f16 or bf16)")
    .option("--tokens <ids.json>", "token ids: a JSON array of integers")
    .option("--text <file>", "a UTF-8 text file, tokenized with --tokenizer (default: bytes)")
    .option("--data <name>", "a built-in data set: sotu-val (the held-out State of the Union addresses; the default)")
    .option("--tokenizer <tokenizer.json>", "Hugging Face tokenizer.json for --text and --data (default: the byte tokenizer)")
    .option("--batch <n>", "windows per forward pass", parseIntOption("--batch", 1), DEFAULT_EVAL_BATCH)
    .option("--workers <n>", "compute threads of the WASM kernels", parseIntOption("--workers", 1))
    .option("--max-tokens <n>", "evaluate only the first n tokens", parseIntOption("--max-tokens", 2))
    .option("--json", 'print exactly {"loss": <float>, "predictions": <int>}')
    .action(async (checkpoint: string, flags: EvalFlags) => {
      let tokens = await evaluationTokens(flags);
      if (flags.maxTokens !== undefined) tokens = tokens.subarray(0, flags.maxTokens);
      if (tokens.length < 2) throw new UsageError(`eval needs at least 2 tokens (one prediction), got ${tokens.length}`);
      const r = await evaluateLoss(checkpoint, tokens, { batchSize: flags.batch, ...(flags.workers !== undefined && { threads: flags.workers }) });
      if (flags.json) process.stdout.write(`${JSON.stringify({ loss: r.loss, predictions: r.predictions })}\n`);
      else say(`${checkpoint}: loss ${r.loss.toFixed(6)} nats/token over ${r.predictions} predictions (${tokens.length} tokens)`);
    });
}
