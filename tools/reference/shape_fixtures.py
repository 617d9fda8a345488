"""Reference fixtures for src/stats/shape from numpy / scipy / scikit-learn.

Writes test/fixtures/shape/shape_python.json with seeded input samples and, for each:
Sarle's bimodality coefficient from scipy's bias-corrected skew/kurtosis, scikit-learn
GaussianMixture fits (k = 1, 2, 3), scipy gaussian_kde values, the Weibull probability-plot
fit via numpy.polyfit, and scipy.stats.kstest distances to the fitted normal.
Run from the repository root:  /usr/bin/python3 tools/reference/shape_fixtures.py
"""
import json
import platform

import numpy as np
import scipy
import sklearn
from scipy import stats
from sklearn.mixture import GaussianMixture

OUT = "test/fixtures/shape/shape_python.json"
rng = np.random.default_rng(20240611)


def mixture(n, means, sds, weights):
    comp = rng.choice(len(means), size=n, p=weights)
    return rng.normal(np.take(means, comp), np.take(sds, comp))


def r17(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64)]


def bimodality(x):
    n = len(x)
    g = stats.skew(x, bias=False)
    k = stats.kurtosis(x, bias=False)  # excess, adjusted (G2)
    return {"skewness": float(g), "excessKurtosis": float(k),
            "coefficient": float((g * g + 1) / (k + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))))}


def gmm(x, k):
    m = GaussianMixture(n_components=k, covariance_type="full", tol=1e-10, max_iter=1000,
                        reg_covar=1e-6, n_init=5, random_state=0).fit(x.reshape(-1, 1))
    order = np.argsort(m.means_.ravel())
    return {"components": k, "means": r17(m.means_.ravel()[order]), "weights": r17(m.weights_[order]),
            "variances": r17(m.covariances_.ravel()[order]), "bic": float(m.bic(x.reshape(-1, 1))),
            "logLikelihood": float(m.score(x.reshape(-1, 1)) * len(x)), "converged": bool(m.converged_)}


def kde(x, points):
    out = {}
    for rule in ("silverman", "scott"):
        k = stats.gaussian_kde(x, bw_method=rule)
        out[rule] = {"bandwidth": float(np.sqrt(k.covariance[0, 0])), "values": r17(k(points))}
    h = 0.37
    k = stats.gaussian_kde(x, bw_method=h / np.std(x, ddof=1))
    out["fixed"] = {"bandwidth": h, "values": r17(k(points))}
    return out


def weibull(x):
    a = np.sort(np.abs(x))
    n = len(a)
    f = (np.arange(1, n + 1) - 0.3) / (n + 0.4)  # Bernard's median ranks
    keep = (f >= 0.1) & (f <= 0.9) & (a > 0)
    t, y = np.log(a[keep]), np.log(-np.log(1 - f[keep]))
    slope, intercept = np.polyfit(t, y, 1)
    r = np.corrcoef(t, y)[0, 1]
    return {"k": float(slope), "lambda": float(np.exp(-intercept / slope)), "r2": float(r * r), "nUsed": int(keep.sum())}


def ks(x):
    mu, sd = float(np.mean(x)), float(np.std(x, ddof=1))
    return {"d": float(stats.kstest(x, "norm", args=(mu, sd)).statistic), "mean": mu, "std": sd}


samples = {
    "normal500": rng.normal(0.0, 1.0, 500),
    "bimodal600": mixture(600, [-3.0, 3.0], [1.0, 1.0], [0.5, 0.5]),
    "unequal800": mixture(800, [-2.0, 4.0], [0.5, 1.5], [0.3, 0.7]),
    "trimodal900": mixture(900, [-6.0, 0.0, 5.0], [0.7, 1.0, 0.5], [0.25, 0.45, 0.3]),
    "uniform300": rng.uniform(-1.0, 1.0, 300),
    "skewed400": rng.exponential(1.0, 400),
    "small12": rng.normal(0.0, 1.0, 12),
}
gmm_ks = {"normal500": [1], "bimodal600": [1, 2], "unequal800": [2], "trimodal900": [3]}

cases = []
for name, x in samples.items():
    points = np.linspace(x.min() - 1.0, x.max() + 1.0, 41)
    case = {"name": name, "x": r17(x), "bimodality": bimodality(x), "kdePoints": r17(points),
            "kde": kde(x, points), "weibull": weibull(x), "ks": ks(x)}
    if name in gmm_ks:
        case["gmm"] = [gmm(x, k) for k in gmm_ks[name]]
    cases.append(case)

source = f"python {platform.python_version()} numpy {np.__version__} scipy {scipy.__version__} scikit-learn {sklearn.__version__}"
with open(OUT, "w") as fh:
    z = np.concatenate([np.linspace(-9.0, 9.0, 73), [-38.0, -20.0, -4.24, 4.24, 1e-3, -1e-3]])
    json.dump({"source": source, "cases": cases, "normalCdf": {"z": r17(z), "cdf": r17(stats.norm.cdf(z))}},
              fh, separators=(",", ":"))
print("wrote", OUT)
