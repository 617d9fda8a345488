#!/usr/bin/python3
"""Reference values for test/dynamics/ews.test.ts: scipy.stats.kendalltau (tau-b,
method='asymptotic') with and without ties, scipy.special.erfc, scipy.ndimage Gaussian and
uniform filters (mode='reflect', as ewstools' detrend), and rolling statistics computed
window by window with plain numpy (pandas is not installed; the formulas are pandas'):
variance ddof=1, lag-1 autocorrelation = Pearson corr(x[:-1], x[1:]), adjusted skewness G1,
adjusted excess kurtosis G2, cv = std(residuals, ddof=1) / mean(raw).

Run: /usr/bin/python3 tools/reference/ews_fixtures.py
Writes: test/fixtures/dynamics/ews.json
"""
import json
import os

import numpy as np
from scipy import ndimage, special, stats

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "dynamics", "ews.json")


def floats(a):
    return [None if not np.isfinite(v) else float(v) for v in np.asarray(a, dtype=float)]


def kendall_case(name, x, y):
    out = {"name": name, "x": floats(x), "y": floats(y)}
    for alt in ("two-sided", "greater", "less"):
        r = stats.kendalltau(x, y, method="asymptotic", alternative=alt)
        out[alt] = {"tau": float(r.statistic), "pValue": float(r.pvalue)}
    return out


def rolling(res, raw, w):
    n = len(res)
    out = {k: np.full(n, np.nan) for k in ("variance", "ac1", "skewness", "kurtosis", "cv")}
    for end in range(w, n + 1):
        x = res[end - w:end]
        d = x - x.mean()
        m2, m3, m4 = (d ** 2).mean(), (d ** 3).mean(), (d ** 4).mean()
        out["variance"][end - 1] = x.var(ddof=1)
        out["ac1"][end - 1] = np.corrcoef(x[:-1], x[1:])[0, 1]
        out["skewness"][end - 1] = np.sqrt(w * (w - 1)) / (w - 2) * m3 / m2 ** 1.5
        out["kurtosis"][end - 1] = (w - 1) / ((w - 2) * (w - 3)) * ((w + 1) * m4 / m2 ** 2 - 3 * (w - 1))
        out["cv"][end - 1] = x.std(ddof=1) / raw[end - w:end].mean()
    return {k: floats(v) for k, v in out.items()}


def ar1(rng, n, phi):
    x = np.zeros(n)
    for i in range(1, n):
        x[i] = phi[i] * x[i - 1] + rng.standard_normal()
    return x


def main():
    rng = np.random.default_rng(31415)
    kendall = [
        kendall_case("continuous-40", rng.standard_normal(40), rng.standard_normal(40)),
        kendall_case("trend-200", np.arange(200.0), np.arange(200.0) * 0.01 + rng.standard_normal(200)),
        kendall_case("ties-y-60", np.arange(60.0), np.round(rng.standard_normal(60) + np.linspace(0, 1, 60), 0)),
        kendall_case("ties-both-50", np.round(rng.uniform(0, 5, 50)), np.round(rng.uniform(0, 4, 50))),
        kendall_case("negative-ties-5", np.array([1.0, 2, 2, 3, 4]), np.array([5.0, 3, 3, 2, 2])),
    ]
    zs = np.array([-6.0, -2.7, -1.0, -0.3, 0.0, 1e-3, 0.2, 0.5, 1.0, 1.7, 2.4999, 2.5, 3.0, 4.2, 6.0, 9.0, 20.0])
    erfc = {"x": floats(zs), "erfc": floats(special.erfc(zs))}

    n = 50
    x = np.cumsum(rng.standard_normal(n)) + np.linspace(0, 3, n)
    detrend = {
        "values": floats(x),
        "gaussian": [{"bandwidth": bw, "trend": floats(ndimage.gaussian_filter1d(x, bw * n if bw <= 1 else bw, mode="reflect", truncate=4.0))}
                     for bw in (0.2, 0.3, 3.5)],
        "movingAverage": [{"span": sp, "size": int(2 * np.floor(sp * n / 2) + 1),
                           "trend": floats(ndimage.uniform_filter1d(x, int(2 * np.floor(sp * n / 2) + 1), mode="reflect"))}
                          for sp in (0.1, 0.25)],
    }

    res = rng.standard_normal(80) * np.linspace(1, 2, 80) + 0.3 * np.sin(np.arange(80))
    raw = res + 10.0
    rolling_cases = [{"window": wf, "residuals": floats(res), "raw": floats(raw), **rolling(res, raw, int(wf * len(res)))} for wf in (0.5, 0.25)]

    # End to end: Gaussian detrend (bandwidth 0.2) -> rolling window 0.5 -> Kendall tau vs time,
    # on an AR(1) whose coefficient rises towards 1 (critical slowing down), points before the event.
    m, event = 160, 150
    y = ar1(rng, m, np.linspace(0.2, 0.95, m)) + np.linspace(0, 2, m)
    pre = y[:event]
    r = pre - ndimage.gaussian_filter1d(pre, 0.2 * event, mode="reflect", truncate=4.0)
    roll = rolling(r, pre, int(0.5 * event))
    trend = {}
    for k in ("variance", "ac1", "skewness", "kurtosis"):
        s = np.array([np.nan if v is None else v for v in roll[k]])
        t = np.nonzero(np.isfinite(s))[0]
        kt = stats.kendalltau(t, s[t], method="asymptotic")
        trend[k] = {"tau": float(kt.statistic), "pValue": float(kt.pvalue)}
    pipeline = {"values": floats(y), "eventIndex": event, "residuals": floats(r), "trend": trend}

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump({"generator": "tools/reference/ews_fixtures.py", "kendall": kendall, "erfc": erfc, "detrend": detrend,
                   "rolling": rolling_cases, "pipeline": pipeline}, fh)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
