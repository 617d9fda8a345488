// Test helpers for the PyTorch reader: fixture loading (written by tools/reference/torch_fixtures.py),
// a minimal in-memory zip writer for crafted archives, and a byte builder for crafted pickles.
import { readFileSync } from "node:fs";
import { crc32, deflateRawSync } from "node:zlib";
import { MemorySource } from "../../src/io/memory-source.js";

export const FIXTURES = new URL("../fixtures/pytorch/", import.meta.url);

export interface ExpectedTensor {
  name: string;
  dtype: string;
  shape: number[];
  numel: number;
  storage_offset: number;
  stride: number[];
  contiguous: boolean;
  /** Offset into the .bin, in float64 elements. */
  offset: number;
}

export interface Expected {
  file: string;
  selections: { key: string | null; tensors: ExpectedTensor[] }[];
  values: Float64Array;
}

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, FIXTURES)));
}

export function fixtureSource(name: string): MemorySource {
  return new MemorySource(fixtureBytes(name), name);
}

export function loadExpected(stem: string): Expected {
  const manifest = JSON.parse(readFileSync(new URL(`${stem}.expected.json`, FIXTURES), "utf8")) as Omit<Expected, "values">;
  const bin = readFileSync(new URL(`${stem}.expected.bin`, FIXTURES));
  const values = new Float64Array(bin.byteLength / 8);
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat64(i * 8, true);
  return { ...manifest, values };
}

export interface ZipInput {
  name: string;
  data: Uint8Array;
  /** Store the entry DEFLATE-compressed (method 8); `declaredSize` overrides the uncompressed size written. */
  deflate?: boolean;
  declaredSize?: number;
}

/** Writes a STORED zip (optionally with zip64 extras and end records, and a trailing comment). */
export function writeZip(entries: ZipInput[], options: { zip64?: boolean; comment?: string } = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let at = 0;
  const push = (b: Uint8Array): void => { parts.push(b); at += b.byteLength; };
  for (const { name, data: plain, deflate, declaredSize } of entries) {
    const nameBytes = new TextEncoder().encode(name);
    const offset = at;
    const data = deflate ? new Uint8Array(deflateRawSync(plain)) : plain;
    const method = deflate ? 8 : 0;
    const size = declaredSize ?? plain.byteLength;
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true);
    local.setUint16(6, 0x800, true); // names are UTF-8
    local.setUint16(8, method, true);
    local.setUint32(14, crc32(plain) >>> 0, true);
    local.setUint32(18, data.byteLength, true);
    local.setUint32(22, size, true);
    local.setUint16(26, nameBytes.byteLength, true);
    push(new Uint8Array(local.buffer));
    push(nameBytes);
    push(data);
    const extra = options.zip64 ? zip64Extra(data.byteLength, offset) : new Uint8Array(0);
    const c = new DataView(new ArrayBuffer(46));
    c.setUint32(0, 0x02014b50, true);
    c.setUint16(4, 45, true);
    c.setUint16(6, 45, true);
    c.setUint16(8, 0x800, true);
    c.setUint16(10, method, true);
    c.setUint32(16, crc32(plain) >>> 0, true);
    const big = options.zip64 ? 0xffffffff : undefined;
    c.setUint32(20, big ?? data.byteLength, true);
    c.setUint32(24, big ?? size, true);
    c.setUint16(28, nameBytes.byteLength, true);
    c.setUint16(30, extra.byteLength, true);
    c.setUint32(42, big ?? offset, true);
    central.push(new Uint8Array(c.buffer), nameBytes, extra);
  }
  const cdStart = at;
  for (const b of central) push(b);
  const cdSize = at - cdStart;
  if (options.zip64) {
    const rec = new DataView(new ArrayBuffer(56 + 20));
    rec.setUint32(0, 0x06064b50, true);
    rec.setBigUint64(4, 44n, true);
    rec.setBigUint64(24, BigInt(entries.length), true);
    rec.setBigUint64(32, BigInt(entries.length), true);
    rec.setBigUint64(40, BigInt(cdSize), true);
    rec.setBigUint64(48, BigInt(cdStart), true);
    rec.setUint32(56, 0x07064b50, true);
    rec.setBigUint64(64, BigInt(at), true);
    rec.setUint32(72, 1, true);
    push(new Uint8Array(rec.buffer));
  }
  const comment = new TextEncoder().encode(options.comment ?? "");
  const eocd = new DataView(new ArrayBuffer(22));
  eocd.setUint32(0, 0x06054b50, true);
  eocd.setUint16(8, options.zip64 ? 0xffff : entries.length, true);
  eocd.setUint16(10, options.zip64 ? 0xffff : entries.length, true);
  eocd.setUint32(12, options.zip64 ? 0xffffffff : cdSize, true);
  eocd.setUint32(16, options.zip64 ? 0xffffffff : cdStart, true);
  eocd.setUint16(20, comment.byteLength, true);
  push(new Uint8Array(eocd.buffer));
  push(comment);
  const out = new Uint8Array(at);
  let p = 0;
  for (const b of parts) { out.set(b, p); p += b.byteLength; }
  return out;
}

function zip64Extra(size: number, offset: number): Uint8Array {
  const v = new DataView(new ArrayBuffer(28));
  v.setUint16(0, 1, true);
  v.setUint16(2, 24, true);
  v.setBigUint64(4, BigInt(size), true);
  v.setBigUint64(12, BigInt(size), true);
  v.setBigUint64(20, BigInt(offset), true);
  return new Uint8Array(v.buffer);
}

/** Builds pickle bytes from opcode bytes, latin1 strings and length-prefixed UTF-8 strings. */
export class PickleBuilder {
  private readonly bytes: number[] = [0x80, 2];
  op(...codes: number[]): this { this.bytes.push(...codes); return this; }
  text(s: string): this { for (const c of s) this.bytes.push(c.charCodeAt(0)); return this; }
  global(module: string, name: string): this { return this.op(0x63).text(`${module}\n${name}\n`); }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.op(0x58, b.length & 0xff, (b.length >> 8) & 0xff, 0, 0, ...b);
  }
  int(n: number): this { return this.op(0x4a, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff); }
  build(): Uint8Array { return Uint8Array.from(this.bytes); }
}

/**
 * A torch-layout pickle of `{name: _rebuild_tensor_v2(storage '0' of FloatStorage(storageNumel), offset, size, stride)}`.
 */
export function tensorPickle(name: string, storageNumel: number, offset: number, size: number[], stride: number[]): Uint8Array {
  const p = new PickleBuilder().op(0x7d).str(name).global("torch._utils", "_rebuild_tensor_v2").op(0x28)
    .op(0x28).str("storage").global("torch", "FloatStorage").str("0").str("cpu").int(storageNumel).op(0x74, 0x51)
    .int(offset);
  p.op(0x28); for (const s of size) p.int(s); p.op(0x74);
  p.op(0x28); for (const s of stride) p.int(s); p.op(0x74);
  return p.op(0x89).global("collections", "OrderedDict").op(0x29, 0x52).op(0x74, 0x52).op(0x73, 0x2e).build();
}

/** A torch-layout archive: `<prefix>/data.pkl`, storages `<prefix>/data/<key>`, `<prefix>/version`. */
export function torchZip(pickle: Uint8Array, storages: Record<string, Uint8Array>, prefix = "archive", zip64 = false): MemorySource {
  const entries: ZipInput[] = [{ name: `${prefix}/data.pkl`, data: pickle }];
  for (const [key, data] of Object.entries(storages)) entries.push({ name: `${prefix}/data/${key}`, data });
  entries.push({ name: `${prefix}/version`, data: new TextEncoder().encode("3\n") });
  return new MemorySource(writeZip(entries, { zip64 }), `${prefix}.pt`);
}

export function floatStorage(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}
