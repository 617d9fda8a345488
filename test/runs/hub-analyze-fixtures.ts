// Fixture runs for the hub-analyze tests: the same checkpoint files written to a local folder
// (step0/, step1/, step2/) and served by the fake Hub as revisions step0, step1, step2.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeFloats, type Dtype } from "../../src/formats/dtype.js";
import { encodeSafetensors, type SafetensorsEntry } from "../../src/formats/safetensors/index.js";
import { Rng } from "../../src/util/rng.js";
import type { FakeRepos } from "../helpers/fake-hub.js";
import { FIXTURES, PickleBuilder, writeZip, type ZipInput } from "../formats/pytorch-test-helpers.js";
import { tempDir } from "../helpers/temp.js";

export const STEPS = [0, 1, 2] as const;
export const REVISIONS = STEPS.map((s) => `step${s}`);
/** Fast retries for fault tests (library calls). */
export const FAST_RETRY = { http: { backoffMs: 1, maxBackoffMs: 4 }, retry: { backoffMs: 1, maxBackoffMs: 4 } } as const;

export function tmp(prefix: string): string {
  return tempDir(`fp-${prefix}-`);
}

interface Spec {
  readonly name: string;
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  readonly scale: number;
  readonly offset?: number;
}

const HIDDEN = 64;
/** A 1-layer GPT-NeoX-like model: F32 and F16 matrices, LayerNorm vectors and biases (kept in full). */
function neoxSpecs(): Spec[] {
  const specs: Spec[] = [{ name: "gpt_neox.embed_in.weight", dtype: "F32", shape: [512, HIDDEN], scale: 0.5 }];
  for (let l = 0; l < 1; l++) {
    const p = `gpt_neox.layers.${l}.`;
    specs.push(
      { name: `${p}input_layernorm.weight`, dtype: "F32", shape: [HIDDEN], scale: 0.1, offset: 1 },
      { name: `${p}input_layernorm.bias`, dtype: "F32", shape: [HIDDEN], scale: 0.02 },
      { name: `${p}attention.query_key_value.weight`, dtype: "F32", shape: [3 * HIDDEN, HIDDEN], scale: 0.08 },
      { name: `${p}attention.query_key_value.bias`, dtype: "F32", shape: [3 * HIDDEN], scale: 0.02 },
      { name: `${p}attention.dense.weight`, dtype: "F16", shape: [HIDDEN, HIDDEN], scale: 0.08 },
      { name: `${p}mlp.dense_h_to_4h.weight`, dtype: "F16", shape: [4 * HIDDEN, HIDDEN], scale: 0.08 },
    );
  }
  specs.push({ name: "embed_out.weight", dtype: "F32", shape: [512, HIDDEN], scale: 0.2 });
  return specs;
}

function values(spec: Spec, rng: Rng, step: number): number[] {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Array<number>(n);
  // Later steps widen and shift the distribution so every step's statistics differ.
  for (let i = 0; i < n; i++) out[i] = (spec.offset ?? 0) + spec.scale * (1 + 0.5 * step) * rng.normal() + 0.01 * step;
  return out;
}

/** model.safetensors bytes of `step`. */
export function safetensorsCheckpoint(step: number): Uint8Array {
  const rng = new Rng(100 + step);
  const entries: SafetensorsEntry[] = neoxSpecs().map((s) => ({ name: s.name, dtype: s.dtype, shape: s.shape, data: encodeFloats(s.dtype, values(s, rng, step)) }));
  return encodeSafetensors(entries, { format: "pt" });
}

const STORAGE_TYPES: Partial<Record<Dtype, string>> = { F32: "FloatStorage", F16: "HalfStorage" };

/** A torch.save-layout state dict of several tensors (one storage each), built without torch. */
export function torchCheckpoint(step: number): Uint8Array {
  const rng = new Rng(200 + step);
  const p = new PickleBuilder().op(0x7d); // EMPTY_DICT
  const storages: ZipInput[] = [];
  neoxSpecs().forEach((s, key) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const strides = s.shape.map((_, d) => s.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    p.str(s.name).global("torch._utils", "_rebuild_tensor_v2").op(0x28);
    p.op(0x28).str("storage").global("torch", STORAGE_TYPES[s.dtype]!).str(String(key)).str("cpu").int(n).op(0x74, 0x51);
    p.int(0).op(0x28);
    for (const d of s.shape) p.int(d);
    p.op(0x74, 0x28);
    for (const d of strides) p.int(d);
    p.op(0x74, 0x89).global("collections", "OrderedDict").op(0x29, 0x52, 0x74, 0x52, 0x73); // ... REDUCE, SETITEM
    storages.push({ name: `archive/data/${key}`, data: encodeFloats(s.dtype, values(s, rng, step)) });
  });
  const entries: ZipInput[] = [{ name: "archive/data.pkl", data: p.op(0x2e).build() }, ...storages, { name: "archive/version", data: new TextEncoder().encode("3\n") }];
  return writeZip(entries);
}

/** A torch-written checkpoint (tools/reference/torch_fixtures.py) for step0, built ones after it. */
export function torchRunFile(step: number): Uint8Array {
  if (step === 0) return new Uint8Array(readFileSync(fileURLToPath(new URL("pythia_small.pt", FIXTURES))));
  return torchCheckpoint(step);
}

export interface FixtureRun {
  readonly localDir: string;
  /** The same files, per revision. */
  readonly repo: Record<string, { files: Record<string, Uint8Array> }>;
}

/** Writes `<dir>/stepN/<file>` for each step and returns the matching fake-hub revisions. */
export function writeFixtureRun(dir: string, file: string, bytesOf: (step: number) => Uint8Array): FixtureRun {
  const repo: FixtureRun["repo"] = {};
  for (const step of STEPS) {
    const bytes = bytesOf(step);
    mkdirSync(join(dir, `step${step}`), { recursive: true });
    writeFileSync(join(dir, `step${step}`, file), bytes);
    repo[`step${step}`] = { files: { [file]: bytes, "config.json": new TextEncoder().encode('{"model_type":"gpt_neox"}') } };
  }
  repo["main"] = repo["step2"]!;
  return { localDir: dir, repo };
}

export function reposOf(runs: Record<string, FixtureRun>): FakeRepos {
  return Object.fromEntries(Object.entries(runs).map(([name, run]) => [name, run.repo]));
}
