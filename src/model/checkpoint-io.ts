// Model files of a Hugging Face style checkpoint: `model.safetensors` (HF names and shapes,
// f32/f16/bf16) and `config.json` (GPTNeoXConfig fields) written from a GPTNeoX, and weights read
// back from safetensors or PyTorch .bin by name, with every shape checked.
import { readFile, writeFile, stat } from "node:fs/promises";
import { CONFIG_FILE, SAFETENSORS_SINGLE } from "../formats/hf-files.js";
import { dirname, join } from "node:path";
import { openCheckpoint } from "../formats/checkpoint.js";
import type { CheckpointFormat } from "../formats/checkpoint.js";
import { writeSafetensorsFile } from "../formats/safetensors/index.js";
import type { SafetensorsEntry } from "../formats/safetensors/index.js";
import { decodeToFloat32, encodeFloats, DTYPE_IS_FLOAT } from "../formats/dtype.js";
import type { Dtype } from "../formats/dtype.js";
import { readTensorBytes } from "../tensor/read.js";
import { ByteSourceError, CheckpointFormatError } from "../util/errors.js";
import { parseNeoXConfig } from "./config.js";
import type { NeoXConfig } from "./config.js";
import { GPTNeoX } from "./gpt-neox.js";
import type { NeoXKernels } from "./kernels.js";
import type { ParamSpec } from "./params.js";

/** Storage precision of saved weights. */
export type WeightDtype = "f32" | "f16" | "bf16";

export const WEIGHT_DTYPES: readonly WeightDtype[] = ["f32", "f16", "bf16"];
const SAFETENSORS_DTYPE: Record<WeightDtype, Dtype> = { f32: "F32", f16: "F16", bf16: "BF16" };
const TORCH_DTYPE: Record<WeightDtype, string> = { f32: "float32", f16: "float16", bf16: "bfloat16" };

/** The weights file the trainer writes (the Hugging Face name). */
export const MODEL_FILE = SAFETENSORS_SINGLE;
export { CONFIG_FILE };
/** Largest config.json accepted. */
export const MAX_CONFIG_JSON_BYTES = 1024 * 1024;

/**
 * Non-parameter buffers that Pythia's (older transformers') checkpoints store: the causal mask,
 * the masked-score constant and the rotary inverse frequencies. Recomputed, so ignored on load.
 */
export const IGNORED_BUFFER_SUFFIXES: readonly string[] = [".attention.bias", ".attention.masked_bias", ".rotary_emb.inv_freq"];

export interface ConfigJsonOptions {
  dtype: WeightDtype;
  /** Token ids of beginning / end of text (Pythia: 0; the byte tokenizer: 256). */
  bosTokenId: number;
  eosTokenId: number;
}

/** The config.json object of a model, with the fields transformers' GPTNeoXConfig reads. */
export function neoxConfigJson(config: NeoXConfig, o: ConfigJsonOptions): Record<string, unknown> {
  return {
    architectures: ["GPTNeoXForCausalLM"],
    model_type: "gpt_neox",
    vocab_size: config.vocab_size,
    hidden_size: config.hidden_size,
    num_hidden_layers: config.num_hidden_layers,
    num_attention_heads: config.num_attention_heads,
    intermediate_size: config.intermediate_size,
    hidden_act: config.hidden_act,
    rotary_pct: config.rotary_pct,
    rotary_emb_base: config.rotary_emb_base,
    max_position_embeddings: config.max_position_embeddings,
    initializer_range: config.initializer_range,
    layer_norm_eps: config.layer_norm_eps,
    use_parallel_residual: config.use_parallel_residual,
    tie_word_embeddings: config.tie_word_embeddings,
    attention_bias: config.attention_bias,
    attention_dropout: 0.0,
    hidden_dropout: 0.0,
    use_cache: true,
    bos_token_id: o.bosTokenId,
    eos_token_id: o.eosTokenId,
    torch_dtype: TORCH_DTYPE[o.dtype],
    ...(config.attention_only === true && { attention_only: true }),
    ...(config.layer_norm === false && { layer_norm: false }),
  };
}

/** The model's parameters as safetensors entries (layout order, HF names and shapes). */
export function modelEntries(flat: Float32Array, layout: readonly ParamSpec[], dtype: WeightDtype): SafetensorsEntry[] {
  return layout.map((s) => {
    const values = flat.subarray(s.offset, s.offset + s.size);
    const data = dtype === "f32" ? values.slice() : encodeFloats(SAFETENSORS_DTYPE[dtype], values);
    return { name: s.name, dtype: SAFETENSORS_DTYPE[dtype], shape: s.shape, data };
  });
}

/** Writes `model.safetensors` and `config.json` of `model` into the existing folder `dir`. */
export async function writeModelFiles(dir: string, model: GPTNeoX, o: ConfigJsonOptions): Promise<void> {
  await writeSafetensorsFile(join(dir, MODEL_FILE), modelEntries(model.params.flat, model.layout, o.dtype), { format: "pt" });
  const json = `${JSON.stringify(neoxConfigJson(model.config, o), null, 2)}\n`;
  try {
    await writeFile(join(dir, CONFIG_FILE), json);
  } catch (err) {
    throw new ByteSourceError(join(dir, CONFIG_FILE), `cannot write (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
}

/** Reads and validates `config.json` of a checkpoint folder (or of the folder holding a weight file). */
export async function readModelConfig(checkpointPath: string): Promise<NeoXConfig> {
  const dir = (await isDirectory(checkpointPath)) ? checkpointPath : dirname(checkpointPath);
  const file = join(dir, CONFIG_FILE);
  let text: string;
  try {
    const info = await stat(file);
    if (info.size > MAX_CONFIG_JSON_BYTES) throw new ByteSourceError(file, `config.json is ${info.size} bytes, more than the ${MAX_CONFIG_JSON_BYTES} accepted`);
    text = await readFile(file, "utf8");
  } catch (err) {
    if (err instanceof ByteSourceError) throw err;
    throw new ByteSourceError(file, `cannot read the model's config.json (${(err as NodeJS.ErrnoException).code ?? String(err)}) ---> HINT: a checkpoint folder needs config.json next to its weights`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ByteSourceError(file, `config.json is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  return parseNeoXConfig(json, file);
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    throw new ByteSourceError(path, `checkpoint path not found (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
}

/** What loadModelWeights read. */
export interface LoadedWeights {
  format: CheckpointFormat;
  /** Distinct dtypes of the loaded parameter tensors. */
  dtypes: Dtype[];
  /** Names of ignored buffers (Pythia's attention.bias, masked_bias, rotary_emb.inv_freq). */
  ignored: string[];
}

/**
 * Loads every parameter of `model` from a checkpoint (folder or file; safetensors or PyTorch
 * .bin; F32/F16/BF16), matched by Hugging Face name. Every shape is checked; missing and
 * unexpected tensors are errors naming them (Pythia's buffers are ignored).
 */
export async function loadModelWeights(model: GPTNeoX, checkpointPath: string): Promise<LoadedWeights> {
  const ckpt = await openCheckpoint(checkpointPath);
  try {
    const byName = new Map(ckpt.tensors.map((t) => [t.name, t] as const));
    const wanted = new Set(model.layout.map((s) => s.name));
    const ignored = ckpt.tensors.filter((t) => IGNORED_BUFFER_SUFFIXES.some((x) => t.name.endsWith(x))).map((t) => t.name);
    const unexpected = ckpt.tensors.filter((t) => !wanted.has(t.name) && !ignored.includes(t.name)).map((t) => t.name);
    const missing = model.layout.filter((s) => !byName.has(s.name)).map((s) => s.name);
    if (missing.length > 0 || unexpected.length > 0) {
      const parts = [missing.length > 0 ? `missing ${listNames(missing)}` : "", unexpected.length > 0 ? `unexpected ${listNames(unexpected)}` : ""].filter((x) => x !== "");
      throw new CheckpointFormatError("MODEL_TENSORS_MISMATCH", checkpointPath, undefined, `the tensors do not match a GPT-NeoX model of this config: ${parts.join("; ")}`, "check that config.json belongs to these weights (layers, and GPT-NeoX names such as gpt_neox.layers.0.attention.query_key_value.weight)");
    }
    const dtypes = new Set<Dtype>();
    for (const s of model.layout) {
      const ref = byName.get(s.name)!;
      if (ref.shape.length !== s.shape.length || ref.shape.some((d, i) => d !== s.shape[i])) {
        throw new CheckpointFormatError("MODEL_TENSOR_SHAPE", ref.file, s.name, `has shape [${ref.shape.join(", ")}], the config needs [${s.shape.join(", ")}]`, "check that config.json belongs to these weights");
      }
      if (!DTYPE_IS_FLOAT[ref.dtype]) throw new CheckpointFormatError("MODEL_TENSOR_DTYPE", ref.file, s.name, `has dtype ${ref.dtype}; model weights must be F32, F16, BF16 or F64`);
      dtypes.add(ref.dtype);
      model.params.flat.set(decodeToFloat32(ref.dtype, await readTensorBytes(ref)), s.offset);
    }
    return { format: ckpt.format, dtypes: [...dtypes], ignored };
  } finally {
    await ckpt.close();
  }
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 5).map((n) => `"${n}"`).join(", ");
  return `${names.length} tensor(s): ${shown}${names.length > 5 ? `, ... (${names.length - 5} more)` : ""}`;
}

export interface LoadModelOptions {
  /** Largest batch and sequence length the model will run (T <= max_position_embeddings). */
  B: number;
  T: number;
  kernels?: NeoXKernels;
}

/** Builds a GPTNeoX from a checkpoint folder's config.json and loads its weights. */
export async function loadModel(checkpointPath: string, o: LoadModelOptions): Promise<{ model: GPTNeoX; weights: LoadedWeights }> {
  const config = await readModelConfig(checkpointPath);
  const model = new GPTNeoX(config, { B: o.B, T: Math.min(o.T, config.max_position_embeddings), ...(o.kernels !== undefined ? { kernels: o.kernels } : {}) });
  const weights = await loadModelWeights(model, checkpointPath);
  return { model, weights };
}
