// `forking-paths report <out-dir>`: one self-contained HTML file (ECharts, styles, data and page
// code inlined; no request leaves it) built from the analysis store, opened read-only, with the
// study's verdicts when <out-dir>/verdicts.json exists.
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { readFile, rename, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Store, VERDICTS_FILE_NAME, parseVerdictsFile, renderReportParts, reportDataFromStore, type ReportData, type ReportFromStoreOptions } from "../../index.js";
import { collect, parseIntOption, printJson } from "../options.js";
import { formatBytes, formatSeconds } from "../progress.js";
import { say } from "../terminal.js";
import { stamp } from "../../util/timeline.js";

/** File name of the report inside the analysis folder when --out is not given. */
export const DEFAULT_REPORT_FILE = "report.html";

export interface ReportDataFlags {
  run?: string[];
  bins?: number;
  title?: string;
}

interface ReportFlags extends ReportDataFlags {
  out?: string;
  json?: boolean;
}

/** The --run/--bins/--title options shared by `report` and `serve`. */
export function addReportDataOptions(command: Command): Command {
  return command
    .option("--run <name>", "only this run of the store (repeatable; default: all runs)", collect)
    .option("--bins <n>", "value cells per checkpoint column of the bifurcation diagrams", parseIntOption("--bins", 8))
    .option("--title <text>", "page title");
}

export function reportOptionsOf(flags: ReportDataFlags): ReportFromStoreOptions {
  return {
    ...(flags.run !== undefined && { runs: flags.run }),
    ...(flags.bins !== undefined && { bins: flags.bins }),
    ...(flags.title !== undefined && { title: flags.title }),
  };
}

/** The study's verdicts in `outDir` (undefined when it has none); a malformed file throws VerdictsFileError naming it. */
export async function readStudyVerdicts(outDir: string): Promise<ReportData["verdicts"]> {
  const file = resolve(outDir, VERDICTS_FILE_NAME);
  if (!existsSync(file)) return undefined;
  return parseVerdictsFile(await readFile(file, "utf8"), file);
}

export function register(program: Command): void {
  const command = program
    .command("report")
    .description("write one self-contained HTML report (opens from file://, makes no network request) of an analysis folder (with a study's verdicts.json when present)")
    .argument("<out-dir>", "analysis folder holding analysis.duckdb (the --out of `analyze`)")
    .option("--out <file>", `HTML file to write (default: <out-dir>/${DEFAULT_REPORT_FILE})`)
    .option("--json", "print {path, bytes, runs, checkpoints, tensors, seconds} as JSON");
  addReportDataOptions(command).action(async (outDir: string, flags: ReportFlags) => {
    const started = Date.now();
    const verdicts = await readStudyVerdicts(outDir);
    const store = await Store.openDir(outDir, { readOnly: true });
    let data: ReportData;
    try {
      data = await reportDataFromStore(store, reportOptionsOf(flags));
    } finally {
      await store.close();
    }
    if (verdicts !== undefined) data.verdicts = verdicts;
    stamp("report: data built");
    const file = resolve(flags.out ?? join(outDir, DEFAULT_REPORT_FILE));
    const parts = renderReportParts(data);
    stamp("report: page rendered");
    const bytes = await writeAtomically(file, parts);
    stamp("report: file written");
    const summary = {
      path: file, bytes, runs: data.runs.length,
      checkpoints: data.runs.reduce((s, r) => s + r.steps.length, 0),
      tensors: data.runs.reduce((s, r) => s + r.tensors.length, 0),
      seconds: (Date.now() - started) / 1000,
    };
    if (flags.json) printJson(summary);
    else {
      say(`wrote ${file} (${formatBytes(bytes)}) in ${formatSeconds(summary.seconds)}`);
      say(`  ${summary.runs} run(s), ${summary.checkpoints} checkpoint(s), ${summary.tensors} tensors and groups; open it in a browser (file:// works)`);
    }
  });
}

/** Writes the page's pieces next to the target, then renames: a reader never sees half a report. Returns the size. */
async function writeAtomically(file: string, parts: readonly string[]): Promise<number> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, parts);
  await rename(tmp, file);
  return (await stat(file)).size;
}
