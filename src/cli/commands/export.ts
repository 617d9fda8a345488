// `forking-paths export <out-dir> --parquet`: one Parquet file per store table.
import type { Command } from "commander";
import { join } from "node:path";
import { Store, UsageError } from "../../index.js";
import { say } from "../terminal.js";

export function register(program: Command): void {
  program
    .command("export")
    .description("export the analysis store for pandas/polars users")
    .argument("<out-dir>", "output folder of `analyze`")
    .option("--parquet", "write one Parquet file per table (the only format for now)")
    .option("--to <dir>", "destination folder (default: <out-dir>/parquet)")
    .action(async (outDir: string, flags: { parquet?: boolean; to?: string }) => {
      if (!flags.parquet) throw new UsageError("export: choose a format: --parquet");
      const store = await Store.openDir(outDir, { readOnly: true });
      try {
        const files = await store.exportParquet(flags.to ?? join(outDir, "parquet"));
        for (const f of files) say(f);
      } finally {
        await store.close();
      }
    });
}
