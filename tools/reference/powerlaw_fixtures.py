#!/usr/bin/python3
"""Reference values for test/quality/spectral.test.ts.

1. Eigenvalues: numpy.linalg.eigvalsh (LAPACK) of fixed seeded matrices: a symmetric
   indefinite matrix, and the ESD X = W^T W / N (N = max(rows, cols), WeightWatcher's
   normalisation) of seeded heavy-tailed rectangular W (both orientations); for the ESD the
   top min(rows, cols) eigenvalues are kept (the others are the zeros of a rank-deficient X).
2. Power-law tail fit on fixed spectra by an independent numpy implementation of the
   Clauset-Shalizi-Newman procedure as the `powerlaw` package runs it (not installed here):
   candidates xmin = distinct values except the largest; alpha = 1 + n / sum ln(x / xmin);
   D = max |F_fit(u) - E(u)| over distinct tail values u, with E(u) = #(tail < u) / n
   (powerlaw's cdf via searchsorted side='left'); xmin minimising D (first on ties).

Run: /usr/bin/python3 tools/reference/powerlaw_fixtures.py
Writes: test/fixtures/quality/powerlaw.json
"""
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "quality", "powerlaw.json")


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


def clauset_fit(values):
    x = np.sort(np.asarray(values, dtype=float))
    x = x[x > 0]
    best = None
    uniq = np.unique(x)[:-1]
    for xmin in uniq:
        tail = x[x >= xmin]
        n = tail.size
        if n < 2:
            continue
        alpha = 1 + n / np.sum(np.log(tail / xmin))
        u = np.unique(tail)
        emp = np.searchsorted(tail, u, side="left") / n
        fit = 1 - (u / xmin) ** (1 - alpha)
        d = np.max(np.abs(fit - emp))
        if best is None or d < best["ks"]:
            best = {"alpha": float(alpha), "xmin": float(xmin), "ks": float(d), "nTail": int(n)}
    return best


def main():
    rng = np.random.default_rng(2403)
    sym = rng.normal(size=(40, 40))
    sym = (sym + sym.T) / 2
    eig_cases = [{"name": "symmetric-40", "n": 40, "matrix": floats(sym), "eigenvalues": floats(np.linalg.eigvalsh(sym))}]
    diag = np.diag([3.0, 1.0, 1.0, -2.0, 0.0, 1.0])
    eig_cases.append({"name": "diagonal-ties", "n": 6, "matrix": floats(diag), "eigenvalues": floats(np.linalg.eigvalsh(diag))})
    esd_cases = []
    for rows, cols, df in ((24, 40, 3.0), (64, 48, 2.5), (32, 32, 100.0)):
        w = rng.standard_t(df, size=(rows, cols)) * 0.05
        n_big, m = max(rows, cols), min(rows, cols)
        ev = np.linalg.eigvalsh(w.T @ w / n_big)[-m:]
        esd_cases.append({"name": f"t{df}-{rows}x{cols}", "rows": rows, "cols": cols, "w": floats(w), "eigenvalues": floats(ev),
                          "fit": clauset_fit(ev)})
    spectra = []
    pareto = (1 - rng.random(300)) ** (-1 / 1.5) * 0.2  # alpha = 2.5 tail above 0.2
    spectra.append({"name": "pareto-2.5", "values": floats(pareto), "fit": clauset_fit(pareto)})
    mixed = np.concatenate([rng.random(200) * 0.5 + 0.1, (1 - rng.random(60)) ** (-1 / 2.0) * 0.6])
    spectra.append({"name": "bulk-plus-tail", "values": floats(mixed), "fit": clauset_fit(mixed)})
    ties = np.round(pareto * 20) / 20
    spectra.append({"name": "ties", "values": floats(ties), "fit": clauset_fit(ties)})
    doc = {"eigen": eig_cases, "esd": esd_cases, "spectra": spectra}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump(doc, fh)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
