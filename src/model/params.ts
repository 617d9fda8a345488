// GPT-NeoX parameters in ONE flat Float32Array: the layout (Hugging Face names, shapes,
// offsets, weight-decay flag), named subarray views, and seeded initialisation.
import { Rng } from "../util/rng.js";
import { UsageError } from "../util/errors.js";
import type { NeoXConfig } from "./config.js";

/** One tensor inside the flat parameter buffer. */
export interface ParamSpec {
  name: string;
  shape: number[];
  offset: number;
  size: number;
  /** AdamW weight decay applies (2-D weights and embeddings; not biases nor LayerNorm). */
  decay: boolean;
}

/** Views of one transformer layer (names follow the Hugging Face keys); the MLP and ln2 views are empty in attention-only models. */
export interface NeoXLayerParams {
  ln1w: Float32Array; // input_layernorm.weight (C)
  ln1b: Float32Array; // input_layernorm.bias (C)
  ln2w: Float32Array; // post_attention_layernorm.weight (C)
  ln2b: Float32Array; // post_attention_layernorm.bias (C)
  qkvw: Float32Array; // attention.query_key_value.weight (3C, C)
  qkvb: Float32Array; // attention.query_key_value.bias (3C)
  attprojw: Float32Array; // attention.dense.weight (C, C)
  attprojb: Float32Array; // attention.dense.bias (C)
  fcw: Float32Array; // mlp.dense_h_to_4h.weight (I, C)
  fcb: Float32Array; // mlp.dense_h_to_4h.bias (I)
  fcprojw: Float32Array; // mlp.dense_4h_to_h.weight (C, I)
  fcprojb: Float32Array; // mlp.dense_4h_to_h.bias (C)
}

/** Views of all parameters (or of gradients / optimizer moments laid out the same way); the LayerNorm views are empty when config.layer_norm is false. */
export interface NeoXParams {
  flat: Float32Array;
  wte: Float32Array; // gpt_neox.embed_in.weight (V, C)
  layers: NeoXLayerParams[];
  lnfw: Float32Array; // gpt_neox.final_layer_norm.weight (C)
  lnfb: Float32Array; // gpt_neox.final_layer_norm.bias (C)
  wout: Float32Array; // embed_out.weight (V, C)
}

/** [view key, HF name suffix, shape, weight decay, part of the MLP block (absent in attention-only models)]. */
const LAYER_TENSORS: Array<[keyof NeoXLayerParams, string, (C: number, I: number) => number[], boolean, boolean]> = [
  ["ln1w", "input_layernorm.weight", (C) => [C], false, false],
  ["ln1b", "input_layernorm.bias", (C) => [C], false, false],
  ["ln2w", "post_attention_layernorm.weight", (C) => [C], false, true],
  ["ln2b", "post_attention_layernorm.bias", (C) => [C], false, true],
  ["qkvw", "attention.query_key_value.weight", (C) => [3 * C, C], true, false],
  ["qkvb", "attention.query_key_value.bias", (C) => [3 * C], false, false],
  ["attprojw", "attention.dense.weight", (C) => [C, C], true, false],
  ["attprojb", "attention.dense.bias", (C) => [C], false, false],
  ["fcw", "mlp.dense_h_to_4h.weight", (C, I) => [I, C], true, true],
  ["fcb", "mlp.dense_h_to_4h.bias", (_C, I) => [I], false, true],
  ["fcprojw", "mlp.dense_4h_to_h.weight", (C, I) => [C, I], true, true],
  ["fcprojb", "mlp.dense_4h_to_h.bias", (C) => [C], false, true],
];

/** The layer tensors the config has (all; without the MLP block's in attention-only models; without the LayerNorms' when layer_norm is false). */
function layerTensors(config: NeoXConfig): typeof LAYER_TENSORS {
  let tensors = config.attention_only === true ? LAYER_TENSORS.filter((t) => !t[4]) : LAYER_TENSORS;
  if (config.layer_norm === false) tensors = tensors.filter((t) => !LAYER_NORM_KEYS.has(t[0]));
  return tensors;
}

const LAYER_NORM_KEYS: ReadonlySet<keyof NeoXLayerParams> = new Set(["ln1w", "ln1b", "ln2w", "ln2b"]);

/** Every parameter tensor in state_dict order with its offset in the flat buffer. */
export function parameterLayout(config: NeoXConfig): ParamSpec[] {
  const V = config.vocab_size, C = config.hidden_size, I = config.intermediate_size;
  const specs: ParamSpec[] = [];
  let offset = 0;
  const push = (name: string, shape: number[], decay: boolean): void => {
    const size = shape.reduce((a, b) => a * b, 1);
    specs.push({ name, shape, offset, size, decay });
    offset += size;
  };
  push("gpt_neox.embed_in.weight", [V, C], true);
  for (let l = 0; l < config.num_hidden_layers; l++) {
    for (const [, name, shape, decay] of layerTensors(config)) push(`gpt_neox.layers.${l}.${name}`, shape(C, I), decay);
  }
  if (config.layer_norm !== false) {
    push("gpt_neox.final_layer_norm.weight", [C], false);
    push("gpt_neox.final_layer_norm.bias", [C], false);
  }
  push("embed_out.weight", [V, C], true);
  return specs;
}

/** Total number of parameters. */
export function parameterCount(config: NeoXConfig): number {
  const specs = parameterLayout(config);
  const last = specs[specs.length - 1]!;
  return last.offset + last.size;
}

const EMPTY = new Float32Array(0);

/** Named views into `flat` (length parameterCount(config)). */
export function paramViews(flat: Float32Array, config: NeoXConfig): NeoXParams {
  const specs = parameterLayout(config);
  if (flat.length !== parameterCount(config)) throw new UsageError(`paramViews: buffer has ${flat.length} floats, the config needs ${parameterCount(config)}`);
  const view = (s: ParamSpec): Float32Array => flat.subarray(s.offset, s.offset + s.size);
  let k = 0;
  const wte = view(specs[k++]!);
  const layers: NeoXLayerParams[] = [];
  for (let l = 0; l < config.num_hidden_layers; l++) {
    const layer = {} as NeoXLayerParams;
    for (const [key] of LAYER_TENSORS) layer[key] = EMPTY;
    for (const [key] of layerTensors(config)) layer[key] = view(specs[k++]!);
    layers.push(layer);
  }
  const lnfw = config.layer_norm === false ? EMPTY : view(specs[k++]!);
  const lnfb = config.layer_norm === false ? EMPTY : view(specs[k++]!);
  const wout = view(specs[k++]!);
  return { flat, wte, layers, lnfw, lnfb, wout };
}

/** "pythia": GPT-NeoX small_init / wang_init; "hf": normal(0, initializer_range). */
export type InitScheme = "pythia" | "hf";

/**
 * Fills `flat` with initial values: LayerNorm weights 1, biases 0, weight matrices and
 * embeddings normal(0, scale x std) drawn in layout order from Rng(seed). `scale` multiplies the
 * scheme's std (Liu et al. 2022, "Omnigrok", tie the grokking delay to the initial weight norm);
 * scale 1 draws exactly the scheme's values.
 */
export function initParameters(flat: Float32Array, config: NeoXConfig, scheme: InitScheme, seed: number, scale = 1): void {
  if (!(Number.isFinite(scale) && scale > 0)) throw new UsageError(`init scale must be a finite number > 0, got ${scale}`);
  const C = config.hidden_size, L = config.num_hidden_layers;
  const smallInit = Math.sqrt(2 / (5 * C));
  const wangInit = 2 / (L * Math.sqrt(C));
  const rng = new Rng(seed);
  for (const s of parameterLayout(config)) {
    const v = flat.subarray(s.offset, s.offset + s.size);
    if (s.shape.length === 1) {
      v.fill(/norm\.weight$/.test(s.name) ? 1 : 0);
      continue;
    }
    let std = config.initializer_range;
    if (scheme === "pythia") {
      const isOutputProj = s.name.endsWith("attention.dense.weight") || s.name.endsWith("dense_4h_to_h.weight");
      std = isOutputProj ? wangInit : smallInit;
    }
    if (scale !== 1) std *= scale;
    for (let i = 0; i < v.length; i++) v[i] = std * rng.normal();
  }
}
