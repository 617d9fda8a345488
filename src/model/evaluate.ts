// Held-out loss of a GPT-NeoX model under one stated protocol: the token sequence is cut into
// consecutive non-overlapping windows of max_position_embeddings tokens (the last may be
// shorter); inside each window every position predicts the next one, with no context from
// earlier windows; the loss is the mean cross-entropy (nats) over all those predictions.
import { UsageError } from "../util/errors.js";
import { GPTNeoX } from "./gpt-neox.js";
import type { NeoXKernels } from "./kernels.js";
import { IGNORE_INDEX } from "./loss.js";
import { loadModel } from "./checkpoint-io.js";
import { checkTokenRange } from "./data.js";
import { createWasmKernels } from "./wasm/kernels.js";

/** The protocol in one sentence (printed by `forking-paths eval --help`). */
export const EVAL_PROTOCOL =
  "The token sequence is cut into consecutive non-overlapping windows of max_position_embeddings tokens (the last may be shorter); inside each window every position predicts the next one, with no context from earlier windows; the loss is the mean next-token cross-entropy in nats over all predictions (a window of n tokens gives n-1).";

export interface EvalResult {
  /** Mean next-token cross-entropy in nats (NaN when there is no prediction). */
  loss: number;
  /** Number of predictions averaged. */
  predictions: number;
}

export interface EvaluateOptions {
  /** Windows per forward pass when loading from a folder (default 4). */
  batchSize?: number;
  /** Compute backend for a model loaded from a folder (default: WASM SIMD kernels, created and disposed here). */
  kernels?: NeoXKernels;
  /** Threads of the WASM kernels created here (default min(2, cores)). */
  threads?: number;
}

/** Default windows per forward pass when evaluating a checkpoint folder. */
export const DEFAULT_EVAL_BATCH = 4;

/** The windows of the protocol: [start, length] for a sequence of n tokens and window size W. */
export function evaluationWindows(n: number, W: number): Array<[number, number]> {
  if (!(Number.isInteger(W) && W >= 1)) throw new UsageError(`evaluation window size must be a positive integer, got ${W}`);
  const out: Array<[number, number]> = [];
  for (let s = 0; s < n; s += W) out.push([s, Math.min(W, n - s)]);
  return out;
}

/**
 * Mean next-token loss of `tokens` under the protocol (EVAL_PROTOCOL). `source` is a model
 * (its allocated T must cover the window) or a checkpoint folder / weight file with config.json.
 */
export async function evaluateLoss(source: GPTNeoX | string, tokens: Int32Array, options: EvaluateOptions = {}): Promise<EvalResult> {
  if (source instanceof GPTNeoX) return evaluateModel(source, tokens);
  let kernels = options.kernels;
  const owned = kernels === undefined;
  kernels ??= await createWasmKernels(options.threads !== undefined ? { threads: options.threads } : {});
  try {
    const B = options.batchSize ?? DEFAULT_EVAL_BATCH;
    const { model } = await loadModel(source, { B, T: Math.max(1, tokens.length), kernels });
    return evaluateModel(model, tokens);
  } finally {
    if (owned) await kernels.dispose();
  }
}

/** evaluateLoss on an in-memory model: full windows in batches of up to the model's B, then the short last one. */
export function evaluateModel(model: GPTNeoX, tokens: Int32Array): EvalResult {
  const W = model.config.max_position_embeddings;
  checkTokenRange(tokens, model.config.vocab_size, "evaluation tokens");
  const windows = evaluationWindows(tokens.length, W).filter(([, len]) => len >= 2);
  const needT = windows.reduce((m, [, len]) => Math.max(m, len), 0);
  if (needT > model.options.T) throw new UsageError(`evaluateLoss: windows of ${needT} tokens need a model allocated with T >= ${needT} (it has T=${model.options.T}) ---> HINT: build the model with T = max_position_embeddings`);
  let sum = 0, predictions = 0;
  for (let i = 0; i < windows.length; ) {
    const len = windows[i]![1];
    let b = 1;
    while (b < model.options.B && i + b < windows.length && windows[i + b]![1] === len) b++;
    const { inputs, targets } = windowBatch(tokens, windows.slice(i, i + b), len);
    const { loss } = model.forward(inputs, b, len, targets);
    const count = b * (len - 1);
    sum += loss * count;
    predictions += count;
    i += b;
  }
  return { loss: predictions > 0 ? sum / predictions : NaN, predictions };
}

/** Inputs (b, len) and in-window next-token targets (the last position of each window ignored). */
function windowBatch(tokens: Int32Array, windows: ReadonlyArray<[number, number]>, len: number): { inputs: Int32Array; targets: Int32Array } {
  const b = windows.length;
  const inputs = new Int32Array(b * len), targets = new Int32Array(b * len);
  windows.forEach(([start], r) => {
    inputs.set(tokens.subarray(start, start + len), r * len);
    targets.set(tokens.subarray(start + 1, start + len), r * len);
    targets[r * len + len - 1] = IGNORE_INDEX;
  });
  return { inputs, targets };
}
