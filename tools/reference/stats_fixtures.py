#!/usr/bin/python3
"""Writes the statistics fixtures of test/stats and test/kernels: small raw little-endian
tensors (F32, F16, BF16 via torch, F64) and what numpy/scipy compute on them in float64 over
the finite values. Run with Debian's python: /usr/bin/python3 tools/reference/stats_fixtures.py
"""
import json
import math
import os

import numpy as np
import scipy.stats
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "stats")
QUANTILES = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999]
ABS_T = [1e-4, 1e-3, 1e-2]
REL_STD = [0.01, 0.1, 0.5]


def num(v):
    v = float(v)
    return None if math.isnan(v) else v


def raw_bytes(dtype, values):
    if dtype == "BF16":
        t = torch.tensor(np.asarray(values, dtype=np.float32)).to(torch.bfloat16)
        return t.view(torch.int16).numpy().astype("<i2").tobytes(), t.to(torch.float64).numpy()
    np_dtype = {"F32": "<f4", "F16": "<f2", "F64": "<f8"}[dtype]
    arr = np.asarray(values).astype(np_dtype)
    return arr.tobytes(), arr.astype(np.float64)


def expected(x):
    fin = x[np.isfinite(x)]
    n = fin.size
    out = {
        "numel": int(x.size),
        "nan": int(np.isnan(x).sum()),
        "posinf": int(np.isposinf(x).sum()),
        "neginf": int(np.isneginf(x).sum()),
        "zero": int((fin == 0).sum()),
        "n": int(n),
        "l1": float(np.abs(fin).sum()),
        "l2": float(np.linalg.norm(fin)) if n else 0.0,
        "linf": float(np.abs(fin).max()) if n else 0.0,
        "abs_le_counts": [int((np.abs(fin) <= t).sum()) for t in ABS_T],
    }
    if n == 0:
        out.update(mean=None, std=None, variance=None, skewness=None, excess_kurtosis=None, min=None, max=None)
        return out
    std = float(np.std(fin))
    out.update(
        mean=float(np.mean(fin)),
        std=std,
        variance=float(np.var(fin)),
        skewness=num(scipy.stats.skew(fin)),
        excess_kurtosis=num(scipy.stats.kurtosis(fin)),
        min=float(fin.min()),
        max=float(fin.max()),
        rel_std_fracs=[float((np.abs(fin) <= k * std).mean()) for k in REL_STD],
        quantiles_linear=[float(v) for v in np.quantile(fin, QUANTILES, method="linear")],
        quantiles_inverted_cdf=[float(v) for v in np.quantile(fin, QUANTILES, method="inverted_cdf")],
    )
    # The two order statistics numpy's "linear" method interpolates between (for the bound).
    srt = np.sort(fin)
    lo, hi = [], []
    for q in QUANTILES:
        i = int(math.floor((n - 1) * q))
        lo.append(float(srt[i]))
        hi.append(float(srt[min(i + 1, n - 1)]))
    out.update(linear_order_lo=lo, linear_order_hi=hi)
    return out


def cases(rng):
    def sprinkle(v, frac, value):
        idx = rng.choice(v.size, int(v.size * frac), replace=False)
        v[idx] = value
        return v

    normal = lambda n, mu, sd: rng.normal(mu, sd, n)
    specials = np.concatenate([rng.uniform(-1, 1, 4990), [np.nan] * 4, [np.inf] * 3, [-np.inf] * 2, [0.0, -0.0, 0.0]])
    rng.shuffle(specials)
    tiny = np.concatenate([rng.uniform(1e-45, 1.1e-38, 600) * rng.choice([-1, 1], 600), [1.2e-38, -3e-39, 0.0]])
    huge = np.concatenate([rng.uniform(1e37, 3.3e38, 500) * rng.choice([-1, 1], 500), [3.4e38, -3.4e38]])
    return [
        ("f32_normal", "F32", sprinkle(normal(20011, 0.3, 0.02), 0.01, 0.0)),
        ("f16_normal", "F16", sprinkle(normal(16001, 0.0, 0.05), 0.02, 0.0)),
        ("bf16_normal", "BF16", sprinkle(normal(16003, 0.0, 0.02), 0.02, 0.0)),
        ("f64_normal", "F64", normal(3001, -1.0, 0.5)),
        ("f32_specials", "F32", specials),
        ("f16_specials", "F16", specials * 100),
        ("bf16_specials", "BF16", specials),
        ("f32_one", "F32", np.array([0.7])),
        ("f32_empty", "F32", np.array([], dtype=np.float64)),
        ("f32_all_nan", "F32", np.array([np.nan] * 7)),
        ("f32_constant", "F32", np.full(1001, 1.5)),
        ("f32_huge", "F32", huge),
        ("f32_tiny", "F32", tiny),
        ("f32_heavy", "F32", rng.standard_t(1.5, 20000) * 0.01),
        ("bf16_heavy", "BF16", rng.standard_t(2.5, 12001) * 0.05),
    ]


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240317)
    index = {"quantile_levels": QUANTILES, "abs_thresholds": ABS_T, "rel_std": REL_STD, "cases": {}}
    for name, dtype, values in cases(rng):
        with np.errstate(over="ignore", invalid="ignore"):
            data, decoded = raw_bytes(dtype, values)
        with open(os.path.join(OUT, name + ".bin"), "wb") as f:
            f.write(data)
        index["cases"][name] = {"dtype": dtype, "file": name + ".bin", "expected": expected(decoded)}
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(index, f, indent=1, allow_nan=False)
    print(f"wrote {len(index['cases'])} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
