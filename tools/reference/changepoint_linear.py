#!/usr/bin/python3
"""Reference for the piecewise-linear change-point cost (test/dynamics/changepoints-linear.test.ts),
written independently of the TypeScript code with numpy only (ruptures is not installed):
- segment cost: residual sum of squares of the least-squares line y = a + b x on the segment,
  solved by numpy.linalg.lstsq on the design [1, x] (as ruptures' CostLinear with covariates [1, x]);
- exhaustive optimal partitioning: O(n^2) dynamic programming over every admissible last
  breakpoint, no pruning (PELT must reach the same optimum);
- the noise sigma of the default penalty: 1.4826 * MAD of the Gasser-Sroka-Jennen-Steinmetz
  pseudo-residuals; penalty = 3 sigma^2 ln max(n, 100);
- quadratic and line RSS on a few windows (numpy.polyfit), for the abruptness check.

Run: /usr/bin/python3 tools/reference/changepoint_linear.py
Writes: test/fixtures/dynamics/changepoints-linear.json
Conventions: breakpoints are indices where a new segment starts; the last one is n.
"""
import json
import math
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "dynamics", "changepoints-linear.json")
TINY = [0, 1, 2, 4, 8, 16, 32, 50, 75, 100, 125, 150, 175, 200, 225, 250, 275, 300, 325, 350, 375, 400, 425, 450, 475, 500, 525, 550, 575, 600]
PYTHIA = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512] + [1000 * k for k in range(1, 41)]


def line_rss(x, y):
    design = np.column_stack([np.ones_like(x), x])
    coef, _, _, _ = np.linalg.lstsq(design, y, rcond=None)
    r = y - design @ coef
    return float(r @ r), float(coef[0]), float(coef[1])


def cost_matrix(x, y, min_size):
    n = len(y)
    c = np.full((n + 1, n + 1), np.inf)
    for s in range(n):
        for t in range(s + min_size, n + 1):
            c[s, t] = line_rss(x[s:t], y[s:t])[0]
    return c


def optimal_partition(c, n, pen, min_size):
    f = [math.inf] * (n + 1)
    last = [-1] * (n + 1)
    f[0] = -pen
    for t in range(min_size, n + 1):
        if t < n and t > n - min_size:
            continue
        for s in range(0, t - min_size + 1):
            if s != 0 and (s < min_size or s > n - min_size) or f[s] == math.inf:
                continue
            v = f[s] + c[s, t] + pen
            if v < f[t]:
                f[t], last[t] = v, s
    bkps, t = [], n
    while t > 0:
        bkps.append(t)
        t = last[t]
    return sorted(bkps), f[n]


def gsj_sigma(x, y):
    e = []
    for i in range(1, len(y) - 1):
        a = (x[i + 1] - x[i]) / (x[i + 1] - x[i - 1])
        b = (x[i] - x[i - 1]) / (x[i + 1] - x[i - 1])
        e.append((a * y[i - 1] + b * y[i + 1] - y[i]) / math.sqrt(a * a + b * b + 1))
    e = np.array(e)
    return 1.482602218505602 * float(np.median(np.abs(e - np.median(e))))


def case(name, steps, y, min_size, pen=None):
    x = np.log1p(np.array(steps, dtype=float))
    y = np.asarray(y, dtype=float)
    n = len(y)
    sigma = gsj_sigma(x, y)
    default_pen = 3 * sigma * sigma * math.log(max(n, 100))
    pen = default_pen if pen is None else pen
    c = cost_matrix(x, y, min_size)
    bkps, obj = optimal_partition(c, n, pen, min_size)
    segs = [0] + bkps
    lines = [line_rss(x[segs[k]:segs[k + 1]], y[segs[k]:segs[k + 1]]) for k in range(len(bkps))]
    windows = []
    for lo, hi in [(0, n), (2, min(n, 17)), (n // 3, n)]:
        q = np.polyfit(x[lo:hi], y[lo:hi], 2)
        r = y[lo:hi] - np.polyval(q, x[lo:hi])
        windows.append({"lo": lo, "hi": hi, "quadRss": float(r @ r), "lineRss": line_rss(x[lo:hi], y[lo:hi])[0]})
    return {
        "name": name, "steps": steps, "signal": y.tolist(), "minSize": min_size, "penalty": pen,
        "sigma": sigma, "defaultPenalty": default_pen, "optimalBkps": bkps, "optimalObjective": obj,
        "segmentLines": [{"rss": l[0], "intercept": l[1], "slope": l[2]} for l in lines],
        "segmentCosts": [{"start": 3, "end": 11, "rss": line_rss(x[3:11], y[3:11])[0]}, {"start": 0, "end": n, "rss": line_rss(x, y)[0]}],
        "windows": windows,
    }


def main():
    rng = np.random.default_rng(20261129)
    cases = []
    x = np.log1p(np.array(TINY, dtype=float))
    cases.append(case("tiny-level-shift", TINY, 0.1 * x + np.where(np.arange(30) >= 18, 0.5, 0.0) + 0.03 * rng.standard_normal(30), 3))
    cases.append(case("tiny-slope-break", TINY, np.where(x < 4.0, 0.05 * x, 0.2 + 0.6 * (x - 4.0)) + 0.02 * rng.standard_normal(30), 3))
    cases.append(case("tiny-power-law", TINY, np.exp(-0.5 * x) + 0.01 * rng.standard_normal(30), 3))
    cases.append(case("tiny-two-changes-minsize5", TINY, 0.1 * x - np.where(np.arange(30) >= 10, 0.4, 0.0) + np.where(np.arange(30) >= 21, 0.8, 0.0) + 0.05 * rng.standard_normal(30), 5))
    xp = np.log1p(np.array(PYTHIA, dtype=float))
    cases.append(case("pythia-level-shift", PYTHIA, 1.0 - 0.05 * xp + np.where(np.arange(len(PYTHIA)) >= 30, -0.3, 0.0) + 0.04 * rng.standard_normal(len(PYTHIA)), 3))
    cases.append(case("tiny-small-penalty", TINY, 0.2 * x + 0.05 * rng.standard_normal(30), 3, pen=0.01))
    with open(OUT, "w") as f:
        json.dump({"generator": "tools/reference/changepoint_linear.py", "numpy": np.__version__, "cases": cases}, f, indent=1)
    print("wrote", OUT, [(c["name"], c["optimalBkps"]) for c in cases])


if __name__ == "__main__":
    main()
