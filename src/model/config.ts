// GPT-NeoX configuration: the Hugging Face `config.json` fields we use, validation with typed
// errors, and the `tiny` / `small` presets. Pure: parses an already-read JSON value.
import { ForkingPathsError } from "../util/errors.js";

/** A config.json is missing a field, or a field has a bad type or value. */
export class ModelConfigError extends ForkingPathsError {
  constructor(readonly file: string, readonly field: string, problem: string) {
    super("MODEL_CONFIG", `${file}: field "${field}" ${problem} ---> HINT: fix config.json (Hugging Face GPTNeoXConfig field names) or start from a preset ("tiny", "small")`);
  }
}

/** The GPT-NeoX hyper-parameters, with the Hugging Face field names. */
export interface NeoXConfig {
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  rotary_pct: number;
  rotary_emb_base: number;
  max_position_embeddings: number;
  layer_norm_eps: number;
  use_parallel_residual: boolean;
  hidden_act: "gelu";
  tie_word_embeddings: false;
  initializer_range: number;
  attention_bias: true;
  /**
   * No MLP blocks (and no post_attention_layernorm): each layer is x + attention(ln1(x)), as the
   * attention-only transformers of Olsson et al. 2022. Our extension of config.json (absent =
   * false); Hugging Face transformers cannot load such a checkpoint.
   */
  attention_only?: true;
  /**
   * false: no LayerNorm anywhere (identity in place of input, post-attention and final LayerNorm;
   * their gains and biases are absent), as Nanda et al. 2023's grokking transformer. Our extension
   * of config.json (absent = true); Hugging Face transformers cannot load such a checkpoint.
   */
  layer_norm?: false;
}

/** Largest dimension accepted from a config file (guards allocations). */
export const MAX_CONFIG_DIMENSION = 1 << 20;

/**
 * Byte-level vocabulary: ids 0..255 are bytes, 256..263 are reserved for special tokens
 * (256 = end of text); 264 keeps the vocabulary a multiple of 8 for the SIMD kernels.
 */
export const BYTE_VOCAB_SIZE = 264;

function preset(hidden: number, layers: number, heads: number, context: number): NeoXConfig {
  return {
    vocab_size: BYTE_VOCAB_SIZE,
    hidden_size: hidden,
    num_hidden_layers: layers,
    num_attention_heads: heads,
    intermediate_size: 4 * hidden,
    rotary_pct: 0.25,
    rotary_emb_base: 10000,
    max_position_embeddings: context,
    layer_norm_eps: 1e-5,
    use_parallel_residual: true,
    hidden_act: "gelu",
    tie_word_embeddings: false,
    initializer_range: 0.02,
    attention_bias: true,
  };
}

/** Named presets: `tiny` (~0.86M parameters) and `small` (~10.8M parameters). */
export const NEOX_PRESETS = {
  tiny: preset(128, 4, 4, 128),
  small: preset(384, 6, 6, 256),
} as const satisfies Record<string, NeoXConfig>;

export type NeoXPresetName = keyof typeof NEOX_PRESETS;

/** A fresh copy of a preset. */
export function neoxPreset(name: NeoXPresetName): NeoXConfig {
  return { ...NEOX_PRESETS[name] };
}

type Obj = Record<string, unknown>;

function intField(o: Obj, file: string, key: string, fallback?: number): number {
  const v = o[key] ?? fallback;
  if (typeof v !== "number" || !Number.isInteger(v)) throw new ModelConfigError(file, key, `must be an integer, got ${JSON.stringify(v)}`);
  if (v < 1 || v > MAX_CONFIG_DIMENSION) throw new ModelConfigError(file, key, `must be in [1, ${MAX_CONFIG_DIMENSION}], got ${v}`);
  return v;
}

function numField(o: Obj, file: string, key: string, lo: number, hi: number, fallback?: number): number {
  const v = o[key] ?? fallback;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new ModelConfigError(file, key, `must be a finite number, got ${JSON.stringify(v)}`);
  if (v < lo || v > hi) throw new ModelConfigError(file, key, `must be in [${lo}, ${hi}], got ${v}`);
  return v;
}

function boolField(o: Obj, file: string, key: string, fallback: boolean): boolean {
  const v = o[key] ?? fallback;
  if (typeof v !== "boolean") throw new ModelConfigError(file, key, `must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Parses a GPT-NeoX config.json value. Unknown fields are ignored; fields this implementation
 * cannot honour (another activation, tied embeddings, no attention bias) are refused.
 */
export function parseNeoXConfig(json: unknown, file: string): NeoXConfig {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new ModelConfigError(file, "(root)", "must be a JSON object");
  const o = json as Obj;
  if (o.model_type !== undefined && o.model_type !== "gpt_neox") throw new ModelConfigError(file, "model_type", `must be "gpt_neox", got ${JSON.stringify(o.model_type)}`);
  const hidden = intField(o, file, "hidden_size");
  const heads = intField(o, file, "num_attention_heads");
  if (hidden % heads !== 0) throw new ModelConfigError(file, "num_attention_heads", `must divide hidden_size ${hidden}, got ${heads}`);
  const act = o.hidden_act ?? "gelu";
  if (act !== "gelu") throw new ModelConfigError(file, "hidden_act", `must be "gelu" (exact erf GELU), got ${JSON.stringify(act)}`);
  if (boolField(o, file, "tie_word_embeddings", false)) throw new ModelConfigError(file, "tie_word_embeddings", "must be false (GPT-NeoX has separate embed_in and embed_out)");
  if (!boolField(o, file, "attention_bias", true)) throw new ModelConfigError(file, "attention_bias", "must be true (query_key_value and dense have biases)");
  const config: NeoXConfig = {
    vocab_size: intField(o, file, "vocab_size"),
    hidden_size: hidden,
    num_hidden_layers: intField(o, file, "num_hidden_layers"),
    num_attention_heads: heads,
    intermediate_size: intField(o, file, "intermediate_size", 4 * hidden),
    rotary_pct: numField(o, file, "rotary_pct", 0, 1, 1),
    rotary_emb_base: numField(o, file, "rotary_emb_base", 1, 1e12, 10000),
    max_position_embeddings: intField(o, file, "max_position_embeddings"),
    layer_norm_eps: numField(o, file, "layer_norm_eps", 0, 1, 1e-5),
    use_parallel_residual: boolField(o, file, "use_parallel_residual", true),
    hidden_act: "gelu",
    tie_word_embeddings: false,
    initializer_range: numField(o, file, "initializer_range", 0, 10, 0.02),
    attention_bias: true,
  };
  if (boolField(o, file, "attention_only", false)) config.attention_only = true;
  if (!boolField(o, file, "layer_norm", true)) config.layer_norm = false;
  if (rotaryDims(config) % 2 !== 0) throw new ModelConfigError(file, "rotary_pct", `gives an odd number of rotary dimensions ${rotaryDims(config)} (head size ${hidden / heads}); rotate-half needs an even number`);
  return config;
}

/** True when the layers have no MLP block (config.attention_only). */
export function isAttentionOnly(config: NeoXConfig): boolean {
  return config.attention_only === true;
}

/** True when the model has LayerNorms (config.layer_norm is not false). */
export function hasLayerNorm(config: NeoXConfig): boolean {
  return config.layer_norm !== false;
}

/** Head size hs = C / nh. */
export function headSize(config: NeoXConfig): number {
  return config.hidden_size / config.num_attention_heads;
}

/** Rotary dimensions per head: int(hs * rotary_pct), as Hugging Face computes it. */
export function rotaryDims(config: NeoXConfig): number {
  return Math.floor(headSize(config) * config.rotary_pct);
}
