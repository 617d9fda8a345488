#!/usr/bin/python3
"""numpy side of bench/stats-throughput.ts: the same statistics pass over a raw little-endian
tensor file, done as a numpy user would (np.memmap, chunked float64 moments with Chan merges,
counts, norms, the 65536-bucket bf16-truncation histogram by np.bincount, np.quantile on the
whole array). Prints one JSON line with the timings.
Usage: /usr/bin/python3 tools/reference/stats_bench_numpy.py FILE float32|float16
"""
import json
import sys
import time

import numpy as np

CHUNK = 1 << 24
QUANTILES = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999]


def merge(a, b):
    na, ma, a2, a3, a4 = a
    nb, mb, b2, b3, b4 = b
    if na == 0:
        return b
    n = na + nb
    d = mb - ma
    dn = d / n
    t = d * dn * na * nb
    m2 = a2 + b2 + t
    m3 = a3 + b3 + t * dn * (na - nb) + 3 * dn * (na * b2 - nb * a2)
    m4 = a4 + b4 + t * dn * dn * (na * na - na * nb + nb * nb) + 6 * dn * dn * (na * na * b2 + nb * nb * a2) + 4 * dn * (na * b3 - nb * a3)
    return (n, ma + dn * nb, m2, m3, m4)


def main():
    path, dtype = sys.argv[1], sys.argv[2]
    arr = np.memmap(path, dtype=np.dtype(dtype).newbyteorder("<"), mode="r")
    t0 = time.perf_counter()
    mom = (0, 0.0, 0.0, 0.0, 0.0)
    hist = np.zeros(65536, dtype=np.int64)
    counts = dict(nan=0, inf=0, zero=0, le=[0, 0, 0])
    mn, mx, l1, l2 = np.inf, -np.inf, 0.0, 0.0
    for s in range(0, arr.size, CHUNK):
        x32 = np.asarray(arr[s:s + CHUNK], dtype=np.float32)
        hist += np.bincount(x32.view(np.uint32) >> 16, minlength=65536)
        x = x32.astype(np.float64)
        fin = np.isfinite(x)
        counts["nan"] += int(np.isnan(x).sum())
        counts["inf"] += int(np.isinf(x).sum())
        x = x[fin]
        a = np.abs(x)
        counts["zero"] += int((x == 0).sum())
        for i, t in enumerate([1e-4, 1e-3, 1e-2]):
            counts["le"][i] += int((a <= t).sum())
        mn, mx = min(mn, x.min()), max(mx, x.max())
        l1 += a.sum()
        l2 += np.dot(x, x)
        m = x.mean()
        d = x - m
        d2 = d * d
        mom = merge(mom, (x.size, m, d2.sum(), (d2 * d).sum(), (d2 * d2).sum()))
    t1 = time.perf_counter()
    qs = np.quantile(arr, QUANTILES)
    t2 = time.perf_counter()
    n, mean, m2, m3, m4 = mom
    var = m2 / n
    print(json.dumps(dict(
        seconds=t2 - t0, moments_hist_seconds=t1 - t0, quantile_seconds=t2 - t1, n=int(n), mean=mean, std=var ** 0.5,
        skew=(m3 / n) / var ** 1.5, kurt=(m4 / n) / var ** 2 - 3, median=float(qs[5]), numpy=np.__version__,
    )))


if __name__ == "__main__":
    main()
