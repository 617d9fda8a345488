#!/usr/bin/python3
"""Independent reader of forking-paths' TensorBoard export, for the fixture test.

Reads every events.out.tfevents.* file under a folder (one sub-folder per run) with Debian's
python3-protobuf and the messages of tensorboard_subset.proto compiled by protoc, and checks:
- TFRecord framing: both masked CRC-32C of every record (CRC-32C computed here bit by bit);
- the first record is the "brain.Event:2" file_version event; steps never decrease;
- plugin metadata on the first value of each tensor tag: "histograms" or "text", data class
  DATA_CLASS_TENSOR, plugin content a version-0 plugin-data message;
- every histogram is a [k, 3] DT_DOUBLE tensor whose rows are exact buckets of the log-linear
  histogram (edges are bfloat16 magnitudes, i.e. float32 with the low 16 bits zero, one bucket
  wide), in increasing order, with positive integer counts summing to the tensor's finite
  element count (numel - nan - posinf - neginf from the exported scalars at the same step; the
  scalars are float32, so the sum is compared after rounding to float32);
- text values are rank-0 DT_STRING tensors of UTF-8.
Writes a JSON summary of everything read (test/fixtures/tensorboard/reader.json by default),
which test/store/tensorboard/fixture.test.ts compares with the export.

  /usr/bin/python3 tools/reference/tensorboard_reader.py [DIR] [OUT.json]
"""
import atexit
import importlib
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_DIR = os.path.join(ROOT, "test", "fixtures", "tensorboard")


def load_protos():
    out = tempfile.mkdtemp(prefix="tb-pb-")
    atexit.register(shutil.rmtree, out, True)  # the generated module is only needed while it runs
    subprocess.run(["protoc", f"--proto_path={HERE}", f"--python_out={out}", "tensorboard_subset.proto"], check=True)
    sys.path.insert(0, out)
    return importlib.import_module("tensorboard_subset_pb2")


def crc32c(data):
    """CRC-32C (Castagnoli), bit by bit: reflected polynomial 0x82F63B78."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def masked(crc):
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def records(path):
    data = open(path, "rb").read()
    pos = 0
    while pos < len(data):
        header = data[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", data[pos + 8:pos + 12])
        assert length_crc == masked(crc32c(header)), f"{path}: length CRC of the record at byte {pos}"
        payload = data[pos + 12:pos + 12 + length]
        assert len(payload) == length, f"{path}: truncated record at byte {pos}"
        (payload_crc,) = struct.unpack("<I", data[pos + 12 + length:pos + 16 + length])
        assert payload_crc == masked(crc32c(payload)), f"{path}: payload CRC of the record at byte {pos}"
        yield payload
        pos += 16 + length


def f32_bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def f32_of_bits(bits):
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def bucket_key(left, right):
    """Key (sign bit 15, then the top 15 magnitude bits of float32) of a bucket, checking its edges."""
    negative = left < 0
    lo, hi = (abs(right), abs(left)) if negative else (left, right)
    bits = f32_bits(lo)
    assert f32_of_bits(bits) == lo and bits & 0xFFFF == 0, f"edge {lo!r} is not a bfloat16 value"
    magnitude_key = bits >> 16
    upper = 2.0 ** 128 if magnitude_key + 1 == 0x7F80 else f32_of_bits((magnitude_key + 1) << 16)
    assert hi == upper, f"bucket [{left!r}, {right!r}] is not one key wide (expected upper magnitude {upper!r})"
    return (0x8000 if negative else 0) | magnitude_key


def as_float32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def stats_prefix(hist_tag):
    if hist_tag.startswith("hist/"):
        return "stats/" + hist_tag[len("hist/"):] + "/"
    if hist_tag.startswith("group_hist/"):
        return "group_stats/" + hist_tag[len("group_hist/"):] + "/"
    raise AssertionError(f"unexpected histogram tag {hist_tag}")


def read_run(pb, path):
    out = {"file": os.path.basename(path), "records": 0, "histograms": {}, "scalars": {}, "texts": {}, "metadata": {}, "steps": []}
    metadata_seen = set()
    last_step = None
    for i, payload in enumerate(records(path)):
        out["records"] += 1
        event = pb.Event.FromString(payload)
        assert math.isfinite(event.wall_time)
        if i == 0:
            assert event.WhichOneof("what") == "file_version", "first record is the file_version event"
            out["file_version"] = event.file_version
            out["writer"] = event.source_metadata.writer
            continue
        assert event.WhichOneof("what") == "summary", f"record {i} is a summary event"
        assert last_step is None or event.step >= last_step, f"record {i}: step {event.step} after {last_step}"
        last_step = event.step
        if not out["steps"] or out["steps"][-1] != event.step:
            out["steps"].append(event.step)
        for value in event.summary.value:
            read_value(pb, value, event.step, out, metadata_seen)
    check_counts(out)
    return out


def read_value(pb, value, step, out, metadata_seen):
    tag = value.tag
    kind = value.WhichOneof("value")
    if kind == "simple_value":
        assert math.isfinite(value.simple_value), f"{tag} step {step}: non-finite scalar"
        out["scalars"].setdefault(tag, []).append([step, value.simple_value])
        return
    assert kind == "tensor", f"{tag}: value kind {kind}"
    if value.HasField("metadata"):
        assert tag not in metadata_seen, f"{tag}: metadata repeated"
        md = value.metadata
        plugin = md.plugin_data.plugin_name
        version_message = pb.HistogramPluginData if plugin == "histograms" else pb.TextPluginData
        out["metadata"][tag] = {
            "plugin_name": plugin,
            "data_class": pb.DataClass.Name(md.data_class),
            "content_version": version_message.FromString(md.plugin_data.content).version,
        }
    metadata_seen.add(tag)
    assert tag in out["metadata"], f"{tag}: first value has no metadata"
    plugin = out["metadata"][tag]["plugin_name"]
    tensor = value.tensor
    shape = [d.size for d in tensor.tensor_shape.dim]
    if plugin == "histograms":
        assert tensor.dtype == pb.DT_DOUBLE and len(shape) == 2 and shape[1] == 3, f"{tag}: [k, 3] DT_DOUBLE"
        k = shape[0]
        flat = struct.unpack(f"<{3 * k}d", tensor.tensor_content) if tensor.tensor_content else tuple(tensor.double_val)
        assert len(flat) == 3 * k, f"{tag}: {len(flat)} values for shape {shape}"
        rows = [list(flat[3 * j:3 * j + 3]) for j in range(k)]
        keys = []
        for j, (left, right, count) in enumerate(rows):
            assert left < right and count > 0 and count == int(count), f"{tag} step {step}: row {j}"
            assert j == 0 or rows[j - 1][1] <= left, f"{tag} step {step}: rows out of order at {j}"
            keys.append(bucket_key(left, right))
        out["histograms"].setdefault(tag, []).append({"step": step, "keys": keys, "rows": rows})
    elif plugin == "text":
        assert tensor.dtype == pb.DT_STRING and shape == [] and len(tensor.string_val) == 1, f"{tag}: rank-0 DT_STRING"
        out["texts"].setdefault(tag, []).append([step, tensor.string_val[0].decode("utf-8")])
    else:
        raise AssertionError(f"{tag}: unexpected plugin {plugin}")


def check_counts(out):
    scalars = {tag: dict(points) for tag, points in out["scalars"].items()}
    checked = 0
    for tag, series in out["histograms"].items():
        prefix = stats_prefix(tag)
        for h in series:
            step = h["step"]
            total = sum(row[2] for row in h["rows"])
            finite = scalars[prefix + "finite_count"][step]
            numel = scalars[prefix + "numel"][step]
            nonfinite = sum(scalars[prefix + c][step] for c in ("nan_count", "posinf_count", "neginf_count"))
            # Scalars are float32: counts above 2^24 arrive rounded, the histogram's counts exactly.
            assert as_float32(total) == finite == as_float32(as_float32(numel) - nonfinite), f"{tag} step {step}: counts sum {total}, finite {finite}, numel - nonfinite {numel - nonfinite}"
            h["count_sum"] = total
            checked += 1
    out["histograms_checked"] = checked


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_DIR
    dest = sys.argv[2] if len(sys.argv) > 2 else os.path.join(folder, "reader.json")
    pb = load_protos()
    runs = {}
    for run in sorted(os.listdir(folder)):
        run_dir = os.path.join(folder, run)
        if not os.path.isdir(run_dir):
            continue
        files = sorted(f for f in os.listdir(run_dir) if "tfevents" in f)
        assert len(files) == 1, f"{run_dir}: {len(files)} event files"
        runs[run] = read_run(pb, os.path.join(run_dir, files[0]))
    result = {"generated_by": "tools/reference/tensorboard_reader.py (python3-protobuf, protoc)", "runs": runs}
    with open(dest, "w") as f:
        json.dump(result, f, indent=None, separators=(",", ":"), sort_keys=True, allow_nan=False)
        f.write("\n")
    for run, r in runs.items():
        print(f"{run}: {r['records']} records, CRCs valid, {len(r['steps'])} steps, {r['histograms_checked']} histograms with counts = finite count, "
              f"{sum(len(v) for v in r['scalars'].values())} scalars, {sum(len(v) for v in r['texts'].values())} texts")


if __name__ == "__main__":
    main()
