#!/usr/bin/python3
"""PyTorch side of bench/train-throughput.ts: training (forward + backward + clip + AdamW) and
evaluation (forward only) tokens/s of the reference GPT-NeoX (tools/reference) on CPU.
Usage: /usr/bin/python3 bench/train_throughput.py '<config json>' B T steps threads  -> one JSON line
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools", "reference"))
from gpt_neox_reference import forward, param_specs  # noqa: E402


def main():
    cfg = json.loads(sys.argv[1])
    B, T, steps, threads = (int(x) for x in sys.argv[2:6])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    params = {n: (0.02 * torch.randn(s)).requires_grad_(True) for n, s in param_specs(cfg)}
    ids = torch.randint(0, cfg["vocab_size"], (B, T))
    decay = [p for p in params.values() if p.dim() == 2]
    no_decay = [p for p in params.values() if p.dim() == 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}], lr=1e-3, betas=(0.9, 0.95))

    def train_step():
        opt.zero_grad(set_to_none=False)
        _, loss = forward(params, cfg, ids)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(params.values()), 1.0)
        opt.step()

    train_step()  # warm-up
    t0 = time.perf_counter()
    for _ in range(steps):
        train_step()
    train_s = (time.perf_counter() - t0) / steps
    with torch.no_grad():
        forward(params, cfg, ids)
        t0 = time.perf_counter()
        for _ in range(steps):
            forward(params, cfg, ids)
        eval_s = (time.perf_counter() - t0) / steps
    print(json.dumps(dict(torch=torch.__version__, threads=threads, train_tokens_per_s=B * T / train_s, eval_tokens_per_s=B * T / eval_s)))


if __name__ == "__main__":
    main()
