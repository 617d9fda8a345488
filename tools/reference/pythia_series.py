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
Sizes: 70m, 160m, 410m, 1b (EleutherAI/pythia-*/config.json). --steps pythia: Pythia's 154 steps.

In batches (a series larger than the free disk): --state FILE keeps the weights of the last step
written and the random generator's state (torch.save, fp16 as written), and the next call with
the same FILE continues from there, so batch after batch writes the same bytes as one call:
  /usr/bin/python3 tools/reference/pythia_series.py --size 70m --steps pythia --first 0 --count 20 \
      --state /tmp/s/state.pt --format safetensors --out /tmp/s    # steps 0 ... 64
  /usr/bin/python3 tools/reference/pythia_series.py --size 70m --steps pythia --first 20 --count 20 \
      --state /tmp/s/state.pt --format safetensors --out /tmp/s    # steps 128 ... 10000
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
    "1b": dict(PYTHIA_70M, hidden_size=2048, num_hidden_layers=16, num_attention_heads=8, intermediate_size=8192),
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
    ap.add_argument("--first", type=int, default=0, help="index in --steps of the first step to write (batches)")
    ap.add_argument("--count", type=int, default=None, help="steps to write from --first (default: to the end)")
    ap.add_argument("--state", default=None, help="file holding the series' state after the last step written (batches)")
    args = ap.parse_args()
    torch.set_num_threads(2)
    cfg = SIZES[args.size]
    steps = PYTHIA_STEPS if args.steps == "pythia" else [int(s) for s in args.steps.split(",")]
    if any(b <= a for a, b in zip(steps, steps[1:])):
        sys.exit(f"--steps must increase: {args.steps}")
    if not 0 <= args.first < len(steps):
        sys.exit(f"--first {args.first} is outside the {len(steps)} steps")
    formats = ["safetensors", "bin"] if args.format == "both" else [args.format]
    gen, params, previous = start_state(args, cfg, steps)
    batch = steps[args.first:] if args.count is None else steps[args.first:args.first + args.count]
    for step in batch:
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
    if args.state is not None:
        save_state(args, params, previous, gen)


def start_state(args, cfg, steps):
    """(generator, weights, last step drawn): fresh from the seed at --first 0, else from --state."""
    gen = torch.Generator().manual_seed(args.seed)
    if args.first == 0:
        return gen, random_params(cfg, gen), 0
    if args.state is None or not os.path.exists(args.state):
        sys.exit(f"--first {args.first} needs the --state file of the batch before it ({args.state} not found)")
    state = torch.load(args.state)
    expected = dict(size=args.size, seed=args.seed, next_index=args.first, next_step=steps[args.first])
    found = {k: state[k] for k in expected}
    if found != expected:
        sys.exit(f"{args.state} continues another series or batch: {found}, asked {expected}")
    gen.set_state(state["generator"])
    return gen, state["params"], state["previous"]


def save_state(args, params, previous, gen):
    """Writes the state atomically (a failed batch leaves the previous state in place)."""
    steps = PYTHIA_STEPS if args.steps == "pythia" else [int(s) for s in args.steps.split(",")]
    end = len(steps) if args.count is None else min(len(steps), args.first + args.count)
    state = dict(size=args.size, seed=args.seed, next_index=end, next_step=steps[end] if end < len(steps) else None,
                 previous=previous, params=params, generator=gen.get_state())
    torch.save(state, args.state + ".tmp")
    os.replace(args.state + ".tmp", args.state)


if __name__ == "__main__":
    main()
