// Loads the reference fixtures written by tools/reference/{quality,powerlaw}_fixtures.py.
import { readFileSync } from "node:fs";

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/quality/${name}`, import.meta.url), "utf8")) as T;
}

/** Largest |a_i - b_i| / max(scale, |b_i|). */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>, scale = 0): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(scale, Math.abs(b[i]!)));
  return m;
}
