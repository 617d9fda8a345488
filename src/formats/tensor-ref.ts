// TensorRef: where a tensor's bytes live, without reading them. Produced by the format
// readers (safetensors, PyTorch), consumed by tensor/ (chunked reads) and the statistics pass.
import type { ByteSource } from "../io/byte-source.js";
import type { Dtype } from "./dtype.js";
import type { QuantizedDtype } from "../store/vocabulary.js";

export interface TensorRef {
  /** Tensor name as stored (e.g. "gpt_neox.layers.0.attention.query_key_value.weight"). */
  readonly name: string;
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  /** Number of elements (product of shape; 1 for a 0-d tensor). */
  readonly numel: number;
  /** File (or URL) holding the bytes, for error messages. */
  readonly file: string;
  /** Source of the bytes. */
  readonly source: ByteSource;
  /**
   * Where the elements are. For a contiguous tensor (every safetensors tensor, most PyTorch
   * tensors) `byteOffset` is the first element and the tensor occupies numel*itemsize bytes.
   * For a strided PyTorch view, `storage` describes the underlying storage and `strides` and
   * `storageOffset` (in elements) locate the elements, exactly as torch does.
   */
  readonly byteOffset: number;
  readonly byteLength: number;
  readonly view?: StridedView;
  /**
   * PyTorch quantized tensors (QInt8Storage, QUInt8Storage, QInt32Storage): the torch dtype
   * ("qint8", "quint8", "qint32"); `dtype` is then the integer type of the stored codes (values
   * are scale x (code - zero point)). Listed with the non-parameter tensors, never analyzed.
   */
  readonly quantized?: QuantizedDtype;
}

export interface StridedView {
  /** Byte range of the whole storage inside `source`. */
  readonly storageByteOffset: number;
  readonly storageByteLength: number;
  /** Element offset of the view inside its storage. */
  readonly storageOffset: number;
  /** Element strides per dimension. */
  readonly strides: readonly number[];
}

export function shapeNumel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
