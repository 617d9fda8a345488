// Probe: does the modular-addition recipe grok within a wall-clock budget on this machine? Full-batch
// AdamW on the training split with the documented defaults (no checkpoints written; the trainer's
// `--task` path does not exist yet); prints train/test loss and accuracy every --every steps, the
// ms per step, and the transition of test accuracy under quality/transition.ts.
// Run: node --import tsx bench/grokking-probe.ts [--steps 8000] [--every 100] [--seconds 420]
//        [--lr 1e-3] [--weight-decay 1] [--pairing ordered|unordered] [--seed 0]
import { parseArgs } from "node:util";
import { loadavg } from "node:os";
import { GPTNeoX, parseNeoXConfig, createWasmKernels } from "../src/model/index.js";
import { modularAdditionSplit, modularAdditionBatch, modularAdditionMetrics, DEFAULT_MODULAR_ADDITION, GROKKING_RECIPE as R } from "../src/model/tasks/index.js";
import { findTransition } from "../src/quality/transition.js";

const { values: a } = parseArgs({
  options: {
    steps: { type: "string", default: "8000" }, every: { type: "string", default: "100" }, seconds: { type: "string", default: "420" },
    lr: { type: "string", default: String(R.learningRate) }, "weight-decay": { type: "string", default: String(R.weightDecay) },
    pairing: { type: "string", default: "ordered" }, seed: { type: "string", default: "0" },
  },
});
const maxSteps = Number(a.steps), every = Number(a.every), wallMs = Number(a.seconds) * 1000, seed = Number(a.seed);
const pairing = a.pairing === "unordered" ? "unordered" : "ordered";
const data = modularAdditionSplit({ ...DEFAULT_MODULAR_ADDITION, seed, pairing });
const config = parseNeoXConfig({ vocab_size: data.vocabSize, hidden_size: R.hiddenSize, num_hidden_layers: R.layers, num_attention_heads: R.heads, intermediate_size: R.intermediateSize, max_position_embeddings: 3, rotary_pct: 0.25 }, "grokking-probe");
const kernels = await createWasmKernels({ threads: 2 });
const train = modularAdditionBatch(data, data.train), test = modularAdditionBatch(data, data.test);
const model = new GPTNeoX(config, { B: Math.max(data.train.length, data.test.length), T: 3, kernels, init: { scheme: "hf", seed: seed + 1 } });
const opt = { lr: Number(a.lr), beta1: R.beta1, beta2: R.beta2, eps: 1e-8, weightDecay: Number(a["weight-decay"]) };
console.log(`p=${data.p} train=${data.train.length} test=${data.test.length} pairing=${pairing} lr=${opt.lr} wd=${opt.weightDecay} load=${loadavg()[0]!.toFixed(1)}`);
const steps: number[] = [], testAccuracy: number[] = [];
const t0 = performance.now();
let last = 0;
for (let s = 1; s <= maxSteps; s++) {
  model.zeroGrad();
  model.forward(train.inputs, data.train.length, 3, train.targets);
  model.backward();
  model.step(opt);
  last = s;
  if (s % every !== 0) continue;
  const tr = modularAdditionMetrics(model.forward(train.inputs, data.train.length, 3, train.targets).logits, train.targets, data.vocabSize);
  const te = modularAdditionMetrics(model.forward(test.inputs, data.test.length, 3, test.targets).logits, test.targets, data.vocabSize);
  steps.push(s);
  testAccuracy.push(te.accuracy);
  console.log(`step ${s} ${((performance.now() - t0) / 1000).toFixed(1)}s train loss ${tr.loss.toFixed(3)} acc ${tr.accuracy.toFixed(3)} | test loss ${te.loss.toFixed(3)} acc ${te.accuracy.toFixed(3)}`);
  if (performance.now() - t0 > wallMs) break;
}
console.log(`${last} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${((performance.now() - t0) / last).toFixed(1)} ms/step including evaluations`);
if (steps.length >= 6) console.log(`transition of test accuracy: ${JSON.stringify(findTransition(steps, testAccuracy))}`);
await kernels.dispose();
