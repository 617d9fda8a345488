#!/usr/bin/python3
"""Writes test/fixtures/pytorch/quantized.pt: a torch.save state dict with one float tensor and two
quantized ones, as PyTorch's own quantization writes them (`torch._utils._rebuild_qtensor` with
per-tensor and per-channel quantizer parameters; the per-channel scales and zero points are tensors
nested inside those parameters). The reader must list "q" and "qc" as non-parameter tensors with
their torch dtype and analyze "w"; nothing inside the quantizer parameters is a tensor of the state dict.

Run: /usr/bin/python3 tools/reference/quantized_fixture.py   (Debian python with torch 1.13)
"""
import os

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "pytorch", "quantized.pt")

w = torch.tensor([1.0, 2.0, 3.0, 4.0])
q = torch.quantize_per_tensor(torch.tensor([1.0, 2.0, 3.0, 4.0]), 0.1, 10, torch.qint8)
qc = torch.quantize_per_channel(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([0.1, 0.2]), torch.tensor([0, 1]), 0, torch.quint8)
torch.save({"w": w, "q": q, "qc": qc}, OUT)
loaded = torch.load(OUT)
assert torch.equal(loaded["w"], w) and torch.equal(loaded["q"].int_repr(), q.int_repr())
print(f"wrote {OUT}")
