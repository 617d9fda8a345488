#!/usr/bin/python3
"""Reference values for test/quality/*.test.ts: scipy.stats.spearmanr (average ranks, t-test
p-value) and kendalltau (tau-b, method='asymptotic') on fixed series with and without ties,
scipy.stats.rankdata, scipy.stats.t.sf, scipy.optimize.curve_fit of L(t) = a + b t^(-c) on
fixed learning curves, and numpy.interp reconstructions of a quality curve from subsets.

Run: /usr/bin/python3 tools/reference/quality_fixtures.py
Writes: test/fixtures/quality/quality.json
"""
import json
import os

import numpy as np
from scipy import optimize, stats

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "quality", "quality.json")
PYTHIA_STEPS = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512] + list(range(1000, 143001, 6000))


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=float)]


def correlation_cases(rng):
    cases = []
    x = rng.normal(size=25)
    cases.append(("noisy-linear", x, 0.6 * x + rng.normal(size=25)))
    cases.append(("ties", np.round(rng.normal(size=30) * 2), np.round(rng.normal(size=30) * 2 + np.arange(30) * 0.1)))
    cases.append(("negative-small", np.arange(8.0), -np.arange(8.0) ** 1.5 + rng.normal(size=8) * 3))
    cases.append(("monotone", np.arange(12.0), np.exp(np.arange(12.0) / 3)))
    cases.append(("independent", rng.normal(size=40), rng.normal(size=40)))
    out = []
    for name, a, b in cases:
        s = stats.spearmanr(a, b)
        k = stats.kendalltau(a, b, method="asymptotic")
        out.append({"name": name, "x": floats(a), "y": floats(b), "rho": float(s.correlation), "rhoP": float(s.pvalue),
                    "tau": float(k.correlation), "tauP": float(k.pvalue),
                    "ranksX": floats(stats.rankdata(a))})
    return out


def curve_cases(rng):
    f = lambda t, a, b, c: a + b * t ** (-c)
    out = []
    for name, (a, b, c), noise in (("pythia-like", (2.1, 3.5, 0.45), 0.01), ("steep", (3.0, 8.0, 1.2), 0.02), ("slow", (1.5, 2.0, 0.15), 0.005)):
        t = np.array([s for s in PYTHIA_STEPS if s > 0], dtype=float)
        y = f(t, a, b, c) + rng.normal(size=t.size) * noise
        p, _ = optimize.curve_fit(f, t, y, p0=(y[-1], y[0] - y[-1], 0.5), maxfev=100000, ftol=1e-15, xtol=1e-15, gtol=1e-15)
        out.append({"name": name, "t": floats(t), "y": floats(y), "a": float(p[0]), "b": float(p[1]), "c": float(p[2]),
                    "sse": float(np.sum((y - f(t, *p)) ** 2))})
    return out


def interp_cases(rng):
    steps = np.array(PYTHIA_STEPS, dtype=float)
    values = 10.0 / (1 + np.log1p(steps)) + 0.3 * np.tanh((np.log1p(steps) - 7) * 2) + rng.normal(size=steps.size) * 0.01
    out = {"steps": floats(steps), "values": floats(values), "cases": []}
    for idx in ([0, 5, steps.size - 1], [0, 3, 9, 14, 20, steps.size - 1], list(range(0, steps.size, 4)) + [steps.size - 1]):
        idx = sorted(set(idx))
        for axis in ("log-step", "step"):
            xs = np.log1p(steps) if axis == "log-step" else steps
            rec = np.interp(xs, xs[idx], values[idx])
            err = np.abs(rec - values)
            out["cases"].append({"indices": idx, "axis": axis, "reconstructed": floats(rec), "mae": float(err.mean()), "max": float(err.max())})
    return out


def main():
    rng = np.random.default_rng(6)
    tsf = [{"t": t, "df": df, "sf": float(stats.t.sf(t, df))} for t in (0.0, 0.3, 1.0, 2.5, 6.0, -1.7, 15.0) for df in (1, 3, 10, 38)]
    doc = {"correlations": correlation_cases(rng), "tSf": tsf, "curves": curve_cases(rng), "interp": interp_cases(rng)}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump(doc, fh, indent=1)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
