#!/usr/bin/python3
"""Independent PyTorch reference of GPT-NeoX (Hugging Face GPTNeoXForCausalLM semantics) that
writes test fixtures for src/model: parameters, batch, logits, loss, every gradient and the
losses of 10 AdamW steps, for a parallel-residual, a sequential-residual and an attention-only
config (no MLP block and no post_attention_layernorm, as Olsson et al.'s attention-only models),
and an attention-only config with rotary on the whole head (rotary_pct 1.0),
and a config without LayerNorm (layer_norm=False: identity in place of every LayerNorm, no gains
or biases, as Nanda et al.'s grokking transformer), also with the sequential residual (the
modular-addition task's model).

Run: /usr/bin/python3 tools/reference/gpt_neox_reference.py   (writes test/fixtures/model/)
Layout of <name>.bin: float32 little-endian blobs at the offsets listed in <name>.json.
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "model")

CASES = [
    dict(name="neox-parallel", seed=1234, B=2, T=16,
         config=dict(vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                     intermediate_size=128, rotary_pct=0.25, rotary_emb_base=10000,
                     max_position_embeddings=16, layer_norm_eps=1e-5, use_parallel_residual=True)),
    dict(name="neox-sequential", seed=4321, B=2, T=12,
         config=dict(vocab_size=56, hidden_size=48, num_hidden_layers=2, num_attention_heads=3,
                     intermediate_size=96, rotary_pct=0.25, rotary_emb_base=10000,
                     max_position_embeddings=16, layer_norm_eps=1e-5, use_parallel_residual=False)),
    dict(name="neox-attention-only", seed=2718, B=3, T=10,
         config=dict(vocab_size=40, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=128, rotary_pct=0.25, rotary_emb_base=10000,
                     max_position_embeddings=12, layer_norm_eps=1e-5, use_parallel_residual=True,
                     attention_only=True)),
    # Rotary on the whole head (rotary_pct 1.0, 16 of 16 dimensions): the induction task's model.
    dict(name="neox-full-rotary", seed=1618, B=2, T=12,
         config=dict(vocab_size=48, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=128, rotary_pct=1.0, rotary_emb_base=10000,
                     max_position_embeddings=12, layer_norm_eps=1e-5, use_parallel_residual=True,
                     attention_only=True)),
    dict(name="neox-no-layer-norm", seed=3141, B=4, T=3,
         config=dict(vocab_size=24, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=128, rotary_pct=0.25, rotary_emb_base=10000,
                     max_position_embeddings=3, layer_norm_eps=1e-5, use_parallel_residual=True,
                     layer_norm=False)),
    # No LayerNorm and the sequential residual: the modular-addition task's model (the MLP reads
    # x + attention(x), as Nanda et al.'s block).
    dict(name="neox-no-layer-norm-sequential", seed=2236, B=4, T=3,
         config=dict(vocab_size=24, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=128, rotary_pct=0.25, rotary_emb_base=10000,
                     max_position_embeddings=3, layer_norm_eps=1e-5, use_parallel_residual=False,
                     layer_norm=False)),
]
ADAMW = dict(lr=3e-3, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
STEPS = 10
CLIP = 1.0


def param_specs(cfg):
    """(name, shape) in state_dict order, as Hugging Face names them."""
    V, C, I = cfg["vocab_size"], cfg["hidden_size"], cfg["intermediate_size"]
    specs = [("gpt_neox.embed_in.weight", (V, C))]
    attention_only = cfg.get("attention_only", False)
    layer_norm = cfg.get("layer_norm", True)
    for i in range(cfg["num_hidden_layers"]):
        p = f"gpt_neox.layers.{i}."
        if layer_norm:
            specs += [(p + "input_layernorm.weight", (C,)), (p + "input_layernorm.bias", (C,))]
        if not attention_only and layer_norm:
            specs += [(p + "post_attention_layernorm.weight", (C,)), (p + "post_attention_layernorm.bias", (C,))]
        specs += [(p + "attention.query_key_value.weight", (3 * C, C)), (p + "attention.query_key_value.bias", (3 * C,)),
                  (p + "attention.dense.weight", (C, C)), (p + "attention.dense.bias", (C,))]
        if not attention_only:
            specs += [(p + "mlp.dense_h_to_4h.weight", (I, C)), (p + "mlp.dense_h_to_4h.bias", (I,)),
                      (p + "mlp.dense_4h_to_h.weight", (C, I)), (p + "mlp.dense_4h_to_h.bias", (C,))]
    if layer_norm:
        specs += [("gpt_neox.final_layer_norm.weight", (C,)), ("gpt_neox.final_layer_norm.bias", (C,))]
    specs += [("embed_out.weight", (V, C))]
    return specs


def init_params(cfg):
    """Random values everywhere (LayerNorm gains near 1, non-zero biases) to exercise every path."""
    params = {}
    for name, shape in param_specs(cfg):
        if name.endswith("norm.weight"):
            t = 1.0 + 0.1 * torch.randn(shape)
        elif name.endswith(".bias"):
            t = 0.05 * torch.randn(shape)
        else:
            t = 0.08 * torch.randn(shape)
        params[name] = t.float().requires_grad_(True)
    return params


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def attention(p, pre, x, cfg):
    B, T, C = x.shape
    nh = cfg["num_attention_heads"]
    hs = C // nh
    rd = int(hs * cfg["rotary_pct"])
    qkv = F.linear(x, p[pre + "attention.query_key_value.weight"], p[pre + "attention.query_key_value.bias"])
    qkv = qkv.view(B, T, nh, 3 * hs).permute(0, 2, 1, 3)  # (B, nh, T, 3hs): head-interleaved
    q, k, v = qkv[..., :hs], qkv[..., hs:2 * hs], qkv[..., 2 * hs:]
    inv_freq = 1.0 / (cfg["rotary_emb_base"] ** (torch.arange(0, rd, 2).float() / rd))
    t = torch.arange(T).float()
    freqs = torch.einsum("i,j->ij", t, inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[None, None], emb.sin()[None, None]
    q_rot, q_pass = q[..., :rd], q[..., rd:]
    k_rot, k_pass = k[..., :rd], k[..., rd:]
    q = torch.cat((q_rot * cos + rotate_half(q_rot) * sin, q_pass), dim=-1)
    k = torch.cat((k_rot * cos + rotate_half(k_rot) * sin, k_pass), dim=-1)
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hs)
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    scores = scores.masked_fill(~causal, torch.finfo(scores.dtype).min)
    probs = torch.softmax(scores.float(), dim=-1)
    y = torch.matmul(probs, v).permute(0, 2, 1, 3).reshape(B, T, C)
    return F.linear(y, p[pre + "attention.dense.weight"], p[pre + "attention.dense.bias"])


def mlp(p, pre, x):
    h = F.gelu(F.linear(x, p[pre + "mlp.dense_h_to_4h.weight"], p[pre + "mlp.dense_h_to_4h.bias"]))
    return F.linear(h, p[pre + "mlp.dense_4h_to_h.weight"], p[pre + "mlp.dense_4h_to_h.bias"])


def forward(p, cfg, ids):
    C, eps = cfg["hidden_size"], cfg["layer_norm_eps"]
    x = F.embedding(ids, p["gpt_neox.embed_in.weight"])
    for i in range(cfg["num_hidden_layers"]):
        pre = f"gpt_neox.layers.{i}."
        if cfg.get("layer_norm", True):
            ln = lambda h, which: F.layer_norm(h, (C,), p[pre + which + ".weight"], p[pre + which + ".bias"], eps)
        else:
            ln = lambda h, which: h
        if cfg.get("attention_only", False):
            x = x + attention(p, pre, ln(x, "input_layernorm"), cfg)
        elif cfg["use_parallel_residual"]:
            x = x + attention(p, pre, ln(x, "input_layernorm"), cfg) + mlp(p, pre, ln(x, "post_attention_layernorm"))
        else:
            h = x + attention(p, pre, ln(x, "input_layernorm"), cfg)
            x = h + mlp(p, pre, ln(h, "post_attention_layernorm"))
    if cfg.get("layer_norm", True):
        x = F.layer_norm(x, (C,), p["gpt_neox.final_layer_norm.weight"], p["gpt_neox.final_layer_norm.bias"], eps)
    logits = F.linear(x, p["embed_out.weight"])
    # labels = input_ids: predict token t+1 from position t, mean over B*(T-1)
    V = cfg["vocab_size"]
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, V), ids[:, 1:].reshape(-1))
    return logits, loss


def run_case(case):
    torch.manual_seed(case["seed"])
    cfg = case["config"]
    params = init_params(cfg)
    init = {k: v.detach().clone() for k, v in params.items()}
    ids = torch.randint(0, cfg["vocab_size"], (case["B"], case["T"]))
    logits, loss = forward(params, cfg, ids)
    loss.backward()
    grads = {k: v.grad.detach().clone() for k, v in params.items()}

    names = [n for n, _ in param_specs(cfg)]
    decay = [params[n] for n in names if len(params[n].shape) == 2]
    no_decay = [params[n] for n in names if len(params[n].shape) == 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": ADAMW["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=ADAMW["lr"], betas=ADAMW["betas"], eps=ADAMW["eps"])
    losses, norms = [], []
    for _ in range(STEPS):
        opt.zero_grad(set_to_none=False)
        _, l = forward(params, cfg, ids)
        l.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(list(params.values()), CLIP)))
        opt.step()
        losses.append(float(l))
    return init, ids, logits.detach(), float(loss), grads, losses, norms


def write_case(case):
    init, ids, logits, loss, grads, losses, norms = run_case(case)
    cfg = case["config"]
    blobs, entries, offset = [], [], 0

    def add(kind, name, t):
        nonlocal offset
        a = t.detach().contiguous().float().numpy().astype("<f4")
        entries.append(dict(kind=kind, name=name, shape=list(a.shape), offset=offset))
        blobs.append(a.tobytes())
        offset += a.nbytes

    for name, _ in param_specs(cfg):
        add("param", name, init[name])
    add("logits", "logits", logits)
    for name, _ in param_specs(cfg):
        add("grad", name, grads[name])
    manifest = dict(
        generator="tools/reference/gpt_neox_reference.py", torch=torch.__version__,
        config=dict(cfg, hidden_act="gelu", tie_word_embeddings=False, initializer_range=0.02, model_type="gpt_neox"),
        B=case["B"], T=case["T"], tokens=ids.reshape(-1).tolist(), loss=loss,
        adamw=dict(lr=ADAMW["lr"], beta1=ADAMW["betas"][0], beta2=ADAMW["betas"][1], eps=ADAMW["eps"],
                   weight_decay=ADAMW["weight_decay"], clip=CLIP),
        step_losses=losses, step_grad_norms=norms, tensors=entries, bin=case["name"] + ".bin")
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, case["name"] + ".bin"), "wb") as f:
        f.write(b"".join(blobs))
    with open(os.path.join(OUT, case["name"] + ".json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"{case['name']}: loss {loss:.6f}, step losses {losses[0]:.6f} .. {losses[-1]:.6f}, {offset} bytes")


def write_erf():
    """erf, erfc and exact GELU (and its derivative) in float64 on a grid, from Python's math module."""
    xs = [i / 8 for i in range(-80, 81)] + [-30.0, -12.5, -7.3, 1e-6, -1e-9, 7.3, 12.5, 30.0]
    rows = [dict(x=x, erf=math.erf(x), erfc=math.erfc(x), gelu=0.5 * x * math.erfc(-x / math.sqrt(2)),
                 dgelu=0.5 * math.erfc(-x / math.sqrt(2)) + x * math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)) for x in xs]
    with open(os.path.join(OUT, "erf.json"), "w") as f:
        json.dump(dict(generator="tools/reference/gpt_neox_reference.py (math.erf, math.erfc)", rows=rows), f)


if __name__ == "__main__":
    torch.set_num_threads(1)
    for c in CASES:
        write_case(c)
    write_erf()
    sys.exit(0)
