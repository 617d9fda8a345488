// Eigenvalues of a dense real symmetric matrix: Householder reduction to tridiagonal form,
// then the implicit QL algorithm with Wilkinson shifts (the eigenvalue-only path of LAPACK
// dsyev / EISPACK tred2+tql1). O(n^3); fine up to a few thousand rows. Also the Gram matrix.
import { ForkingPathsError, UsageError } from "../util/errors.js";

/** QL sweeps allowed per eigenvalue before giving up (LAPACK uses 30 per eigenvalue). */
export const MAX_QL_ITERATIONS = 60;

/** The eigensolver did not converge (should not happen on finite symmetric input). */
export class EigenConvergenceError extends ForkingPathsError {
  constructor(message: string) {
    super("EIGEN_CONVERGENCE", message);
  }
}

/**
 * Reduces symmetric A (n x n, row-major, overwritten; only its lower triangle is read) to
 * tridiagonal T = Q^T A Q.
 * Returns the diagonal d (n) and subdiagonal e (e[i] couples i and i+1; e[n-1] = 0).
 */
export function tridiagonalize(a: Float64Array, n: number): { d: Float64Array; e: Float64Array } {
  const d = new Float64Array(n), e = new Float64Array(n);
  const v = new Float64Array(n), w = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    let norm2 = 0;
    for (let i = k + 1; i < n; i++) norm2 += a[i * n + k]! * a[i * n + k]!;
    const x0 = a[(k + 1) * n + k]!;
    const alpha = x0 >= 0 ? -Math.sqrt(norm2) : Math.sqrt(norm2);
    d[k] = a[k * n + k]!;
    e[k] = alpha;
    // v = x - alpha e1, normalised; H = I - 2 v v^T maps x to alpha e1.
    let vnorm2 = norm2 - x0 * x0;
    for (let i = k + 1; i < n; i++) v[i] = a[i * n + k]!;
    v[k + 1] = x0 - alpha;
    vnorm2 += v[k + 1]! * v[k + 1]!;
    if (vnorm2 === 0) { e[k] = x0; continue; }
    const inv = 1 / Math.sqrt(vnorm2);
    for (let i = k + 1; i < n; i++) v[i]! *= inv;
    // p = A22 v; w = p - (v^T p) v; A22 -= 2 (v w^T + w v^T). Only the lower triangle of A22 is
    // read and updated (it is symmetric): each a_ij (j < i) adds to p_i and p_j in one pass.
    for (let i = k + 1; i < n; i++) w[i] = 0;
    for (let i = k + 1; i < n; i++) {
      const row = i * n, vi = v[i]!;
      let s = a[row + i]! * vi;
      for (let j = k + 1; j < i; j++) {
        const aij = a[row + j]!;
        s += aij * v[j]!;
        w[j]! += aij * vi;
      }
      w[i]! += s;
    }
    let vp = 0;
    for (let i = k + 1; i < n; i++) vp += v[i]! * w[i]!;
    for (let i = k + 1; i < n; i++) w[i] = w[i]! - vp * v[i]!;
    for (let i = k + 1; i < n; i++) {
      const row = i * n, vi = 2 * v[i]!, wi = 2 * w[i]!;
      for (let j = k + 1; j <= i; j++) a[row + j]! -= vi * w[j]! + wi * v[j]!;
    }
  }
  if (n >= 2) { d[n - 2] = a[(n - 2) * n + n - 2]!; e[n - 2] = a[(n - 1) * n + n - 2]!; }
  if (n >= 1) d[n - 1] = a[(n - 1) * n + n - 1]!;
  return { d, e };
}

/** Eigenvalues of the symmetric tridiagonal (d, e) by implicit QL; d is overwritten, returned sorted ascending. */
export function tridiagonalEigenvalues(d: Float64Array, e: Float64Array): Float64Array {
  const n = d.length;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        if (Math.abs(e[m]!) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      if (++iter > MAX_QL_ITERATIONS) throw new EigenConvergenceError(`tridiagonalEigenvalues: no convergence for eigenvalue ${l} after ${MAX_QL_ITERATIONS} QL sweeps`);
      qlSweep(d, e, l, m);
    }
  }
  return d.sort();
}

/** One implicit QL step with a Wilkinson shift on the unreduced block l..m. */
function qlSweep(d: Float64Array, e: Float64Array, l: number, m: number): void {
  let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
  let r = Math.hypot(g, 1);
  g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? r : -r));
  let s = 1, c = 1, p = 0;
  let i = m - 1;
  for (; i >= l; i--) {
    const f = s * e[i]!, b = c * e[i]!;
    r = Math.hypot(f, g);
    e[i + 1] = r;
    if (r === 0) { d[i + 1]! -= p; e[m] = 0; break; }
    s = f / r; c = g / r;
    g = d[i + 1]! - p;
    r = (d[i]! - g) * s + 2 * c * b;
    p = s * r;
    d[i + 1] = g + p;
    g = c * r - b;
  }
  if (r === 0 && i >= l) return;
  d[l]! -= p; e[l] = g; e[m] = 0;
}

/** Eigenvalues of a symmetric n x n row-major matrix (copied, not modified), ascending. */
export function symmetricEigenvalues(matrix: ArrayLike<number>, n: number): Float64Array {
  if (matrix.length !== n * n) throw new UsageError(`symmetricEigenvalues: expected ${n * n} values for ${n} x ${n}, got ${matrix.length}`);
  return symmetricEigenvaluesInPlace(Float64Array.from(matrix), n);
}

/** symmetricEigenvalues of a matrix the caller gives up (overwritten: no copy). */
export function symmetricEigenvaluesInPlace(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new UsageError(`symmetricEigenvalues: expected ${n * n} values for ${n} x ${n}, got ${a.length}`);
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) throw new UsageError(`symmetricEigenvalues: non-finite entry at (${Math.floor(i / n)}, ${i % n})`);
  const { d, e } = tridiagonalize(a, n);
  return tridiagonalEigenvalues(d, e);
}

/** smallGram's working copy of W, kept between calls (spectra of many matrices of one size allocate it once per thread). */
let gramScratch = new Float64Array(0);

/**
 * Gram matrix of the smaller side of W (rows x cols, row-major) in float64: W W^T when
 * rows <= cols, else W^T W; size m = min(rows, cols). Its eigenvalues are the squared
 * singular values of W.
 */
export function smallGram(w: ArrayLike<number>, rows: number, cols: number): { gram: Float64Array; m: number } {
  if (w.length !== rows * cols) throw new UsageError(`smallGram: expected ${rows * cols} values for ${rows} x ${cols}, got ${w.length}`);
  const byRows = rows <= cols;
  const m = byRows ? rows : cols, k = byRows ? cols : rows;
  // Lay out the m vectors of length k contiguously so inner products run on contiguous memory
  // (W^T W: the columns, gathered column by column so the writes are sequential).
  if (gramScratch.length < m * k) gramScratch = new Float64Array(m * k);
  const vecs = gramScratch; // every entry below m * k is written before it is read
  if (byRows) for (let t = 0; t < m * k; t++) vecs[t] = w[t]!;
  else for (let c = 0; c < cols; c++) for (let r = 0, o = c * rows; r < rows; r++) vecs[o + r] = w[r * cols + c]!;
  const gram = new Float64Array(m * m);
  // Rows i and i + 1 against columns j..j+3 in one pass (eight inner products, six loads per
  // step); every entry is still summed over t = 0..k-1 in order, so the values are the same as one
  // inner product at a time.
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const oa = i * k, ob = oa + k;
    let j = 0;
    for (; j + 3 <= i; j += 4) {
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
      const o0 = j * k, o1 = o0 + k, o2 = o1 + k, o3 = o2 + k;
      for (let t = 0; t < k; t++) {
        const va = vecs[oa + t]!, vb = vecs[ob + t]!;
        const x0 = vecs[o0 + t]!, x1 = vecs[o1 + t]!, x2 = vecs[o2 + t]!, x3 = vecs[o3 + t]!;
        a0 += va * x0; a1 += va * x1; a2 += va * x2; a3 += va * x3;
        b0 += vb * x0; b1 += vb * x1; b2 += vb * x2; b3 += vb * x3;
      }
      putSymmetric(gram, m, i, j, a0); putSymmetric(gram, m, i, j + 1, a1); putSymmetric(gram, m, i, j + 2, a2); putSymmetric(gram, m, i, j + 3, a3);
      putSymmetric(gram, m, i + 1, j, b0); putSymmetric(gram, m, i + 1, j + 1, b1); putSymmetric(gram, m, i + 1, j + 2, b2); putSymmetric(gram, m, i + 1, j + 3, b3);
    }
    for (let jj = j; jj <= i; jj++) putSymmetric(gram, m, i, jj, dot(vecs, oa, jj * k, k));
    for (let jj = j; jj <= i + 1; jj++) putSymmetric(gram, m, i + 1, jj, dot(vecs, ob, jj * k, k));
  }
  for (; i < m; i++) for (let j = 0; j <= i; j++) putSymmetric(gram, m, i, j, dot(vecs, i * k, j * k, k));
  return { gram, m };
}

/** sum over t < k of v[a + t] v[b + t], in order of t. */
function dot(v: Float64Array, a: number, b: number, k: number): number {
  let s = 0;
  for (let t = 0; t < k; t++) s += v[a + t]! * v[b + t]!;
  return s;
}

function putSymmetric(gram: Float64Array, m: number, i: number, j: number, s: number): void {
  gram[i * m + j] = s;
  gram[j * m + i] = s;
}
