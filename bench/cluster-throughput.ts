// Benchmark: checkpoint bytes per second of the BullMQ queue with 1 and 2 worker processes on
// this machine (a synthetic run of larger tensors, a real redis-server, the CLI workers), and the
// ratio. The merge is not timed: it runs once per analysis. Results depend on the machine's load
// (printed with them).
// Run: npm run build:ts && node --import tsx bench/cluster-throughput.ts [--checkpoints 16] [--hidden 384]
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { submitFlow } from "../src/cluster/queue/submit.js";
import { flowStatus } from "../src/cluster/queue/status.js";
import { writeSyntheticRun } from "../src/runs/synth.js";
import { startRedis } from "../test/helpers/redis.js";
import { spawnWorker } from "../test/cluster/queue-helpers.js";
import { tempDir } from "../test/cluster/helpers.js";
import { Store } from "../src/store/store.js";
import { listPartDirs, partStorePath } from "../src/cluster/parts.js";

const { values } = parseArgs({ options: { checkpoints: { type: "string", default: "16" }, hidden: { type: "string", default: "384" }, repeats: { type: "string", default: "2" } } });
const n = Number(values.checkpoints), hidden = Number(values.hidden), repeats = Number(values.repeats);
const steps = Array.from({ length: n }, (_, i) => i * 1000);
const dir = tempDir("bench");
const run = join(dir, "run");
await writeSyntheticRun(run, { kind: "fork", seed: 1, steps, hidden, vocab: 4096, layers: 4 });
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

let round = 0;
async function measure(workers: number): Promise<{ seconds: number; bytes: number }> {
  const out = join(dir, `out-${workers}-${round}`);
  const queue = `bench-${workers}-${round++}`;
  const pool = Array.from({ length: workers }, () => spawnWorker(redis.url, ["--quiet", "--queue", queue]));
  await new Promise((r) => setTimeout(r, 3000)); // workers started (module loading not timed)
  const started = Date.now();
  const flow = await submitFlow(run, { redis: redis.url, out, analyze: ANALYZE, queue });
  for (;;) {
    const s = await flowStatus(out, { redis: redis.url });
    if (s.counts.done + s.counts.failed === flow.checkpoints) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (Date.now() - started) / 1000;
  await Promise.all(pool.map((w) => w.stop()));
  return { seconds, bytes: await partBytes(out) };
}

try {
  // Alternate 1 and 2 workers so that a change in the machine's load hits both alike.
  const rate = (m: { seconds: number; bytes: number }) => m.bytes / m.seconds / 1e6;
  const ones: number[] = [], twos: number[] = [];
  let bytes = 0;
  for (let r = 0; r < repeats; r++) {
    const one = await measure(1);
    const two = await measure(2);
    bytes = one.bytes;
    ones.push(rate(one));
    twos.push(rate(two));
    console.log(`  round ${r + 1}: 1 worker ${one.seconds.toFixed(1)} s ${rate(one).toFixed(1)} MB/s; 2 workers ${two.seconds.toFixed(1)} s ${rate(two).toFixed(1)} MB/s; load average ${loadavg()[0]!.toFixed(1)}`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  console.log(`cluster throughput: ${n} checkpoints of ${(bytes / n / 1e6).toFixed(1)} MB (f32, no shape/spectral) on ${(await import("node:os")).cpus().length} cores`);
  console.log(`  median 1 worker ${median(ones).toFixed(1)} MB/s, 2 workers ${median(twos).toFixed(1)} MB/s, ratio 2/1 ${(median(twos) / median(ones)).toFixed(2)}`);
} finally {
  await redis.stop();
}
process.exit(0); // open Redis client handles of the status polls must not keep the benchmark alive
