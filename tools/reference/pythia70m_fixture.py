#!/usr/bin/python3
"""Writes a Pythia-70m-shaped checkpoint with random weights for the Hub streaming benchmark
(bench/hub-selective.ts): EleutherAI/pythia-70m's config.json fields and exact state_dict names,
order and buffers (attention.bias bool (1,1,2048,2048) causal mask, attention.masked_bias,
attention.rotary_emb.inv_freq), fp16, saved by real torch.save as pytorch_model.bin. Not
committed (about 160 MB). No transformers needed.

Run:
  /usr/bin/python3 tools/reference/pythia70m_fixture.py OUT_DIR [--seeds 0,1000,143000]
      # one sub-folder per seed: OUT_DIR/step<seed>/{pytorch_model.bin,config.json}
"""
import argparse
import collections
import json
import os

import torch

CONFIG = dict(architectures=["GPTNeoXForCausalLM"], model_type="gpt_neox", bos_token_id=0, eos_token_id=0,
              hidden_act="gelu", hidden_size=512, initializer_range=0.02, intermediate_size=2048,
              layer_norm_eps=1e-5, max_position_embeddings=2048, num_attention_heads=8, num_hidden_layers=6,
              rotary_emb_base=10000, rotary_pct=0.25, tie_word_embeddings=False, torch_dtype="float16",
              transformers_version="4.24.0", use_cache=True, use_parallel_residual=True, vocab_size=50304)


def state_dict(cfg, gen):
    """GPTNeoXForCausalLM.state_dict() of transformers 4.24 (Pythia's release), random fp16 values."""
    C, I, V, T = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"], cfg["max_position_embeddings"]
    rot = int(C // cfg["num_attention_heads"] * cfg["rotary_pct"])

    def normal(*shape, std=0.02, mean=0.0):
        return (mean + std * torch.randn(shape, generator=gen)).half()

    sd = collections.OrderedDict()
    sd["gpt_neox.embed_in.weight"] = normal(V, C)
    for i in range(cfg["num_hidden_layers"]):
        p = f"gpt_neox.layers.{i}."
        sd[p + "input_layernorm.weight"] = normal(C, std=0.1, mean=1.0)
        sd[p + "input_layernorm.bias"] = normal(C)
        sd[p + "post_attention_layernorm.weight"] = normal(C, std=0.1, mean=1.0)
        sd[p + "post_attention_layernorm.bias"] = normal(C)
        sd[p + "attention.bias"] = torch.tril(torch.ones((T, T), dtype=torch.bool)).view(1, 1, T, T)
        # model.half() converts floating buffers too (masked_bias becomes -inf in fp16).
        sd[p + "attention.masked_bias"] = torch.tensor(-1e9).half()
        sd[p + "attention.rotary_emb.inv_freq"] = (1.0 / (cfg["rotary_emb_base"] ** (torch.arange(0, rot, 2).float() / rot))).half()
        sd[p + "attention.query_key_value.weight"] = normal(3 * C, C)
        sd[p + "attention.query_key_value.bias"] = normal(3 * C)
        sd[p + "attention.dense.weight"] = normal(C, C)
        sd[p + "attention.dense.bias"] = normal(C)
        sd[p + "mlp.dense_h_to_4h.weight"] = normal(I, C)
        sd[p + "mlp.dense_h_to_4h.bias"] = normal(I)
        sd[p + "mlp.dense_4h_to_h.weight"] = normal(C, I)
        sd[p + "mlp.dense_4h_to_h.bias"] = normal(C)
    sd["gpt_neox.final_layer_norm.weight"] = normal(C, std=0.1, mean=1.0)
    sd["gpt_neox.final_layer_norm.bias"] = normal(C)
    sd["embed_out.weight"] = normal(V, C)
    return sd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seeds", default="0,1000,143000", help="one checkpoint per seed, in folder step<seed>")
    args = ap.parse_args()
    for seed in [int(s) for s in args.seeds.split(",")]:
        folder = os.path.join(args.out, f"step{seed}")
        os.makedirs(folder, exist_ok=True)
        sd = state_dict(CONFIG, torch.Generator().manual_seed(seed))
        torch.save(sd, os.path.join(folder, "pytorch_model.bin"))
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(CONFIG, f, indent=2)
        size = os.path.getsize(os.path.join(folder, "pytorch_model.bin"))
        print(f"{folder}: pytorch_model.bin {size} bytes, {len(sd)} entries, torch {torch.__version__}")


if __name__ == "__main__":
    main()
