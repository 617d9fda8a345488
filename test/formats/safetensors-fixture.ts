// Test helper (not a test): the reference safetensors fixture of tools/reference/
// safetensors_fixtures.py, and the writer entries built from it. The fixture script imports
// writeOursFromFixture to produce the file its independent parser checks.
import { readFileSync } from "node:fs";
import type { Dtype } from "../../src/formats/dtype.js";
import { writeSafetensorsFile, type SafetensorsEntry } from "../../src/formats/safetensors/index.js";

export interface ReferenceTensor {
  dtype: Dtype;
  shape: number[];
  data_offsets: [number, number];
  sha256: string;
  values: (number | string)[];
  bits?: number[];
}

export interface ReferenceFixture {
  file: string;
  file_sha256: string;
  metadata: Record<string, string>;
  tensors: Record<string, ReferenceTensor>;
  interop?: { verdict: string; ours_sha256: string; ours_bytes: number; tensors_checked: number; header_facts: Record<string, boolean | number> };
}

export const FIXTURE_DIR = new URL("../fixtures/formats/", import.meta.url);

export function loadReferenceFixture(): ReferenceFixture {
  return JSON.parse(readFileSync(new URL("reference.safetensors.json", FIXTURE_DIR), "utf8")) as ReferenceFixture;
}

/** JSON value of the fixture ("nan", "inf", "-inf" or a number) as a number. */
export function fixtureNumber(v: number | string): number {
  return v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : (v as number);
}

/** Writer entries for the fixture's tensors, each as the typed array matching its dtype. */
export function entriesFromFixture(fx: Pick<ReferenceFixture, "tensors">): SafetensorsEntry[] {
  return Object.entries(fx.tensors).map(([name, t]) => {
    const values = t.values.map(fixtureNumber);
    const base = { name, dtype: t.dtype, shape: t.shape };
    switch (t.dtype) {
      case "F64": return { ...base, data: Float64Array.from(values) };
      case "F32": return { ...base, data: Float32Array.from(values) };
      case "F16": case "BF16": return { ...base, data: Uint16Array.from(t.bits ?? []) };
      case "I64": return { ...base, data: BigInt64Array.from(values.map((v) => BigInt(v))) };
      case "I32": return { ...base, data: Int32Array.from(values) };
      case "I16": return { ...base, data: Int16Array.from(values) };
      case "I8": return { ...base, data: Int8Array.from(values) };
      case "U8": case "BOOL": return { ...base, data: Uint8Array.from(values) };
      case "C64": return { ...base, data: Float32Array.from(values) };
      case "C128": return { ...base, data: Float64Array.from(values) };
    }
  });
}

/** Used by the fixture script: writes our file for the fixture's tensors and metadata. */
export async function writeOursFromFixture(fx: ReferenceFixture, path: string): Promise<void> {
  await writeSafetensorsFile(path, entriesFromFixture(fx), fx.metadata);
}
