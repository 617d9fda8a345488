"""Reference fixtures for the histogram path of src/stats/shape (histogram-shape.ts) at tensor size.

For seeded float32 tensors of 200,000 values (Gaussian, bimodal, trimodal, and a bimodal one rounded
to bf16 so every value sits on its bucket's edge: the worst case of the bucket-uniform reading),
writes the bucket histogram analyze stores (key = float32 bits >> 16, counts) and, computed on the
values themselves: scikit-learn GaussianMixture fits (k = 1, 2, 3) with BIC, scipy gaussian_kde
(Silverman) at 41 points, scipy kstest to the fitted normal, the Weibull probability-plot fit of
|w| (numpy.polyfit), scipy's bias-corrected bimodality coefficient, and R diptest's dip and
p-value (through Rscript).
Run from the repository root:  /usr/bin/python3 tools/reference/shape_histogram_fixtures.py
"""
import json
import os
import platform
import subprocess
import tempfile

import numpy as np
import scipy
import sklearn
from scipy import stats
from sklearn.mixture import GaussianMixture

OUT = "test/fixtures/shape/shape_histogram.json"
N = 200_000
rng = np.random.default_rng(20261206)


def mixture(n, means, sds, weights):
    comp = rng.choice(len(means), size=n, p=weights)
    return rng.normal(np.take(means, comp), np.take(sds, comp)).astype(np.float32)


def to_bf16(x):
    bits = x.astype(np.float32).view(np.uint32)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000  # round to nearest even, as torch
    return rounded.astype(np.uint32).view(np.float32)


def histogram(x):
    keys, counts = np.unique(x.view(np.uint32) >> 16, return_counts=True)
    return [int(k) for k in keys], [int(c) for c in counts]


def gmm(x, k):
    m = GaussianMixture(n_components=k, covariance_type="full", tol=1e-8, max_iter=2000,
                        reg_covar=1e-6, n_init=3, random_state=0).fit(x.reshape(-1, 1))
    order = np.argsort(m.means_.ravel())
    return {"components": k, "means": [float(v) for v in m.means_.ravel()[order]],
            "weights": [float(v) for v in m.weights_[order]],
            "variances": [float(v) for v in m.covariances_.ravel()[order]],
            "bic": float(m.bic(x.reshape(-1, 1))), "converged": bool(m.converged_)}


def weibull(x):
    a = np.sort(np.abs(x))
    n = len(a)
    f = (np.arange(1, n + 1) - 0.3) / (n + 0.4)
    keep = (f >= 0.1) & (f <= 0.9) & (a > 0)
    slope, _ = np.polyfit(np.log(a[keep]), np.log(-np.log(1 - f[keep])), 1)
    return float(slope)


def dip_r(x):
    with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as fh:
        fh.write(np.asarray(x, dtype=np.float64).tobytes())
        path = fh.name
    try:
        code = (f'library(diptest); x <- readBin("{path}", "double", n = {len(x)}); '
                'd <- dip.test(x); cat(sprintf("%.17g %.17g\\n", d$statistic, d$p.value)); '
                'cat(as.character(packageVersion("diptest")), R.version$major, R.version$minor, "\\n")')
        out = subprocess.run(["Rscript", "-e", code], check=True, capture_output=True, text=True).stdout.split("\n")
    finally:
        os.unlink(path)
    dip, p = (float(v) for v in out[0].split())
    return {"dip": dip, "pValue": p}, out[1].strip()


samples = {
    "gaussian": (rng.normal(0.0, 0.02, N)).astype(np.float32),
    "bimodal": mixture(N, [-0.05, 0.06], [0.02, 0.015], [0.6, 0.4]),
    "trimodal": mixture(N, [-0.12, 0.0, 0.1], [0.015, 0.02, 0.01], [0.25, 0.45, 0.3]),
    "bimodal_bf16": to_bf16(mixture(N, [-0.05, 0.06], [0.02, 0.015], [0.6, 0.4])),
}

cases = []
r_version = ""
for name, x32 in samples.items():
    x = x32.astype(np.float64)
    keys, counts = histogram(x32)
    points = np.linspace(x.min(), x.max(), 41)
    kde = stats.gaussian_kde(x, bw_method="silverman")
    mu, sd = float(np.mean(x)), float(np.std(x, ddof=1))
    g, k = stats.skew(x, bias=False), stats.kurtosis(x, bias=False)
    dip, r_version = dip_r(x)
    cases.append({
        "name": name, "n": int(len(x)), "keys": keys, "counts": counts,
        "gmm": [gmm(x, c) for c in (1, 2, 3)],
        "kde": {"bandwidth": float(np.sqrt(kde.covariance[0, 0])), "points": [float(p) for p in points], "values": [float(v) for v in kde(points)]},
        "ks": {"d": float(stats.kstest(x, "norm", args=(mu, sd)).statistic), "mean": mu, "std": sd},
        "weibullK": weibull(x),
        "bimodality": float((g * g + 1) / (k + 3 * (N - 1) ** 2 / ((N - 2) * (N - 3)))),
        "dip": dip,
    })
    print(name, len(keys), "buckets")

source = (f"python {platform.python_version()} numpy {np.__version__} scipy {scipy.__version__} "
          f"scikit-learn {sklearn.__version__}; R diptest {r_version}")
with open(OUT, "w") as fh:
    json.dump({"source": source, "cases": cases}, fh, separators=(",", ":"))
print("wrote", OUT)
