#!/usr/bin/python3
"""Writes a Pythia-shaped GPT-NeoX checkpoint (Pythia-70m's structure, state_dict names and
buffers: attention.bias (bool causal mask), attention.masked_bias, attention.rotary_emb.inv_freq;
fp16 pytorch_model.bin saved by real torch.save; config.json) with random weights, and the
reference loss of a fixed token sequence under the evaluation protocol of src/model/evaluate.ts:
consecutive non-overlapping windows of max_position_embeddings tokens (the last may be shorter),
next-token prediction inside each window only, mean over all predictions. The loss comes from
the independent PyTorch forward of tools/reference/gpt_neox_reference.py, in float32 on the
fp16 weights upcast (as transformers computes on CPU after .float()).

Run:
  /usr/bin/python3 tools/reference/pythia_shaped_checkpoint.py          # shrunk fixture -> test/fixtures/model-eval/
  /usr/bin/python3 tools/reference/pythia_shaped_checkpoint.py --full /tmp/dir [--tokens 100]
      # full-size Pythia-70m-shaped random checkpoint (140 MB, not committed) + reference.json
"""
import argparse
import collections
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from gpt_neox_reference import forward, param_specs  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "model-eval")

# Pythia-70m (EleutherAI/pythia-70m config.json)
PYTHIA_70M = dict(vocab_size=50304, hidden_size=512, num_hidden_layers=6, num_attention_heads=8,
                  intermediate_size=2048, rotary_pct=0.25, rotary_emb_base=10000,
                  max_position_embeddings=2048, layer_norm_eps=1e-5, use_parallel_residual=True)
# Same structure (6 layers, 8 heads, rotary_pct 0.25, parallel residual), shrunk to < 1 MB.
SHRUNK = dict(PYTHIA_70M, vocab_size=256, hidden_size=64, intermediate_size=256, max_position_embeddings=64)


def config_json(cfg):
    """config.json as Pythia's (transformers GPTNeoXConfig fields)."""
    return dict(architectures=["GPTNeoXForCausalLM"], model_type="gpt_neox", bos_token_id=0, eos_token_id=0,
                hidden_act="gelu", initializer_range=0.02, tie_word_embeddings=False, torch_dtype="float16",
                transformers_version="4.24.0", use_cache=True, **cfg)


def random_params(cfg, gen):
    """Pythia-like magnitudes: weights normal(0, 0.02..0.08), LayerNorm gains near 1, small biases."""
    params = {}
    for name, shape in param_specs(cfg):
        if name.endswith("norm.weight"):
            t = 1.0 + 0.1 * torch.randn(shape, generator=gen)
        elif name.endswith(".bias"):
            t = 0.02 * torch.randn(shape, generator=gen)
        elif name == "gpt_neox.embed_in.weight":
            t = 0.5 * torch.randn(shape, generator=gen)
        elif name == "embed_out.weight":
            t = (1.5 / cfg["hidden_size"] ** 0.5) * torch.randn(shape, generator=gen)
        else:
            t = (0.6 / cfg["hidden_size"] ** 0.5) * torch.randn(shape, generator=gen)
        params[name] = t.half()
    return params


def state_dict(cfg, params):
    """HF GPTNeoXForCausalLM state_dict order of transformers 4.24 (Pythia's), buffers included."""
    T = cfg["max_position_embeddings"]
    hs = cfg["hidden_size"] // cfg["num_attention_heads"]
    rd = int(hs * cfg["rotary_pct"])
    sd = collections.OrderedDict()
    sd["gpt_neox.embed_in.weight"] = params["gpt_neox.embed_in.weight"]
    for i in range(cfg["num_hidden_layers"]):
        p = f"gpt_neox.layers.{i}."
        for n in ["input_layernorm.weight", "input_layernorm.bias", "post_attention_layernorm.weight", "post_attention_layernorm.bias"]:
            sd[p + n] = params[p + n]
        sd[p + "attention.bias"] = torch.tril(torch.ones((T, T), dtype=torch.bool)).view(1, 1, T, T)
        sd[p + "attention.masked_bias"] = torch.tensor(-1e9).half()
        sd[p + "attention.rotary_emb.inv_freq"] = (1.0 / (cfg["rotary_emb_base"] ** (torch.arange(0, rd, 2).float() / rd))).half()
        for n in ["attention.query_key_value.weight", "attention.query_key_value.bias", "attention.dense.weight", "attention.dense.bias",
                  "mlp.dense_h_to_4h.weight", "mlp.dense_h_to_4h.bias", "mlp.dense_4h_to_h.weight", "mlp.dense_4h_to_h.bias"]:
            sd[p + n] = params[p + n]
    sd["gpt_neox.final_layer_norm.weight"] = params["gpt_neox.final_layer_norm.weight"]
    sd["gpt_neox.final_layer_norm.bias"] = params["gpt_neox.final_layer_norm.bias"]
    sd["embed_out.weight"] = params["embed_out.weight"]
    return sd


def protocol_loss(params, cfg, ids, dtype):
    """Mean next-token loss over consecutive non-overlapping windows of max_position_embeddings."""
    p = {k: v.to(dtype) for k, v in params.items()}
    W = cfg["max_position_embeddings"]
    total, count = 0.0, 0
    with torch.no_grad():
        for s in range(0, len(ids), W):
            w = ids[s:s + W]
            if len(w) < 2:
                continue
            _, loss = forward(p, cfg, torch.tensor([w]))
            total += float(loss) * (len(w) - 1)
            count += len(w) - 1
    return total / count, count


def write(out, cfg, n_tokens, seed):
    gen = torch.Generator().manual_seed(seed)
    params = random_params(cfg, gen)
    ids = torch.randint(0, cfg["vocab_size"], (n_tokens,), generator=gen).tolist()
    os.makedirs(out, exist_ok=True)
    torch.save(state_dict(cfg, params), os.path.join(out, "pytorch_model.bin"))
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config_json(cfg), f, indent=2)
    loss, count = protocol_loss(params, cfg, ids, torch.float32)
    ref = dict(generator="tools/reference/pythia_shaped_checkpoint.py", torch=torch.__version__, seed=seed,
               protocol="consecutive non-overlapping windows of max_position_embeddings tokens; next-token loss inside each window; mean over predictions",
               tokens=ids, loss=loss, predictions=count)
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(ref, f)
    size = os.path.getsize(os.path.join(out, "pytorch_model.bin"))
    print(f"{out}: pytorch_model.bin {size} bytes, {count} predictions, loss {loss:.8f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", help="write the full-size Pythia-70m-shaped checkpoint into this folder instead")
    ap.add_argument("--tokens", type=int, default=100, help="token count of the --full reference sequence")
    args = ap.parse_args()
    torch.set_num_threads(2)
    if args.full:
        write(args.full, PYTHIA_70M, args.tokens, seed=70)
    else:
        # 150 tokens = windows of 64, 64 and 22: exercises the shorter last window
        write(OUT, SHRUNK, 150, seed=2024)
