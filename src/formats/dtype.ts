// Element types of checkpoint tensors: sizes, families, and decoding to JavaScript numbers.
import { UsageError } from "../util/errors.js";

import { DTYPES, type Dtype } from "../store/vocabulary.js";

export { DTYPES, type Dtype };

export const DTYPE_ITEMSIZE: Record<Dtype, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1, C64: 8, C128: 16,
};

/** Floating dtypes get distribution statistics; the others are listed and counted only. */
export const DTYPE_IS_FLOAT: Record<Dtype, boolean> = {
  F64: true, F32: true, F16: true, BF16: true, I64: false, I32: false, I16: false, I8: false, U8: false, BOOL: false, C64: false, C128: false,
};

/** Complex dtypes: no real-valued decoding exists; they are listed apart as buffers. */
export function isComplexDtype(dtype: Dtype): boolean {
  return dtype === "C64" || dtype === "C128";
}

export function isDtype(s: string): s is Dtype {
  return (DTYPES as readonly string[]).includes(s);
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE half (binary16) bits to number. */
export function f16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** bfloat16 bits to number (the upper half of a float32). */
export function bf16BitsToNumber(h: number): number {
  u32Scratch[0] = (h & 0xffff) << 16;
  return f32Scratch[0]!;
}

/** number to IEEE half bits, round-to-nearest-even through float32 first (as torch does; numpy
 * rounds float64 inputs directly and can differ by one step for non-float32 inputs). */
export function numberToF16Bits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  // Work from the float32 value to get correct rounding including subnormals.
  const abs = Math.abs(f32Scratch[0]!);
  if (abs >= 65520) return sign | 0x7c00;
  if (abs < 2 ** -14) {
    // subnormal half: value / 2^-24, round half to even
    const q = abs / 2 ** -24;
    let r = Math.round(q);
    if (Math.abs(q - Math.trunc(q) - 0.5) === 0 && r % 2 === 1) r -= 1;
    return sign | r;
  }
  let e = exp - 127 + 15;
  // round mantissa from 23 to 10 bits, to nearest even
  const shift = 13;
  const rem = mant & ((1 << shift) - 1);
  mant >>>= shift;
  const half = 1 << (shift - 1);
  if (rem > half || (rem === half && (mant & 1) === 1)) {
    mant += 1;
    if (mant === 0x400) {
      mant = 0;
      e += 1;
    }
  }
  if (e >= 0x1f) return sign | 0x7c00;
  return sign | (e << 10) | mant;
}

/** number to bfloat16 bits, round-to-nearest-even (as torch does). */
export function numberToBf16Bits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0]!;
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) return ((x >>> 16) | 0x40) & 0xffff;
  const lsb = (x >>> 16) & 1;
  return ((x + 0x7fff + lsb) >>> 16) & 0xffff;
}

/**
 * Decodes little-endian raw bytes of `dtype` into float64 values (integers and booleans as
 * their numeric values; I64 beyond 2^53 loses precision, as in numpy's float64 cast).
 */
export function decodeToFloat64(dtype: Dtype, bytes: Uint8Array): Float64Array {
  if (isComplexDtype(dtype)) throw new UsageError(`decodeToFloat64: ${dtype} (complex) values have no real decoding; complex tensors are listed as buffers`);
  const n = Math.floor(bytes.byteLength / DTYPE_ITEMSIZE[dtype]);
  const out = new Float64Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case "F64": for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true); break;
    case "F32": for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true); break;
    case "F16": for (let i = 0; i < n; i++) out[i] = f16BitsToNumber(view.getUint16(i * 2, true)); break;
    case "BF16": for (let i = 0; i < n; i++) out[i] = bf16BitsToNumber(view.getUint16(i * 2, true)); break;
    case "I64": for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(i * 8, true)); break;
    case "I32": for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true); break;
    case "I16": for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true); break;
    case "I8": for (let i = 0; i < n; i++) out[i] = view.getInt8(i); break;
    case "U8": for (let i = 0; i < n; i++) out[i] = view.getUint8(i); break;
    case "BOOL": for (let i = 0; i < n; i++) out[i] = view.getUint8(i) !== 0 ? 1 : 0; break;
  }
  return out;
}

/** Decodes float dtypes to float32 (exact for F32/F16/BF16; F64 is rounded). */
export function decodeToFloat32(dtype: Dtype, bytes: Uint8Array): Float32Array {
  if (dtype === "F32") {
    const n = bytes.byteLength >> 2;
    if ((bytes.byteOffset & 3) === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, n).slice();
    return new Float32Array(bytes.slice(0, n * 4).buffer);
  }
  if (dtype === "F16" || dtype === "BF16") return halfToFloat32(halfBitsTable(dtype), bytes);
  return Float32Array.from(decodeToFloat64(dtype, bytes));
}

/**
 * The float32 bits of every 16-bit pattern of F16 or BF16, as Float32Array.from(decodeToFloat64(...))
 * gives them (NaNs included: each entry is that number stored into a Float32Array), built once per
 * thread (256 KiB each). Decoding is then one table load per value instead of a float64 decode and
 * an iterator copy (a statistics worker decoded 160m's kept and spectral tensors in ~55 ms of CPU).
 */
const halfTables: { F16?: Uint32Array; BF16?: Uint32Array } = {};

function halfBitsTable(dtype: "F16" | "BF16"): Uint32Array {
  let table = halfTables[dtype];
  if (table === undefined) {
    const values = new Float32Array(0x10000);
    const decode = dtype === "F16" ? f16BitsToNumber : bf16BitsToNumber;
    for (let h = 0; h < 0x10000; h++) values[h] = decode(h);
    table = halfTables[dtype] = new Uint32Array(values.buffer);
  }
  return table;
}

/** Little-endian 16-bit patterns to float32 through `table` (halfBitsTable), copied as bits. */
function halfToFloat32(table: Uint32Array, bytes: Uint8Array): Float32Array {
  const n = bytes.byteLength >> 1;
  const bits = new Uint32Array(n);
  if ((bytes.byteOffset & 1) === 0) {
    const h = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
    for (let i = 0; i < n; i++) bits[i] = table[h[i]!]!;
  } else {
    for (let i = 0; i < n; i++) bits[i] = table[bytes[2 * i]! | (bytes[2 * i + 1]! << 8)]!;
  }
  return new Float32Array(bits.buffer);
}

/** Encodes float values as little-endian bytes of a float dtype (F64, F32, F16, BF16). */
export function encodeFloats(dtype: Dtype, values: ArrayLike<number>): Uint8Array {
  if (isComplexDtype(dtype)) throw new UsageError(`encodeFloats: ${dtype} (complex) is not encoded from real values`);
  const n = values.length;
  const out = new Uint8Array(n * DTYPE_ITEMSIZE[dtype]);
  const view = new DataView(out.buffer);
  switch (dtype) {
    case "F64": for (let i = 0; i < n; i++) view.setFloat64(i * 8, values[i]!, true); break;
    case "F32": for (let i = 0; i < n; i++) view.setFloat32(i * 4, values[i]!, true); break;
    case "F16": for (let i = 0; i < n; i++) view.setUint16(i * 2, numberToF16Bits(values[i]!), true); break;
    case "BF16": for (let i = 0; i < n; i++) view.setUint16(i * 2, numberToBf16Bits(values[i]!), true); break;
    case "I64": for (let i = 0; i < n; i++) view.setBigInt64(i * 8, BigInt(Math.trunc(values[i]!)), true); break;
    case "I32": for (let i = 0; i < n; i++) view.setInt32(i * 4, values[i]!, true); break;
    case "I16": for (let i = 0; i < n; i++) view.setInt16(i * 2, values[i]!, true); break;
    case "I8": for (let i = 0; i < n; i++) view.setInt8(i, values[i]!); break;
    case "U8": for (let i = 0; i < n; i++) view.setUint8(i, values[i]!); break;
    case "BOOL": for (let i = 0; i < n; i++) view.setUint8(i, values[i] ? 1 : 0); break;
  }
  return out;
}
