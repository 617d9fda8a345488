// The Pythia suite plan of docs/cluster.md: bytes per size from the Hugging Face configs
// (parameterCount × 2 bytes fp16 × 154 checkpoints) and the workers that finish it in a day for
// a CPU rate per worker (measured by bench/cluster-throughput.ts: --from its --json file, or
// given with --cpu-mbps) and Hub bandwidths per client (a parameter).
// Run: node --import tsx bench/cluster-plan.ts --from throughput.json [--hub-mbps 10,25,50,100]
//   or node --import tsx bench/cluster-plan.ts --cpu-mbps 12 [--hub-mbps ...]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parameterCount } from "../src/model/params.js";
import type { NeoXConfig } from "../src/model/config.js";

/** EleutherAI/pythia-<size> config.json: hidden_size, num_hidden_layers, intermediate_size, vocab_size. */
const PYTHIA: readonly [string, number, number, number, number][] = [
  ["70m", 512, 6, 2048, 50304], ["160m", 768, 12, 3072, 50304], ["410m", 1024, 24, 4096, 50304], ["1b", 2048, 16, 8192, 50304],
  ["1.4b", 2048, 24, 8192, 50304], ["2.8b", 2560, 32, 10240, 50304], ["6.9b", 4096, 32, 16384, 50432], ["12b", 5120, 36, 20480, 50688],
];
const CHECKPOINTS = 154;
const FP16_BYTES = 2;
const DAY_S = 86_400;

const { values } = parseArgs({ options: { "cpu-mbps": { type: "string" }, from: { type: "string" }, "hub-mbps": { type: "string", default: "10,25,50,100" } } });
if ((values["cpu-mbps"] === undefined) === (values.from === undefined)) throw new Error("give the CPU rate per worker: --from <cluster-throughput --json file> or --cpu-mbps <MB/s>");
// From a measurement: bytes per CPU-second of one worker process (its rate on a core of its own;
// the wall-clock rate on a shared machine says more about the other jobs than about the worker).
const measured = values.from !== undefined ? (JSON.parse(readFileSync(values.from, "utf8")) as { perWorkerCpuMBps: number; dtype: string }) : undefined;
const cpu = (measured?.perWorkerCpuMBps ?? Number(values["cpu-mbps"])) * 1e6;
if (!(cpu > 0)) throw new Error(`CPU rate per worker must be positive, got ${cpu / 1e6} MB/s`);
const hubs = values["hub-mbps"]!.split(",").map((x) => Number(x) * 1e6);
let total = 0;
for (const [, hidden, layers, intermediate, vocab] of PYTHIA) {
  total += parameterCount({ hidden_size: hidden, num_hidden_layers: layers, intermediate_size: intermediate, vocab_size: vocab } as NeoXConfig) * FP16_BYTES * CHECKPOINTS;
}
console.log(`suite: ${(total / 1e12).toFixed(2)} TB; CPU rate per worker c = ${(cpu / 1e6).toFixed(1)} MB/s${measured ? ` (bytes per worker CPU-second, median of ${values.from}, ${measured.dtype})` : ""}`);
console.log("| Hub bandwidth per client b | rate per worker min(c, b) | TB per worker-day | workers for the suite in 24 h | Hub egress they need |");
console.log("|---:|---:|---:|---:|---:|");
for (const b of hubs) {
  const r = Math.min(cpu, b);
  const w = Math.ceil(total / (DAY_S * r));
  console.log(`| ${b / 1e6} MB/s | ${(r / 1e6).toFixed(1)} MB/s | ${((DAY_S * r) / 1e12).toFixed(2)} | ${w} | ${((w * r) / 1e6).toFixed(0)} MB/s |`);
}
