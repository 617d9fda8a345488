// A Pythia-shaped tiny GPT-NeoX checkpoint series (HF names, Pythia's buffers: `attention.bias`
// bool masks, `attention.masked_bias`, `rotary_emb.inv_freq`) written in every file kind the
// analysis reads: safetensors (F16/BF16/F32), a sharded safetensors index, a PyTorch `.bin` zip,
// a sharded `.bin` index, and a nested `.pt` needing `--key`. Built without torch.
import { encodeFloats, type Dtype } from "../../src/formats/dtype.js";
import { encodeSafetensors } from "../../src/formats/safetensors/index.js";
import { Rng } from "../../src/util/rng.js";
import { PickleBuilder, writeZip, type ZipInput } from "../formats/pytorch-test-helpers.js";

export type FloatDtype = "F16" | "BF16" | "F32";

export interface FixtureTensor {
  readonly name: string;
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

/** Dimensions: hidden 64, 2 layers, vocabulary 2048 (embeddings of 131,072 values: sampled shape), 64 positions. */
const HIDDEN = 64;
const LAYERS = 2;
const VOCAB = 2048;
const MAX_POSITIONS = 64;
const ROTARY_DIM = 16;

interface Spec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly scale: number;
  readonly offset?: number;
}

function paramSpecs(): Spec[] {
  const specs: Spec[] = [{ name: "gpt_neox.embed_in.weight", shape: [VOCAB, HIDDEN], scale: 0.5 }];
  for (let l = 0; l < LAYERS; l++) {
    const p = `gpt_neox.layers.${l}.`;
    specs.push(
      { name: `${p}input_layernorm.weight`, shape: [HIDDEN], scale: 0.1, offset: 1 },
      { name: `${p}input_layernorm.bias`, shape: [HIDDEN], scale: 0.02 },
      { name: `${p}post_attention_layernorm.weight`, shape: [HIDDEN], scale: 0.1, offset: 1 },
      { name: `${p}post_attention_layernorm.bias`, shape: [HIDDEN], scale: 0.02 },
      { name: `${p}attention.query_key_value.weight`, shape: [3 * HIDDEN, HIDDEN], scale: 0.08 },
      { name: `${p}attention.query_key_value.bias`, shape: [3 * HIDDEN], scale: 0.02 },
      { name: `${p}attention.dense.weight`, shape: [HIDDEN, HIDDEN], scale: 0.08 },
      { name: `${p}attention.dense.bias`, shape: [HIDDEN], scale: 0.02 },
      { name: `${p}mlp.dense_h_to_4h.weight`, shape: [4 * HIDDEN, HIDDEN], scale: 0.08 },
      { name: `${p}mlp.dense_h_to_4h.bias`, shape: [4 * HIDDEN], scale: 0.02 },
      { name: `${p}mlp.dense_4h_to_h.weight`, shape: [HIDDEN, 4 * HIDDEN], scale: 0.04 },
      { name: `${p}mlp.dense_4h_to_h.bias`, shape: [HIDDEN], scale: 0.02 },
    );
  }
  specs.push(
    { name: "gpt_neox.final_layer_norm.weight", shape: [HIDDEN], scale: 0.1, offset: 1 },
    { name: "gpt_neox.final_layer_norm.bias", shape: [HIDDEN], scale: 0.02 },
    { name: "embed_out.weight", shape: [VOCAB, HIDDEN], scale: 0.2 },
  );
  return specs;
}

const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Pythia's per-layer buffers: a causal bool mask, masked_bias (-1e9, -inf once cast to fp16), rotary inverse frequencies. */
function bufferTensors(layer: number, dtype: FloatDtype): FixtureTensor[] {
  const p = `gpt_neox.layers.${layer}.attention.`;
  const mask = new Uint8Array(MAX_POSITIONS * MAX_POSITIONS);
  for (let i = 0; i < MAX_POSITIONS; i++) for (let j = 0; j <= i; j++) mask[i * MAX_POSITIONS + j] = 1;
  const invFreq = Array.from({ length: ROTARY_DIM / 2 }, (_, i) => 1 / 10000 ** ((2 * i) / ROTARY_DIM));
  return [
    { name: `${p}bias`, dtype: "BOOL", shape: [1, 1, MAX_POSITIONS, MAX_POSITIONS], data: mask },
    { name: `${p}masked_bias`, dtype, shape: [], data: encodeFloats(dtype, [-1e9]) },
    { name: `${p}rotary_emb.inv_freq`, dtype, shape: [ROTARY_DIM / 2], data: encodeFloats(dtype, invFreq) },
  ];
}

/** The state dict of `step`: training-like drift (wider, shifted) from one step to the next. */
export function pythiaTensors(step: number, dtype: FloatDtype): FixtureTensor[] {
  const rng = new Rng(1000 + step);
  const out: FixtureTensor[] = [];
  for (const s of paramSpecs()) {
    const n = numel(s.shape);
    const v = new Array<number>(n);
    for (let i = 0; i < n; i++) v[i] = (s.offset ?? 0) + s.scale * (1 + 0.3 * step) * rng.normal() + 0.005 * step;
    out.push({ name: s.name, dtype, shape: s.shape, data: encodeFloats(dtype, v) });
    const layer = /^gpt_neox\.layers\.(\d+)\.input_layernorm\.weight$/.exec(s.name);
    if (layer !== null) out.push(...bufferTensors(Number(layer[1]), dtype));
  }
  return out;
}

export function safetensorsFile(tensors: readonly FixtureTensor[]): Uint8Array {
  return encodeSafetensors(tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: t.data })), { format: "pt" });
}

const STORAGE_TYPES: Record<string, string> = { F32: "FloatStorage", F16: "HalfStorage", BF16: "BFloat16Storage", BOOL: "BoolStorage" };

/** Pickle ops of `{name: tensor, ...}` (EMPTY_DICT, MARK, items, SETITEMS); storage keys start at `firstKey`. */
function pickleStateDict(p: PickleBuilder, tensors: readonly FixtureTensor[], firstKey: number, storages: ZipInput[], prefix: string): void {
  p.op(0x7d, 0x28); // EMPTY_DICT, MARK
  tensors.forEach((t, i) => {
    const key = String(firstKey + i);
    const strides = t.shape.map((_, d) => numel(t.shape.slice(d + 1)));
    p.str(t.name).global("torch._utils", "_rebuild_tensor_v2").op(0x28);
    p.op(0x28).str("storage").global("torch", STORAGE_TYPES[t.dtype]!).str(key).str("cpu").int(numel(t.shape)).op(0x74, 0x51); // TUPLE, BINPERSID
    p.int(0).op(0x28);
    for (const d of t.shape) p.int(d);
    p.op(0x74, 0x28);
    for (const d of strides) p.int(d);
    p.op(0x74, 0x89).global("collections", "OrderedDict").op(0x29, 0x52, 0x74, 0x52); // NEWFALSE, OrderedDict(), TUPLE, REDUCE
    storages.push({ name: `${prefix}/data/${key}`, data: t.data });
  });
  p.op(0x75); // SETITEMS
}

function torchZip(p: PickleBuilder, storages: ZipInput[], prefix: string): Uint8Array {
  const entries: ZipInput[] = [{ name: `${prefix}/data.pkl`, data: p.op(0x2e).build() }, ...storages, { name: `${prefix}/version`, data: new TextEncoder().encode("3\n") }];
  return writeZip(entries);
}

/** A torch.save zip of a flat state dict (`pytorch_model.bin`). */
export function torchFile(tensors: readonly FixtureTensor[], prefix = "archive"): Uint8Array {
  const storages: ZipInput[] = [];
  const p = new PickleBuilder();
  pickleStateDict(p, tensors, 0, storages, prefix);
  return torchZip(p, storages, prefix);
}

/** A training checkpoint `{"epoch": 3, "model": state, "ema": {"model": state'}}`: two candidate dicts, so `--key model` is needed. */
export function nestedTorchFile(tensors: readonly FixtureTensor[], ema: readonly FixtureTensor[]): Uint8Array {
  const storages: ZipInput[] = [];
  const p = new PickleBuilder().op(0x7d, 0x28); // EMPTY_DICT, MARK
  p.str("epoch").int(3);
  p.str("model");
  pickleStateDict(p, tensors, 0, storages, "ckpt");
  p.str("ema").op(0x7d).str("model");
  pickleStateDict(p, ema, tensors.length, storages, "ckpt");
  p.op(0x73); // SETITEM into the ema dict
  p.op(0x75); // SETITEMS into the outer dict
  return torchZip(p, storages, "ckpt");
}

/** Files of a sharded checkpoint: two shards split at the middle layer, and the index naming them. */
export function shardedFiles(tensors: readonly FixtureTensor[], kind: "safetensors" | "bin"): Record<string, Uint8Array> {
  const shardName = (i: number): string => (kind === "safetensors" ? `model-0000${i}-of-00002.safetensors` : `pytorch_model-0000${i}-of-00002.bin`);
  const first = tensors.filter((t) => t.name.startsWith("gpt_neox.embed_in") || t.name.startsWith("gpt_neox.layers.0."));
  const second = tensors.filter((t) => !first.includes(t));
  const encode = kind === "safetensors" ? safetensorsFile : (ts: readonly FixtureTensor[]) => torchFile(ts);
  const weightMap: Record<string, string> = {};
  for (const t of first) weightMap[t.name] = shardName(1);
  for (const t of second) weightMap[t.name] = shardName(2);
  const totalSize = tensors.reduce((s, t) => s + t.data.byteLength, 0);
  const index = new TextEncoder().encode(JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2));
  return { [shardName(1)]: encode(first), [shardName(2)]: encode(second), [kind === "safetensors" ? "model.safetensors.index.json" : "pytorch_model.bin.index.json"]: index };
}

/** Every file kind of the analysis, with the files of one step and any analyze flag it needs. */
export interface FileKind {
  readonly name: string;
  readonly files: (step: number) => Record<string, Uint8Array>;
  /** dtype of the model's float tensors */
  readonly dtype: FloatDtype;
  readonly key?: string;
}

export const FILE_KINDS: readonly FileKind[] = [
  { name: "fp16 model.safetensors", dtype: "F16", files: (s) => ({ "model.safetensors": safetensorsFile(pythiaTensors(s, "F16")) }) },
  { name: "bf16 model.safetensors", dtype: "BF16", files: (s) => ({ "model.safetensors": safetensorsFile(pythiaTensors(s, "BF16")) }) },
  { name: "f32 model.safetensors", dtype: "F32", files: (s) => ({ "model.safetensors": safetensorsFile(pythiaTensors(s, "F32")) }) },
  { name: "sharded safetensors index", dtype: "F16", files: (s) => shardedFiles(pythiaTensors(s, "F16"), "safetensors") },
  { name: "fp16 pytorch_model.bin", dtype: "F16", files: (s) => ({ "pytorch_model.bin": torchFile(pythiaTensors(s, "F16")) }) },
  { name: "sharded pytorch_model.bin index", dtype: "F16", files: (s) => shardedFiles(pythiaTensors(s, "F16"), "bin") },
  {
    name: "nested checkpoint.pt (--key model)",
    dtype: "F32",
    files: (s) => ({ "checkpoint.pt": nestedTorchFile(pythiaTensors(s, "F32"), pythiaTensors(s + 100, "F32").filter((t) => t.name.includes("layernorm"))) }),
    key: "model",
  },
];
