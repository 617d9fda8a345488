// Histogram shape-statistics kernels: the per-bucket loops of the statistics of a histogram's
// distribution G (src/stats/shape: binned-fits.ts KS and Weibull sums, kde-binned.ts grid
// weights, convolution and exact evaluation, bandwidth-binned.ts bw.SJ pair counts by FFT,
// dip-binned.ts knots and dip). Each is the TypeScript oracle's arithmetic in the same order;
// log1p, cos and sin are the host's own Math functions (imported), exp and log V8's own fdlibm
// code computed in the kernel (lib/binned-math.ts), so the results are the oracles' bit for bit (test/kernels/shape-binned-wasm.test.ts). The host side is
// src/kernels/shape-binned-wasm.ts. A distribution is value-ordered buckets: lo, hi, count (f64).

export { reserve } from "./lib/scratch";
export { ksNormal, weibullSums } from "./lib/binned-fits";
export { kdeEvaluate, kdeGrid, kdeModes, pairCounts } from "./lib/binned-kde";
export { knots, dipOfCorners } from "./lib/binned-dip";
export { binnedEmRun } from "./lib/binned-em";
export { mathBatch } from "./lib/binned-math";
export { normalCdfBatch } from "./lib/binned-cdf";
export { logBatch } from "./lib/binned-log";
export { fromHistogram, moments, spread, cells } from "./lib/binned-dist";
