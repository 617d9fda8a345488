// `forking-paths eval <checkpoint>`: mean next-token cross-entropy of a GPT-NeoX checkpoint
// (safetensors or PyTorch .bin; f32/f16/bf16) on token ids, a text file or the SOTU validation split.
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { UsageError, evaluateLoss, EVAL_PROTOCOL, DEFAULT_EVAL_BATCH, ByteTokenizer, JsonTokenizer, type TextTokenizer, sotuTokenStreams } from "../../index.js";
import { parseIntOption } from "../options.js";

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

/** Largest token-id or text file read (bytes). */
export const MAX_EVAL_INPUT_BYTES = 512 * 1024 * 1024;

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
      let tokens = await evalTokens(flags);
      if (flags.maxTokens !== undefined) tokens = tokens.subarray(0, flags.maxTokens);
      const r = await evaluateLoss(checkpoint, tokens, { batchSize: flags.batch, ...(flags.workers !== undefined && { threads: flags.workers }) });
      if (flags.json) process.stdout.write(`${JSON.stringify({ loss: r.loss, predictions: r.predictions })}\n`);
      else console.log(`${checkpoint}: loss ${r.loss.toFixed(6)} nats/token over ${r.predictions} predictions (${tokens.length} tokens)`);
    });
}

async function evalTokens(f: EvalFlags): Promise<Int32Array> {
  const given = [f.tokens, f.text, f.data].filter((x) => x !== undefined).length;
  if (given > 1) throw new UsageError("give only one of --tokens, --text, --data");
  if (f.tokens !== undefined) return parseTokenIds(await readInput(f.tokens), f.tokens);
  const tokenizer: TextTokenizer = f.tokenizer !== undefined ? await JsonTokenizer.fromFile(f.tokenizer) : new ByteTokenizer();
  if (f.text !== undefined) return tokenizer.encode(await readInput(f.text));
  const data = f.data ?? "sotu-val";
  if (data !== "sotu-val") throw new UsageError(`--data: unknown data set "${data}"; available: sotu-val`);
  return sotuTokenStreams(tokenizer).validation;
}

async function readInput(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (text.length > MAX_EVAL_INPUT_BYTES) throw new UsageError(`${path}: larger than ${MAX_EVAL_INPUT_BYTES} bytes; use --max-tokens on a smaller file`);
  return text;
}

/** Token ids from JSON: an array of non-negative integers. */
export function parseTokenIds(text: string, file: string): Int32Array {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(json)) throw new UsageError(`${file}: expected a JSON array of token ids`);
  const ids = new Int32Array(json.length);
  json.forEach((v, i) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new UsageError(`${file}: element ${i} is ${JSON.stringify(v)}, not a token id (non-negative integer)`);
    ids[i] = v;
  });
  return ids;
}
