#!/usr/bin/python3
"""Reads an export with TensorBoard's own Python loader, as `tensorboard --load_fast=false` does.

Needs the `tensorboard` Python package: installed (pip), or a source checkout whose .proto files
were compiled in place with protoc, given as TB_SRC=/path/to/tensorboard-checkout (plus absl and
numpy). For every run folder under DIR: the plugins TensorBoard sees, and for every histogram
(tensor_util.make_ndarray) a [k, 3] array with ordered rows whose counts sum to the exported
finite_count (a float32 scalar: the sum is rounded to float32 first), passed through the Distributions dashboard's compressor.

  TB_SRC=... /usr/bin/python3 tools/reference/tensorboard_own_loader.py DIR
"""
import os
import sys

if os.environ.get("TB_SRC"):
    sys.path.insert(0, os.environ["TB_SRC"])

import numpy as np
from tensorboard.backend.event_processing import plugin_event_accumulator as pea
from tensorboard.plugins.distribution import compressor
from tensorboard.util import tensor_util


def stats_tag(hist_tag):
    if hist_tag.startswith("hist/"):
        return "stats/" + hist_tag[len("hist/"):] + "/finite_count"
    return "group_stats/" + hist_tag[len("group_hist/"):] + "/finite_count"


def check_run(path):
    acc = pea.EventAccumulator(path, size_guidance={pea.TENSORS: 0})
    acc.Reload()
    tags = acc.Tags()["tensors"]
    hist = [t for t in tags if acc.SummaryMetadata(t).plugin_data.plugin_name == "histograms"]
    texts = [t for t in tags if acc.SummaryMetadata(t).plugin_data.plugin_name == "text"]
    n = 0
    for tag in hist:
        finite = {e.step: float(tensor_util.make_ndarray(e.tensor_proto)) for e in acc.Tensors(stats_tag(tag))}
        for e in acc.Tensors(tag):
            rows = tensor_util.make_ndarray(e.tensor_proto)
            assert rows.ndim == 2 and rows.shape[1] == 3, (tag, e.step, rows.shape)
            assert np.float32(rows[:, 2].sum()) == finite[e.step], (tag, e.step, rows[:, 2].sum(), finite[e.step])
            assert np.all(rows[:, 0] < rows[:, 1]) and np.all(rows[1:, 0] >= rows[:-1, 1]), (tag, e.step)
            if len(rows):
                compressor.compress_histogram(rows)
            n += 1
    for tag in texts:
        for e in acc.Tensors(tag):
            tensor_util.make_ndarray(e.tensor_proto).item().decode("utf-8")
    print(f"{os.path.basename(path)}: plugins {sorted(acc.ActivePlugins())}, {len(tags)} tags, {n} histograms "
          f"(counts = finite_count, ordered, compressor ok), {len(texts)} text tags")


def main():
    folder = sys.argv[1]
    for run in sorted(os.listdir(folder)):
        if os.path.isdir(os.path.join(folder, run)):
            check_run(os.path.join(folder, run))


if __name__ == "__main__":
    main()
