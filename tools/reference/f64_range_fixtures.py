#!/usr/bin/python3
"""Writes the float64 range fixtures of test/stats/f64-overflow.test.ts: raw little-endian F64
tensors with values up to float64's max and down to its subnormals, and their statistics computed
by numpy in x87 extended precision (np.longdouble: 64-bit mantissa, 15-bit exponent), where
x^2..x^4 of any float64 neither overflow nor underflow, so no scaling is involved in the reference.
A value beyond float64's range is written as null (variance ~1e600; l1 above 1.8e308).
Run with Debian's python: /usr/bin/python3 tools/reference/f64_range_fixtures.py
"""
import json
import math
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "stats")
assert np.finfo(np.longdouble).maxexp >= 16384, "needs x87 80-bit long double (x86-64)"


def f64_or_none(v):
    f = float(v)
    return f if math.isfinite(f) else None


def expected(x):
    fin = x[np.isfinite(x)]
    L = fin.astype(np.longdouble)
    n = L.size
    mean = L.sum() / n
    d = L - mean
    m2, m3, m4 = (d ** 2).sum() / n, (d ** 3).sum() / n, (d ** 4).sum() / n
    return {
        "numel": int(x.size),
        "n": int(n),
        "mean": f64_or_none(mean),
        "std": f64_or_none(np.sqrt(m2)),
        "variance": f64_or_none(m2),
        "skewness": f64_or_none(m3 / m2 ** 1.5),
        "excess_kurtosis": f64_or_none(m4 / m2 ** 2 - 3),
        "l1": f64_or_none(np.abs(L).sum()),
        "l2": f64_or_none(np.sqrt((L ** 2).sum())),
        "linf": float(np.abs(fin).max()),
        "min": float(fin.min()),
        "max": float(fin.max()),
    }


def cases(rng):
    def signed(n, mu, sd, scale):
        return rng.normal(mu, sd, n) * scale

    # 4096 values per kernel block: blocks at rising scales (totals rescaled as they grow; the
    # test also runs them reversed: small blocks merged into large totals) and shuffled.
    blocks = np.concatenate([
        signed(4096, 0.3, 1, 1e-250), signed(4096, 0, 1, 1.0), signed(4096, 1, 1, 1e250),
        signed(3001, -1, 0.3, 1e300), [np.nan, np.inf, -np.inf, 0.0, -0.0, 5e-324],
    ])
    shuffled = blocks.copy()
    rng.shuffle(shuffled)
    return [
        ("f64_big200", signed(5001, 0.5, 1, 1e200)),
        ("f64_big300", signed(3001, -1, 0.3, 1e300)),
        ("f64_tiny250", signed(2000, 0.3, 1, 1e-250)),
        # The running sum of the first two values overflows; l1 is beyond float64 (null).
        ("f64_near_max", np.array([9e307, 9e307, -9e307, 1e300, -4e306, 1e-300, 0.0])),
        # float64's largest value: its l2 norm is itself (the others are negligible).
        ("f64_at_max", np.array([1.7976931348623157e308, -1e150, 1e-300, 0.0])),
        ("f64_mixed_rising", blocks),
        ("f64_mixed_shuffled", shuffled),
    ]


def main():
    rng = np.random.default_rng(20261206)
    index = {"cases": {}}
    for name, values in cases(rng):
        arr = np.asarray(values, dtype="<f8")
        with open(os.path.join(OUT, name + ".bin"), "wb") as f:
            f.write(arr.tobytes())
        index["cases"][name] = {"file": name + ".bin", "expected": expected(arr.astype(np.float64))}
    with open(os.path.join(OUT, "f64_range.json"), "w") as f:
        json.dump(index, f, indent=1, allow_nan=False)
    print(f"wrote {len(index['cases'])} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
