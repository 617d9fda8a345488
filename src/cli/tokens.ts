// Token inputs shared by `eval` and `prune --eval`: JSON token ids, a text file through a
// tokenizer, or a built-in data set. Bad input is a UsageError naming the file.
import { readFile } from "node:fs/promises";
import { UsageError, ByteTokenizer, JsonTokenizer, type TextTokenizer, sotuTokenStreams } from "../index.js";

/** Largest token-id or text file read (bytes). */
export const MAX_EVAL_INPUT_BYTES = 512 * 1024 * 1024;

export interface TokenInputFlags {
  tokens?: string;
  text?: string;
  data?: string;
  tokenizer?: string;
}

/** Tokens from --tokens (JSON ids), --text (a file, tokenized) or --data (a built-in set, default sotu-val): at most one. */
export async function evaluationTokens(f: TokenInputFlags): Promise<Int32Array> {
  const given = [f.tokens, f.text, f.data].filter((x) => x !== undefined).length;
  if (given > 1) throw new UsageError("give only one of --tokens, --text, --data");
  if (f.tokens !== undefined) return parseTokenIds(await readInput(f.tokens), f.tokens);
  const tokenizer: TextTokenizer = f.tokenizer !== undefined ? await JsonTokenizer.fromFile(f.tokenizer) : new ByteTokenizer();
  if (f.text !== undefined) return tokenizer.encode(await readInput(f.text));
  const data = f.data ?? "sotu-val";
  if (data !== "sotu-val") throw new UsageError(`--data: unknown data set "${data}"; available: sotu-val`);
  return sotuTokenStreams(tokenizer).validation;
}

export async function readInput(path: string): Promise<string> {
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
