// `forking-paths export <out-dir> --parquet | --tensorboard`: one Parquet file per store table,
// or TensorBoard event files (one folder per run) of histograms, statistics and events.
import type { Command } from "commander";
import { join } from "node:path";
import { exportTensorBoard, Store, UsageError } from "../../index.js";
import { say } from "../terminal.js";

/** Steps TensorBoard's data server keeps per histogram or text tag unless told otherwise. */
const TENSORBOARD_DEFAULT_TENSOR_SAMPLES = 100;

interface ExportFlags {
  parquet?: boolean;
  tensorboard?: boolean;
  to?: string;
  run?: string[];
  json?: boolean;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function register(program: Command): void {
  program
    .command("export")
    .description("export the analysis store: Parquet for pandas/polars, or TensorBoard event files")
    .argument("<out-dir>", "output folder of `analyze`")
    .option("--parquet", "write one Parquet file per table")
    .option("--tensorboard", "write events.out.tfevents.* files (one folder per run): histograms, statistics as scalars, events as text")
    .option("--to <dir>", "destination folder (default: <out-dir>/parquet or <out-dir>/tensorboard)")
    .option("--run <name>", "--tensorboard: export only this run (repeatable; default: every run)", collect)
    .option("--json", "print what was written as JSON")
    .action(async (outDir: string, flags: ExportFlags) => {
      if (flags.parquet === flags.tensorboard) throw new UsageError("export: choose one format: --parquet or --tensorboard");
      if (flags.parquet && flags.run !== undefined) throw new UsageError("export: --run applies to --tensorboard only");
      const store = await Store.openDir(outDir, { readOnly: true });
      try {
        if (flags.parquet) {
          const files = await store.exportParquet(flags.to ?? join(outDir, "parquet"));
          if (flags.json) say(JSON.stringify(files));
          else for (const f of files) say(f);
          return;
        }
        const to = flags.to ?? join(outDir, "tensorboard");
        const runs = await exportTensorBoard(store, flags.run === undefined ? { to } : { to, runs: flags.run });
        if (flags.json) {
          say(JSON.stringify(runs));
          return;
        }
        for (const r of runs) {
          const unplaced = r.unplaced_events > 0 ? `, ${r.unplaced_events} events without a step left out` : "";
          say(`${r.file}: ${r.steps} steps, ${r.histograms} histograms, ${r.scalars} scalars, ${r.texts} texts, ${(r.bytes / 1e6).toFixed(1)} MB${unplaced}`);
        }
        const most = Math.max(...runs.map((r) => r.steps));
        const sampling = most > TENSORBOARD_DEFAULT_TENSOR_SAMPLES ? ` --samples_per_plugin=histograms=${most},text=${most}` : "";
        say(`view: tensorboard --logdir ${to}${sampling}`);
      } finally {
        await store.close();
      }
    });
}
