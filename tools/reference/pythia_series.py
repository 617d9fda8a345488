#!/usr/bin/python3
"""Writes a Pythia-shaped checkpoint series for benchmarks (not committed: under /tmp): GPT-NeoX
state_dict names and order of transformers 4.24 (Pythia's), fp16, buffers included in
pytorch_model.bin (attention.bias causal mask, masked_bias, rotary inv_freq) as Pythia's step
revisions hold them, model.safetensors without buffers (as a safetensors conversion has them),
config.json. Weights drift as in training: each checkpoint adds to the previous one a random
update whose size shrinks with the step gap, and matrices widen slowly (weight growth).

Run:
  /usr/bin/python3 tools/reference/pythia_series.py --size 160m --steps 0,1000,2000 \
      --format both --out /tmp/pythia-160m
  # -> /tmp/pythia-160m/safetensors/step<N>/{model.safetensors,config.json}
  #    /tmp/pythia-160m/bin/step<N>/{pytorch_model.bin,config.json}
Sizes: 70m, 160m, 410m (EleutherAI/pythia-*/config.json). --steps pythia: Pythia's 154 steps.
"""
import argparse
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from pythia_shaped_checkpoint import PYTHIA_70M, config_json, random_params, state_dict  # noqa: E402

SIZES = {
    "70m": PYTHIA_70M,
    "160m": dict(PYTHIA_70M, hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072),
    "410m": dict(PYTHIA_70M, hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, intermediate_size=4096),
}
PYTHIA_STEPS = [0] + [2 ** i for i in range(10)] + list(range(1000, 143001, 1000))
SAFETENSORS_DTYPES = {torch.float16: "F16", torch.bfloat16: "BF16", torch.float32: "F32", torch.bool: "BOOL"}


def write_safetensors(path, tensors):
    """model.safetensors as the safetensors library writes it: 8-byte header size, JSON header padded
    with spaces to 8 bytes, data in the given order, __metadata__ format pt."""
    header, offset, blobs = {"__metadata__": {"format": "pt"}}, 0, []
    for name, t in tensors.items():
        data = t.contiguous().view(torch.uint8).numpy().tobytes() if t.dtype != torch.bool else t.numpy().tobytes()
        header[name] = {"dtype": SAFETENSORS_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def drift(params, gap, gen):
    """One stretch of training: a random update of relative size ~ sqrt(gap) (capped), slow widening."""
    scale = min(0.3, 0.004 * gap ** 0.5)
    out = {}
    for name, t in params.items():
        x = t.float()
        if name.endswith("norm.weight"):
            x = x + scale * 0.1 * torch.randn(x.shape, generator=gen)
        else:
            x = x * (1 + 0.05 * scale) + scale * x.std() * torch.randn(x.shape, generator=gen)
        out[name] = x.half()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", choices=sorted(SIZES), default="160m")
    ap.add_argument("--steps", default="0,1000,2000", help='comma list, or "pythia" for the 154 steps')
    ap.add_argument("--format", choices=["safetensors", "bin", "both"], default="both")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=160)
    args = ap.parse_args()
    torch.set_num_threads(2)
    cfg = SIZES[args.size]
    steps = PYTHIA_STEPS if args.steps == "pythia" else [int(s) for s in args.steps.split(",")]
    formats = ["safetensors", "bin"] if args.format == "both" else [args.format]
    gen = torch.Generator().manual_seed(args.seed)
    params, previous = random_params(cfg, gen), 0
    for step in steps:
        if step > previous:
            params = drift(params, step - previous, gen)
        previous = step
        for fmt in formats:
            folder = os.path.join(args.out, fmt, f"step{step}")
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "config.json"), "w") as f:
                json.dump(config_json(cfg), f, indent=2)
            if fmt == "bin":
                torch.save(state_dict(cfg, params), os.path.join(folder, "pytorch_model.bin"))
            else:
                sd = state_dict(cfg, params)
                write_safetensors(os.path.join(folder, "model.safetensors"), {k: v for k, v in sd.items() if v.dtype != torch.bool and "masked_bias" not in k and "inv_freq" not in k})
        print(f"{args.out}: step {step} written ({', '.join(formats)})", flush=True)


if __name__ == "__main__":
    main()
