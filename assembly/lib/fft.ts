// The in-place radix-2 complex FFT shared by the histogram KDE (binned-kde.ts: binned pair
// counts, as src/stats/shape/bandwidth-binned.ts fft computes them) and the exact Sheather-Jones
// pair counts of kept tensors (assembly/shape.ts, rounded to the exact integers). Twiddle bases
// from the host's Math.cos / Math.sin, so the binned path is its TypeScript oracle's bit for bit.
import { hostCos, hostSin, ld, st } from "./binned-common";

/** In-place iterative radix-2 complex FFT of n (a power of 2) points; `inverse` without the 1/n factor. */
export function fft(re: usize, im: usize, n: i32, inverse: bool): void {
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = ld(re, i), ti = ld(im, i);
      st(re, i, ld(re, j));
      st(im, i, ld(im, j));
      st(re, j, tr);
      st(im, j, ti);
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = ((inverse ? 2 : -2) * Math.PI) / <f64>len;
    const wr = hostCos(angle), wi = hostSin(angle);
    const halfLen = len >> 1;
    for (let start = 0; start < n; start += len) {
      let cr: f64 = 1, ci: f64 = 0;
      for (let k = 0; k < halfLen; k++) {
        const i = start + k, j = i + halfLen;
        const rj = ld(re, j), ij = ld(im, j);
        const tr = rj * cr - ij * ci, ti = rj * ci + ij * cr;
        const ri = ld(re, i), ii = ld(im, i);
        st(re, j, ri - tr);
        st(im, j, ii - ti);
        st(re, i, ri + tr);
        st(im, i, ii + ti);
        const next = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = next;
      }
    }
  }
}
