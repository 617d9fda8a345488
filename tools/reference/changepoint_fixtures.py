#!/usr/bin/python3
"""Reference change points for test/dynamics/changepoints.test.ts, written independently of
the TypeScript code: exact optimal partitioning (O(n^2) dynamic programming, no pruning) and
greedy binary segmentation, with segment costs computed directly by numpy on each segment.
PELT must reach the identical optimum for the same cost, penalty, minSize and jump.

Run: /usr/bin/python3 tools/reference/changepoint_fixtures.py
Writes: test/fixtures/dynamics/changepoints.json
Conventions: breakpoints are indices where a new segment starts; the last one is n.
Costs: l2 = sum (x - mean)^2; normal = len * ln(var_biased + floor),
floor = 1e-6 * var_biased(whole signal).
"""
import json
import math
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "dynamics", "changepoints.json")


def cost_matrix(x, kind):
    n = len(x)
    floor = max(1e-6 * np.var(x), 1e-300)
    c = np.full((n + 1, n + 1), np.inf)
    for s in range(n):
        for t in range(s + 1, n + 1):
            seg = x[s:t]
            if kind == "l2":
                c[s, t] = np.sum((seg - seg.mean()) ** 2)
            else:
                c[s, t] = (t - s) * math.log(np.var(seg) + floor)
    return c


def grid(n, min_size, jump):
    return [t for t in range(0, n + 1) if t % jump == 0 and min_size <= t <= n - min_size]


def optimal_partition(c, n, pen, min_size, jump):
    ends = grid(n, min_size, jump) + [n]
    f = {0: -pen}
    last = {}
    for t in ends:
        best, arg = math.inf, -1
        for s in [0] + ends:
            if s in f and s <= t - min_size:
                v = f[s] + c[s, t] + pen
                if v < best:
                    best, arg = v, s
        f[t], last[t] = best, arg
    bkps, t = [], n
    while t > 0:
        bkps.append(t)
        t = last[t]
    return sorted(bkps), f[n]


def binseg(c, n, min_size, jump, pen=None, n_bkps=None):
    def split(s, e):
        cands = [b for b in range(s + 1, e) if b % jump == 0 and b - s >= min_size and e - b >= min_size]
        if not cands:
            return None, -math.inf
        sums = [c[s, b] + c[b, e] for b in cands]
        i = int(np.argmin(sums))
        return cands[i], c[s, e] - sums[i]

    bkps = [n]
    while True:
        if n_bkps is not None and len(bkps) - 1 >= n_bkps:
            break
        best = None
        for s, e in zip([0] + bkps[:-1], bkps):
            b, g = split(s, e)
            if b is not None and (best is None or g > best[1]):
                best = (b, g)
        if best is None or (pen is not None and not best[1] > pen):
            break
        bkps = sorted(bkps + [best[0]])
    return bkps


def robust_sigma(x):
    d = np.diff(x)
    return 1.482602218505602 * np.median(np.abs(d - np.median(d))) / math.sqrt(2)


def pw_constant(rng, n, k, noise):
    bk = np.sort(rng.choice(np.arange(10, n - 10), size=k, replace=False))
    levels = np.cumsum(rng.uniform(2, 5, size=k + 1) * rng.choice([-1, 1], size=k + 1))
    sig = np.repeat(levels, np.diff(np.r_[0, bk, n]))
    return sig + noise * rng.standard_normal(n)


def pw_variance(rng, n, k):
    bk = np.sort(rng.choice(np.arange(15, n - 15), size=k, replace=False))
    stds = np.exp(rng.uniform(-1.2, 1.2, size=k + 1))
    return np.repeat(stds, np.diff(np.r_[0, bk, n])) * rng.standard_normal(n)


def case(name, x, kind, pen, min_size, jump, n_bkps=None):
    n = len(x)
    c = cost_matrix(x, kind)
    bk, obj = optimal_partition(c, n, pen, min_size, jump)
    return {
        "name": name, "cost": kind, "penalty": pen, "minSize": min_size, "jump": jump,
        "signal": [float(v) for v in x],
        "optimalBkps": bk, "optimalObjective": float(obj),
        "binsegPenaltyBkps": binseg(c, n, min_size, jump, pen=pen),
        "binsegNBkps": n_bkps, "binsegCountBkps": binseg(c, n, min_size, jump, n_bkps=n_bkps),
    }


def main():
    rng = np.random.default_rng(20240611)
    cases = []
    x = pw_constant(rng, 120, 3, 1.0)
    s = robust_sigma(x)
    cases.append(dict(case("l2-bic", x, "l2", 2 * s * s * math.log(len(x)), 1, 1, 3), robustSigma=float(s)))
    cases.append(case("l2-minsize5-jump3", pw_constant(rng, 110, 4, 1.5), "l2", 3.0, 5, 3, 4))
    cases.append(case("l2-noise-small-penalty", rng.standard_normal(90), "l2", 0.8, 2, 1, 6))
    xv = pw_variance(rng, 150, 2)
    cases.append(case("normal-3logn", xv, "normal", 3 * math.log(150), 2, 1, 2))
    cases.append(case("normal-minsize5-jump2", pw_variance(rng, 140, 3), "normal", 3 * math.log(140), 5, 2, 3))
    cases.append(case("normal-noise-small-penalty", rng.standard_normal(80), "normal", 1.0, 3, 1, 5))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump({"generator": "tools/reference/changepoint_fixtures.py", "cases": cases}, fh)
    print(f"wrote {OUT}: {[(c['name'], c['optimalBkps']) for c in cases]}")


if __name__ == "__main__":
    main()
