// Benchmark: checkpoint bytes per second of the BullMQ queue with 1 and 2 worker processes on
// this machine (a synthetic run of larger tensors, a real redis-server, the CLI workers), and the
// ratio. 1 and 2 workers alternate, round after round, so that a change in the machine's load
// hits both alike; the median, the spread (min-max) and the load average of every round are
// printed. The merge is not timed: it runs once per analysis. --dtype f16 stores the weights in
// fp16 as Pythia's are (default; f32: the synthetic run as written). --json writes the figures
// for bench/cluster-plan.ts --from.
// Run: npm run build:ts && node --import tsx bench/cluster-throughput.ts [--checkpoints 16] [--hidden 384] [--repeats 5] [--dtype f16|f32] [--json file]
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { submitFlow } from "../src/cluster/queue/submit.js";
import { openFlowStatus } from "../src/cluster/queue/status.js";
import { writeSyntheticRun } from "../src/runs/synth.js";
import { startRedis } from "../test/helpers/redis.js";
import { spawnWorker } from "../test/cluster/queue-helpers.js";
import { tempDir } from "../test/cluster/helpers.js";
import { Store } from "../src/store/store.js";
import { listPartDirs, partStorePath } from "../src/cluster/parts.js";
import { numberToF16Bits } from "../src/formats/dtype.js";
import { writeSafetensorsFile, type SafetensorsEntry } from "../src/formats/safetensors/index.js";

const { values } = parseArgs({ options: {
  checkpoints: { type: "string", default: "16" }, hidden: { type: "string", default: "384" }, repeats: { type: "string", default: "5" },
  dtype: { type: "string", default: "f16" }, json: { type: "string" },
} });
const n = Number(values.checkpoints), hidden = Number(values.hidden), repeats = Number(values.repeats);
if (values.dtype !== "f16" && values.dtype !== "f32") throw new Error(`--dtype: f16 or f32, got ${values.dtype}`);
const steps = Array.from({ length: n }, (_, i) => i * 1000);
const dir = tempDir("bench");
const run = join(dir, "run");
await writeSyntheticRun(run, { kind: "fork", seed: 1, steps, hidden, vocab: 4096, layers: 4 });
if (values.dtype === "f16") for (const step of steps) await toF16(join(run, `checkpoint-${step}`, "model.safetensors"));

/** Rewrites a safetensors file with every F32 tensor as F16 (round to nearest even). */
async function toF16(path: string): Promise<void> {
  const bytes = readFileSync(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString("utf8")) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + headerLength;
  const entries: SafetensorsEntry[] = [];
  for (const [name, e] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const raw = bytes.subarray(base + e.data_offsets[0], base + e.data_offsets[1]);
    if (e.dtype !== "F32") {
      entries.push({ name, dtype: e.dtype as SafetensorsEntry["dtype"], shape: e.shape, data: new Uint8Array(raw) });
      continue;
    }
    const f32 = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    const f16 = new Uint16Array(f32.length);
    for (let i = 0; i < f32.length; i++) f16[i] = numberToF16Bits(f32[i]!);
    entries.push({ name, dtype: "F16", shape: e.shape, data: f16 });
  }
  await writeSafetensorsFile(path, entries);
}
const redis = await startRedis();
const ANALYZE = { shape: false, spectralMaxDim: 0 };

async function partBytes(out: string): Promise<number> {
  let total = 0;
  for (const part of listPartDirs(out)) {
    const store = await Store.open(partStorePath(part), { readOnly: true });
    for (const c of await store.listCheckpoints((await store.listRuns())[0]!.run_id, { completeOnly: true })) total += c.total_bytes;
    await store.close();
  }
  return total;
}

/** CPU seconds (user + system, all threads) a process has used, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
/** USER_HZ: /proc times are in 1/100 s on Linux. */
const CLOCK_TICKS = 100;

let round = 0;
async function measure(workers: number): Promise<{ seconds: number; bytes: number; cpu: number }> {
  const out = join(dir, `out-${workers}-${round}`);
  const queue = `bench-${workers}-${round++}`;
  // BullMQ's default lock (30 s), not the tests' short one: a loaded machine must not make jobs look stalled.
  const pool = Array.from({ length: workers }, () => spawnWorker(redis.url, ["--queue", queue, "--lock-duration", "30000", "--stalled-interval", "30000"]));
  await Promise.all(pool.map((w) => w.waitFor(/ready/))); // module loading is not timed
  const cpuBefore = pool.map((w) => cpuSeconds(w.child.pid!));
  const started = Date.now();
  const flow = await submitFlow(run, { redis: redis.url, out, analyze: ANALYZE, queue });
  // One status connection for the whole wait; a light poll (the workers need the 2 cores).
  const reader = await openFlowStatus(out, { redis: redis.url });
  for (;;) {
    const s = await reader.read();
    if (s.counts.done + s.counts.failed === flow.checkpoints) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const seconds = (Date.now() - started) / 1000;
  // The workers' own CPU (the merge runs in a child process of theirs: not counted).
  const cpu = pool.reduce((sum, w, i) => sum + cpuSeconds(w.child.pid!) - cpuBefore[i]!, 0);
  await reader.close();
  await Promise.all(pool.map((w) => w.stop()));
  const starts = pool.reduce((n, w) => n + (w.log().match(/checkpoint \S+ started/g) ?? []).length, 0);
  if (starts !== flow.checkpoints) console.log(`  (${workers} worker(s): ${starts} checkpoint job starts for ${flow.checkpoints} checkpoints: retried or stalled jobs)`);
  return { seconds, bytes: await partBytes(out), cpu };
}

try {
  // Alternate 1 and 2 workers so that a change in the machine's load hits both alike.
  const rate = (m: { seconds: number; bytes: number }) => m.bytes / m.seconds / 1e6;
  const rounds: { one: number; two: number; ratio: number; load: number; perCpu: number }[] = [];
  let bytes = 0;
  console.log("| round | load average (1 min) | 1 worker MB/s | 2 workers MB/s | ratio 2/1 | MB per worker CPU-second |");
  console.log("|---:|---:|---:|---:|---:|---:|");
  for (let r = 0; r < repeats; r++) {
    const loadBefore = loadavg()[0]!;
    const one = await measure(1);
    const two = await measure(2);
    bytes = one.bytes;
    // Bytes per CPU-second of a worker process (1-worker runs): what one worker does on a core of its own.
    const round = { one: rate(one), two: rate(two), ratio: rate(two) / rate(one), load: (loadBefore + loadavg()[0]!) / 2, perCpu: one.bytes / one.cpu / 1e6 };
    rounds.push(round);
    console.log(`| ${r + 1} | ${round.load.toFixed(1)} | ${round.one.toFixed(1)} | ${round.two.toFixed(1)} | ${round.ratio.toFixed(2)} | ${round.perCpu.toFixed(1)} |`);
  }
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  // The middle value (the mean of the two middle ones for an even count).
  const median = (xs: number[]) => { const s = sorted(xs), m = s.length >> 1; return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
  const spread = (xs: number[]) => `${sorted(xs)[0]!.toFixed(2)}-${sorted(xs).at(-1)!.toFixed(2)}`;
  const col = (k: "one" | "two" | "ratio" | "load" | "perCpu") => rounds.map((x) => x[k]);
  console.log(`| median | ${median(col("load")).toFixed(1)} | ${median(col("one")).toFixed(1)} | ${median(col("two")).toFixed(1)} | ${median(col("ratio")).toFixed(2)} | ${median(col("perCpu")).toFixed(1)} |`);
  console.log(`cluster throughput: ${n} checkpoints of ${(bytes / n / 1e6).toFixed(1)} MB (${values.dtype}, no shape/spectral) on ${cpus().length} cores, ${repeats} alternating rounds`);
  console.log(`  1 worker: median ${median(col("one")).toFixed(1)} MB/s (spread ${spread(col("one"))}); 2 workers: median ${median(col("two")).toFixed(1)} MB/s (spread ${spread(col("two"))})`);
  console.log(`  ratio 2/1: median of the rounds ${median(col("ratio")).toFixed(2)} (spread ${spread(col("ratio"))}), ratio of the medians ${(median(col("two")) / median(col("one"))).toFixed(2)}; load average ${spread(col("load"))}`);
  console.log(`  one worker per CPU-second of its process: median ${median(col("perCpu")).toFixed(1)} MB (spread ${spread(col("perCpu"))}): its rate on a core of its own`);
  if (values.json !== undefined) {
    writeFileSync(values.json, `${JSON.stringify({
      dtype: values.dtype, checkpoints: n, checkpointBytes: bytes / n, cores: cpus().length, rounds,
      oneWorkerMBps: median(col("one")), twoWorkersMBps: median(col("two")), ratio: median(col("ratio")), perWorkerCpuMBps: median(col("perCpu")),
    }, null, 2)}\n`);
    console.log(`  figures written to ${values.json} (bench/cluster-plan.ts --from ${values.json})`);
  }
} finally {
  await redis.stop();
}
process.exit(0); // open Redis client handles of the status polls must not keep the benchmark alive
