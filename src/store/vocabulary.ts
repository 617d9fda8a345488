// The words the store's text columns hold, defined once at the lowest layer that stores them:
// tensor roles and kinds (tensor/names.ts classifies tensor names into them), dtypes (formats/
// reads and decodes them) and event kinds (dynamics/ detects them). The row types (types.ts) use
// these unions; queries read each column back through wordOf (codec.ts) instead of casting.

/**
 * What a tensor does in the model. One convention for every family:
 * - `attn.qkv` is a fused query/key/value projection (NeoX `query_key_value`, GPT-2 `c_attn`);
 *   `attn.q`/`attn.k`/`attn.v` are the separate ones (Llama, BERT).
 * - `mlp.in` is the single projection into the MLP width (NeoX `dense_h_to_4h`, GPT-2 `c_fc`,
 *   BERT `intermediate.dense`). Gated MLPs (Llama) have two input projections with different
 *   roles in the computation and different distributions, so they keep their own roles:
 *   `gate_proj` -> `mlp.gate`, `up_proj` -> `mlp.up` (not merged into `mlp.in`).
 * - `mlp.out` maps back to the model width (NeoX `dense_4h_to_h`, GPT-2 `mlp.c_proj`, Llama
 *   `down_proj`, BERT `output.dense`).
 * - `ln.attn` / `ln.mlp` are the norms around attention and MLP (pre-norm or post-norm),
 *   `ln.final` the last norm, `ln.embed` BERT's embedding LayerNorm.
 * - `embed` token (and BERT token-type) embeddings, `embed.pos` learned positions,
 *   `unembed` the output projection (`embed_out`, `lm_head`, BERT's decoder).
 * - `buffer` non-parameter state stored in checkpoints (masks, rotary frequencies, ids).
 */
export type TensorRole =
  | "attn.qkv"
  | "attn.q"
  | "attn.k"
  | "attn.v"
  | "attn.out"
  | "mlp.in"
  | "mlp.gate"
  | "mlp.up"
  | "mlp.out"
  | "ln.attn"
  | "ln.mlp"
  | "ln.final"
  | "ln.embed"
  | "embed"
  | "embed.pos"
  | "unembed"
  | "buffer"
  | "other";

export const TENSOR_ROLES: readonly TensorRole[] = [
  "attn.qkv", "attn.q", "attn.k", "attn.v", "attn.out", "mlp.in", "mlp.gate", "mlp.up", "mlp.out",
  "ln.attn", "ln.mlp", "ln.final", "ln.embed", "embed", "embed.pos", "unembed", "buffer", "other",
];

export type TensorKind = "weight" | "bias" | "buffer" | "other";

export const TENSOR_KINDS: readonly TensorKind[] = ["weight", "bias", "buffer", "other"];

/** Groups whose statistics merge tensor sketches: all tensors of a role, of a layer, of the model. */
export type GroupKind = "role" | "layer" | "model";

export const GROUP_KINDS: readonly GroupKind[] = ["role", "layer", "model"];

/**
 * Safetensors dtype names; PyTorch storages map onto the same set. Complex tensors (C64 =
 * complex64, C128 = complex128) are listed as buffers, never decoded into statistics.
 */
export type Dtype = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "I16" | "I8" | "U8" | "BOOL" | "C64" | "C128";

export const DTYPES: readonly Dtype[] = ["F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL", "C64", "C128"];

/** PyTorch quantized tensors' dtypes (QInt8/QUInt8/QInt32 storages): stored as buffers, never decoded. */
export type QuantizedDtype = "qint8" | "quint8" | "qint32";

export const QUANTIZED_DTYPES: readonly QuantizedDtype[] = ["qint8", "quint8", "qint32"];

/** What a stored buffer's dtype can be: a safetensors dtype or a quantized one. */
export type BufferDtype = Dtype | QuantizedDtype;

export const BUFFER_DTYPES: readonly BufferDtype[] = [...DTYPES, ...QUANTIZED_DTYPES];

/** What the event detectors find (dynamics/): one kind per detector rule. */
export type DynamicsEventKind = "mode_split" | "mode_merge" | "population_fork" | "layer_fork" | "change_point";

/** Every event kind, in the order the CLI and the reports list them. */
export const EVENT_KINDS: readonly DynamicsEventKind[] = ["population_fork", "mode_split", "mode_merge", "layer_fork", "change_point"];
