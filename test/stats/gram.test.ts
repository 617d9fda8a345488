// smallGram (stats/eigen.ts) against its oracle: each entry one inner product summed in order,
// bit for bit, on shapes that exercise the 2 x 4 blocks and every remainder (odd m, j tails).
import { test } from "node:test";
import assert from "node:assert/strict";
import { smallGram } from "../../src/stats/eigen.js";
import { Rng } from "../../src/util/rng.js";

function gramOracle(w: Float32Array, rows: number, cols: number): Float64Array {
  const byRows = rows <= cols;
  const m = byRows ? rows : cols, k = byRows ? cols : rows;
  const at = (vec: number, t: number) => (byRows ? w[vec * cols + t]! : w[t * cols + vec]!);
  const g = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += at(i, t) * at(j, t);
      g[i * m + j] = s;
    }
  }
  return g;
}

test("smallGram equals the in-order inner products bit for bit (W W^T and W^T W, every block remainder)", () => {
  const rng = new Rng(7);
  for (const [rows, cols] of [[1, 1], [1, 5], [5, 1], [2, 3], [3, 2], [4, 4], [5, 7], [7, 5], [6, 9], [9, 6], [8, 8], [13, 40], [40, 13]] as const) {
    const w = Float32Array.from({ length: rows * cols }, () => rng.uniform() * 2 - 1);
    const { gram, m } = smallGram(w, rows, cols);
    assert.equal(m, Math.min(rows, cols));
    const want = gramOracle(w, rows, cols);
    for (let i = 0; i < want.length; i++) assert.ok(Object.is(gram[i], want[i]), `${rows}x${cols} entry ${i}: ${gram[i]} != ${want[i]}`);
  }
});
