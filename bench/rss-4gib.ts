// Benchmark: peak RSS of `forking-paths analyze` on a 4 GiB safetensors checkpoint (three 1 GiB
// f32 and two 512 MiB f16 tensors, Pythia names). Writes the checkpoint (header + streamed
// chunks, no whole tensor in memory), runs the built CLI under /usr/bin/time -v (the child's
// "Maximum resident set size"), prints the figure and deletes everything. Goal: < 600 MB.
// Run: npm run build:ts && node --import tsx bench/rss-4gib.ts [--workers 2]
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeFloats, type Dtype } from "../src/formats/dtype.js";
import { Rng } from "../src/util/rng.js";

const MIB = 2 ** 20;
const BLOCK_VALUES = 4 * MIB; // values per generated block (cycled with a drifting scale)
const GOAL_MB = 600;

interface Spec { name: string; dtype: Dtype; shape: [number, number] }

const TENSORS: Spec[] = [
  { name: "gpt_neox.layers.0.mlp.dense_h_to_4h.weight", dtype: "F32", shape: [32768, 8192] },
  { name: "gpt_neox.layers.0.mlp.dense_4h_to_h.weight", dtype: "F32", shape: [8192, 32768] },
  { name: "gpt_neox.layers.1.mlp.dense_h_to_4h.weight", dtype: "F32", shape: [32768, 8192] },
  { name: "gpt_neox.embed_in.weight", dtype: "F16", shape: [16384, 16384] },
  { name: "embed_out.weight", dtype: "F16", shape: [16384, 16384] },
];

const ITEMSIZE: Partial<Record<Dtype, number>> = { F32: 4, F16: 2 };

/** Writes a safetensors file tensor by tensor, BLOCK_VALUES values at a time. */
function writeCheckpoint(path: string): number {
  const header: Record<string, unknown> = { __metadata__: { format: "pt" } };
  let offset = 0;
  for (const t of TENSORS) {
    const bytes = t.shape[0] * t.shape[1] * ITEMSIZE[t.dtype]!;
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const fd = openSync(path, "w");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeSync(fd, len);
  writeSync(fd, Buffer.from(json, "latin1"));
  const rng = new Rng(42);
  const base = new Float32Array(BLOCK_VALUES);
  for (let i = 0; i < base.length; i++) base[i] = 0.02 * rng.normal();
  for (const t of TENSORS) {
    let left = t.shape[0] * t.shape[1];
    for (let r = 0; left > 0; r++) {
      const n = Math.min(left, BLOCK_VALUES);
      const scale = 1 + 0.01 * (r % 16);
      const v = base.subarray(0, n).map((x) => x * scale);
      writeSync(fd, t.dtype === "F32" ? new Uint8Array(v.buffer) : encodeFloats(t.dtype, v));
      left -= n;
    }
  }
  closeSync(fd);
  return 8 + json.length + offset;
}

function main(): void {
  const argv = process.argv.slice(2);
  const workers = argv.includes("--workers") ? argv[argv.indexOf("--workers") + 1]! : "2";
  const dir = mkdtempSync(join(tmpdir(), "fp-rss-4gib-"));
  try {
    const run = join(dir, "run"), out = join(dir, "out");
    mkdirSync(join(run, "step1000"), { recursive: true });
    const t0 = performance.now();
    const size = writeCheckpoint(join(run, "step1000", "model.safetensors"));
    console.log(`wrote ${(size / 2 ** 30).toFixed(2)} GiB checkpoint in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const cli = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
    const args = ["-v", process.execPath, cli, "analyze", run, "--out", out, "--no-shape", "--workers", workers];
    console.log(`command: /usr/bin/time ${args.join(" ")}`);
    const t1 = performance.now();
    const r = spawnSync("/usr/bin/time", args, { encoding: "utf8", maxBuffer: 16 * MIB });
    const seconds = (performance.now() - t1) / 1000;
    if (r.status !== 0) throw new Error(`analyze failed (${r.status}): ${r.stderr}`);
    const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1]);
    const cpu = ["User time", "System time"].map((k) => Number(new RegExp(`${k} \\(seconds\\): ([\\d.]+)`).exec(r.stderr)?.[1]));
    const mb = (kb * 1024) / 1e6;
    console.log(`analyze: ${seconds.toFixed(1)} s wall, ${(cpu[0]! + cpu[1]!).toFixed(1)} s CPU (user ${cpu[0]} + sys ${cpu[1]}), ${(size / 1e9 / seconds).toFixed(2)} GB/s`);
    console.log(`peak RSS: ${mb.toFixed(0)} MB (${(kb / 1024).toFixed(0)} MiB), goal < ${GOAL_MB} MB: ${mb < GOAL_MB ? "met" : "NOT met"}; load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
