// Fuzz targets of the untrusted-input parsers (issue 13): each is a fast-check arbitrary of
// inputs (structured, then mutated) and a runner. The property: the runner returns a valid
// result or throws a ForkingPathsError subclass, within the time and memory budget. Shared by
// the short seeded run of `npm test` (test/fuzz/parsers.test.ts) and `npm run fuzz`.
import fc from "fast-check";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemorySource } from "../../src/io/memory-source.js";
import { readSafetensorsHeader } from "../../src/formats/safetensors/reader.js";
import { readPytorchCheckpoint } from "../../src/formats/pytorch/index.js";
import { unpickle } from "../../src/formats/pytorch/pickle.js";
import { selectStateDict } from "../../src/formats/pytorch/state-dict.js";
import { torchPickleHooks } from "../../src/formats/pytorch/torch-globals.js";
import { ZipArchive } from "../../src/formats/pytorch/zip.js";
import { readTensorBytes } from "../../src/tensor/read.js";
import { discoverRun } from "../../src/runs/discovery.js";
import { ForkingPathsError } from "../../src/util/errors.js";
import { floatStorage, tensorPickle, writeZip } from "../formats/pytorch-test-helpers.js";

/** Per-input budget: a valid result or a typed error within this time and peak heap growth. */
export const INPUT_BUDGET = { seconds: 2, megabytes: 500 };

export interface FuzzTarget<T> {
  readonly name: string;
  readonly arbitrary: fc.Arbitrary<T>;
  run(input: T): Promise<unknown>;
  /** Bytes of an input, to save a finding. */
  bytes(input: T): Uint8Array;
}

/** Byte-level mutations of a seed file: overwrite, truncate, insert, duplicate a range. */
function mutated(seed: Uint8Array): fc.Arbitrary<Uint8Array> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant("u32" as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(0, 1, 0x7fffffff, 0xffffffff, 0xffff), fc.nat()) }),
    fc.record({ kind: fc.constant("cut" as const), at: fc.nat(), value: fc.nat() }),
    fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 6 }).map((edits) => {
    let b = seed.slice();
    for (const e of edits) {
      const at = b.byteLength === 0 ? 0 : e.at % b.byteLength;
      if (e.kind === "set" && b.byteLength > 0) b[at] = e.value;
      else if (e.kind === "u32" && b.byteLength >= 4) new DataView(b.buffer).setUint32(Math.min(at, b.byteLength - 4), e.value >>> 0, true);
      else if (e.kind === "cut") b = b.slice(0, at);
      else if (e.kind === "insert") { const c = new Uint8Array(b.byteLength + 1); c.set(b.subarray(0, at)); c[at] = e.value; c.set(b.subarray(at), at + 1); b = c; }
    }
    return b;
  });
}

// ---- safetensors header ----

const DTYPE_NAMES = ["F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL", "C64", "C128", "F8_E4M3", "x", ""];
const jsonNumber = fc.oneof(fc.nat({ max: 64 }), fc.constantFrom(-1, 2 ** 53, 2 ** 60, 1.5, 1e308, 0), fc.nat());
const headerEntry = fc.record({
  dtype: fc.oneof(fc.constantFrom(...DTYPE_NAMES), fc.anything()),
  shape: fc.oneof(fc.array(jsonNumber, { maxLength: 5 }), fc.array(jsonNumber, { minLength: 17, maxLength: 20 }), fc.anything()),
  data_offsets: fc.oneof(fc.tuple(jsonNumber, jsonNumber), fc.anything()),
}, { requiredKeys: [] });

function safetensorsBytes(header: string, declared: number | null, data: number): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.byteLength + data);
  new DataView(out.buffer).setBigUint64(0, BigInt(declared ?? h.byteLength), true);
  out.set(h, 8);
  return out;
}

export const safetensorsTarget: FuzzTarget<Uint8Array> = {
  name: "safetensors-header",
  arbitrary: fc.oneof(
    fc.record({
      entries: fc.dictionary(fc.string({ maxLength: 12 }), headerEntry, { maxKeys: 8 }),
      metadata: fc.option(fc.anything()),
      declared: fc.option(fc.oneof(fc.nat(), fc.constantFrom(0, 2 ** 40))),
      data: fc.nat({ max: 512 }),
    }).map(({ entries, metadata, declared, data }) =>
      safetensorsBytes(JSON.stringify(metadata === null ? entries : { __metadata__: metadata, ...entries }) ?? "null", declared, data)),
    fc.uint8Array({ maxLength: 256 }),
    mutated(safetensorsBytes(JSON.stringify({ a: { dtype: "F32", shape: [2, 2], data_offsets: [0, 16] }, b: { dtype: "BF16", shape: [3], data_offsets: [16, 22] } }), null, 22)),
  ),
  async run(bytes) {
    const file = await readSafetensorsHeader(new MemorySource(bytes, "fuzz.safetensors"));
    for (const t of file.tensors) if (t.byteOffset + t.byteLength > bytes.byteLength) throw new Error(`tensor ${t.name} outside the file`);
    return file;
  },
  bytes: (b) => b,
};

// ---- pickle machine (+ state-dict walk) ----

const OPCODES = [
  0x28, 0x2e, 0x30, 0x31, 0x32, 0x4e, 0x88, 0x89, 0x4b, 0x4d, 0x4a, 0x8a, 0x8b, 0x47, 0x8c, 0x58, 0x8d, 0x55, 0x54, 0x43, 0x42,
  0x8e, 0x96, 0x71, 0x72, 0x70, 0x94, 0x68, 0x6a, 0x67, 0x29, 0x85, 0x86, 0x87, 0x74, 0x5d, 0x6c, 0x61, 0x65, 0x7d, 0x64, 0x73,
  0x75, 0x8f, 0x90, 0x91, 0x63, 0x93, 0x52, 0x81, 0x62, 0x51, 0x50, 0x49, 0x4c, 0x46, 0x80, 0x95, 0x00, 0xff,
];
const pickleChunk = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...OPCODES).map((op) => [op]) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(0x4b, 0x71, 0x68, 0x8c, 0x43, 0x8a), fc.nat({ max: 8 })).map(([op, n]) => [op, n, ...new Array<number>(n).fill(0x41)]) },
  { weight: 2, arbitrary: fc.constantFrom(
    [0x63, ...Buffer.from("torch._utils\n_rebuild_tensor_v2\n")], [0x63, ...Buffer.from("collections\nOrderedDict\n")],
    [0x63, ...Buffer.from("torch\nFloatStorage\n")], [0x63, ...Buffer.from("os\nsystem\n")], [0x8c, 7, ...Buffer.from("storage")],
    [0x8b, 0xff, 0xff, 0xff, 0x7f], [0x4a, 0xff, 0xff, 0xff, 0xff], [0x49, ...Buffer.from("123\n")], [0x8c, 1, 0x30], [0x8c, 3, ...Buffer.from("cpu")],
  ) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }).map((b) => [...b]) },
);

export const pickleTarget: FuzzTarget<Uint8Array> = {
  name: "pickle-machine",
  arbitrary: fc.oneof(
    fc.array(pickleChunk, { maxLength: 60 }).map((chunks) => Uint8Array.from([0x80, 2, ...chunks.flat(), 0x2e])),
    mutated(tensorPickle("w", 4, 0, [2, 2], [2, 1])),
  ),
  async run(bytes) {
    const root = unpickle("fuzz.pkl", bytes, torchPickleHooks("fuzz.pkl"));
    return selectStateDict("fuzz.pkl", root);
  },
  bytes: (b) => b,
};

// ---- zip reader (+ torch archive, tensor reads) ----

const ZIP_SEED = writeZip([
  { name: "archive/data.pkl", data: tensorPickle("w", 4, 0, [2, 2], [1, 2]) },
  { name: "archive/data/0", data: floatStorage([1, 2, 3, 4]) },
  { name: "archive/version", data: new TextEncoder().encode("3\n") },
]);
const DEFLATED_SEED = writeZip([
  { name: "archive/data.pkl", data: tensorPickle("w", 2, 0, [2], [1]), deflate: true },
  { name: "archive/data/0", data: floatStorage([5, 6]) },
]);

export const zipTarget: FuzzTarget<Uint8Array> = {
  name: "zip-reader",
  arbitrary: fc.oneof(mutated(ZIP_SEED), mutated(DEFLATED_SEED), fc.uint8Array({ maxLength: 200 })),
  async run(bytes) {
    const source = new MemorySource(bytes, "fuzz.bin");
    await ZipArchive.open(source).catch((e: unknown) => { if (!(e instanceof ForkingPathsError)) throw e; });
    const refs = await readPytorchCheckpoint(source);
    for (const ref of refs) await readTensorBytes(ref);
    return refs;
  },
  bytes: (b) => b,
};

// ---- run discovery ----

const DIR_NAMES = ["checkpoint-0", "checkpoint-10", "checkpoint-abc", "step-1", "step_5", "step5", "global_step7", "iter_0000003",
  "checkpoint-4 copy", "checkpoint-\uff11", "ckpt", "checkpoint-010", "checkpoint-10\n", "Checkpoint-2", "x"];
const FILE_NAMES = ["model.safetensors", "pytorch_model.bin", "trainer_state.json", "model_step_3.pt", "optimizer.pt", "a.index.json", "notes.txt"];
const TRAINER_STATES = ['{"global_step": 5}', '{"global_step": -1}', "{", '{"global_step": 1e400}', '{"global_step": "7"}', "null", '{"global_step": 9007199254740993}'];

export interface FuzzTree {
  dirs: { name: string; files: string[]; state: string }[];
  rootFiles: string[];
  steps: number[] | null;
}

export const discoveryTarget: FuzzTarget<FuzzTree> = {
  name: "run-discovery",
  arbitrary: fc.record({
    dirs: fc.uniqueArray(fc.record({
      name: fc.oneof(fc.constantFrom(...DIR_NAMES), fc.string({ minLength: 1, maxLength: 10 })),
      files: fc.subarray(FILE_NAMES),
      state: fc.constantFrom(...TRAINER_STATES),
    }), { maxLength: 6, selector: (d) => d.name }),
    rootFiles: fc.subarray([...FILE_NAMES, "run_step100.safetensors", "checkpoint-3.pt"]),
    steps: fc.option(fc.array(fc.oneof(fc.nat({ max: 100 }), fc.constant(-1), fc.constant(2 ** 60)), { maxLength: 5 })),
  }),
  async run(tree) {
    const root = mkdtempSync(join(tmpdir(), "fp-fuzz-run-"));
    try {
      for (const d of tree.dirs) {
        if (d.name === "." || d.name === ".." || d.name.includes("/") || d.name.includes("\0")) continue;
        const dir = join(root, d.name);
        mkdirSync(dir, { recursive: true });
        for (const f of d.files) writeFileSync(join(dir, f), f === "trainer_state.json" ? d.state : "x");
      }
      for (const f of tree.rootFiles) writeFileSync(join(root, f), "x");
      const found = await discoverRun(root, tree.steps === null ? {} : { steps: tree.steps });
      for (let i = 1; i < found.length; i++) if (!(found[i - 1]!.step < found[i]!.step)) throw new Error("steps are not strictly increasing");
      for (const c of found) if (!Number.isSafeInteger(c.step) || c.step < 0) throw new Error(`invalid step ${c.step}`);
      return found;
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
  bytes: (t) => new TextEncoder().encode(JSON.stringify(t)),
};

export const FUZZ_TARGETS: readonly FuzzTarget<never>[] = [safetensorsTarget, pickleTarget, zipTarget, discoveryTarget] as unknown as FuzzTarget<never>[];

/** What one input did: ok, a typed error, or a finding (untyped error, over time, over memory). */
export type Outcome = { kind: "ok" | "typed" } | { kind: "finding"; reason: string };

/** Runs one input and classifies it against the budget. */
export async function runOne<T>(target: FuzzTarget<T>, input: T): Promise<Outcome> {
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  let outcome: Outcome;
  try {
    await target.run(input);
    outcome = { kind: "ok" };
  } catch (err) {
    if (err instanceof ForkingPathsError) {
      outcome = err.message.includes("\n") ? { kind: "finding", reason: `multi-line error: ${JSON.stringify(err.message.slice(0, 200))}` } : { kind: "typed" };
    } else {
      outcome = { kind: "finding", reason: `untyped ${(err as Error)?.name ?? typeof err}: ${String((err as Error)?.message ?? err).slice(0, 200)}` };
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const grownMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  if (outcome.kind !== "finding" && seconds > INPUT_BUDGET.seconds) outcome = { kind: "finding", reason: `took ${seconds.toFixed(2)} s (budget ${INPUT_BUDGET.seconds} s)` };
  if (outcome.kind !== "finding" && grownMb > INPUT_BUDGET.megabytes) outcome = { kind: "finding", reason: `heap grew ${grownMb.toFixed(0)} MB (budget ${INPUT_BUDGET.megabytes} MB)` };
  return outcome;
}
