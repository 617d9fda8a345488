// Spectral kernels: the Gram matrix of a weight matrix's smaller side and the eigenvalues of a
// symmetric matrix (Householder tridiagonal reduction, then implicit QL with Wilkinson shifts),
// in f64 with f64x2 SIMD where lanes are independent. Every sum runs in the same order and every
// product and square root is the same IEEE operation as the TypeScript oracles in
// src/stats/eigen.ts (smallGram, tridiagonalize, tridiagonalEigenvalues), and hypot follows V8's
// Math.hypot, so the results are bit-identical to theirs. The host side is
// src/kernels/spectral-wasm.ts. Not a general linear-algebra library.

export { reserve } from "./lib/scratch";

@inline function f64At(base: usize, i: i32): f64 {
  return load<f64>(base + (<usize>i << 3));
}

@inline function setF64(base: usize, i: i32, x: f64): void {
  store<f64>(base + (<usize>i << 3), x);
}

/** Index of the first non-finite of n f32 at ptr, or -1 (16 at a time: x - x is 0 for finite x, NaN otherwise). */
export function firstNonFiniteF32(ptr: usize, n: i32): i32 {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = ptr + (<usize>i << 2);
    const a = v128.load(p), b = v128.load(p, 16), c = v128.load(p, 32), d = v128.load(p, 48);
    const za = f32x4.sub(a, a), zb = f32x4.sub(b, b), zc = f32x4.sub(c, c), zd = f32x4.sub(d, d);
    if (v128.any_true(v128.or(v128.or(f32x4.ne(za, za), f32x4.ne(zb, zb)), v128.or(f32x4.ne(zc, zc), f32x4.ne(zd, zd))))) break;
  }
  for (; i < n; i++) if (!isFinite(load<f32>(ptr + (<usize>i << 2)))) return i;
  return -1;
}

/** Index of the first non-finite of n f64 at ptr, or -1 (as firstNonFiniteF32, 8 at a time). */
export function firstNonFiniteF64(ptr: usize, n: i32): i32 {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const p = ptr + (<usize>i << 3);
    const a = v128.load(p), b = v128.load(p, 16), c = v128.load(p, 32), d = v128.load(p, 48);
    const za = f64x2.sub(a, a), zb = f64x2.sub(b, b), zc = f64x2.sub(c, c), zd = f64x2.sub(d, d);
    if (v128.any_true(v128.or(v128.or(f64x2.ne(za, za), f64x2.ne(zb, zb)), v128.or(f64x2.ne(zc, zc), f64x2.ne(zd, zd))))) break;
  }
  for (; i < n; i++) if (!isFinite(f64At(ptr, i))) return i;
  return -1;
}

/** Vectors per panel of gramVectors' layout (the Gram blocks are PANEL x PANEL). */
const PANEL = 4;

/**
 * The m vectors of the Gram matrix of W (rows x cols, f32, row-major at wPtr), in f64, in panels
 * of PANEL vectors: panel p holds vectors 4p..4p+3 entry by entry (entry t of vector 4p + q at
 * f64 index (p k + t) 4 + q), so a Gram block streams two contiguous panels. The vectors are W's
 * rows when rows <= cols (m = rows, length k = cols), else its columns (m = cols, k = rows); the
 * last panel is padded with zero vectors. vecsPtr holds ceil(m / 4) 4 k f64. Returns m.
 */
export function gramVectors(wPtr: usize, rows: i32, cols: i32, vecsPtr: usize): i32 {
  const byRows = rows <= cols;
  const m = byRows ? rows : cols, k = byRows ? cols : rows;
  const panels = (m + PANEL - 1) / PANEL;
  const padFrom = m % PANEL;
  if (padFrom != 0) {
    const last = vecsPtr + (<usize>((panels - 1) * k * PANEL) << 3);
    for (let t = 0; t < k; t++) for (let q = padFrom; q < PANEL; q++) setF64(last, t * PANEL + q, 0);
  }
  if (byRows) {
    for (let j = 0; j < m; j++) {
      const src = wPtr + (<usize>(j * k) << 2), dst = vecsPtr + (<usize>((j / PANEL) * k * PANEL + (j % PANEL)) << 3);
      for (let t = 0; t < k; t++) setF64(dst, t * PANEL, <f64>load<f32>(src + (<usize>t << 2)));
    }
    return m;
  }
  // W's rows hold entry t of every vector: four columns (one panel) per f32x4, widened to 2 f64x2
  const full = m / PANEL, panelBytes = <usize>(k * PANEL) << 3;
  for (let t = 0; t < k; t++) {
    const src = wPtr + (<usize>(t * m) << 2);
    let dst = vecsPtr + (<usize>(t * PANEL) << 3);
    for (let p = 0; p < full; p++, dst += panelBytes) {
      const x = v128.load(src + (<usize>p << 4));
      v128.store(dst, f64x2.promote_low_f32x4(x));
      v128.store(dst, f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1)), 16);
    }
    for (let j = full * PANEL; j < m; j++) setF64(dst, j - full * PANEL, <f64>load<f32>(src + (<usize>j << 2)));
  }
  return m;
}

/**
 * G = V^T V for the panels of gramVectors (m vectors of length k): G[i][j] = sum over
 * t = 0..k-1, in order, of v_i[t] v_j[t], written to both triangles of the m x m matrix at gPtr.
 * Blocks of 4 x 4 entries, two entries per f64x2 lane pair, each lane its own sum in t order
 * (the entries of the padding vectors are computed and not written).
 */
export function gram(vecsPtr: usize, m: i32, k: i32, gPtr: usize): void {
  const panels = (m + PANEL - 1) / PANEL, panelBytes = <usize>(k * PANEL) << 3;
  for (let ib = 0; ib < panels; ib++) {
    const pi = vecsPtr + <usize>ib * panelBytes;
    for (let jb = 0; jb <= ib; jb++) {
      let a0 = f64x2.splat(0), a1 = f64x2.splat(0), b0 = f64x2.splat(0), b1 = f64x2.splat(0);
      let c0 = f64x2.splat(0), c1 = f64x2.splat(0), d0 = f64x2.splat(0), d1 = f64x2.splat(0);
      let ri = pi, rj = vecsPtr + <usize>jb * panelBytes;
      for (let t = 0; t < k; t++, ri += 32, rj += 32) {
        const x0 = v128.load(rj), x1 = v128.load(rj, 16);
        const s0 = v128.load64_splat(ri), s1 = v128.load64_splat(ri, 8);
        const s2 = v128.load64_splat(ri, 16), s3 = v128.load64_splat(ri, 24);
        a0 = f64x2.add(a0, f64x2.mul(s0, x0)); a1 = f64x2.add(a1, f64x2.mul(s0, x1));
        b0 = f64x2.add(b0, f64x2.mul(s1, x0)); b1 = f64x2.add(b1, f64x2.mul(s1, x1));
        c0 = f64x2.add(c0, f64x2.mul(s2, x0)); c1 = f64x2.add(c1, f64x2.mul(s2, x1));
        d0 = f64x2.add(d0, f64x2.mul(s3, x0)); d1 = f64x2.add(d1, f64x2.mul(s3, x1));
      }
      const i = ib * PANEL, j = jb * PANEL;
      if (i + PANEL <= m) {
        putPair(gPtr, m, i, j, a0); putPair(gPtr, m, i, j + 2, a1);
        putPair(gPtr, m, i + 1, j, b0); putPair(gPtr, m, i + 1, j + 2, b1);
        putPair(gPtr, m, i + 2, j, c0); putPair(gPtr, m, i + 2, j + 2, c1);
        putPair(gPtr, m, i + 3, j, d0); putPair(gPtr, m, i + 3, j + 2, d1);
      } else {
        putLastPair(gPtr, m, i, j, a0); putLastPair(gPtr, m, i, j + 2, a1);
        putLastPair(gPtr, m, i + 1, j, b0); putLastPair(gPtr, m, i + 1, j + 2, b1);
        putLastPair(gPtr, m, i + 2, j, c0); putLastPair(gPtr, m, i + 2, j + 2, c1);
        putLastPair(gPtr, m, i + 3, j, d0); putLastPair(gPtr, m, i + 3, j + 2, d1);
      }
    }
  }
}

/** G[i][j], G[i][j+1] and their mirrors from one lane pair. */
@inline function putPair(gPtr: usize, m: i32, i: i32, j: i32, pair: v128): void {
  const x = f64x2.extract_lane(pair, 0), y = f64x2.extract_lane(pair, 1);
  setF64(gPtr, i * m + j, x); setF64(gPtr, j * m + i, x);
  setF64(gPtr, i * m + j + 1, y); setF64(gPtr, (j + 1) * m + i, y);
}

/** putPair in the last, padded panel row: only the entries inside the m x m matrix. */
function putLastPair(gPtr: usize, m: i32, i: i32, j: i32, pair: v128): void {
  if (i >= m) return;
  const x = f64x2.extract_lane(pair, 0), y = f64x2.extract_lane(pair, 1);
  if (j < m) { setF64(gPtr, i * m + j, x); setF64(gPtr, j * m + i, x); }
  if (j + 1 < m) { setF64(gPtr, i * m + j + 1, y); setF64(gPtr, (j + 1) * m + i, y); }
}

/**
 * Reduces symmetric A (n x n, f64, row-major at a, overwritten; only its lower triangle is read)
 * to tridiagonal form: diagonal at d, subdiagonal at e (e[n-1] = 0). v and w: n f64 of scratch.
 * The operations of src/stats/eigen.ts tridiagonalize, in its order.
 */
export function tridiagonalize(a: usize, n: i32, d: usize, e: usize, v: usize, w: usize): void {
  for (let i = 0; i < n; i++) { setF64(d, i, 0); setF64(e, i, 0); }
  for (let k = 0; k < n - 2; k++) {
    let norm2: f64 = 0;
    for (let i = k + 1; i < n; i++) { const x = f64At(a, i * n + k); norm2 += x * x; }
    const x0 = f64At(a, (k + 1) * n + k);
    const alpha = x0 >= 0 ? -Math.sqrt(norm2) : Math.sqrt(norm2);
    setF64(d, k, f64At(a, k * n + k));
    setF64(e, k, alpha);
    let vnorm2 = norm2 - x0 * x0;
    for (let i = k + 1; i < n; i++) setF64(v, i, f64At(a, i * n + k));
    const v1 = x0 - alpha;
    setF64(v, k + 1, v1);
    vnorm2 += v1 * v1;
    if (vnorm2 == 0) { setF64(e, k, x0); continue; }
    const inv = 1 / Math.sqrt(vnorm2);
    for (let i = k + 1; i < n; i++) setF64(v, i, f64At(v, i) * inv);
    for (let i = k + 1; i < n; i++) setF64(w, i, 0);
    householderProduct(a, n, k + 1, v, w);
    let vp: f64 = 0;
    for (let i = k + 1; i < n; i++) vp += f64At(v, i) * f64At(w, i);
    for (let i = k + 1; i < n; i++) setF64(w, i, f64At(w, i) - vp * f64At(v, i));
    rankTwoUpdate(a, n, k + 1, v, w);
  }
  if (n >= 2) { setF64(d, n - 2, f64At(a, (n - 2) * n + n - 2)); setF64(e, n - 2, f64At(a, (n - 1) * n + n - 2)); }
  if (n >= 1) setF64(d, n - 1, f64At(a, (n - 1) * n + n - 1));
}

/**
 * w += A22 v over rows and columns lo..n-1 from A22's lower triangle: each a_ij (j < i) adds to
 * w_i (in the row sum s, in order of j) and to w_j (lane-wise, independent). Four rows at a time,
 * so their sums' add chains overlap; each w_j still takes row i's term before row i + 1's, and
 * row i's own sum before the terms of the rows below it.
 */
function householderProduct(a: usize, n: i32, lo: i32, v: usize, w: usize): void {
  const stride = <usize>n << 3;
  let i = lo;
  for (; i + 3 < n; i += 4) {
    const r0 = a + (<usize>(i * n) << 3), r1 = r0 + stride, r2 = r1 + stride, r3 = r2 + stride;
    const v0 = f64At(v, i), v1 = f64At(v, i + 1), v2 = f64At(v, i + 2), v3 = f64At(v, i + 3);
    const v0s = f64x2.splat(v0), v1s = f64x2.splat(v1), v2s = f64x2.splat(v2), v3s = f64x2.splat(v3);
    // the row sums of rows i, i + 1 in the lanes of s01, of rows i + 2, i + 3 in s23
    let s01 = f64x2.replace_lane(f64x2.splat(f64At(r0, i) * v0), 1, f64At(r1, i + 1) * v1);
    let s23 = f64x2.replace_lane(f64x2.splat(f64At(r2, i + 2) * v2), 1, f64At(r3, i + 3) * v3);
    let j = lo;
    for (; j + 2 <= i; j += 2) {
      const off = <usize>j << 3;
      const vj = v128.load(v + off);
      const a0 = v128.load(r0 + off), a1 = v128.load(r1 + off), a2 = v128.load(r2 + off), a3 = v128.load(r3 + off);
      const p0 = f64x2.mul(a0, vj), p1 = f64x2.mul(a1, vj), p2 = f64x2.mul(a2, vj), p3 = f64x2.mul(a3, vj);
      // column j's terms of the four rows, then column j + 1's
      s01 = f64x2.add(f64x2.add(s01, v128.shuffle<f64>(p0, p1, 0, 2)), v128.shuffle<f64>(p0, p1, 1, 3));
      s23 = f64x2.add(f64x2.add(s23, v128.shuffle<f64>(p2, p3, 0, 2)), v128.shuffle<f64>(p2, p3, 1, 3));
      const wj = f64x2.add(f64x2.add(f64x2.add(f64x2.add(v128.load(w + off), f64x2.mul(a0, v0s)), f64x2.mul(a1, v1s)), f64x2.mul(a2, v2s)), f64x2.mul(a3, v3s));
      v128.store(w + off, wj);
    }
    let s0 = f64x2.extract_lane(s01, 0), s1 = f64x2.extract_lane(s01, 1), s2 = f64x2.extract_lane(s23, 0), s3 = f64x2.extract_lane(s23, 1);
    for (; j < i; j++) {
      const vj = f64At(v, j), a0 = f64At(r0, j), a1 = f64At(r1, j), a2 = f64At(r2, j), a3 = f64At(r3, j);
      s0 += a0 * vj; s1 += a1 * vj; s2 += a2 * vj; s3 += a3 * vj;
      setF64(w, j, (((f64At(w, j) + a0 * v0) + a1 * v1) + a2 * v2) + a3 * v3);
    }
    // the block's own triangle (columns i..i+2), row by row: each row's sum is complete before the
    // rows below it add to its w
    setF64(w, i, f64At(w, i) + s0);
    let x = f64At(r1, i);
    s1 += x * v0; setF64(w, i, f64At(w, i) + x * v1);
    setF64(w, i + 1, f64At(w, i + 1) + s1);
    x = f64At(r2, i); s2 += x * v0; setF64(w, i, f64At(w, i) + x * v2);
    x = f64At(r2, i + 1); s2 += x * v1; setF64(w, i + 1, f64At(w, i + 1) + x * v2);
    setF64(w, i + 2, f64At(w, i + 2) + s2);
    x = f64At(r3, i); s3 += x * v0; setF64(w, i, f64At(w, i) + x * v3);
    x = f64At(r3, i + 1); s3 += x * v1; setF64(w, i + 1, f64At(w, i + 1) + x * v3);
    x = f64At(r3, i + 2); s3 += x * v2; setF64(w, i + 2, f64At(w, i + 2) + x * v3);
    setF64(w, i + 3, f64At(w, i + 3) + s3);
  }
  for (; i < n; i++) {
    const row = a + (<usize>(i * n) << 3), vi = f64At(v, i);
    let s = f64At(row, i) * vi;
    for (let j = lo; j < i; j++) {
      const aij = f64At(row, j);
      s += aij * f64At(v, j);
      setF64(w, j, f64At(w, j) + aij * vi);
    }
    setF64(w, i, f64At(w, i) + s);
  }
}

/** A22 -= 2 (v w^T + w v^T) on the lower triangle of rows and columns lo..n-1 (a_ij -= 2v_i w_j + 2w_i v_j). */
function rankTwoUpdate(a: usize, n: i32, lo: i32, v: usize, w: usize): void {
  for (let i = lo; i < n; i++) {
    const row = a + (<usize>(i * n) << 3), vi = 2 * f64At(v, i), wi = 2 * f64At(w, i);
    const viv = f64x2.splat(vi), wiv = f64x2.splat(wi);
    let j = lo;
    for (; j + 2 <= i + 1; j += 2) {
      const off = <usize>j << 3;
      const upd = f64x2.add(f64x2.mul(viv, v128.load(w + off)), f64x2.mul(wiv, v128.load(v + off)));
      v128.store(row + off, f64x2.sub(v128.load(row + off), upd));
    }
    for (; j <= i; j++) setF64(row, j, f64At(row, j) - (vi * f64At(w, j) + wi * f64At(v, j)));
  }
}

/** QL sweeps allowed per eigenvalue (src/stats/eigen.ts MAX_QL_ITERATIONS). */
const MAX_QL_ITERATIONS = 60;

/**
 * Eigenvalues of the symmetric tridiagonal (d, e) of length n by implicit QL with Wilkinson
 * shifts, into d (unsorted; e is overwritten). Returns -1, or the index of the eigenvalue that
 * did not converge in MAX_QL_ITERATIONS sweeps.
 */
export function tridiagonalEigenvalues(d: usize, e: usize, n: i32): i32 {
  for (let l = 0; l < n; l++) {
    let iter = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(f64At(d, m)) + Math.abs(f64At(d, m + 1));
        if (Math.abs(f64At(e, m)) <= f64.EPSILON * dd) break;
      }
      if (m == l) break;
      if (++iter > MAX_QL_ITERATIONS) return l;
      qlSweep(d, e, l, m);
    }
  }
  return -1;
}

/**
 * V8's Math.hypot of two values, bit-identical to it: V8 scales both by the larger, max, and
 * Kahan-sums the squares. The larger one's ratio is exactly 1 and the compensation after the first
 * square is exactly 0, so its result is sqrt(1 + (min / max)^2) * max, one division.
 */
@inline function hypot(x: f64, y: f64): f64 {
  const ax = Math.abs(x), ay = Math.abs(y);
  const max = ax > ay ? ax : ay, min = ax > ay ? ay : ax;
  if (max == Infinity) return Infinity;
  if (isNaN(x) || isNaN(y)) return NaN;
  if (max == 0) return 0;
  const q = min / max;
  return Math.sqrt(1 + q * q) * max;
}

/** One implicit QL step with a Wilkinson shift on the unreduced block l..m (src/stats/eigen.ts qlSweep). */
function qlSweep(d: usize, e: usize, l: i32, m: i32): void {
  let g = (f64At(d, l + 1) - f64At(d, l)) / (2 * f64At(e, l));
  let r = hypot(g, 1);
  g = f64At(d, m) - f64At(d, l) + f64At(e, l) / (g + (g >= 0 ? r : -r));
  let s: f64 = 1, c: f64 = 1, p: f64 = 0;
  let i = m - 1;
  for (; i >= l; i--) {
    const f = s * f64At(e, i), b = c * f64At(e, i);
    r = hypot(f, g);
    setF64(e, i + 1, r);
    if (r == 0) { setF64(d, i + 1, f64At(d, i + 1) - p); setF64(e, m, 0); break; }
    s = f / r; c = g / r;
    g = f64At(d, i + 1) - p;
    r = (f64At(d, i) - g) * s + 2 * c * b;
    p = s * r;
    setF64(d, i + 1, g + p);
    g = c * r - b;
  }
  if (r == 0 && i >= l) return;
  setF64(d, l, f64At(d, l) - p);
  setF64(e, l, g);
  setF64(e, m, 0);
}
