// Summary values in TensorBoard's current formats: histograms as the histograms plugin's [k, 3]
// DT_DOUBLE tensor of (left edge, right edge, count), scalars as simple_value, text as the text
// plugin's DT_STRING tensor. Our log-linear histogram buckets are converted with exact edges.
// Pure computation; no I/O.
import { bucketMagnitudeHi, bucketMagnitudeLo, forEachBucketInValueOrder, isNegativeKey } from "../../stats/histogram.js";
import {
  DATA_CLASS_TENSOR, DT_DOUBLE, DT_STRING, encodePluginVersion,
  type SummaryMetadataMessage, type SummaryValueMessage, type TensorMessage,
} from "./protos.js";

/** Plugin names TensorBoard dispatches on (plugins/histogram/metadata.py, plugins/text/metadata.py). */
export const HISTOGRAMS_PLUGIN_NAME = "histograms";
export const TEXT_PLUGIN_NAME = "text";
/** Version of HistogramPluginData / TextPluginData we write (the only one TensorBoard knows). */
const PLUGIN_DATA_VERSION = 0;

/**
 * The buckets of a sparse log-linear histogram as rows (left, right, count), flattened, in
 * increasing value order; one row per stored key, exact float64 edges:
 * - a positive-sign key covers [lo, hi) of its magnitude bucket: left = lo, right = hi;
 * - a negative-sign key covers (-hi, -lo]: left = -hi, right = -lo.
 * The two sign-0 magnitude buckets are [0, 2^-133) (holding +0.0) and (-2^-133, -0.0] (holding
 * -0.0), written as [0, 2^-133] and [-2^-133, 0]: exact zeros of both signs sit on the edge 0.
 * Gaps between stored keys are not filled (empty buckets are omitted, as the store omits them).
 */
export function histogramBuckets(keys: ArrayLike<number>, counts: ArrayLike<number>): Float64Array {
  const rows = new Float64Array(keys.length * 3);
  let r = 0;
  forEachBucketInValueOrder(keys as readonly number[], counts as readonly number[], (key, count) => {
    const lo = bucketMagnitudeLo(key), hi = bucketMagnitudeHi(key);
    const negative = isNegativeKey(key);
    rows[r++] = negative ? -hi : lo;
    rows[r++] = negative ? 0 - lo : hi; // 0 - 0 is +0: no -0 edges
    rows[r++] = count;
  });
  return rows;
}

function float64Content(values: Float64Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i]!, true);
  return bytes;
}

/** The [k, 3] DT_DOUBLE tensor of histogramBuckets' rows (tensor_content, little-endian). */
export function histogramTensor(rows: Float64Array): TensorMessage {
  return {
    dtype: DT_DOUBLE,
    tensor_shape: { dim: [{ size: rows.length / 3 }, { size: 3 }] },
    tensor_content: float64Content(rows),
  };
}

/** Rows of a decoded [k, 3] DT_DOUBLE tensor (tensor_content or double_val). */
export function histogramRowsOf(tensor: TensorMessage): Float64Array {
  if (tensor.dtype !== DT_DOUBLE) throw new Error(`histogram tensor has dtype ${tensor.dtype}, not DT_DOUBLE`);
  const content = tensor.tensor_content;
  if (content !== undefined && content.length > 0) {
    const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
    return Float64Array.from({ length: content.length / 8 }, (_, i) => view.getFloat64(i * 8, true));
  }
  return Float64Array.from(tensor.double_val ?? []);
}

function pluginMetadata(pluginName: string, description: string): SummaryMetadataMessage {
  const meta: SummaryMetadataMessage = {
    plugin_data: { plugin_name: pluginName, content: encodePluginVersion(PLUGIN_DATA_VERSION) },
    data_class: DATA_CLASS_TENSOR,
  };
  if (description !== "") meta.summary_description = description;
  return meta;
}

export function histogramMetadata(description = ""): SummaryMetadataMessage {
  return pluginMetadata(HISTOGRAMS_PLUGIN_NAME, description);
}

export function textMetadata(description = ""): SummaryMetadataMessage {
  return pluginMetadata(TEXT_PLUGIN_NAME, description);
}

/** A rank-0 DT_STRING tensor holding UTF-8 `text` (what the text plugin reads, Markdown). */
export function textTensor(text: string): TensorMessage {
  return { dtype: DT_STRING, tensor_shape: { dim: [] }, string_val: [new TextEncoder().encode(text)] };
}

/** A scalar as simple_value (float32 in the file: TensorBoard's scalars are float32). */
export function scalarValue(tag: string, value: number): SummaryValueMessage {
  return { tag, simple_value: value };
}
