// Benchmark: throughput of the statistics pass (StatsPool, 2 and 1 workers) on a 1 GiB f32 and
// a 512 MiB f16 tensor file (I/O from the page cache included), next to numpy doing the same
// statistics (tools/reference/stats_bench_numpy.py) on the same file. "range": workers read the
// file themselves (the FileSource path); "transfer": the main thread reads chunks and transfers
// them (the path of HTTP/memory sources). Wall time and CPU time (all threads) per run; the
// best of --reps runs (1 and 2 workers alternate, so both see the same machine load).
// Run: node --import tsx bench/stats-throughput.ts [--small] [--reps 3] [--transfer]
// Each measured run is a child process, so its peak RSS is its own.
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { mkdtempSync, openSync, writeSync, closeSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeFloats, type Dtype } from "../src/formats/dtype.js";
import { FileSource } from "../src/io/file-source.js";
import { MemorySource } from "../src/io/memory-source.js";
import { StatsPool } from "../src/kernels/stats-pool.js";
import { summarizeSketch } from "../src/stats/summary.js";
import { Rng } from "../src/util/rng.js";

const GIB = 1024 ** 3;
const BLOCK_VALUES = 1 << 22; // values per generated block
const PYTHON = "/usr/bin/python3";

interface RunResult { seconds: number; cpuSeconds: number; maxRssMiB: number; mean: number | null; std: number | null; skew: number | null; median: number | null }

/** Child mode: sketch one file with a pool of `workers` and print a RunResult as JSON. */
async function runChild(file: string, dtype: Dtype, workers: number, mode: string): Promise<void> {
  const opened = await FileSource.open(file);
  // A plain wrapper is not a FileSource: the pool reads it on the main thread and transfers.
  const src = mode === "transfer" ? { name: opened.name, size: opened.size, read: (o: number, n: number) => opened.read(o, n), close: () => opened.close() } : opened;
  const itemsize = dtype === "F32" ? 4 : 2;
  const numel = src.size / itemsize;
  const pool = await StatsPool.create(workers);
  // Warm up (first-call compilation in each worker) on a small tensor before timing.
  const warm = new MemorySource(new Uint8Array(1 << 20));
  for (let i = 0; i < 4; i++) await pool.sketchTensor({ name: "warm", dtype, shape: [warm.size / itemsize], numel: warm.size / itemsize, file: "warm", source: warm, byteOffset: 0, byteLength: warm.size }, { chunkBytes: 1 << 16 });
  const t0 = performance.now(), c0 = process.cpuUsage();
  const s = await pool.sketchTensor({ name: "bench", dtype, shape: [numel], numel, file, source: src, byteOffset: 0, byteLength: src.size });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  await pool.close();
  await src.close();
  const sum = summarizeSketch(s);
  const out: RunResult = { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMiB: process.resourceUsage().maxRSS / 1024, mean: sum.mean, std: sum.std, skew: sum.skewness, median: sum.quantiles["0.5"] ?? null };
  console.log(JSON.stringify(out));
}

/** Writes `bytes` of N(0, 0.02)-like values (4 distinct random blocks, cycled with a drifting scale). */
function writeTensorFile(path: string, dtype: Dtype, bytes: number): void {
  const rng = new Rng(1234);
  const blocks = Array.from({ length: 4 }, () => {
    const v = new Float32Array(BLOCK_VALUES);
    for (let i = 0; i < v.length; i++) v[i] = 0.02 * rng.normal() + (i % 1000 === 0 ? 0 : 0.001);
    return v;
  });
  const fd = openSync(path, "w");
  let written = 0, r = 0;
  while (written < bytes) {
    const base = blocks[r % 4]!;
    const scaled = base.map((x) => x * (1 + 0.01 * (r % 16)));
    const data = dtype === "F32" ? new Uint8Array(scaled.buffer) : encodeFloats(dtype, scaled);
    const part = data.subarray(0, Math.min(data.byteLength, bytes - written));
    writeSync(fd, part);
    written += part.byteLength;
    r++;
  }
  closeSync(fd);
}

function spawnJson<T>(cmd: string, args: string[]): T {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  const line = r.stdout.trim().split("\n").pop()!;
  return JSON.parse(line) as T;
}

function ours(file: string, dtype: Dtype, workers: number, mode: string): RunResult {
  const self = fileURLToPath(import.meta.url);
  return spawnJson<RunResult>(process.execPath, [...process.execArgv, self, "--run", file, dtype, String(workers), mode]);
}

/** Best (least wall time) of `reps` runs per worker count, 1 and 2 workers alternating. */
function bestRuns(file: string, dtype: Dtype, reps: number, mode: string): { w1: RunResult; w2: RunResult } {
  let w1: RunResult | undefined, w2: RunResult | undefined;
  for (let r = 0; r < reps; r++) {
    const a = ours(file, dtype, 1, mode), b = ours(file, dtype, 2, mode);
    if (w1 === undefined || a.seconds < w1.seconds) w1 = a;
    if (w2 === undefined || b.seconds < w2.seconds) w2 = b;
  }
  return { w1: w1!, w2: w2! };
}

function line(label: string, gb: number, r: RunResult): string {
  return `  ${label} ${(gb / r.seconds).toFixed(2)} GB/s (${r.seconds.toFixed(2)} s wall, ${r.cpuSeconds.toFixed(2)} s CPU, ${(gb / r.cpuSeconds).toFixed(2)} GB/s per CPU second), peak RSS ${r.maxRssMiB.toFixed(0)} MiB`;
}

interface NumpyResult { seconds: number; moments_hist_seconds: number; quantile_seconds: number; mean: number; std: number; skew: number; median: number; numpy: string }

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--run") return runChild(argv[1]!, argv[2] as Dtype, Number(argv[3]), argv[4]!);
  const scale = argv.includes("--small") ? 1 / 16 : 1;
  const reps = argv.includes("--reps") ? Number(argv[argv.indexOf("--reps") + 1]) : 3;
  const mode = argv.includes("--transfer") ? "transfer" : "range";
  const dir = mkdtempSync(join(tmpdir(), "fp-stats-bench-"));
  try {
    const cases = [
      { name: "f32 1 GiB", dtype: "F32" as Dtype, bytes: GIB * scale, np: "float32" },
      { name: "f16 512 MiB", dtype: "F16" as Dtype, bytes: (GIB / 2) * scale, np: "float16" },
    ];
    console.log(`statistics pass throughput (file in page cache, I/O included; ${mode} mode; best of ${reps}; load average ${loadavg().map((l) => l.toFixed(1)).join(" ")})`);
    for (const c of cases) {
      const file = join(dir, `${c.dtype}.bin`);
      writeTensorFile(file, c.dtype, c.bytes);
      const gb = c.bytes / 1e9;
      const { w1, w2 } = bestRuns(file, c.dtype, reps, mode);
      const np = spawnJson<NumpyResult>(PYTHON, [fileURLToPath(new URL("../tools/reference/stats_bench_numpy.py", import.meta.url)), file, c.np]);
      const rel = (a: number | null, b: number) => (a === null ? NaN : Math.abs(a - b) / Math.abs(b));
      console.log(`\n${c.name} (${(c.bytes / 2 ** 20).toFixed(0)} MiB)`);
      console.log(line("ours, 2 workers:", gb, w2));
      console.log(line("ours, 1 worker: ", gb, w1));
      console.log(`  numpy ${np.numpy}:    ${(gb / np.seconds).toFixed(2)} GB/s (${np.seconds.toFixed(2)} s: moments+counts+bincount ${np.moments_hist_seconds.toFixed(2)} s, np.quantile ${np.quantile_seconds.toFixed(2)} s)`);
      console.log(`  ratio ours(2)/numpy: ${(np.seconds / w2.seconds).toFixed(1)}x   ours(1)/numpy: ${(np.seconds / w1.seconds).toFixed(1)}x`);
      console.log(`  load average after: ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
      console.log(`  agreement: mean ${rel(w2.mean, np.mean).toExponential(1)}, std ${rel(w2.std, np.std).toExponential(1)}, skew ${rel(w2.skew, np.skew).toExponential(1)} relative; median ours ${w2.median} vs numpy ${np.median}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
