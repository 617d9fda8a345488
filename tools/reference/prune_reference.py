#!/usr/bin/python3
"""Independent reference for src/prune: a small random GPT-NeoX checkpoint, magnitude-pruning
masks computed with numpy (argsort with the documented tie rule), and the loss before and after
pruning from the PyTorch GPT-NeoX of gpt_neox_reference.py under the evaluation protocol.

Run: /usr/bin/python3 tools/reference/prune_reference.py   (writes test/fixtures/prune/)

Conventions checked (src/prune/masks.ts states them too):
- prunable set: 2-D `.weight` of attention.query_key_value, attention.dense, mlp.dense_h_to_4h,
  mlp.dense_4h_to_h (not embeddings, LayerNorm, biases);
- k = floor(s * n + 0.5) weights are pruned (n: all prunable weights for global scope, one
  tensor's for tensor scope);
- ranking: by |w| ascending; ties by tensor name (code-point order), then by row-major index.
  Existing zeros have |w| = 0 and so are pruned first.
Cases: "f32" (model.safetensors, float32, values on a 1/512 grid so that many ties exist, some
exact zeros) and "f16" (pytorch_model.bin, float16 copy of the same weights, torch.save).
"""
import base64
import json
import math
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from gpt_neox_reference import forward, param_specs  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "prune")
CONFIG = dict(vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
              intermediate_size=64, rotary_pct=0.25, rotary_emb_base=10000,
              max_position_embeddings=16, layer_norm_eps=1e-5, use_parallel_residual=True)
SPARSITIES = [0.1, 0.5, 0.9]
SCOPES = ["global", "tensor"]
N_TOKENS = 50  # three full windows of 16 and a last window of 2 tokens
PRUNABLE_SUFFIXES = ("attention.query_key_value.weight", "attention.dense.weight",
                     "mlp.dense_h_to_4h.weight", "mlp.dense_4h_to_h.weight")


def make_params(rng):
    params = {}
    for name, shape in param_specs(CONFIG):
        if name.endswith("norm.weight"):
            a = 1.0 + 0.1 * rng.standard_normal(shape)
        elif name.endswith(".bias"):
            a = 0.05 * rng.standard_normal(shape)
        else:
            a = 0.15 * rng.standard_normal(shape)
            a = np.round(a * 512) / 512  # a coarse grid: many exact ties and some exact zeros
        params[name] = a.astype(np.float32)
    return params


def is_prunable(name, shape):
    return len(shape) == 2 and name.startswith("gpt_neox.layers.") and name.endswith(PRUNABLE_SUFFIXES)


def pruned_count(n, s):
    return int(math.floor(s * n + 0.5))


def order_by_magnitude(arrays):
    """Element order of the concatenated arrays (already sorted by name): |w|, tensor, index."""
    absval = np.concatenate([np.abs(a.astype(np.float64)).ravel() for a in arrays])
    tensor = np.concatenate([np.full(a.size, i) for i, a in enumerate(arrays)])
    index = np.concatenate([np.arange(a.size) for a in arrays])
    return np.lexsort((index, tensor, absval))  # last key is the primary one


def magnitude_masks(params, names, s, scope):
    masks = {}
    if scope == "global":
        arrays = [params[n] for n in names]
        total = sum(a.size for a in arrays)
        chosen = order_by_magnitude(arrays)[:pruned_count(total, s)]
        flat = np.zeros(total, dtype=bool)
        flat[chosen] = True
        at = 0
        for n, a in zip(names, arrays):
            masks[n] = flat[at:at + a.size].reshape(a.shape)
            at += a.size
    else:
        for n in names:
            a = params[n]
            m = np.zeros(a.size, dtype=bool)
            m[order_by_magnitude([a])[:pruned_count(a.size, s)]] = True
            masks[n] = m.reshape(a.shape)
    return masks


def protocol_loss(params, tokens):
    """Mean next-token loss over consecutive non-overlapping windows of max_position_embeddings."""
    W = CONFIG["max_position_embeddings"]
    p = {k: torch.from_numpy(v.astype(np.float32)) for k, v in params.items()}
    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(tokens), W):
            window = tokens[start:start + W]
            if len(window) < 2:
                continue
            _, loss = forward(p, CONFIG, torch.tensor([window]))
            total += float(loss) * (len(window) - 1)
            count += len(window) - 1
    return total / count, count


def write_safetensors(path, params, dtype):
    header, blobs, offset = {}, [], 0
    for name, _ in param_specs(CONFIG):
        b = params[name].astype(dtype).astype("<" + np.dtype(dtype).str[1:]).tobytes()
        header[name] = {"dtype": {np.float32: "F32", np.float16: "F16"}[dtype], "shape": list(params[name].shape),
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def run_case(case, params, names, tokens):
    loss_before, predictions = protocol_loss(params, tokens)
    results = []
    for scope in SCOPES:
        for s in SPARSITIES:
            masks = magnitude_masks(params, names, s, scope)
            pruned = {k: (np.where(masks[k], 0, v).astype(v.dtype) if k in masks else v) for k, v in params.items()}
            loss_after, _ = protocol_loss(pruned, tokens)
            bits = {n: base64.b64encode(np.packbits(masks[n].ravel(), bitorder="little").tobytes()).decode() for n in names}
            zeros = {n: int((pruned[n] == 0).sum()) for n in names}
            results.append(dict(scope=scope, sparsity=s, loss_after=loss_after, masks=bits, zeros=zeros))
            print(f"{case} {scope} s={s}: loss {loss_before:.6f} -> {loss_after:.6f}")
    return dict(loss_before=loss_before, predictions=predictions, cases=results)


def main():
    torch.set_num_threads(1)
    rng = np.random.default_rng(20240307)
    params = make_params(rng)
    names = sorted(n for n, shape in param_specs(CONFIG) if is_prunable(n, shape))  # Python str order = code points
    tokens = rng.integers(0, CONFIG["vocab_size"], N_TOKENS).tolist()
    os.makedirs(OUT, exist_ok=True)
    config_json = dict(CONFIG, architectures=["GPTNeoXForCausalLM"], model_type="gpt_neox", hidden_act="gelu",
                       tie_word_embeddings=False, initializer_range=0.02, attention_bias=True, bos_token_id=0, eos_token_id=0)
    out = dict(generator="tools/reference/prune_reference.py", torch=torch.__version__, numpy=np.__version__,
               tie_rule="|w| ascending, then tensor name (code points), then row-major index; k = floor(s*n + 0.5)",
               prunable=names, tokens=tokens, sparsities=SPARSITIES)
    for case, dtype in (("f32", np.float32), ("f16", np.float16)):
        folder = os.path.join(OUT, case)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(dict(config_json, torch_dtype={"f32": "float32", "f16": "float16"}[case]), f, indent=1)
        cast = {k: v.astype(dtype) for k, v in params.items()}
        if case == "f32":
            write_safetensors(os.path.join(folder, "model.safetensors"), cast, dtype)
        else:
            torch.save({k: torch.from_numpy(v) for k, v in cast.items()}, os.path.join(folder, "pytorch_model.bin"))
        out[case] = run_case(case, cast, names, tokens)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
