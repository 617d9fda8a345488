#!/usr/bin/python3
"""Does a modular-addition recipe grok in PyTorch? An independent peer of bench/grokking-probe.ts
(issue 15): Nanda et al. 2023's 1-layer transformer (arXiv 2301.05217; their public notebook's
model: learned token and position embeddings, no LayerNorm, attention without biases, ReLU MLP,
sequential residual, untied unembedding, init N(0, 1/d_model) (unembedding N(0, 1/d_vocab)),
full-batch AdamW lr 1e-3, wd 1 on every parameter, betas 0.9 / 0.98, 10 warmup steps, the loss in
float64 at the answer position only, p^2 ordered pairs split at random), scaled down.

Each difference from our trainer's GPT-NeoX block is a switch, so one setting can be moved toward
ours a piece at a time:
  --pos learned|rotary   (rotary: no position embedding, rotary on --rotary-pct of each head, base 10000)
  --act relu|gelu        (gelu: exact erf GELU, the trainer's)
  --residual sequential|parallel   (parallel: x + attn(x) + mlp(x), GPT-NeoX's use_parallel_residual)
  --attn-bias 0|1        (1: biases on q, k, v and the output projection, as GPT-NeoX)
  --decay all|matrices   (matrices: biases not decayed, as the trainer's AdamW layout)
  --init nanda|hf        (hf: N(0, 0.02 x --init-scale) for every matrix and embedding, biases 0)
  --loss-dtype 64|32     (32: float32 log-softmax, as the trainer)
  --warmup N             (linear warmup over N steps; the trainer's modular-addition default is 10)
  --pairing ordered|unordered (unordered: (a, b) and (b, a) in the same split, the trainer's option)

Run (one probe at a time, on the shared machine):
  nice -n 10 /usr/bin/python3 tools/reference/grokking_torch.py --p 59 --frac 0.5 --cpu-seconds 200
Prints train/test loss and accuracy and the weight norm every --every steps with the CPU seconds
so far (process time: user + system), stops once test accuracy has stayed >= 0.95 for 3
evaluations (or at --steps / --cpu-seconds), then one SUMMARY JSON line.
--dump-init FILE writes the initial parameters and the split (float32 / int32 blobs + JSON
manifest) so that our trainer can start from identical weights; --dump-losses records the first
steps' training losses in that manifest.
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument("--p", type=int, default=59)
ap.add_argument("--frac", type=float, default=0.5)
ap.add_argument("--pairing", choices=["ordered", "unordered"], default="ordered")
ap.add_argument("--d-model", type=int, default=128)
ap.add_argument("--heads", type=int, default=4)
ap.add_argument("--d-mlp", type=int, default=0, help="0 = 4 x d_model")
ap.add_argument("--lr", type=float, default=1e-3)
ap.add_argument("--wd", type=float, default=1.0)
ap.add_argument("--beta2", type=float, default=0.98)
ap.add_argument("--warmup", type=int, default=10)
ap.add_argument("--steps", type=int, default=20000)
ap.add_argument("--every", type=int, default=100)
ap.add_argument("--cpu-seconds", type=float, default=200)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--pos", choices=["learned", "rotary"], default="learned")
ap.add_argument("--rotary-pct", type=float, default=0.25)
ap.add_argument("--act", choices=["relu", "gelu"], default="relu")
ap.add_argument("--residual", choices=["sequential", "parallel"], default="sequential")
ap.add_argument("--attn-bias", type=int, default=0)
ap.add_argument("--mlp-bias", type=int, default=1)
ap.add_argument("--decay", choices=["all", "matrices"], default="all")
ap.add_argument("--init", choices=["nanda", "hf"], default="nanda")
ap.add_argument("--init-scale", type=float, default=1.0)
ap.add_argument("--loss-dtype", choices=["64", "32"], default="64")
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--dump-init", default="")
ap.add_argument("--dump-losses", type=int, default=0)
args = ap.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)

p, C, H = args.p, args.d_model, args.heads
I = args.d_mlp or 4 * C
V = p + 1  # residues and "="
hs = C // H
gen = torch.Generator().manual_seed(args.seed)

# The split: pair index i = a * p + b.
n = p * p
n_train = round(args.frac * n)
if args.pairing == "ordered":
    perm = torch.randperm(n, generator=gen)
    train_idx = perm[:n_train].sort().values
else:
    # Whole classes {(a, b), (b, a)}: diagonal pairs and off-diagonal pairs of two.
    d = round(args.frac * p)
    if (n_train - d) % 2:
        d += 1 if d < p else -1
    m = (n_train - d) // 2
    diag = torch.arange(p)[torch.randperm(p, generator=gen)[:d]] * (p + 1)
    upper = torch.tensor([a * p + b for a in range(p) for b in range(a + 1, p)])
    cls = upper[torch.randperm(len(upper), generator=gen)[:m]]
    swapped = (cls % p) * p + cls // p
    train_idx = torch.cat([diag, cls, swapped]).sort().values
mask = torch.zeros(n, dtype=torch.bool)
mask[train_idx] = True
test_idx = torch.arange(n)[~mask]


def batch(idx):
    a, b = idx // p, idx % p
    x = torch.stack([a, b, torch.full_like(a, p)], dim=1)
    return x, (a + b) % p


x_train, y_train = batch(train_idx)
x_test, y_test = batch(test_idx)

# Parameters, in the trainer's layout where one exists (Hugging Face names, [out, in] matrices).
P = {}


def param(name, shape, std, decay):
    t = torch.randn(shape) * std if std > 0 else torch.zeros(shape)
    P[name] = (t.requires_grad_(True), decay)


def std(fan):
    return 0.02 * args.init_scale if args.init == "hf" else args.init_scale / math.sqrt(fan)


bias_decay = args.decay == "all"
param("embed_in.weight", (V, C), std(C), True)
if args.pos == "learned":
    param("pos_embed.weight", (3, C), std(C), True)
param("qkv.weight", (3 * C, C), std(C), True)
if args.attn_bias:
    param("qkv.bias", (3 * C,), 0, bias_decay)
param("dense.weight", (C, C), std(C), True)
if args.attn_bias:
    param("dense.bias", (C,), 0, bias_decay)
param("h_to_4h.weight", (I, C), std(C), True)
if args.mlp_bias:
    param("h_to_4h.bias", (I,), 0, bias_decay)
param("4h_to_h.weight", (C, I), std(C), True)  # Nanda et al.: 1/sqrt(d_model), not 1/sqrt(d_mlp)
if args.mlp_bias:
    param("4h_to_h.bias", (C,), 0, bias_decay)
param("embed_out.weight", (V, C), std(V), True)  # Nanda et al.: 1/sqrt(d_vocab)

rd = int(hs * args.rotary_pct)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def attention(x):
    B, T, _ = x.shape
    qkv = F.linear(x, P["qkv.weight"][0], P["qkv.bias"][0] if args.attn_bias else None)
    qkv = qkv.view(B, T, H, 3 * hs).permute(0, 2, 1, 3)  # head-interleaved, as GPT-NeoX
    q, k, v = qkv[..., :hs], qkv[..., hs:2 * hs], qkv[..., 2 * hs:]
    if args.pos == "rotary" and rd > 0:
        inv_freq = 1.0 / (10000 ** (torch.arange(0, rd, 2).float() / rd))
        freqs = torch.einsum("i,j->ij", torch.arange(T).float(), inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        q = torch.cat((q[..., :rd] * cos + rotate_half(q[..., :rd]) * sin, q[..., rd:]), dim=-1)
        k = torch.cat((k[..., :rd] * cos + rotate_half(k[..., :rd]) * sin, k[..., rd:]), dim=-1)
    scores = q @ k.transpose(-1, -2) / math.sqrt(hs)
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    scores = scores.masked_fill(~causal, float("-inf"))
    y = (torch.softmax(scores, dim=-1) @ v).permute(0, 2, 1, 3).reshape(B, T, C)
    return F.linear(y, P["dense.weight"][0], P["dense.bias"][0] if args.attn_bias else None)


def mlp(x):
    h = F.linear(x, P["h_to_4h.weight"][0], P["h_to_4h.bias"][0] if args.mlp_bias else None)
    h = F.relu(h) if args.act == "relu" else F.gelu(h)
    return F.linear(h, P["4h_to_h.weight"][0], P["4h_to_h.bias"][0] if args.mlp_bias else None)


def logits_of(x):
    h = F.embedding(x, P["embed_in.weight"][0])
    if args.pos == "learned":
        h = h + P["pos_embed.weight"][0][None]
    if args.residual == "parallel":
        h = h + attention(h) + mlp(h)
    else:
        h = h + attention(h)
        h = h + mlp(h)
    return F.linear(h[:, -1], P["embed_out.weight"][0])  # only the answer position is read


def loss_acc(x, y):
    lg = logits_of(x)
    lg = lg.double() if args.loss_dtype == "64" else lg
    return F.cross_entropy(lg, y), (lg.argmax(-1) == y).float().mean().item()


def weight_norm():
    return math.sqrt(sum(float((t.detach() ** 2).sum()) for t, d in P.values() if t.dim() == 2))


groups = [{"params": [t for t, d in P.values() if d], "weight_decay": args.wd},
          {"params": [t for t, d in P.values() if not d], "weight_decay": 0.0}]
opt = torch.optim.AdamW([g for g in groups if g["params"]], lr=args.lr, betas=(0.9, args.beta2), eps=1e-8)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / args.warmup, 1.0) if args.warmup > 0 else 1.0)

if args.dump_init:
    init_state = {k: t.detach().clone() for k, (t, _) in P.items()}

settings = {k: v for k, v in vars(args).items() if k not in ("dump_init",)}
settings.update(d_mlp=I, n_train=len(train_idx), n_test=len(test_idx), torch=torch.__version__)
print(json.dumps(settings), flush=True)
steps, test_accs, first_losses = [], [], []
c0, w0 = time.process_time(), time.time()
streak, grokked, fit, last = 0, None, None, 0
final = {}
for s in range(1, args.steps + 1):
    opt.zero_grad()
    loss, _ = loss_acc(x_train, y_train)
    loss.backward()
    opt.step()
    sched.step()
    last = s
    if s <= args.dump_losses:
        first_losses.append(float(loss))
    if s % args.every:
        continue
    with torch.no_grad():
        trl, tra = loss_acc(x_train, y_train)
        tel, tea = loss_acc(x_test, y_test)
    cpu = time.process_time() - c0
    steps.append(s)
    test_accs.append(tea)
    final = dict(train_loss=round(float(trl), 4), train_acc=round(tra, 3), test_loss=round(float(tel), 4), test_acc=round(tea, 3))
    if fit is None and tra >= 0.99:
        fit = s
    print(f"step {s} cpu {cpu:.1f}s train loss {float(trl):.4f} acc {tra:.3f} | test loss {float(tel):.4f} acc {tea:.3f} | weight norm {weight_norm():.2f}", flush=True)
    streak = streak + 1 if tea >= 0.95 else 0
    if streak >= 3:
        grokked = steps[-3]
        break
    if cpu > args.cpu_seconds:
        break
cpu = time.process_time() - c0
print("SUMMARY " + json.dumps(dict(steps=last, cpu_s=round(cpu, 1), wall_s=round(time.time() - w0, 1), train_fit_step=fit, grokked_step=grokked, **final)), flush=True)

if args.dump_init:
    blobs, entries, offset = [], [], 0

    def add(kind, name, t, dtype):
        global offset
        a = t.detach().contiguous().numpy().astype(dtype)
        entries.append(dict(kind=kind, name=name, shape=list(a.shape), offset=offset, dtype=dtype))
        blobs.append(a.tobytes())
        offset += a.nbytes

    for k, t in init_state.items():
        add("param", k, t.float(), "<f4")
    add("split", "train", train_idx.int(), "<i4")
    add("split", "test", test_idx.int(), "<i4")
    with open(args.dump_init + ".bin", "wb") as f:
        f.write(b"".join(blobs))
    with open(args.dump_init + ".json", "w") as f:
        json.dump(dict(generator="tools/reference/grokking_torch.py", settings=settings, entries=entries, first_losses=first_losses), f, indent=1)
