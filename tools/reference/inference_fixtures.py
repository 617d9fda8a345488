#!/usr/bin/python3
"""Writes test/fixtures/experiments/inference.json: scipy's one-sample t-test and t-interval and
Wilcoxon signed-rank p-values (exact without ties, normal approximation with ties, no continuity
correction) on seeded paired differences, for src/experiments/inference.ts.
Run: /usr/bin/python3 tools/reference/inference_fixtures.py (Debian python3-scipy)."""
import json
import os
import numpy as np
import scipy
from scipy import stats

rng = np.random.default_rng(20261206)
cases = []
def add(name, d, method):
    d = [float(x) for x in d]
    t = stats.ttest_1samp(d, 0.0)
    n = len(d)
    lo, hi = stats.t.interval(0.95, n - 1, loc=np.mean(d), scale=stats.sem(d))
    nz = [x for x in d if x != 0]
    ranks = stats.rankdata(np.abs(nz))
    w_plus = float(sum(r for r, x in zip(ranks, nz) if x > 0))
    w = stats.wilcoxon(d, zero_method="wilcox", correction=False, alternative="two-sided", method=method)
    cases.append({"name": name, "d": d, "t": float(t.statistic), "t_p": float(t.pvalue), "ci": [float(lo), float(hi)],
                  "w_plus": w_plus, "wilcoxon_p": float(w.pvalue), "wilcoxon_method": "exact" if method == "exact" else "normal"})

for n in (4, 5, 8, 12, 16, 25):
    add(f"normal n={n}", rng.normal(0.3, 1.0, n), "exact")
for n in (6, 9, 16):
    add(f"skewed n={n}", rng.lognormal(0, 1, n) - 1.2, "exact")
add("all positive n=8", rng.uniform(0.1, 1, 8), "exact")
add("ties n=10", [0.5, -0.5, 1.0, 1.0, -0.25, 0.75, 1.0, 0.5, -1.5, 2.0], "approx")
add("ties and zeros n=12", [0, 0.2, -0.2, 0.4, 0.4, 0.4, -0.1, 0.3, 0.0, 0.6, -0.6, 0.8], "approx")
add("normal approx n=60", rng.normal(0.1, 1.0, 60), "approx")

out = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "experiments", "inference.json")
with open(out, "w") as f:
    json.dump({"generator": f"tools/reference/inference_fixtures.py, scipy {scipy.__version__}", "cases": cases}, f, indent=1)
print(f"wrote {len(cases)} cases to {out}")
