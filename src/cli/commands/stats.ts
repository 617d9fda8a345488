// `forking-paths stats <out-dir>`: the stored statistics, one row per (step, tensor).
import type { Command } from "commander";
import { Store, UsageError, statsJson, type TensorStatsRecord } from "../../index.js";
import { parseIntOption, printJson } from "../options.js";
import { formatStat, printTable, type Column } from "../table.js";
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

function printStatsTable(rows: TensorStatsRecord[]): void {
  const columns: Column[] = [
    { header: "step", align: "right" }, { header: "tensor" }, ...["dtype", "numel", "mean", "std", "skew", "ex.kurt", "min", "max", "|w|<=1e-3"].map((header): Column => ({ header, align: "right" })),
  ];
  printTable(columns, rows.map((r) => [
    String(r.step), terminalSafe(r.tensor), r.dtype, String(r.numel), formatStat(r.mean), formatStat(r.std), formatStat(r.skewness), formatStat(r.excess_kurtosis),
    formatStat(r.min), formatStat(r.max), formatStat(r.frac_abs_le["0.001"]),
  ]));
  if (rows.length === 0) say("(no statistics stored: run `forking-paths analyze` first, or check --tensor/--step)");
}
