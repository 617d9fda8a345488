// Tensor name -> {layer, role, kind, family} for GPT-NeoX/Pythia, GPT-2, Llama and BERT, so
// statistics can be grouped per role and per layer. Pure string matching; no file access.
import { DTYPE_IS_FLOAT, isDtype } from "../formats/dtype.js";
import type { TensorKind, TensorRole } from "../store/vocabulary.js";

export { TENSOR_ROLES, TENSOR_KINDS, type TensorRole, type TensorKind } from "../store/vocabulary.js";
export type ModelFamily = "gpt-neox" | "gpt2" | "llama" | "bert" | "other";

export interface TensorClass {
  /** Transformer block index, or null for tensors outside the blocks (embeddings, final norm). */
  layer: number | null;
  role: TensorRole;
  kind: TensorKind;
  family: ModelFamily;
}

interface Rule {
  family: ModelFamily;
  /** Matched against the name; group 1 (if the rule is per layer) is the layer index. */
  pattern: RegExp;
  role: TensorRole;
  perLayer: boolean;
  /** Buffers have no .weight/.bias suffix; the whole name is matched. */
  buffer?: boolean;
}

// Block prefixes. GPT-2 names appear with and without "transformer."; BERT with and without "bert.".
const NEOX = String.raw`^gpt_neox\.layers\.(\d+)\.`;
const GPT2 = String.raw`^(?:transformer\.)?h\.(\d+)\.`;
const LLAMA = String.raw`^model\.layers\.(\d+)\.`;
const BERT = String.raw`^(?:bert\.)?encoder\.layer\.(\d+)\.`;
const PARAM = String.raw`\.(weight|bias)$`;

function layerRule(family: ModelFamily, prefix: string, body: string, role: TensorRole): Rule {
  return { family, pattern: new RegExp(prefix + body + PARAM), role, perLayer: true };
}
function globalRule(family: ModelFamily, body: string, role: TensorRole): Rule {
  return { family, pattern: new RegExp("^" + body + PARAM), role, perLayer: false };
}
function bufferRule(family: ModelFamily, pattern: string, perLayer: boolean): Rule {
  return { family, pattern: new RegExp(pattern), role: "buffer", perLayer, buffer: true };
}

const RULES: readonly Rule[] = [
  // GPT-NeoX / Pythia
  bufferRule("gpt-neox", NEOX + String.raw`attention\.(?:bias|masked_bias|rotary_emb\.inv_freq)$`, true),
  bufferRule("gpt-neox", String.raw`^gpt_neox\.rotary_emb\.inv_freq$`, false),
  layerRule("gpt-neox", NEOX, String.raw`input_layernorm`, "ln.attn"),
  layerRule("gpt-neox", NEOX, String.raw`post_attention_layernorm`, "ln.mlp"),
  layerRule("gpt-neox", NEOX, String.raw`attention\.query_key_value`, "attn.qkv"),
  layerRule("gpt-neox", NEOX, String.raw`attention\.dense`, "attn.out"),
  layerRule("gpt-neox", NEOX, String.raw`mlp\.dense_h_to_4h`, "mlp.in"),
  layerRule("gpt-neox", NEOX, String.raw`mlp\.dense_4h_to_h`, "mlp.out"),
  globalRule("gpt-neox", String.raw`gpt_neox\.embed_in`, "embed"),
  globalRule("gpt-neox", String.raw`gpt_neox\.final_layer_norm`, "ln.final"),
  globalRule("gpt-neox", String.raw`embed_out`, "unembed"),
  // GPT-2
  bufferRule("gpt2", GPT2 + String.raw`attn\.(?:bias|masked_bias)$`, true),
  layerRule("gpt2", GPT2, String.raw`attn\.c_attn`, "attn.qkv"),
  layerRule("gpt2", GPT2, String.raw`attn\.c_proj`, "attn.out"),
  layerRule("gpt2", GPT2, String.raw`mlp\.c_fc`, "mlp.in"),
  layerRule("gpt2", GPT2, String.raw`mlp\.c_proj`, "mlp.out"),
  layerRule("gpt2", GPT2, String.raw`ln_1`, "ln.attn"),
  layerRule("gpt2", GPT2, String.raw`ln_2`, "ln.mlp"),
  globalRule("gpt2", String.raw`(?:transformer\.)?wte`, "embed"),
  globalRule("gpt2", String.raw`(?:transformer\.)?wpe`, "embed.pos"),
  globalRule("gpt2", String.raw`(?:transformer\.)?ln_f`, "ln.final"),
  // Llama
  bufferRule("llama", LLAMA + String.raw`self_attn\.rotary_emb\.inv_freq$`, true),
  bufferRule("llama", String.raw`^model\.rotary_emb\.inv_freq$`, false),
  layerRule("llama", LLAMA, String.raw`self_attn\.q_proj`, "attn.q"),
  layerRule("llama", LLAMA, String.raw`self_attn\.k_proj`, "attn.k"),
  layerRule("llama", LLAMA, String.raw`self_attn\.v_proj`, "attn.v"),
  layerRule("llama", LLAMA, String.raw`self_attn\.o_proj`, "attn.out"),
  layerRule("llama", LLAMA, String.raw`mlp\.gate_proj`, "mlp.gate"),
  layerRule("llama", LLAMA, String.raw`mlp\.up_proj`, "mlp.up"),
  layerRule("llama", LLAMA, String.raw`mlp\.down_proj`, "mlp.out"),
  layerRule("llama", LLAMA, String.raw`input_layernorm`, "ln.attn"),
  layerRule("llama", LLAMA, String.raw`post_attention_layernorm`, "ln.mlp"),
  globalRule("llama", String.raw`model\.embed_tokens`, "embed"),
  globalRule("llama", String.raw`model\.norm`, "ln.final"),
  // BERT (post-norm: attention.output.LayerNorm follows attention, output.LayerNorm the MLP)
  bufferRule("bert", String.raw`^(?:bert\.)?embeddings\.(?:position_ids|token_type_ids)$`, false),
  layerRule("bert", BERT, String.raw`attention\.self\.query`, "attn.q"),
  layerRule("bert", BERT, String.raw`attention\.self\.key`, "attn.k"),
  layerRule("bert", BERT, String.raw`attention\.self\.value`, "attn.v"),
  layerRule("bert", BERT, String.raw`attention\.output\.dense`, "attn.out"),
  layerRule("bert", BERT, String.raw`attention\.output\.LayerNorm`, "ln.attn"),
  layerRule("bert", BERT, String.raw`intermediate\.dense`, "mlp.in"),
  layerRule("bert", BERT, String.raw`output\.dense`, "mlp.out"),
  layerRule("bert", BERT, String.raw`output\.LayerNorm`, "ln.mlp"),
  globalRule("bert", String.raw`(?:bert\.)?embeddings\.(?:word|token_type)_embeddings`, "embed"),
  globalRule("bert", String.raw`(?:bert\.)?embeddings\.position_embeddings`, "embed.pos"),
  globalRule("bert", String.raw`(?:bert\.)?embeddings\.LayerNorm`, "ln.embed"),
  globalRule("bert", String.raw`cls\.predictions(?:\.decoder)?`, "unembed"),
  globalRule("bert", String.raw`(?:bert\.)?pooler\.dense`, "other"),
  // lm_head is shared by GPT-2 and Llama checkpoints; the family is not knowable from it alone.
  globalRule("other", String.raw`lm_head`, "unembed"),
];

/** Classify a tensor by its name. Unknown names get role "other", family "other". */
export function classifyTensor(name: string): TensorClass {
  for (const rule of RULES) {
    const m = rule.pattern.exec(name);
    if (m === null) continue;
    const layer = rule.perLayer ? Number(m[1]) : null;
    if (rule.buffer === true) return { layer, role: "buffer", kind: "buffer", family: rule.family };
    const suffix = m[m.length - 1];
    return { layer, role: rule.role, kind: suffix === "bias" ? "bias" : "weight", family: rule.family };
  }
  return { layer: layerFromUnknownName(name), role: "other", kind: kindFromSuffix(name), family: "other" };
}

/** Non-parameter state: the known buffers above, and any tensor whose dtype is not floating. */
export function isNonParameterBuffer(name: string, dtype: string): boolean {
  if (isDtype(dtype) && !DTYPE_IS_FLOAT[dtype]) return true;
  if (!isDtype(dtype) && !/^(?:b?f\d|float|half|bfloat|double)/i.test(dtype)) return true;
  return classifyTensor(name).kind === "buffer";
}

function kindFromSuffix(name: string): TensorKind {
  if (name.endsWith(".weight")) return "weight";
  if (name.endsWith(".bias")) return "bias";
  return "other";
}

// Unknown architectures still often number their blocks "...layers.N." or "...h.N.".
function layerFromUnknownName(name: string): number | null {
  const m = /(?:^|\.)(?:layers?|h|blocks?)\.(\d+)\./.exec(name);
  return m === null ? null : Number(m[1]);
}

const SPECTRAL_ROLES: ReadonlySet<TensorRole> = new Set(["attn.qkv", "attn.q", "attn.k", "attn.v", "attn.out", "mlp.in", "mlp.gate", "mlp.up", "mlp.out"]);

/** Attention and MLP weight matrices (not embeddings) with min(rows, cols) in 1..maxDim; 0 disables. */
export function isSpectralTarget(cls: { role: TensorRole; kind: TensorKind }, shape: readonly number[], maxDim: number): boolean {
  if (maxDim <= 0 || cls.kind !== "weight" || !SPECTRAL_ROLES.has(cls.role) || shape.length !== 2) return false;
  const m = Math.min(shape[0]!, shape[1]!);
  return m >= 1 && m <= maxDim;
}
