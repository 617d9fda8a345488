// WASM SIMD matrix multiply for the GPT-NeoX kernels: C (M, N) (+)= A (M, K) @ B (K, N) with a
// strided A (so A may be a transposed view), row-major B and C, register tiles of 4 x 8, and
// K blocked for cache. Rows [m0, m1) only, so threads split M; each output element is summed in
// the same order whatever the split (deterministic).

const KBLOCK: i32 = 256;

// One 4-row x 8-column tile over k in [k0, k1). Pointers are byte addresses.
@inline
function tile4x8(c: usize, a: usize, b: usize, bias: usize, N: i32, ars: i32, acs: i32, i: i32, j: i32, k0: i32, k1: i32, init: bool): void {
  const rowBytes = <usize>N << 2;
  const cp = c + ((<usize>i * <usize>N + <usize>j) << 2);
  let c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128;
  if (init) {
    if (bias != 0) {
      c00 = v128.load(bias + (<usize>j << 2));
      c01 = v128.load(bias + (<usize>j << 2), 16);
    } else {
      c00 = f32x4.splat(0);
      c01 = c00;
    }
    c10 = c00; c11 = c01; c20 = c00; c21 = c01; c30 = c00; c31 = c01;
  } else {
    c00 = v128.load(cp); c01 = v128.load(cp, 16);
    c10 = v128.load(cp + rowBytes); c11 = v128.load(cp + rowBytes, 16);
    c20 = v128.load(cp + 2 * rowBytes); c21 = v128.load(cp + 2 * rowBytes, 16);
    c30 = v128.load(cp + 3 * rowBytes); c31 = v128.load(cp + 3 * rowBytes, 16);
  }
  const aStep = <usize>acs << 2;
  const aRow = <usize>ars << 2;
  let ap = a + ((<usize>i * <usize>ars + <usize>k0 * <usize>acs) << 2);
  let bp = b + ((<usize>k0 * <usize>N + <usize>j) << 2);
  for (let k = k0; k < k1; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let s = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(s, b0));
    c01 = f32x4.add(c01, f32x4.mul(s, b1));
    s = v128.load32_splat(ap + aRow);
    c10 = f32x4.add(c10, f32x4.mul(s, b0));
    c11 = f32x4.add(c11, f32x4.mul(s, b1));
    s = v128.load32_splat(ap + 2 * aRow);
    c20 = f32x4.add(c20, f32x4.mul(s, b0));
    c21 = f32x4.add(c21, f32x4.mul(s, b1));
    s = v128.load32_splat(ap + 3 * aRow);
    c30 = f32x4.add(c30, f32x4.mul(s, b0));
    c31 = f32x4.add(c31, f32x4.mul(s, b1));
    ap += aStep;
    bp += rowBytes;
  }
  v128.store(cp, c00); v128.store(cp, c01, 16);
  v128.store(cp + rowBytes, c10); v128.store(cp + rowBytes, c11, 16);
  v128.store(cp + 2 * rowBytes, c20); v128.store(cp + 2 * rowBytes, c21, 16);
  v128.store(cp + 3 * rowBytes, c30); v128.store(cp + 3 * rowBytes, c31, 16);
}

// One output element C[i, j] over k in [k0, k1) (edges of the tiling).
@inline
function single(c: usize, a: usize, b: usize, bias: usize, N: i32, ars: i32, acs: i32, i: i32, j: i32, k0: i32, k1: i32, init: bool): void {
  const cp = c + ((<usize>i * <usize>N + <usize>j) << 2);
  let s: f32 = init ? (bias != 0 ? load<f32>(bias + (<usize>j << 2)) : 0) : load<f32>(cp);
  for (let k = k0; k < k1; k++) {
    s += load<f32>(a + ((<usize>i * <usize>ars + <usize>k * <usize>acs) << 2)) * load<f32>(b + ((<usize>k * <usize>N + <usize>j) << 2));
  }
  store<f32>(cp, s);
}

/**
 * C (M, N) = [bias (N) +] A @ B, or C += A @ B when accumulate != 0, for rows [m0, m1).
 * A[i, k] is at a + 4*(i*ars + k*acs). bias = 0 means none. N must be a multiple of 8 for the
 * SIMD path; other columns take the scalar edge path.
 */
export function gemm(c: usize, a: usize, b: usize, bias: usize, N: i32, K: i32, ars: i32, acs: i32, accumulate: i32, m0: i32, m1: i32): void {
  const N8 = N & ~7;
  const m4 = m0 + ((m1 - m0) & ~3);
  for (let k0 = 0; k0 < K; k0 += KBLOCK) {
    const k1 = min(K, k0 + KBLOCK);
    const init = accumulate == 0 && k0 == 0;
    if (acs == 1) {
      // rows of A are contiguous: keep a B column strip hot and stream A
      for (let j = 0; j < N8; j += 8) {
        for (let i = m0; i < m4; i += 4) tile4x8(c, a, b, bias, N, ars, acs, i, j, k0, k1, init);
      }
    } else {
      // A is a transposed view: keep its strided 4-row tile in L1 across the j sweep
      for (let i = m0; i < m4; i += 4) {
        for (let j = 0; j < N8; j += 8) tile4x8(c, a, b, bias, N, ars, acs, i, j, k0, k1, init);
      }
    }
    for (let i = m4; i < m1; i++) {
      for (let j = 0; j < N8; j++) single(c, a, b, bias, N, ars, acs, i, j, k0, k1, init);
    }
    for (let i = m0; i < m1; i++) {
      for (let j = N8; j < N; j++) single(c, a, b, bias, N, ars, acs, i, j, k0, k1, init);
    }
  }
}

/** dst (C, R) = transpose of src (R, C), for rows [r0, r1) of src. */
export function transpose(dst: usize, src: usize, R: i32, C: i32, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    for (let c = 0; c < C; c++) {
      store<f32>(dst + ((<usize>c * <usize>R + <usize>r) << 2), load<f32>(src + ((<usize>r * <usize>C + <usize>c) << 2)));
    }
  }
}

/** out (N) += column sums of x (M, N) over all M rows (row by row, 4 columns at a time). */
export function colsumAccumulate(out: usize, x: usize, M: i32, N: i32): void {
  const N4 = N & ~3;
  for (let i = 0; i < M; i++) {
    const row = x + ((<usize>i * <usize>N) << 2);
    for (let j = 0; j < N4; j += 4) {
      const o = out + (<usize>j << 2);
      v128.store(o, f32x4.add(v128.load(o), v128.load(row + (<usize>j << 2))));
    }
    for (let j = N4; j < N; j++) store<f32>(out + (<usize>j << 2), load<f32>(out + (<usize>j << 2)) + load<f32>(row + (<usize>j << 2)));
  }
}
