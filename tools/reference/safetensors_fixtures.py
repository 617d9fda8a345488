#!/usr/bin/python3
"""Reference safetensors files, written and parsed by hand with numpy/torch following the format
spec (the `safetensors` package is not installed here), for test/formats/safetensors-interop.

1. Writes test/fixtures/formats/reference.safetensors: an 8-byte little-endian header length,
   a JSON header (in insertion order, not sorted; data laid out by descending itemsize then name,
   as the Rust writer does), space padding to 8 bytes, then raw little-endian tensor data.
   Every supported dtype, a 0-d tensor, an empty tensor, non-ASCII and integer-like names.
2. Writes test/fixtures/formats/reference.safetensors.json: what a reader must find (metadata,
   dtype, shape, offsets, sha256 of the raw bytes, values as float64; F16/BF16 also as bits).
3. Runs OUR writer (src/formats/safetensors via node + tsx) on the entries of that JSON, parses
   its output with the independent parser below, compares every tensor bit for bit with the
   numpy/torch originals, and records the verdict and the file's sha256 in the JSON ("interop").

4. Writes small torch.save checkpoints (test/fixtures/formats/checkpoint/*.bin|*.pt, real
   torch 1.13 zip format) and checkpoint.json (names, dtypes, shapes, values) for the tests of
   src/formats/checkpoint.ts, which assemble folders of them in temporary directories.

Run from anywhere: /usr/bin/python3 tools/reference/safetensors_fixtures.py
"""
import hashlib
import json
import os
import struct
import subprocess
import tempfile

import numpy as np
import torch

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FIXTURES = os.path.join(ROOT, "test", "fixtures", "formats")
NP_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1", "BOOL": "?"}
ITEMSIZE = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}
# Order of the Dtype enum of the reference Rust writer (huggingface/safetensors tensor.rs), which
# sorts tensors by this rank descending, then by name.
RUST_DTYPE_RANK = {"BOOL": 0, "U8": 1, "I8": 2, "I16": 5, "U16": 6, "F16": 7, "BF16": 8, "I32": 9, "F32": 11, "F64": 12, "I64": 13}
METADATA = {"format": "pt", "produced_by": "tools/reference/safetensors_fixtures.py"}


def make_tensors():
    """name -> (dtype, little-endian raw bytes, shape, numpy float64 values)."""
    rng = np.random.default_rng(20240311)
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, 65504.0, 6.0e-8, 1.0 / 3.0]
    arrays = {
        "gpt_neox.embed_in.weight": ("F32", rng.standard_normal((4, 3)).astype("<f4")),
        "gpt_neox.layers.0.input_layernorm.bias": ("F64", rng.standard_normal(5).astype("<f8")),
        "half.special": ("F16", np.array(special, dtype="<f4").astype("<f2").reshape(2, 4)),
        "ids": ("I64", np.array([0, -1, 2**53 - 1, -(2**53) + 1], dtype="<i8")),
        "i32": ("I32", np.array([[2**31 - 1, -(2**31)], [7, -7]], dtype="<i4")),
        "i16": ("I16", np.array([32767, -32768, 5], dtype="<i2")),
        "i8": ("I8", np.array([127, -128, 0, 3], dtype="i1")),
        "u8": ("U8", np.array([0, 1, 128, 254, 255], dtype="u1")),
        "mask": ("BOOL", np.array([True, False, True], dtype="?")),
        "scalar": ("F32", np.array(2.5, dtype="<f4")),
        "empty": ("F32", np.zeros((0, 3), dtype="<f4")),
        "ünïcode.wéight": ("F32", np.array([1.5, -2.25], dtype="<f4")),
        "7": ("I8", np.array([9], dtype="i1")),
    }
    out = {}
    for name, (dtype, a) in arrays.items():
        out[name] = (dtype, a.tobytes(), list(a.shape), a.astype(np.float64).reshape(-1))
    bf = torch.tensor(rng.standard_normal(6).tolist() + [float("inf"), float("nan")], dtype=torch.float32).to(torch.bfloat16).reshape(2, 4)
    bf_bits = bf.view(torch.int16).numpy().astype("<i2")
    out["brain.bf16"] = ("BF16", bf_bits.tobytes(), [2, 4], bf.to(torch.float64).numpy().reshape(-1))
    return out


def write_by_hand(path, tensors, metadata):
    """Header keys in insertion order; data ordered by descending itemsize, then name."""
    order = sorted(tensors, key=lambda n: (-ITEMSIZE[tensors[n][0]], n))
    offsets, at = {}, 0
    for name in order:
        size = len(tensors[name][1])
        offsets[name] = [at, at + size]
        at += size
    header = {"__metadata__": metadata}
    for name, (dtype, _, shape, _) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": offsets[name]}
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name in order:
            f.write(tensors[name][1])
    return offsets


def parse_safetensors(path):
    """Independent parser: returns (metadata, {name: (dtype, shape, raw bytes)}, facts)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    assert 8 + n <= len(blob), "header runs past the end"
    raw = blob[8:8 + n]
    header = json.loads(raw.decode("utf-8"))
    data = blob[8 + n:]
    metadata = header.pop("__metadata__", {})
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())
    out, spans = {}, []
    for name, info in header.items():
        b, e = info["data_offsets"]
        numel = int(np.prod(info["shape"], dtype=np.int64))
        assert e - b == numel * ITEMSIZE[info["dtype"]], name
        assert 0 <= b <= e <= len(data), name
        out[name] = (info["dtype"], info["shape"], data[b:e])
        spans.append((b, e, name))
    spans.sort()
    contiguous = all(spans[i][1] == spans[i + 1][0] for i in range(len(spans) - 1)) and spans[0][0] == 0 and spans[-1][1] == len(data)
    facts = {
        "header_bytes": n,
        "header_padded_to_8": n % 8 == 0,
        "header_starts_with_brace": raw[:1] == b"{",
        "header_order_is_reference_writer_order": list(header.keys()) == sorted(header, key=lambda k: (-RUST_DTYPE_RANK[header[k]["dtype"]], k.encode("utf-8"))),
        "every_tensor_aligned_to_itemsize": all((8 + n + b) % ITEMSIZE[header[name]["dtype"]] == 0 for b, _, name in spans),
        "data_in_header_order": [s[2] for s in spans] == list(header.keys()),
        "data_contiguous_no_gaps": contiguous,
    }
    return metadata, out, facts


def values_of(dtype, raw, shape):
    if dtype == "BF16":
        bits = np.frombuffer(raw, dtype="<i2").copy()
        return torch.from_numpy(bits).view(torch.bfloat16).to(torch.float64).numpy()
    return np.frombuffer(raw, dtype=NP_DTYPES[dtype]).astype(np.float64)


def enc(v):
    v = float(v)
    return "nan" if np.isnan(v) else ("inf" if v == np.inf else ("-inf" if v == -np.inf else v))


def expected_json(tensors, offsets):
    out = {}
    for name, (dtype, raw, shape, values) in tensors.items():
        row = {"dtype": dtype, "shape": shape, "data_offsets": offsets[name], "sha256": hashlib.sha256(raw).hexdigest(), "values": [enc(v) for v in values]}
        if dtype in ("F16", "BF16"):
            row["bits"] = np.frombuffer(raw, dtype="<u2").tolist()
        out[name] = row
    return out


def run_our_writer(fixture_json, out_path):
    code = (
        "import { writeOursFromFixture } from './test/formats/safetensors-fixture.ts';"
        f"await writeOursFromFixture({json.dumps(fixture_json)}, {json.dumps(out_path)});"
    )
    subprocess.run(["node", "--import", "tsx", "--input-type=module", "-e", code], cwd=ROOT, check=True)


def check_ours(tensors, path):
    metadata, parsed, facts = parse_safetensors(path)
    assert metadata == METADATA, metadata
    assert set(parsed) == set(tensors), sorted(set(parsed) ^ set(tensors))
    for name, (dtype, raw, shape, _) in tensors.items():
        pdtype, pshape, praw = parsed[name]
        assert (pdtype, pshape) == (dtype, shape), name
        assert praw == raw, f"{name}: bytes differ"
        assert np.array_equal(values_of(pdtype, praw, pshape), tensors[name][3], equal_nan=True), name
    return facts


def write_checkpoint_fixtures():
    """Tiny torch.save files: two shards of one state dict, and a nested training checkpoint."""
    out_dir = os.path.join(FIXTURES, "checkpoint")
    os.makedirs(out_dir, exist_ok=True)
    g = torch.Generator().manual_seed(7)
    files = {
        "torch_shard1.bin": {"a.weight": torch.randn(2, 3, generator=g), "a.bias": torch.randn(3, generator=g).to(torch.float16)},
        "torch_shard2.bin": {"b.weight": torch.randn(4, generator=g).to(torch.bfloat16), "b.count": torch.tensor(5, dtype=torch.int64)},
        "torch_nested.pt": {"model_state_dict": {"w": torch.randn(2, 2, generator=g)}, "epoch": 3},
    }
    dtypes = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}
    expected = {}
    for name, obj in files.items():
        torch.save(obj, os.path.join(out_dir, name))
        state = obj.get("model_state_dict", obj)
        expected[name] = {
            k: {"dtype": dtypes[t.dtype], "shape": list(t.shape), "values": [enc(v) for v in t.to(torch.float64).reshape(-1).tolist()]}
            for k, t in state.items()
        }
    with open(os.path.join(out_dir, "checkpoint.json"), "w") as f:
        json.dump({"generator": "tools/reference/safetensors_fixtures.py", "torch": torch.__version__, "key_of_nested": "model_state_dict", "files": expected}, f, indent=1)
        f.write("\n")


def main():
    os.makedirs(FIXTURES, exist_ok=True)
    write_checkpoint_fixtures()
    tensors = make_tensors()
    ref_path = os.path.join(FIXTURES, "reference.safetensors")
    offsets = write_by_hand(ref_path, tensors, METADATA)
    metadata, parsed, ref_facts = parse_safetensors(ref_path)
    assert metadata == METADATA and all(parsed[n][2] == tensors[n][1] for n in tensors)
    fixture = {
        "generator": "tools/reference/safetensors_fixtures.py",
        "versions": {"numpy": np.__version__, "torch": torch.__version__},
        "file": "reference.safetensors",
        "file_sha256": hashlib.sha256(open(ref_path, "rb").read()).hexdigest(),
        "metadata": METADATA,
        "header_facts": ref_facts,
        "tensors": expected_json(tensors, offsets),
    }
    json_path = os.path.join(FIXTURES, "reference.safetensors.json")
    with tempfile.TemporaryDirectory() as tmp:
        ours = os.path.join(tmp, "ours.safetensors")
        run_our_writer(fixture, ours)
        facts = check_ours(tensors, ours)
        fixture["interop"] = {
            "what": "our writer's file for these tensors and metadata, parsed by parse_safetensors() above and compared bit for bit with the numpy/torch originals",
            "verdict": "ok",
            "ours_sha256": hashlib.sha256(open(ours, "rb").read()).hexdigest(),
            "ours_bytes": os.path.getsize(ours),
            "tensors_checked": len(tensors),
            "header_facts": facts,
        }
    with open(json_path, "w", encoding="utf-8") as f:
        json.dump(fixture, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("wrote", ref_path, "and", json_path, "interop:", fixture["interop"]["verdict"], fixture["interop"]["header_facts"])


if __name__ == "__main__":
    main()
