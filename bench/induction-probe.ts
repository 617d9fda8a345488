// Probe: does a small model trained on induction sequences (src/model/tasks/induction.ts: a segment
// of L random tokens that recurs at a distance L + g, with a random prefix r, r + g <= R per
// sequence; --offset-max 0 is the fixed layout S S) show the abrupt drop of the loss on the repeat
// (Olsson et al. 2022) within a CPU budget here, and does a 1-layer control? The trainer's GPT-NeoX block
// (attention + MLP + LayerNorm, or attention-only with --attention-only; rotary on --rotary-pct of each
// head), AdamW on fresh batches each step (inductionBatch, the trainer's seeding) with the trainer's
// warmup + cosine schedule (--warmup, --min-lr; constant without --min-lr), clipping (--grad-clip,
// 0 = none) and init (--init); every --every steps the first-half and repeated-half
// loss and the in-context score (late-token minus early-token loss, negative when the context
// helps) on a fixed evaluation batch, the strongest previous-token and induction attention of each
// layer, with wall and CPU seconds (CPU = user + system of the whole process). Stops once the in-context score has stayed <= -(--stop-score) x ln V for 3 evaluations (or at the step / CPU / wall budget); then the transition of the repeated-half
// loss under quality/transition.ts and one JSON summary line (a row of docs/results/grokking-probes.md).
// Run: node --import tsx bench/induction-probe.ts [--vocab 64] [--segment 32] [--offset-max 32] [--layers 2] [--hidden 64]
//        [--heads 4] [--mlp 256] [--batch 16] [--lr 1e-3] [--weight-decay 0.1] [--steps 20000]
//        [--every 50] [--cpu-seconds 1200] [--seconds 1800] [--stop-score 0.8] [--threads 1] [--seed 0] [--attention-only]
//        [--rotary-pct 0.25] [--init hf|pythia] [--warmup 0] [--min-lr X] [--grad-clip 0] [--beta2 0.98]
// The recipe that forms induction heads (probe I6; the task's defaults in model/trainer-options.ts):
//   --attention-only --rotary-pct 1 --batch 32 --lr 3e-3 --warmup 50 --weight-decay 0 --init pythia --grad-clip 1
import { parseArgs } from "node:util";
import { loadavg } from "node:os";
import { GPTNeoX, parseNeoXConfig, createWasmKernels, learningRate } from "../src/model/index.js";
import { inductionBatch, inductionMetrics, inductionSequenceLength, DEFAULT_INDUCTION } from "../src/model/tasks/index.js";
import { findTransition } from "../src/quality/transition.js";
import { inductionBatchOf, inductionSequences } from "../src/model/tasks/index.js";

const { values: a } = parseArgs({
  options: {
    vocab: { type: "string", default: String(DEFAULT_INDUCTION.vocabSize) }, segment: { type: "string", default: String(DEFAULT_INDUCTION.segmentLength) },
    "offset-max": { type: "string", default: String(DEFAULT_INDUCTION.offsetMax) }, "attention-only": { type: "boolean", default: false },
    layers: { type: "string", default: "2" }, hidden: { type: "string", default: "64" }, heads: { type: "string", default: "4" }, mlp: { type: "string", default: "256" },
    batch: { type: "string", default: "16" }, lr: { type: "string", default: "1e-3" }, "weight-decay": { type: "string", default: "0.1" }, beta2: { type: "string", default: "0.98" },
    steps: { type: "string", default: "20000" }, every: { type: "string", default: "50" }, seconds: { type: "string", default: "1800" }, "cpu-seconds": { type: "string", default: "1200" },
    "stop-score": { type: "string", default: "0.8" }, "eval-batch": { type: "string", default: "64" },
    threads: { type: "string", default: "1" }, seed: { type: "string", default: "0" }, "rotary-pct": { type: "string", default: "0.25" },
    init: { type: "string", default: "hf" }, warmup: { type: "string", default: "0" }, "min-lr": { type: "string" }, "grad-clip": { type: "string", default: "0" },
  },
});
const num = (k: keyof typeof a): number => {
  const v = Number(a[k]);
  if (!Number.isFinite(v)) throw new Error(`induction-probe: --${k} must be a number, got ${a[k]}`);
  return v;
};
const task = { vocabSize: num("vocab"), segmentLength: num("segment"), offsetMax: num("offset-max") };
const T = inductionSequenceLength(task), B = num("batch"), evalB = num("eval-batch"), seed = num("seed");
const maxSteps = num("steps"), every = num("every"), wallMs = num("seconds") * 1000, cpuCap = num("cpu-seconds"), stopScore = num("stop-score") * Math.log(task.vocabSize);
const config = parseNeoXConfig({ vocab_size: task.vocabSize, hidden_size: num("hidden"), num_hidden_layers: num("layers"), num_attention_heads: num("heads"), intermediate_size: num("mlp"), max_position_embeddings: T, rotary_pct: num("rotary-pct"), ...(a["attention-only"] === true && { attention_only: true }) }, "induction-probe");
const kernels = await createWasmKernels({ threads: num("threads") });
if (a.init !== "hf" && a.init !== "pythia") throw new Error(`induction-probe: --init must be hf or pythia, got ${a.init}`);
const model = new GPTNeoX(config, { B: Math.max(B, evalB), T, kernels, init: { scheme: a.init, seed: seed + 1 } });
const opt = { lr: num("lr"), beta1: 0.9, beta2: num("beta2"), eps: 1e-8, weightDecay: num("weight-decay") };
// The trainer's schedule (linear warmup, cosine decay to --min-lr at --steps; no --min-lr = constant) and clipping (0 = none).
const schedule = { maxLr: opt.lr, minLr: a["min-lr"] === undefined ? opt.lr : num("min-lr"), warmupSteps: num("warmup"), totalSteps: maxSteps }, gradClip = num("grad-clip");
// The task's own data (inductionBatch: the trainer's seeding). The evaluation batch: a seed no
// training step uses (training batches are drawn from batchSeed(seed, step)).
const evalBatch = inductionBatchOf(task, inductionSequences(task, evalB, seed + 1_000_003));
const settings = { task: "induction", vocab: task.vocabSize, segment: task.segmentLength, layers: config.num_hidden_layers, hidden: config.hidden_size, heads: config.num_attention_heads, mlp: config.intermediate_size, rotary_pct: config.rotary_pct, attention_only: config.attention_only === true, offset_max: task.offsetMax, batch: B, lr: opt.lr, min_lr: schedule.minLr, warmup: schedule.warmupSteps, grad_clip: gradClip, init: a.init, wd: opt.weightDecay, beta2: opt.beta2, seed, threads: num("threads") };
console.log(`${JSON.stringify(settings)} ln V = ${Math.log(task.vocabSize).toFixed(3)} load=${loadavg()[0]!.toFixed(1)}`);
// Mechanism: per layer, the largest over heads of the mean attention of t on t - 1 (a previous-token
// head) and of a repeat position rep + i on r + i + 1, the token after the current token's earlier copy
// (an induction head), on the evaluation batch of the last forward.
function attentionScores(layer: number): { previous: number; induction: number } {
  const att = model.attentionProbabilities(layer), nh = config.num_attention_heads, L = task.segmentLength;
  let previous = 0, induction = 0;
  for (let h = 0; h < nh; h++) {
    let p = 0, q = 0;
    for (let b = 0; b < evalB; b++) {
      const row = (t: number): number => ((b * nh + h) * T + t) * T;
      for (let t = 1; t < T; t++) p += att[row(t) + t - 1]!;
      const r = evalBatch.segmentStart[b]!, rep = evalBatch.repeatStart[b]!;
      for (let i = 0; i < L - 1; i++) q += att[row(rep + i) + r + i + 1]!;
    }
    previous = Math.max(previous, p / (evalB * (T - 1)));
    induction = Math.max(induction, q / (evalB * (L - 1)));
  }
  return { previous, induction };
}
const cpuSeconds = (c0: NodeJS.CpuUsage): number => { const c = process.cpuUsage(c0); return (c.user + c.system) / 1e6; };
const steps: number[] = [], repeatedLoss: number[] = [];
const t0 = performance.now(), c0 = process.cpuUsage();
let last = 0, streak = 0, stopped: number | null = null;
let final = { first: NaN, repeated: NaN, score: NaN, accuracy: NaN };
for (let s = 1; s <= maxSteps; s++) {
  const batch = inductionBatch(task, B, seed, s - 1);
  model.zeroGrad();
  model.forward(batch.inputs, B, T, batch.targets);
  model.backward();
  if (gradClip > 0) model.clipGradNorm(gradClip);
  model.step({ ...opt, lr: learningRate(s - 1, schedule) });
  last = s;
  if (s % every !== 0) continue;
  const m = inductionMetrics(model.forward(evalBatch.inputs, evalB, T, evalBatch.targets).logits, evalBatch, task, task.vocabSize);
  steps.push(s);
  repeatedLoss.push(m.repeatedHalfLoss);
  final = { first: m.firstHalfLoss, repeated: m.repeatedHalfLoss, score: m.inContextScore, accuracy: m.repeatedHalfAccuracy };
  streak = -m.inContextScore >= stopScore ? streak + 1 : 0;
  const heads = Array.from({ length: config.num_hidden_layers }, (_, l) => attentionScores(l));
  console.log(`step ${s} ${((performance.now() - t0) / 1000).toFixed(1)}s cpu ${cpuSeconds(c0).toFixed(1)}s first-half loss ${m.firstHalfLoss.toFixed(3)} | repeated-half loss ${m.repeatedHalfLoss.toFixed(3)} acc ${m.repeatedHalfAccuracy.toFixed(3)} | in-context score ${m.inContextScore.toFixed(3)} | prev-token attn ${heads.map((h) => h.previous.toFixed(2)).join("/")} induction attn ${heads.map((h) => h.induction.toFixed(2)).join("/")}`);
  if (streak >= 3) { stopped = steps[steps.length - 3]!; break; }
  if (performance.now() - t0 > wallMs || cpuSeconds(c0) > cpuCap) break;
}
const wall = (performance.now() - t0) / 1000, cpu = cpuSeconds(c0);
console.log(`${last} steps in ${wall.toFixed(1)} s wall, ${cpu.toFixed(1)} s CPU`);
const transition = steps.length >= 6 ? findTransition(steps, repeatedLoss, { plateauPoints: 3 }) : null;
console.log(`transition of the repeated-half loss: ${JSON.stringify(transition)}`);
console.log(`SUMMARY ${JSON.stringify({
  ...settings, steps: last, wall_s: +wall.toFixed(1), cpu_s: +cpu.toFixed(1), score_reached_step: stopped,
  final_first_half_loss: +final.first.toFixed(3), final_repeated_half_loss: +final.repeated.toFixed(3), final_in_context_score: +final.score.toFixed(3), final_repeated_accuracy: +final.accuracy.toFixed(3),
  transition: transition === null ? null : transition.found ? { step: +transition.step.toFixed(0), interval: transition.interval } : { none: transition.reason },
})}`);
await kernels.dispose();
