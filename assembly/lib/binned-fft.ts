// The radix-2 complex FFT of the histogram KDE's binned pair counts (binned-kde.ts pairCounts), two
// butterflies per f64x2: fft.ts's arithmetic, the same values bit for bit. fft.ts forms each
// stage's twiddles by a recurrence that restarts at every block of the stage, so every block uses
// the same sequence; here it is run once per stage into a table, and butterflies k and k + 1 of a
// block (adjacent in memory) take one f64x2 for each of re, im and the twiddle, each lane doing
// fft.ts's multiplications, additions and subtractions in its order (wasm has no fused
// multiply-add, so a lane rounds as the scalar code does).
import { hostCos, hostSin, ld, st } from "./binned-common";

/** fft.ts fft of n points (a power of 2) in place; tw: scratch of n f64 (the twiddle table). */
export function fftBinned(re: usize, im: usize, n: i32, inverse: bool, tw: usize): void {
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
  const twr = tw, twi = tw + (<usize>(n >> 1) << 3);
  for (let len = 2; len <= n; len <<= 1) {
    const angle = ((inverse ? 2 : -2) * Math.PI) / <f64>len;
    const wr = hostCos(angle), wi = hostSin(angle);
    const halfLen = len >> 1;
    if (halfLen == 1) { // one butterfly per block, twiddle (1, 0)
      for (let start = 0; start < n; start += 2) butterfly(re, im, start, start + 1, 1, 0);
      continue;
    }
    let cr: f64 = 1, ci: f64 = 0;
    for (let k = 0; k < halfLen; k++) {
      st(twr, k, cr);
      st(twi, k, ci);
      const next = cr * wr - ci * wi;
      ci = cr * wi + ci * wr;
      cr = next;
    }
    for (let start = 0; start < n; start += len) {
      for (let k = 0; k < halfLen; k += 2) {
        const oi = <usize>(start + k) << 3, oj = oi + (<usize>halfLen << 3), ok = <usize>k << 3;
        const CR = v128.load(twr + ok), CI = v128.load(twi + ok);
        const RJ = v128.load(re + oj), IJ = v128.load(im + oj);
        const TR = f64x2.sub(f64x2.mul(RJ, CR), f64x2.mul(IJ, CI)), TI = f64x2.add(f64x2.mul(RJ, CI), f64x2.mul(IJ, CR));
        const RI = v128.load(re + oi), II = v128.load(im + oi);
        v128.store(re + oj, f64x2.sub(RI, TR));
        v128.store(im + oj, f64x2.sub(II, TI));
        v128.store(re + oi, f64x2.add(RI, TR));
        v128.store(im + oi, f64x2.add(II, TI));
      }
    }
  }
}

@inline function butterfly(re: usize, im: usize, i: i32, j: i32, cr: f64, ci: f64): void {
  const rj = ld(re, j), ij = ld(im, j);
  const tr = rj * cr - ij * ci, ti = rj * ci + ij * cr;
  const ri = ld(re, i), ii = ld(im, i);
  st(re, j, ri - tr);
  st(im, j, ii - ti);
  st(re, i, ri + tr);
  st(im, i, ii + ti);
}
