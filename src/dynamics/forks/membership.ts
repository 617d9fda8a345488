// Compact, JSON-safe encoding of which element went to which branch: one bit per element
// for two branches (base64 of a little-endian bitmap), one byte per element for three.

import { UsageError } from "../../util/errors.js";

/**
 * "bitmap-lsb0-base64": element j has label (byte[j >> 3] >> (j & 7)) & 1 (only for 2 groups);
 * "bytes-base64": element j has label byte[j]. n is the element count.
 */
export interface EncodedMembership {
  encoding: "bitmap-lsb0-base64" | "bytes-base64";
  n: number;
  groups: number;
  data: string;
}

export function encodeMembership(labels: Uint8Array, groups: number): EncodedMembership {
  if (groups <= 2) {
    const bytes = new Uint8Array((labels.length + 7) >> 3);
    for (let j = 0; j < labels.length; j++) {
      if (labels[j]! > 1) throw new UsageError(`encodeMembership: label ${labels[j]} at element ${j} but only ${groups} groups`);
      if (labels[j] === 1) bytes[j >> 3]! |= 1 << (j & 7);
    }
    return { encoding: "bitmap-lsb0-base64", n: labels.length, groups, data: Buffer.from(bytes).toString("base64") };
  }
  return { encoding: "bytes-base64", n: labels.length, groups, data: Buffer.from(labels).toString("base64") };
}

export function decodeMembership(encoded: EncodedMembership): Uint8Array {
  const bytes = new Uint8Array(Buffer.from(encoded.data, "base64"));
  if (encoded.encoding === "bytes-base64") {
    if (bytes.length !== encoded.n) throw new UsageError(`decodeMembership: ${bytes.length} bytes for ${encoded.n} elements`);
    return bytes;
  }
  if (bytes.length !== (encoded.n + 7) >> 3) throw new UsageError(`decodeMembership: ${bytes.length} bitmap bytes for ${encoded.n} elements`);
  const labels = new Uint8Array(encoded.n);
  for (let j = 0; j < encoded.n; j++) labels[j] = (bytes[j >> 3]! >> (j & 7)) & 1;
  return labels;
}
