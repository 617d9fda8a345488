// Probe: does a modular-addition recipe grok within a wall-clock budget on this machine? Full-batch
// AdamW on the training split (no checkpoints written: this is the probe, not the trainer's
// `--task` path); prints train/test loss and accuracy every --every steps with the wall and CPU
// seconds so far (CPU = user + system of the whole process, worker threads included), stops once
// test accuracy has stayed >= --grok-accuracy for --grok-evals evaluations in a row (or at the
// step, CPU or wall budget: on the shared machine the CPU budget is the fair cap, 1,200 CPU s =
// 10 minutes of 2 cores), then the transition of test accuracy under quality/transition.ts and one
// JSON summary line (the row of docs/results/grokking-probes.md).
// Run: node --import tsx bench/grokking-probe.ts [--p 59] [--fraction 0.4] [--pairing ordered|unordered]
//        [--hidden 64] [--heads 4] [--mlp 256] [--lr 1e-3] [--weight-decay 1] [--beta2 0.98]
//        [--steps 20000] [--every 100] [--cpu-seconds 1200] [--seconds 1800] [--grok-accuracy 0.95] [--grok-evals 3]
//        [--threads 2] [--seed 0] [--init hf|pythia] [--init-scale 1] [--ln trained|frozen|none] [--grad-clip 0]
//        [--residual parallel|sequential] [--rotary-pct 0.25] [--warmup 0]
// --ln none is the model's layer_norm: false (identity in place of each LayerNorm, as Nanda et al.);
// --init-scale multiplies the init std (Omnigrok); --grad-clip clips the global gradient norm (0 = off);
// --residual sequential is use_parallel_residual: false (the MLP reads x + attention(x), as Nanda et al.:
// with GPT-NeoX's parallel residual the 1-layer MLP at the answer position sees only the "=" token's
// embedding, so it cannot combine a and b); --warmup: linear lr warmup over that many steps (0 = none).
import { parseArgs } from "node:util";
import { loadavg } from "node:os";
import { GPTNeoX, parseNeoXConfig, createWasmKernels } from "../src/model/index.js";
import { modularAdditionSplit, modularAdditionBatch, modularAdditionMetrics, DEFAULT_MODULAR_ADDITION, GROKKING_RECIPE as R } from "../src/model/tasks/index.js";
import { findTransition } from "../src/quality/transition.js";
import { readFileSync } from "node:fs";

/** The torch dump's names (grokking_torch.py) as the trainer's layout names them. */
const TORCH_NAMES: Record<string, string> = {
  "embed_in.weight": "gpt_neox.embed_in.weight", "embed_out.weight": "embed_out.weight",
  "qkv.weight": "gpt_neox.layers.0.attention.query_key_value.weight", "qkv.bias": "gpt_neox.layers.0.attention.query_key_value.bias",
  "dense.weight": "gpt_neox.layers.0.attention.dense.weight", "dense.bias": "gpt_neox.layers.0.attention.dense.bias",
  "h_to_4h.weight": "gpt_neox.layers.0.mlp.dense_h_to_4h.weight", "h_to_4h.bias": "gpt_neox.layers.0.mlp.dense_h_to_4h.bias",
  "4h_to_h.weight": "gpt_neox.layers.0.mlp.dense_4h_to_h.weight", "4h_to_h.bias": "gpt_neox.layers.0.mlp.dense_4h_to_h.bias",
};
function loadTorchDump(file: string): { params: Map<string, Float32Array>; split: Map<string, Int32Array>; firstLosses: number[] } {
  const m = JSON.parse(readFileSync(`${file}.json`, "utf8")) as { entries: { kind: string; name: string; shape: number[]; offset: number }[]; first_losses: number[] };
  const bin = readFileSync(`${file}.bin`);
  const buf = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  const params = new Map<string, Float32Array>(), split = new Map<string, Int32Array>();
  for (const e of m.entries) {
    const n = e.shape.reduce((x, y) => x * y, 1);
    if (e.kind === "param") {
      const name = TORCH_NAMES[e.name];
      if (name === undefined) throw new Error(`grokking-probe: ${file}.json: parameter ${e.name} has no place in the trainer's model (pos_embed: use --pos rotary)`);
      params.set(name, new Float32Array(buf, e.offset, n));
    } else split.set(e.name, new Int32Array(buf, e.offset, n));
  }
  return { params, split, firstLosses: m.first_losses };
}

const { values: a } = parseArgs({
  options: {
    p: { type: "string", default: String(DEFAULT_MODULAR_ADDITION.p) }, fraction: { type: "string", default: String(DEFAULT_MODULAR_ADDITION.trainFraction) },
    pairing: { type: "string", default: "ordered" },
    hidden: { type: "string", default: String(R.hiddenSize) }, heads: { type: "string", default: String(R.heads) }, mlp: { type: "string", default: String(R.intermediateSize) },
    lr: { type: "string", default: String(R.learningRate) }, "weight-decay": { type: "string", default: String(R.weightDecay) }, beta2: { type: "string", default: String(R.beta2) },
    steps: { type: "string", default: "20000" }, every: { type: "string", default: "100" }, seconds: { type: "string", default: "1800" }, "cpu-seconds": { type: "string", default: "1200" },
    "grok-accuracy": { type: "string", default: "0.95" }, "grok-evals": { type: "string", default: "3" },
    threads: { type: "string", default: "2" }, seed: { type: "string", default: "0" }, init: { type: "string", default: "hf" }, ln: { type: "string", default: "trained" },
    "init-scale": { type: "string", default: "1" }, "grad-clip": { type: "string", default: "0" }, residual: { type: "string", default: "parallel" },
    "rotary-pct": { type: "string", default: "0.25" }, warmup: { type: "string", default: "0" }, "init-from": { type: "string", default: "" }, "print-losses": { type: "string", default: "0" },
  },
});
const num = (k: keyof typeof a): number => {
  const v = Number(a[k]);
  if (!Number.isFinite(v)) throw new Error(`grokking-probe: --${k} must be a number, got ${a[k]}`);
  return v;
};
const maxSteps = num("steps"), every = num("every"), wallMs = num("seconds") * 1000, cpuCap = num("cpu-seconds"), seed = num("seed");
const grokAccuracy = num("grok-accuracy"), grokEvals = num("grok-evals");
const pairing = a.pairing === "unordered" ? "unordered" : "ordered";
const init = a.init === "pythia" ? "pythia" : "hf";
// --ln frozen: every LayerNorm gain is reset to 1 and bias to 0 after each step (the model has no
// option without LayerNorm; AdamW does not decay LayerNorm parameters, so a trained gain can grow
// and undo what weight decay does to the matrices around it). The model code is untouched.
const frozenLn = a.ln === "frozen", noLn = a.ln === "none";
if (!["trained", "frozen", "none"].includes(a.ln!)) throw new Error(`grokking-probe: --ln must be trained, frozen or none, got ${a.ln}`);
const gradClip = num("grad-clip"), warmup = num("warmup");
if (!["parallel", "sequential"].includes(a.residual!)) throw new Error(`grokking-probe: --residual must be parallel or sequential, got ${a.residual}`);
// --init-from F: start from tools/reference/grokking_torch.py --dump-init F (its parameters and its split), so the
// first steps' losses can be compared with torch's (F.json's first_losses) from identical weights.
const dump = a["init-from"] ? loadTorchDump(a["init-from"]) : null;
const split = modularAdditionSplit({ p: num("p"), trainFraction: num("fraction"), seed, pairing });
const data = dump === null ? split : { ...split, train: dump.split.get("train")!, test: dump.split.get("test")! };
const config = parseNeoXConfig({ vocab_size: data.vocabSize, hidden_size: num("hidden"), num_hidden_layers: R.layers, num_attention_heads: num("heads"), intermediate_size: num("mlp"), max_position_embeddings: 3, rotary_pct: num("rotary-pct"), layer_norm: !noLn, use_parallel_residual: a.residual === "parallel" }, "grokking-probe");
const kernels = await createWasmKernels({ threads: num("threads") });
const train = modularAdditionBatch(data, data.train), test = modularAdditionBatch(data, data.test);
const model = new GPTNeoX(config, { B: Math.max(data.train.length, data.test.length), T: 3, kernels, init: { scheme: init, seed: seed + 1, scale: num("init-scale") } });
const opt = { lr: num("lr"), beta1: R.beta1, beta2: num("beta2"), eps: 1e-8, weightDecay: num("weight-decay") };
const lnSpecs = model.layout.filter((p) => p.name.includes("layernorm"));
const freezeLn = (): void => { for (const p of lnSpecs) model.params.flat.fill(p.name.endsWith(".weight") ? 1 : 0, p.offset, p.offset + p.size); };
/** L2 norm of the weight-decayed parameters (matrices and embeddings). */
const weightNorm = (): number => { let s = 0; for (const p of model.layout) if (p.decay) for (let i = p.offset; i < p.offset + p.size; i++) s += model.params.flat[i]! ** 2; return Math.sqrt(s); };
if (frozenLn) freezeLn();
if (dump !== null) {
  for (const p of model.layout) {
    const src = dump.params.get(p.name);
    if (src === undefined || src.length !== p.size) throw new Error(`grokking-probe: ${a["init-from"]} has no parameter for ${p.name} of ${p.size} values`);
    model.params.flat.set(src, p.offset);
  }
  if (dump.params.size !== model.layout.length) throw new Error(`grokking-probe: ${a["init-from"]} has ${dump.params.size} parameters, the model ${model.layout.length} (match --pos rotary --act gelu --attn-bias 1 --init hf)`);
}
const printLosses = num("print-losses"), firstLosses: number[] = [];
const settings = { p: data.p, fraction: num("fraction"), pairing, hidden: config.hidden_size, heads: config.num_attention_heads, mlp: config.intermediate_size, lr: opt.lr, wd: opt.weightDecay, beta2: opt.beta2, seed, init, init_scale: num("init-scale"), ln: a.ln, grad_clip: gradClip, residual: a.residual, rotary_pct: num("rotary-pct"), warmup, threads: num("threads") };
console.log(`${JSON.stringify(settings)} train=${data.train.length} test=${data.test.length} load=${loadavg()[0]!.toFixed(1)}`);
const cpuSeconds = (c0: NodeJS.CpuUsage): number => { const c = process.cpuUsage(c0); return (c.user + c.system) / 1e6; };
const steps: number[] = [], trainAccuracy: number[] = [], testAccuracy: number[] = [];
const t0 = performance.now(), c0 = process.cpuUsage();
let last = 0, streak = 0, trainFit: number | null = null, grokked: number | null = null;
let final = { trainAcc: NaN, testAcc: NaN, trainLoss: NaN, testLoss: NaN };
for (let s = 1; s <= maxSteps; s++) {
  model.zeroGrad();
  const { loss } = model.forward(train.inputs, data.train.length, 3, train.targets);
  if (s <= printLosses) firstLosses.push(loss);
  model.backward();
  if (gradClip > 0) model.clipGradNorm(gradClip);
  model.step(warmup > 0 && s <= warmup ? { ...opt, lr: (opt.lr * s) / warmup } : opt);
  if (frozenLn) freezeLn();
  last = s;
  if (s % every !== 0) continue;
  const tr = modularAdditionMetrics(model.forward(train.inputs, data.train.length, 3, train.targets).logits, train.targets, data.vocabSize);
  const te = modularAdditionMetrics(model.forward(test.inputs, data.test.length, 3, test.targets).logits, test.targets, data.vocabSize);
  steps.push(s);
  trainAccuracy.push(tr.accuracy);
  testAccuracy.push(te.accuracy);
  final = { trainAcc: tr.accuracy, testAcc: te.accuracy, trainLoss: tr.loss, testLoss: te.loss };
  if (trainFit === null && tr.accuracy >= 0.99) trainFit = s;
  streak = te.accuracy >= grokAccuracy ? streak + 1 : 0;
  const wall = (performance.now() - t0) / 1000;
  console.log(`step ${s} ${wall.toFixed(1)}s cpu ${cpuSeconds(c0).toFixed(1)}s train loss ${tr.loss.toFixed(3)} acc ${tr.accuracy.toFixed(3)} | test loss ${te.loss.toFixed(3)} acc ${te.accuracy.toFixed(3)} | weight norm ${weightNorm().toFixed(2)}`);
  if (streak >= grokEvals) {
    grokked = steps[steps.length - grokEvals]!;
    break;
  }
  if (performance.now() - t0 > wallMs || cpuSeconds(c0) > cpuCap) break;
}
if (printLosses > 0) {
  console.log(`first ${firstLosses.length} training losses: ${firstLosses.map((l) => l.toFixed(6)).join(" ")}`);
  if (dump !== null && dump.firstLosses.length > 0) {
    const n = Math.min(firstLosses.length, dump.firstLosses.length);
    const d = Array.from({ length: n }, (_, i) => Math.abs(firstLosses[i]! - dump.firstLosses[i]!));
    console.log(`torch's first ${n} losses: ${dump.firstLosses.slice(0, n).map((l) => l.toFixed(6)).join(" ")}`);
    console.log(`|ours - torch| per step: ${d.map((x) => x.toExponential(1)).join(" ")}`);
  }
}
const wall = (performance.now() - t0) / 1000, cpu = cpuSeconds(c0);
console.log(`${last} steps in ${wall.toFixed(1)} s wall, ${cpu.toFixed(1)} s CPU: ${((wall * 1000) / last).toFixed(1)} ms/step wall including evaluations`);
// The probe stops soon after grokking, so the "after" plateau is short: plateaus of grokEvals points.
const transition = steps.length >= 2 * Math.max(3, grokEvals) ? findTransition(steps, testAccuracy, { plateauPoints: Math.max(3, grokEvals) }) : null;
console.log(`transition of test accuracy: ${JSON.stringify(transition)}`);
const summary = {
  ...settings, steps: last, wall_s: +wall.toFixed(1), cpu_s: +cpu.toFixed(1), train_fit_step: trainFit, grokked_step: grokked,
  final_train_acc: +final.trainAcc.toFixed(3), final_test_acc: +final.testAcc.toFixed(3), final_train_loss: +final.trainLoss.toFixed(4), final_test_loss: +final.testLoss.toFixed(4),
  transition: transition === null ? null : transition.found ? { step: +transition.step.toFixed(0), interval: transition.interval } : { none: transition.reason },
};
console.log(`SUMMARY ${JSON.stringify(summary)}`);
await kernels.dispose();
