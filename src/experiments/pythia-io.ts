// Reads Pythia's published lm-eval results (`<dir>/evals/<model>/<setting>/*_step<N>.json`) into
// metric series for pythia.ts; stderr companions and non-finite values are left out.
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { readMetricsPath, isStderrMetric } from "../quality/index.js";
import type { PythiaSeries } from "./pythia.js";

/** Default location of the Pythia reference data, relative to the repository (and package) root. */
export const DEFAULT_PYTHIA_DIR = "data/pythia";

async function subdirs(dir: string): Promise<string[]> {
  return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/** Series of every model and setting under `<dir>/evals`; null when the folder is absent. */
export async function readPythiaSeries(dir: string): Promise<PythiaSeries[] | null> {
  const evals = join(dir, "evals");
  if (!existsSync(evals)) return null;
  const out: PythiaSeries[] = [];
  for (const model of await subdirs(evals)) {
    for (const setting of await subdirs(join(evals, model))) {
      const { metrics } = await readMetricsPath(join(evals, model, setting));
      const byName = new Map<string, { step: number; value: number }[]>();
      for (const m of metrics) {
        if (isStderrMetric(m.name) || m.value === null || !Number.isFinite(m.value)) continue;
        byName.set(m.name, [...(byName.get(m.name) ?? []), { step: m.step, value: m.value }]);
      }
      for (const [name, pts] of [...byName].sort(([a], [b]) => (a < b ? -1 : 1))) {
        pts.sort((a, b) => a.step - b.step);
        out.push({ model, setting, name, steps: pts.map((p) => p.step), values: pts.map((p) => p.value) });
      }
    }
  }
  return out;
}
