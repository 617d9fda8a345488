// A staged tensor row arrives from its worker with its JSON columns encoded (row-tasks.ts
// tensorRowStatsOf with `encode`): the column record written from it equals, column for column,
// the record written from the plain row the same task gives (non-finite values, kept values,
// histogram shapes, a one-value tensor, the worker's typed-array histogram).
import { test } from "node:test";
import assert from "node:assert/strict";
import { tensorRowStatsOf, type EncodedRowStats, type RowStats, type TensorRowSpec } from "../../src/pipeline/row-tasks.js";
import { sketchChunkScalar } from "../../src/kernels/stats-scalar.js";
import { packSketch } from "../../src/kernels/packed-sketch.js";
import { encodeFloats } from "../../src/formats/dtype.js";
import { encodedTensorStatsColumns, tensorStatsColumns, type EncodedTensorRow } from "../../src/store/codec.js";
import type { TensorStatsInput } from "../../src/store/types.js";
import { Rng } from "../../src/util/rng.js";

function recordsOf(values: number[], spec: TensorRowSpec): { plain: Record<string, unknown>; encoded: Record<string, unknown> } {
  const sketch = sketchChunkScalar("F32", encodeFloats("F32", values));
  const floats = Float32Array.from(values);
  const meta = { tensor: spec.name, layer: 3, role: "mlp.in" as const, kind: "weight" as const, dtype: "F32" as const, shape: [values.length] };
  const plain = tensorRowStatsOf(sketch, spec.kept || spec.spectral !== null ? floats : null, spec) as RowStats;
  const row: TensorStatsInput = Object.assign({ ...meta, histogram: { keys: sketch.histKeys, counts: sketch.histCounts }, sketch }, plain.summary, plain.extra !== undefined ? { extra: plain.extra } : null);
  // the worker's sketch: its histogram in typed arrays
  const enc = tensorRowStatsOf(packSketch(sketch), spec.kept || spec.spectral !== null ? floats : null, { ...spec, encode: true }) as EncodedRowStats;
  assert.ok("json" in enc && !("summary" in enc), "an encoded reply carries text, not the objects");
  const encodedRow: EncodedTensorRow = { ...meta, histogram: { keys: sketch.histKeys, counts: sketch.histCounts }, stats: enc.stats, json: enc.json };
  return { plain: tensorStatsColumns("r", 7, row), encoded: encodedTensorStatsColumns("r", 7, encodedRow) };
}

test("an encoded row's column record equals the plain row's, column for column", () => {
  const rng = new Rng(21);
  const normal = Array.from({ length: 3000 }, () => 0.02 * rng.normal());
  const cases: Array<[string, number[], Partial<TensorRowSpec>]> = [
    ["histogram shape", normal, {}],
    ["kept, exact shape", normal.slice(0, 500), { kept: true }],
    ["non-finite values", [...normal.slice(0, 200), NaN, Infinity, -Infinity, 0, -0], {}],
    ["one value", [0.5], { kept: true }],
    ["no shape", normal, { shapeSampleSize: null }],
    ["spectral", Array.from({ length: 16 * 12 }, () => rng.normal()), { spectral: { rows: 16, cols: 12 } }],
  ];
  for (const [what, values, overrides] of cases) {
    const spec: TensorRowSpec = { name: `t.${what}`, step: 7, kept: false, spectral: null, shapeSampleSize: 256, ...overrides };
    const { plain, encoded } = recordsOf(values, spec);
    assert.deepEqual(Object.keys(encoded).sort(), Object.keys(plain).sort(), what);
    for (const column of Object.keys(plain)) assert.deepEqual(encoded[column], plain[column], `${what}: ${column}`);
    assert.match(String(encoded.sketch_json), /"\$histogram":"histograms"/, what);
  }
});

test("an encoded row asked for its event values also gives its histogram's masses and whether its snapshot needs the buckets, as event detection works them out", async () => {
  const { eventStatValuesOf } = await import("../../src/store/event-values.js");
  const { histogramMasses, snapshotFromHistogramMasses, storedHistogramShapeOf } = await import("../../src/dynamics/modes/snapshots.js");
  const rng = new Rng(22);
  const normal = Array.from({ length: 3000 }, () => 0.02 * rng.normal());
  const needs: boolean[] = [];
  for (const [values, kept, size] of [[normal, false, 256], [normal.slice(0, 400), true, 256], [[0.5], false, 256], [normal, false, null], [[...normal.slice(0, 50), NaN], false, 256]] as const) {
    const sketch = sketchChunkScalar("F32", encodeFloats("F32", [...values]));
    const spec: TensorRowSpec = { name: "t", step: 1, kept, spectral: null, shapeSampleSize: size, encode: true, event: true };
    const enc = tensorRowStatsOf(packSketch(sketch), kept ? Float32Array.from(values) : null, spec) as EncodedRowStats;
    const plain = tensorRowStatsOf(sketch, kept ? Float32Array.from(values) : null, { ...spec, encode: false }) as RowStats;
    const event = eventStatValuesOf(plain.extra !== undefined ? { ...plain.summary, extra: plain.extra } : plain.summary);
    assert.deepStrictEqual(enc.event, event);
    const masses = histogramMasses({ keys: sketch.histKeys, counts: sketch.histCounts });
    const needsBuckets = snapshotFromHistogramMasses(masses, event.std, storedHistogramShapeOf(event.extra)) === null;
    assert.deepStrictEqual(enc.masses, { masses, needsBuckets });
    needs.push(needsBuckets);
  }
  assert.ok(needs.includes(true) && needs.includes(false), `both kinds of row (${needs})`);
  const without = tensorRowStatsOf(packSketch(sketchChunkScalar("F32", encodeFloats("F32", normal))), null, { name: "t", step: 1, kept: false, spectral: null, shapeSampleSize: 256, encode: true }) as EncodedRowStats;
  assert.equal(without.masses, undefined, "none without event values");
});
