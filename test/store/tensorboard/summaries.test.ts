// Histogram buckets as TensorBoard rows: exact edges of each log-linear key (both signs, the
// zero buckets, subnormals, the largest finite bucket), value order, and every float32 value
// inside its own bucket; the encoded Summary.Value fields TensorBoard dispatches on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { histKeyOf } from "../../../src/stats/histogram.js";
import { sketchOfValues } from "../../../src/stats/sketch-values.js";
import { decodeEvent, DATA_CLASS_TENSOR, DT_DOUBLE, DT_STRING } from "../../../src/store/tensorboard/protos.js";
import { EventStream } from "../../../src/store/tensorboard/event-stream.js";
import { histogramBuckets, histogramRowsOf } from "../../../src/store/tensorboard/summaries.js";
import { readRecords } from "../../../src/store/tensorboard/tfrecord.js";
import { Rng } from "../../../src/util/rng.js";

function rowsOf(keys: number[]): number[][] {
  const flat = histogramBuckets(Int32Array.from(keys), keys.map(() => 1));
  return Array.from({ length: flat.length / 3 }, (_, i) => [flat[3 * i]!, flat[3 * i + 1]!]);
}

test("histogramBuckets: exact edges of chosen keys, in increasing value order", () => {
  const rows = rowsOf([0x0000, 0x0001, 0x3f80, 0x7f7f, 0x8000, 0xbf80]); // sorted as stored
  assert.deepEqual(rows, [
    [-1.0078125, -1], // 0xbf80: (-1.0078125, -1]
    [-(2 ** -133), 0], // 0x8000: -0 and tiny negatives
    [0, 2 ** -133], // 0x0000: +0 and tiny positives
    [2 ** -133, 2 ** -132], // 0x0001: subnormal
    [1, 1.0078125], // 0x3f80
    [2 ** 127 * (1 + 127 / 128), 2 ** 128], // 0x7f7f: largest finite bucket
  ]);
  assert.ok(Object.is(rows[1]![1], 0), "no -0 edge");
});

test("histogramBuckets: every float32 lies in the bucket of its key; counts are the stored counts", () => {
  const rng = new Rng(11);
  const f = new Float32Array(1);
  const values: number[] = [];
  for (let i = 0; i < 2000; i++) {
    f[0] = rng.normal() * 10 ** (rng.int(60) - 40);
    values.push(f[0]);
  }
  values.push(0, -0, 1e-45, -1e-45, 3.4028235e38, -3.4028235e38);
  for (const x of values) {
    const [[left, right]] = rowsOf([histKeyOf(x)]) as [[number, number]];
    assert.ok(x < 0 || Object.is(x, -0) ? left < x && x <= right : left <= x && x < right, `${x} in [${left}, ${right}]`);
  }
  const s = sketchOfValues(values);
  const flat = histogramBuckets(s.histKeys, s.histCounts);
  let total = 0;
  for (let i = 0; i < flat.length; i += 3) {
    assert.ok(i === 0 || flat[i - 2]! <= flat[i]!, "rows do not overlap and ascend");
    total += flat[i + 2]!;
  }
  assert.equal(total, values.length);
});

test("EventStream: header event, histogram/text tensors and plugin metadata on the first value of a tag only", () => {
  const stream = new EventStream((item) => (item.kind === "histogram" ? "exact" : ""));
  const rows = histogramBuckets([0x3f80], [5]);
  const bytes = [
    stream.header(100),
    stream.summary(100.5, 7, [{ kind: "histogram", tag: "hist/w", rows }, { kind: "scalar", tag: "stats/w/mean", value: 0.1 }, { kind: "text", tag: "events/x", text: "é **b**" }]),
    stream.summary(101, 8, [{ kind: "histogram", tag: "hist/w", rows: histogramBuckets([], []) }]),
  ];
  const events = bytes.flatMap((b) => readRecords(b)).map(decodeEvent);
  assert.equal(events[0]!.file_version, "brain.Event:2");
  assert.equal(events[0]!.source_metadata?.writer, "forking-paths");
  const [hist, scalar, text] = events[1]!.summary!.value;
  assert.equal(events[1]!.step, 7);
  assert.equal(events[1]!.wall_time, 100.5);
  assert.equal(hist!.metadata?.plugin_data?.plugin_name, "histograms");
  assert.equal(hist!.metadata?.data_class, DATA_CLASS_TENSOR);
  assert.equal(hist!.metadata?.summary_description, "exact");
  assert.equal(hist!.metadata?.plugin_data?.content?.length, 0, "HistogramPluginData{version: 0} serializes to no bytes");
  assert.equal(hist!.tensor!.dtype, DT_DOUBLE);
  assert.deepEqual(hist!.tensor!.tensor_shape.dim.map((d) => d.size), [1, 3]);
  assert.deepEqual([...histogramRowsOf(hist!.tensor!)], [1, 1.0078125, 5]);
  assert.equal(scalar!.simple_value, Math.fround(0.1));
  assert.equal(scalar!.metadata, null);
  assert.equal(text!.metadata?.plugin_data?.plugin_name, "text");
  assert.equal(text!.tensor!.dtype, DT_STRING);
  assert.deepEqual(text!.tensor!.tensor_shape.dim, []);
  assert.equal(new TextDecoder().decode(text!.tensor!.string_val![0]), "é **b**");
  const later = events[2]!.summary!.value[0]!;
  assert.equal(later.metadata, null, "metadata only on a tag's first value");
  assert.deepEqual(later.tensor!.tensor_shape.dim.map((d) => d.size), [0, 3], "an empty histogram is [0, 3]");
});
