#!/usr/bin/python3
"""The PyTorch peer of bench/analyze-pythia.ts: what a Python user's script computes per tensor
over a checkpoint series (mean, std, skewness, excess kurtosis, min, max; 11 quantiles; a
2000-bin torch.histc; the fraction of |w| <= 1e-3), for every floating-point parameter tensor
of every checkpoint folder given (pytorch_model.bin via torch.load, model.safetensors via
its header and torch.frombuffer). Buffers (attention.bias, masked_bias, inv_freq) are skipped as
our analyze skips them. torch.quantile refuses inputs over 16M elements, so quantiles come from
one sort. Prints one JSON line: bytes (of the float tensors), seconds (wall), cpu_seconds, tensors.

Run: /usr/bin/python3 tools/reference/pythia_stats_torch.py /tmp/pythia-160m/bin/step0 ...
"""
import json
import os
import struct
import sys
import time

import torch

QUANTILES = torch.tensor([0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999], dtype=torch.float64)
DTYPES = {"F16": torch.float16, "BF16": torch.bfloat16, "F32": torch.float32}
BUFFERS = ("attention.bias", "attention.masked_bias", "rotary_emb.inv_freq")


def load(folder):
    st = os.path.join(folder, "model.safetensors")
    if os.path.exists(st):
        with open(st, "rb") as f:
            data = bytearray(f.read())
        n = struct.unpack("<Q", data[:8])[0]
        header = json.loads(data[8:8 + n])
        base = 8 + n
        out = {}
        for name, h in header.items():
            if name == "__metadata__" or h["dtype"] not in DTYPES:
                continue
            a, b = h["data_offsets"]
            out[name] = torch.frombuffer(data, dtype=DTYPES[h["dtype"]], offset=base + a, count=(b - a) // torch.tensor([], dtype=DTYPES[h["dtype"]]).element_size()).view(h["shape"])
        return out
    return torch.load(os.path.join(folder, "pytorch_model.bin"), map_location="cpu")


def tensor_stats(t):
    v = t.reshape(-1).float()
    mean = v.mean()
    d = v - mean
    m2, m3, m4 = (d * d).mean(), (d ** 3).mean(), (d ** 4).mean()
    s = v.sort().values
    idx = (QUANTILES * (v.numel() - 1)).round().long()
    return dict(mean=float(mean), std=float(m2.sqrt()), skew=float(m3 / m2 ** 1.5), kurt=float(m4 / m2 ** 2 - 3),
                min=float(s[0]), max=float(s[-1]), quantiles=s[idx].tolist(),
                hist=torch.histc(v, bins=2000, min=float(s[0]), max=float(s[-1])),
                near_zero=float((v.abs() <= 1e-3).float().mean()))


def main():
    torch.set_num_threads(2)
    started, cpu0, nbytes, count = time.time(), time.process_time(), 0, 0
    for folder in sys.argv[1:]:
        for name, t in load(folder).items():
            if not t.is_floating_point() or any(name.endswith(b) for b in BUFFERS):
                continue
            tensor_stats(t)
            nbytes += t.numel() * t.element_size()
            count += 1
    print(json.dumps(dict(bytes=nbytes, seconds=time.time() - started, cpu_seconds=time.process_time() - cpu0, tensors=count)))


if __name__ == "__main__":
    main()
