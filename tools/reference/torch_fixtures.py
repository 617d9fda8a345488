#!/usr/bin/python3
"""Writes the PyTorch-reader fixtures under test/fixtures/pytorch/ with real torch.save.

Each checkpoint <name>.pt gets <name>.expected.json (per key selection: tensor names, dtypes,
shapes, storage offsets, strides, offsets into the .bin) and <name>.expected.bin (every tensor's
values as torch gives them, converted to float64, little-endian). Malicious pickles are never
loaded by a normal unpickler here: they are only checked to be refused by torch.load(weights_only=True).

Run: /usr/bin/python3 tools/reference/torch_fixtures.py   (Debian python with torch 1.13)
"""
import collections
import io
import json
import os
import struct
import zipfile
import zlib

import torch
from torch import nn

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "pytorch")
DTYPES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL",
}


# ---------------------------------------------------------------- checkpoints

class Rotary(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.register_buffer("inv_freq", 1.0 / (10000 ** (torch.arange(0, dim, 2).float() / dim)))


class Attention(nn.Module):
    def __init__(self, hidden, ctx):
        super().__init__()
        self.register_buffer("bias", torch.tril(torch.ones((ctx, ctx), dtype=torch.bool)).view(1, 1, ctx, ctx))
        self.register_buffer("masked_bias", torch.tensor(-1e9))
        self.rotary_emb = Rotary(4)
        self.query_key_value = nn.Linear(hidden, 3 * hidden)
        self.dense = nn.Linear(hidden, hidden)


class Layer(nn.Module):
    def __init__(self, hidden, ctx):
        super().__init__()
        self.input_layernorm = nn.LayerNorm(hidden)
        self.attention = Attention(hidden, ctx)
        self.mlp = nn.Sequential(collections.OrderedDict(dense_h_to_4h=nn.Linear(hidden, 4 * hidden), dense_4h_to_h=nn.Linear(4 * hidden, hidden)))


class NeoX(nn.Module):
    def __init__(self, vocab=24, hidden=8, ctx=8):
        super().__init__()
        self.embed_in = nn.Embedding(vocab, hidden)
        self.layers = nn.ModuleList([Layer(hidden, ctx), Layer(hidden, ctx), Layer(hidden, ctx)])
        self.final_layer_norm = nn.LayerNorm(hidden)
        self.register_buffer("position_ids", torch.arange(ctx, dtype=torch.int64).view(1, ctx) * 3 - 7)
        self.register_buffer("empty_buffer", torch.empty(0, 5))


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.gpt_neox = NeoX()
        self.embed_out = nn.Linear(8, 24, bias=False)


def pythia_state_dict():
    torch.manual_seed(1)
    m = Model()
    with torch.no_grad():
        for p in m.parameters():
            p.add_(torch.randn_like(p) * 0.3)
    m.gpt_neox.layers[1].half()
    m.gpt_neox.layers[2].to(torch.bfloat16)
    m.gpt_neox.final_layer_norm.double()
    return m.state_dict()


def views_dict():
    torch.manual_seed(2)
    base = torch.randn(4, 6)
    flat = base.view(-1)
    half = torch.randn(5, 3).half()
    col = torch.randn(3, 1)
    return collections.OrderedDict([
        ("base", base),
        ("transposed", base.t()),
        ("slice_rows", base[1:3]),
        ("narrow_cols", base.narrow(1, 1, 3)),
        ("shared_flat", flat[5:17]),
        ("step_slice", base[::2, ::3]),
        ("expanded", col.expand(3, 4)),
        ("half_transposed", half.t()),
        ("scalar", torch.tensor(2.5, dtype=torch.float64)),
        ("empty", torch.zeros(2, 0, 3)),
        ("select_view", base[2]),
    ])


def nested_checkpoint():
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(4, 3), nn.LayerNorm(3), nn.Linear(3, 2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss = model(torch.randn(5, 4)).pow(2).mean()
    loss.backward()
    opt.step()
    return {"model_state_dict": model.state_dict(), "optimizer_state_dict": opt.state_dict(), "epoch": 3, "loss": float(loss)}


def small_sd(seed, n):
    torch.manual_seed(seed)
    return collections.OrderedDict((f"block.{i}.weight", torch.randn(2, 3)) for i in range(n))


def multi_checkpoint():
    return {
        "generator": small_sd(10, 2), "discriminator": small_sd(11, 1),
        "ema": {"model": small_sd(12, 2), "decay": 0.999}, "epoch": 1, "dtype": torch.float32,
    }


# ---------------------------------------------------------------- expected values

def flatten(value, prefix=""):
    """Names every tensor under a dict, joining nested keys with '.' (the reader's naming)."""
    if isinstance(value, torch.Tensor):
        return [(prefix, value)]
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            out += flatten(v, f"{prefix}.{k}" if prefix else str(k))
    return out


def write_expected(name, loaded, selections):
    """selections: list of (key or None, dict or tensor selected by that key)."""
    blob = bytearray()
    manifest = {"file": f"{name}.pt", "torch": torch.__version__, "selections": []}
    for key, value in selections:
        tensors = []
        for tname, t in flatten(value):
            values = t.detach().double().contiguous().view(-1).tolist()
            tensors.append({
                "name": tname, "dtype": DTYPES[t.dtype], "shape": list(t.shape), "numel": t.numel(),
                "storage_offset": t.storage_offset(), "stride": list(t.stride()), "contiguous": t.is_contiguous(),
                "offset": len(blob) // 8,
            })
            blob += struct.pack(f"<{len(values)}d", *values)
        manifest["selections"].append({"key": key, "tensors": tensors})
    with open(os.path.join(OUT, f"{name}.expected.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    with open(os.path.join(OUT, f"{name}.expected.bin"), "wb") as f:
        f.write(blob)


def save_and_check(name, obj):
    path = os.path.join(OUT, f"{name}.pt")
    torch.save(obj, path)
    return torch.load(path)


# ---------------------------------------------------------------- zip rewriting

def local_header(info_name, crc, csize, usize, method, extra):
    n = info_name.encode()
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, method, 0, 0x21, crc, csize, usize, len(n), len(extra)) + n + extra


def write_zip(path, entries, zip64=False, deflate=()):
    """Writes (name, data) entries like torch does (data aligned to 64 bytes), optionally with
    zip64 extras in local and central headers plus a zip64 end record, and DEFLATE for names in `deflate`."""
    out = bytearray()
    central = []
    for name, data in entries:
        method = 8 if name in deflate else 0
        stored = zlib.compress(data)[2:-4] if method == 8 else data
        crc = zlib.crc32(data)
        offset = len(out)
        n = name.encode()
        z64_local = struct.pack("<HHQQ", 1, 16, len(data), len(stored)) if zip64 else b""
        base = 30 + len(n) + len(z64_local) + 4
        pad = (-base) % 64
        extra = z64_local + struct.pack("<HH", 0x4246, pad) + b"Z" * pad
        sizes = (0xFFFFFFFF, 0xFFFFFFFF) if zip64 else (len(stored), len(data))
        out += local_header(name, crc, sizes[0], sizes[1], method, extra) + stored
        central.append((n, crc, len(stored), len(data), offset, method))
    cd_start = len(out)
    for n, crc, csize, usize, offset, method in central:
        if zip64:
            extra = struct.pack("<HHQQQ", 1, 24, usize, csize, offset)
            csize32, usize32, off32 = 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF
        else:
            extra, csize32, usize32, off32 = b"", csize, usize, offset
        out += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, method, 0, 0x21, crc, csize32, usize32,
                           len(n), len(extra), 0, 0, 0, 0, off32) + n + extra
    cd_size = len(out) - cd_start
    count = len(central)
    if zip64:
        z64_start = len(out)
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, cd_size, cd_start)
        out += struct.pack("<IIQI", 0x07064B50, 0, z64_start, 1)
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    else:
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, cd_size, cd_start, 0)
    with open(path, "wb") as f:
        f.write(out)


def zip_entries(path):
    with zipfile.ZipFile(path) as z:
        return [(i.filename, z.read(i.filename)) for i in z.infolist()]


def same_tensors(a, b):
    fa, fb = flatten(a), flatten(b)
    assert [n for n, _ in fa] == [n for n, _ in fb]
    for (_, x), (_, y) in zip(fa, fb):
        assert x.dtype == y.dtype and x.shape == y.shape and torch.equal(x, y)


# ---------------------------------------------------------------- malicious pickles

def evil_archive(name, pickle_bytes):
    write_zip(os.path.join(OUT, f"{name}.pt"), [(f"{name}/data.pkl", pickle_bytes), (f"{name}/version", b"3\n")])
    try:
        torch.load(os.path.join(OUT, f"{name}.pt"), weights_only=True)
    except Exception as err:  # torch's own restricted unpickler refuses it too
        print(f"  {name}: torch weights_only refuses: {str(err).splitlines()[0][:90]}")
        return
    raise AssertionError(f"{name} was accepted by torch weights_only")


class Evil:
    def __reduce__(self):
        return (os.system, ("echo this must never run",))


# ---------------------------------------------------------------- plain pickles (no torch)

def plain_object():
    shared = ["shared", 1]
    return {
        "ints": [0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31 - 1, 2**31, 2**53 + 1, -(2**63), 2**100, -(2**70) + 3],
        "floats": [0.0, -0.0, 1.5, -2.25e-300, 1e308, 0.1, float("inf"), float("-inf"), float("nan")],
        "strs": ["", "ascii", "unicodé ✓ 𝔘", "x" * 300],
        "bytes": [b"", b"\x00\xff\x80abc", bytes(range(256)) * 2],
        "consts": (None, True, False),
        "tuples": [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)],
        "nested": {"a": {"b": [1, {"c": (2, 3)}]}, 7: "int key", (1, 2): "tuple key"},
        "sets": [set(), {1, 2, 3}, frozenset(), frozenset({"z"})],
        "memo": [shared, shared, (shared,)],
        "ordered": collections.OrderedDict([("z", 1), ("a", 2)]),
    }


def tagged(v):
    """The expected value in a JSON form the TypeScript test can rebuild exactly."""
    if v is None:
        return {"t": "none"}
    if isinstance(v, bool):
        return {"t": "bool", "v": v}
    if isinstance(v, int):
        return {"t": "int", "v": str(v)}
    if isinstance(v, float):
        return {"t": "float", "v": repr(v)}
    if isinstance(v, str):
        return {"t": "str", "v": v}
    if isinstance(v, bytes):
        return {"t": "bytes", "v": v.hex()}
    if isinstance(v, tuple):
        return {"t": "tuple", "v": [tagged(x) for x in v]}
    if isinstance(v, list):
        return {"t": "list", "v": [tagged(x) for x in v]}
    if isinstance(v, dict):
        return {"t": "dict", "v": [[tagged(k), tagged(x)] for k, x in v.items()]}
    if isinstance(v, (set, frozenset)):
        return {"t": "frozenset" if isinstance(v, frozenset) else "set", "v": sorted((tagged(x) for x in v), key=json.dumps)}
    raise TypeError(type(v))


def write_plain_pickles():
    import pickle
    obj = plain_object()
    for proto in (2, 3, 4, 5):
        with open(os.path.join(OUT, f"plain_p{proto}.pkl"), "wb") as f:
            f.write(pickle.dumps(obj, protocol=proto))
    with open(os.path.join(OUT, "plain.expected.json"), "w") as f:
        json.dump(tagged(obj), f, ensure_ascii=True)


def main():
    os.makedirs(OUT, exist_ok=True)
    write_plain_pickles()
    sd = pythia_state_dict()
    loaded = save_and_check("pythia_small", sd)
    same_tensors(sd, loaded)
    write_expected("pythia_small", loaded, [(None, loaded)])

    # zip64: same archive rewritten with zip64 extras and a zip64 end record; torch must still read it
    write_zip(os.path.join(OUT, "pythia_small_zip64.pt"), zip_entries(os.path.join(OUT, "pythia_small.pt")), zip64=True)
    with zipfile.ZipFile(os.path.join(OUT, "pythia_small_zip64.pt")) as z:
        assert z.testzip() is None
    same_tensors(sd, torch.load(os.path.join(OUT, "pythia_small_zip64.pt")))

    views = views_dict()
    loaded = save_and_check("views", views)
    same_tensors(views, loaded)
    assert loaded["shared_flat"].storage().data_ptr() == loaded["base"].storage().data_ptr()
    write_expected("views", loaded, [(None, loaded)])

    nested = nested_checkpoint()
    loaded = save_and_check("nested", nested)
    write_expected("nested", loaded, [(None, loaded["model_state_dict"]), ("optimizer_state_dict", loaded["optimizer_state_dict"])])

    # data.pkl deflated (allowed, it is small); then a deflated storage (refused by our reader)
    entries = zip_entries(os.path.join(OUT, "nested.pt"))
    write_zip(os.path.join(OUT, "nested_deflated_pkl.pt"), entries, deflate={entries[0][0]})
    same_tensors(nested, torch.load(os.path.join(OUT, "nested_deflated_pkl.pt")))
    storage = next(n for n, _ in entries if "/data/" in n)
    write_zip(os.path.join(OUT, "nested_deflated_storage.pt"), entries, deflate={storage})
    same_tensors(nested, torch.load(os.path.join(OUT, "nested_deflated_storage.pt")))

    # nn.Parameter objects (pickled through torch._utils._rebuild_parameter), not plain tensors
    torch.manual_seed(4)
    params = collections.OrderedDict(nn.Sequential(nn.Linear(3, 2), nn.LayerNorm(2)).named_parameters())
    loaded = save_and_check("parameters", params)
    assert all(isinstance(v, nn.Parameter) for v in loaded.values())
    write_expected("parameters", loaded, [(None, loaded)])

    multi = multi_checkpoint()
    loaded = save_and_check("multi", multi)
    write_expected("multi", loaded, [("ema.model", loaded["ema"]["model"]), ("discriminator", loaded["discriminator"])])

    evil_archive("evil_os_system", b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00echo\x85R.")
    evil_archive("evil_eval", b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00\x8c\x08builtins\x8c\x04eval\x93\x8c\x041+1\x85R.")
    # A real torch.save archive whose dict hides a reducer deep inside, after valid tensors.
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2), "meta": {"hook": Evil()}}, buf)
    entries = [(n.replace(n.split("/")[0], "evil_nested", 1), d) for n, d in zip_entries_bytes(buf)]
    write_zip(os.path.join(OUT, "evil_nested.pt"), entries)
    try:
        torch.load(os.path.join(OUT, "evil_nested.pt"), weights_only=True)
        raise AssertionError("evil_nested accepted by weights_only")
    except Exception as err:
        print(f"  evil_nested: torch weights_only refuses: {str(err).splitlines()[0][:90]}")
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, to {os.path.normpath(OUT)}")


def zip_entries_bytes(buf):
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        return [(i.filename, z.read(i.filename)) for i in z.infolist()]


if __name__ == "__main__":
    main()
