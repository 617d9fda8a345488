#!/usr/bin/python3
"""Reference for test/quality/early-stop.test.ts: the parameter-settling rule and patience of
src/quality/early-stop.ts re-derived from their definitions with numpy, vectorised over features
(forward-filled previous observations, cumulative path lengths, nanmedian), on synthetic runs:
power-law settling features with noise, log-growing features, missing and non-finite values.

Run: /usr/bin/python3 tools/reference/early_stop_reference.py
Writes: test/fixtures/quality/early-stop.json
"""
import json
import math
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "quality", "early-stop.json")
STEPS = np.array([0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512] + list(range(1000, 20001, 1000)), dtype=float)


def settling_rates(steps, x):
    """x: (n, m) with NaN for missing. Returns (n,) medians of r_ij with NaN where undefined."""
    n, m = x.shape
    u = np.log(steps + 1.0)
    obs = np.isfinite(x)
    idx = np.where(obs, np.arange(n)[:, None], -1)
    last = np.maximum.accumulate(idx, axis=0)             # last observed index at or before i
    prev = np.vstack([np.full((1, m), -1), last[:-1]])    # last observed index strictly before i
    first = np.where(obs.any(axis=0), obs.argmax(axis=0), -1)
    cols = np.arange(m)[None, :]
    xp = np.where(prev >= 0, x[np.clip(prev, 0, None), cols], np.nan)
    up = np.where(prev >= 0, u[np.clip(prev, 0, None)], np.nan)
    move = np.where(obs & (prev >= 0), np.abs(x - xp), 0.0)
    path = np.cumsum(move, axis=0)
    defined = obs & (prev >= 0) & (path > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = move / (u[:, None] - up)
        avg = path / (u[:, None] - u[first][None, :])
        r = np.where(defined, rate / avg, np.nan)
    out = np.full(n, np.nan)
    for i in range(n):
        row = r[i][~np.isnan(r[i])]
        if row.size:
            out[i] = float(np.median(row))
    return out


def parameter_stop(steps, x, threshold, window, min_fraction):
    rates = settling_rates(steps, x)
    n = len(steps)
    min_index = math.ceil(min_fraction * (n - 1))
    streak = 0
    for i in range(1, n):
        if np.isnan(rates[i]):
            continue
        streak = streak + 1 if rates[i] < threshold else 0
        if streak >= window and i >= min_index:
            return rates, i, True
    return rates, n - 1, False


def patience_stop(loss, patience, min_delta):
    best, waited = math.inf, 0
    for i, l in enumerate(loss):
        if l is None or math.isnan(l):
            continue
        if l < best - min_delta:
            best, waited = l, 0
            continue
        waited += 1
        if waited >= patience:
            return i, True
    return len(loss) - 1, False


def loss_at(steps, loss, i):
    u = np.log(steps + 1.0)
    ok = np.array([l is not None and not math.isnan(l) for l in loss])
    if ok[i]:
        return loss[i], False
    if not ok.any():
        return math.nan, False
    xs = u[ok]
    ys = np.array([l for l, k in zip(loss, ok) if k])
    return float(np.interp(u[i], xs, ys)), True  # np.interp holds the end values outside


def decision(steps, loss, i, triggered):
    vals = [math.inf if (l is None or math.isnan(l)) else l for l in loss]
    best_full = min(vals)
    best_so_far = min(vals[: i + 1])
    at, interp = loss_at(steps, loss, i)
    return {
        "stopIndex": int(i), "stopStep": float(steps[i]), "triggered": bool(triggered),
        "savedFraction": float((steps[-1] - steps[i]) / steps[-1]),
        "lossAtStop": at, "lossInterpolated": interp, "lossCost": at - best_full,
        "bestLossSoFar": best_so_far, "bestLossFullRun": best_full,
    }


def synthetic_run(rng, settle_power, n_settle, n_log, noise, missing):
    s = STEPS + 1.0
    cols = []
    for _ in range(n_settle):
        c, a, b = rng.normal(), rng.uniform(0.5, 2), settle_power * rng.uniform(0.7, 1.3)
        cols.append(c - a * s ** (-b) + noise * rng.normal(size=s.size))
    for _ in range(n_log):
        cols.append(rng.uniform(0.1, 1) * np.log(s) + noise * rng.normal(size=s.size))
    x = np.array(cols).T
    mask = rng.random(x.shape) < missing
    x[mask] = np.nan
    loss = 2.0 + 3.0 * s ** (-0.3) + 0.01 * rng.normal(size=s.size)
    loss_list = [float(v) for v in loss]
    for k in rng.choice(len(loss_list), size=int(missing * len(loss_list)), replace=False):
        loss_list[int(k)] = None
    return x, loss_list


def main():
    rng = np.random.default_rng(20261129)
    cases = []
    specs = [
        ("settling-clean", 0.6, 8, 0, 0.0, 0.0),
        ("settling-noisy-missing", 0.5, 10, 2, 1e-3, 0.1),
        ("mostly-log-growth", 0.5, 2, 7, 0.0, 0.05),
        ("slow-settling", 0.15, 6, 1, 1e-4, 0.0),
    ]
    options = [(0.1, 3, 0.25), (0.2, 2, 0.0), (0.05, 4, 0.5)]
    patience_options = [(1, 0.0), (3, 0.0), (2, 0.01)]
    for name, power, n_settle, n_log, noise, missing in specs:
        x, loss = synthetic_run(rng, power, n_settle, n_log, noise, missing)
        param = []
        rates = None
        for threshold, window, min_fraction in options:
            rates, i, trig = parameter_stop(STEPS, x, threshold, window, min_fraction)
            param.append({"options": {"threshold": threshold, "window": window, "minFraction": min_fraction}, **decision(STEPS, loss, i, trig)})
        pat = []
        for patience, min_delta in patience_options:
            i, trig = patience_stop(loss, patience, min_delta)
            pat.append({"options": {"patience": patience, "minDelta": min_delta}, **decision(STEPS, loss, i, trig)})
        cases.append({
            "name": name, "steps": STEPS.tolist(),
            "features": [[None if np.isnan(v) else float(v) for v in row] for row in x],
            "loss": loss, "rates": [None if np.isnan(v) else float(v) for v in rates],
            "parameter": param, "patience": pat,
        })
    doc = {"generator": "tools/reference/early_stop_reference.py", "numpy": np.__version__, "cases": cases}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f, allow_nan=True)
        f.write("\n")


if __name__ == "__main__":
    main()
