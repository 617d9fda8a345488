// Benchmark (not a test): GPT-NeoX training and evaluation tokens/s of our WASM SIMD backend vs
// the PyTorch reference (bench/train_throughput.py) on the same config, batch and thread count.
// Usage: npx tsx bench/train-throughput.ts [--threads 2] [--steps 5] [--only tiny|small] [--no-torch]
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { createWasmKernels } from "../src/model/wasm/kernels.js";
import { GPTNeoX } from "../src/model/gpt-neox.js";
import { neoxPreset } from "../src/model/config.js";
import type { NeoXConfig } from "../src/model/config.js";
import { Rng } from "../src/util/rng.js";

interface Case { name: string; config: NeoXConfig; B: number; T: number }
const CASES: Case[] = [
  { name: "tiny", config: neoxPreset("tiny"), B: 16, T: 128 },
  { name: "small", config: neoxPreset("small"), B: 4, T: 256 },
];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}

async function ours(c: Case, threads: number, steps: number): Promise<{ train: number; evalTps: number; loss: number; trainPerCpuSecond: number }> {
  const kernels = await createWasmKernels({ threads });
  try {
    const model = new GPTNeoX(c.config, { B: c.B, T: c.T, kernels, init: { scheme: "pythia", seed: 0 } });
    const rng = new Rng(1);
    const N = c.B * c.T;
    const tokens = Int32Array.from({ length: N }, () => rng.int(c.config.vocab_size));
    const targets = Int32Array.from({ length: N }, () => rng.int(c.config.vocab_size));
    let loss = NaN;
    const step = (): void => {
      model.zeroGrad();
      loss = model.forward(tokens, c.B, c.T, targets).loss;
      model.backward();
      model.clipGradNorm(1.0);
      model.step({ lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 });
    };
    step();
    let t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (let s = 0; s < steps; s++) step();
    const train = (N * steps) / ((performance.now() - t0) / 1000);
    const cpu = process.cpuUsage(cpu0);
    const trainPerCpuSecond = (N * steps) / ((cpu.user + cpu.system) / 1e6);
    model.forward(tokens, c.B, c.T);
    t0 = performance.now();
    for (let s = 0; s < steps; s++) model.forward(tokens, c.B, c.T);
    const evalTps = (N * steps) / ((performance.now() - t0) / 1000);
    return { train, evalTps, loss, trainPerCpuSecond };
  } finally {
    await kernels.dispose();
  }
}

function torchSide(c: Case, threads: number, steps: number): { train: number; evalTps: number } | string {
  const script = fileURLToPath(new URL("./train_throughput.py", import.meta.url));
  const r = spawnSync("/usr/bin/python3", [script, JSON.stringify(c.config), String(c.B), String(c.T), String(steps), String(threads)], { encoding: "utf8" });
  if (r.status !== 0) return `torch bench failed: ${r.stderr.trim().split("\n").pop()}`;
  const j = JSON.parse(r.stdout.trim().split("\n").pop()!) as { train_tokens_per_s: number; eval_tokens_per_s: number };
  return { train: j.train_tokens_per_s, evalTps: j.eval_tokens_per_s };
}

const threads = Number(arg("threads", "2"));
const steps = Number(arg("steps", "5"));
const only = arg("only", "");
const withTorch = !process.argv.includes("--no-torch");
for (const c of CASES.filter((x) => only === "" || x.name === only)) {
  const o = await ours(c, threads, steps);
  // tokens per CPU-second is a load-independent view when other processes share the cores
  const line = `${c.name} (B=${c.B}, T=${c.T}, ${threads} threads, load ${loadavg()[0]!.toFixed(1)}): ours train ${o.train.toFixed(0)} tok/s (${o.trainPerCpuSecond.toFixed(0)} tok per CPU-s), eval ${o.evalTps.toFixed(0)} tok/s`;
  if (!withTorch) {
    console.log(line);
    continue;
  }
  const t = torchSide(c, threads, steps);
  if (typeof t === "string") {
    console.log(`${line}; ${t}`);
    continue;
  }
  console.log(`${line}; torch train ${t.train.toFixed(0)} tok/s, eval ${t.evalTps.toFixed(0)} tok/s; ratio ours/torch train ${(o.train / t.train).toFixed(2)}, eval ${(o.evalTps / t.evalTps).toFixed(2)}`);
}
