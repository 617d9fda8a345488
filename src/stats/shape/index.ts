// Shape statistics of one snapshot of values: bimodality coefficient, dip test, Gaussian
// mixtures, kernel density modes, Weibull fit of |w|, KS distance to the normal, and a summary.
//
// Large tensors: every function here is exact on the values it is given. For tensors larger
// than SHAPE_SAMPLE_SIZE (20,000) values, callers (and shapeSummary) analyse a seeded uniform
// sample without replacement (seededSample). The sample's empirical CDF is within
// eps = sqrt(ln(2/alpha) / (2N)) of the tensor's with probability 1 - alpha (DKW inequality):
// 0.0096 for N = 20,000 at alpha = 0.05. KS distance and dip are sup-distances between CDFs,
// so each is within eps (dip: within eps as well, as the dip is 1-Lipschitz in the sup norm)
// of its full-tensor value. Results carry `method` and `n` (values actually used).
//
// From a bucket histogram (histogram-shape.ts; what analyze stores for large tensors and groups):
// the same statistics of G, the distribution that spreads each bucket's count uniformly over the
// bucket (width <= 2^-7 of the value's magnitude), with n = all values, in O(occupied buckets).
// Stated bounds against the statistics of the values themselves (test/stats/shape/histogram-shape.test.ts):
//   CDF: equal at bucket edges, within the largest bucket mass inside (deterministic, no sampling);
//   dip: within the largest bucket mass + 1/(2n) (1-Lipschitz in the sup norm);
//   KDE density: within W1 / (h^2 sqrt(2 pi e)), W1 <= the count-weighted mean bucket width;
//   mixture means: within 2^-7 x the component's responsibility-weighted mean |x| (first order);
//   mixture BIC: within 2 sum |d log p/dx| 2^-7 |x| (first order); Weibull k: binned-fits.ts's bound;
//   bw.SJ and the bimodality coefficient: measured (2%, 0.01), no worst-case bound claimed.
export * from "./sample.js";
export * from "./bimodality.js";
export * from "./dip.js";
export * from "./dip-test.js";
export * from "./bandwidth.js";
export * from "./kde.js";
export * from "./kde-modes.js";
export * from "./gmm.js";
export * from "./weibull.js";
export * from "./ks.js";
export * from "./summary.js";
export * from "./kernels.js";
// From a bucket histogram instead of values (cost bounded by the occupied buckets):
export * from "./binned.js";
export * from "./binned-fits.js";
export * from "./bandwidth-binned.js";
export * from "./dip-binned.js";
export * from "./gmm-binned.js";
export * from "./kde-binned.js";
export * from "./histogram-shape.js";
