// Pruning-tolerance curve of one checkpoint: the model is loaded once, then for each method and
// sparsity the masks are applied in memory and the loss is evaluated; with the near-zero mass and
// the magnitude cuts of the prunable weights, to relate tolerance to the distribution.
import { loadModel } from "../model/checkpoint-io.js";
import { evaluateModel, DEFAULT_EVAL_BATCH } from "../model/evaluate.js";
import { createWasmKernels } from "../model/wasm/kernels.js";
import type { NeoXKernels } from "../model/kernels.js";
import { UsageError } from "../util/errors.js";
import { applyMask, checkSparsity, countZeros, pruneMasks, DEFAULT_PRUNE_SEED, type PrunableValues, type PruneMethod, type PruneScope } from "./masks.js";
import { prunableFilter } from "./prunable.js";
import { magnitudeCuts, nearZeroMass, type MagnitudeCut, type NearZeroMass } from "./distribution.js";

/** Default sparsities of a tolerance curve: 10% .. 90%. */
export const DEFAULT_TOLERANCE_SPARSITIES: readonly number[] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

export interface ToleranceOptions {
  /** Token ids evaluated (protocol of evaluateLoss). */
  tokens: Int32Array;
  sparsities?: readonly number[];
  methods?: readonly PruneMethod[];
  scope?: PruneScope;
  include?: readonly string[];
  seed?: number;
  batchSize?: number;
  threads?: number;
  /** Compute backend (default: WASM kernels created and disposed here). */
  kernels?: NeoXKernels;
}

export interface TolerancePoint {
  method: PruneMethod;
  sparsity: number;
  loss: number;
  /** loss - loss of the unpruned model. */
  lossIncrease: number;
  /** Exact zeros among the prunable weights after pruning. */
  zerosFraction: number;
}

export interface ToleranceCurve {
  checkpoint: string;
  scope: PruneScope;
  seed: number;
  baseLoss: number;
  predictions: number;
  /** Prunable tensors (names) and their total size. */
  prunable: string[];
  numel: number;
  points: TolerancePoint[];
  nearZero: NearZeroMass;
  /** Global magnitude threshold and removed mass at each sparsity. */
  cuts: MagnitudeCut[];
}

/** Loss against sparsity for each method, on one checkpoint folder (config.json + weights). */
export async function pruningToleranceCurve(checkpointDir: string, o: ToleranceOptions): Promise<ToleranceCurve> {
  const sparsities = o.sparsities ?? DEFAULT_TOLERANCE_SPARSITIES;
  sparsities.forEach(checkSparsity);
  const methods = o.methods ?? ["magnitude", "random"];
  const scope = o.scope ?? "global";
  const seed = o.seed ?? DEFAULT_PRUNE_SEED;
  const kernels = o.kernels ?? (await createWasmKernels(o.threads !== undefined ? { threads: o.threads } : {}));
  try {
    const { model } = await loadModel(checkpointDir, { B: o.batchSize ?? DEFAULT_EVAL_BATCH, T: o.tokens.length, kernels });
    const isPrunable = prunableFilter(o.include ?? []);
    const specs = model.layout.filter((s) => isPrunable(s.name, s.shape, "F32"));
    if (specs.length === 0) throw new UsageError(`${checkpointDir}: no prunable tensors`);
    const flat = model.params.flat;
    const original = flat.slice();
    // Masks are computed on the untouched copy; the model's buffer is reset before each point.
    const tensors: PrunableValues[] = specs.map((s) => ({ name: s.name, values: original.subarray(s.offset, s.offset + s.size) }));
    const base = evaluateModel(model, o.tokens);
    const numel = specs.reduce((n, s) => n + s.size, 0);
    const points: TolerancePoint[] = [];
    for (const method of methods) {
      for (const sparsity of sparsities) {
        flat.set(original);
        const masks = pruneMasks(tensors, { sparsity, method, scope, seed });
        let zeros = 0;
        specs.forEach((s, j) => {
          const view = flat.subarray(s.offset, s.offset + s.size);
          applyMask(view, masks[j]!);
          zeros += countZeros(view);
        });
        const { loss } = evaluateModel(model, o.tokens);
        points.push({ method, sparsity, loss, lossIncrease: loss - base.loss, zerosFraction: zeros / numel });
      }
    }
    flat.set(original);
    const nearZero = nearZeroMass(tensors);
    return {
      checkpoint: checkpointDir, scope, seed, baseLoss: base.loss, predictions: base.predictions,
      prunable: specs.map((s) => s.name), numel, points, nearZero, cuts: magnitudeCuts(tensors, sparsities, nearZero.std),
    };
  } finally {
    if (o.kernels === undefined) await kernels.dispose();
  }
}
