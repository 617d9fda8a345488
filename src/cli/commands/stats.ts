// `forking-paths stats <out-dir>`: the stored statistics, one row per (step, tensor).
import type { Command } from "commander";
import { Store, UsageError, type TensorStatsRecord } from "../../index.js";
import { parseIntOption, printJson } from "../options.js";
import { say, terminalSafe } from "../terminal.js";

interface StatsFlags { json?: boolean; tensor?: string; step?: number; run?: string }

export function register(program: Command): void {
  program
    .command("stats")
    .description("print the stored statistics of each (step, tensor)")
    .argument("<out-dir>", "output folder of `analyze`")
    .option("--json", "print a JSON array, one object per (step, tensor)")
    .option("--tensor <name>", "only this tensor")
    .option("--step <n>", "only this step", parseIntOption("--step"))
    .option("--run <name>", "only this run")
    .action(async (outDir: string, flags: StatsFlags) => {
      const store = await Store.openDir(outDir, { readOnly: true });
      try {
        if (flags.run !== undefined) {
          const runs = (await store.listRuns()).map((r) => r.run_id);
          if (!runs.includes(flags.run)) throw new UsageError(`--run "${flags.run}" is not in ${store.path}; its runs: ${runs.join(", ") || "none"}`);
        }
        const rows = await store.tensorStats({
          ...(flags.run !== undefined && { run: flags.run }),
          ...(flags.tensor !== undefined && { tensor: flags.tensor }),
          ...(flags.step !== undefined && { step: flags.step }),
        });
        if (flags.json) printJson(rows.map(statsJson));
        else printStatsTable(rows);
      } finally {
        await store.close();
      }
    });
}

/** The JSON shape of one row of `stats --json`. */
export function statsJson(r: TensorStatsRecord): Record<string, unknown> {
  return {
    run: r.run_id, step: r.step, tensor: r.tensor, layer: r.layer, role: r.role, kind: r.kind,
    dtype: r.dtype, shape: r.shape, numel: r.numel,
    nan_count: r.nan_count, inf_count: r.inf_count, posinf_count: r.posinf_count, neginf_count: r.neginf_count, zero_count: r.zero_count,
    mean: r.mean, std: r.std, variance: r.variance, skewness: r.skewness, excess_kurtosis: r.excess_kurtosis,
    min: r.min, max: r.max, l1: r.l1, l2: r.l2, linf: r.linf,
    quantiles: r.quantiles, quantile_rel_error_bound: r.quantile_rel_error_bound ?? null,
    frac_abs_le: r.frac_abs_le, frac_abs_le_rel_std: r.frac_abs_le_rel_std,
    frac_abs_le_rel_std_bounds: r.frac_abs_le_rel_std_bounds ?? null,
    ...(r.extra !== undefined && { extra: r.extra }),
  };
}

function printStatsTable(rows: TensorStatsRecord[]): void {
  const fmt = (x: number | null | undefined) => (x === null || x === undefined ? "-" : Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : x.toFixed(4));
  const header = ["step", "tensor", "dtype", "numel", "mean", "std", "skew", "ex.kurt", "min", "max", "|w|<=1e-3"];
  const lines = rows.map((r) => [String(r.step), terminalSafe(r.tensor), r.dtype, String(r.numel), fmt(r.mean), fmt(r.std), fmt(r.skewness), fmt(r.excess_kurtosis), fmt(r.min), fmt(r.max), fmt(r.frac_abs_le["0.001"])]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  say(row(header));
  for (const l of lines) say(row(l));
  if (rows.length === 0) say("(no statistics stored: run `forking-paths analyze` first, or check --tensor/--step)");
}
