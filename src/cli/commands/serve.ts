// `forking-paths serve <out-dir | run-dir>`: the report as a live dashboard on 127.0.0.1 (other
// hosts only with an explicit --host). A run folder or an hf:// reference is analyzed first; with --watch, checkpoints
// the trainer writes later are analyzed as they appear and the open page updates itself. The
// analysis folder's verdicts.json (a study's), when present, is read once at start.
import type { Command } from "commander";
import { existsSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { LOOPBACK_HOSTS, Store, STORE_FILE_NAME, UsageError, analyzeRun, DEFAULT_ANALYZE_WORKERS, DEFAULT_REPORT_PORT, hubRunId, isHubUrl, reportDataFromStore, startReportServer, type ReportServer, RunWatcher, reportWatcher } from "../../index.js";
import { serveClusterProgress } from "./serve-progress.js";
import { parseIntOption } from "../options.js";
import { say, terminalSafe } from "../terminal.js";
import { addReportDataOptions, readStudyVerdicts, reportOptionsOf, type ReportDataFlags } from "./report.js";
import { printAnalyzeSummary } from "./analyze.js";

interface ServeFlags extends ReportDataFlags {
  port: number;
  host?: string;
  watch?: boolean;
  out?: string;
  workers: number;
  revisions?: string;
  redis?: string;
}

/** Where a run folder's analysis goes without --out: a sibling folder `<run-name>-analysis`. */
export function defaultAnalysisDir(runDir: string): string {
  const full = resolve(runDir);
  return join(dirname(full), `${basename(full)}-analysis`);
}

export function register(program: Command): void {
  const command = program
    .command("serve")
    .description("serve the report as a live dashboard on 127.0.0.1; given a run folder, analyze it first (and with --watch, analyze new checkpoints as they appear)")
    .argument("<dir>", "an analysis folder (holds analysis.duckdb; served read-only), a run folder of checkpoints, or hf://<owner>/<repo>[@<revision>] (analyzed first, like a run folder)")
    .option("--port <p>", "port (0 picks a free one)", parseIntOption("--port"), DEFAULT_REPORT_PORT)
    .option("--host <h>", "address to bind (default 127.0.0.1); any other address is reachable from other machines: only when you mean it")
    .option("--watch", "run folder: analyze new checkpoints as they appear; the open page updates live")
    .option("--out <out-dir>", "run folder: analysis folder to write (default: <run-dir>/../<run-name>-analysis)")
    .option("--workers <n>", "run folder: statistics worker threads (0 = main thread)", parseIntOption("--workers"), DEFAULT_ANALYZE_WORKERS)
    .option("--revisions <spec>", "hf:// runs: revisions to analyze (\"pythia\", \"step1000,step2000\", a glob like \"step*000\"); default: the reference's revision alone")
    .option("--redis <url>", "the --out folder of `cluster submit`: Redis of its flow, whose progress the page shows live (default: the URL in its cluster.json)");
  addReportDataOptions(command).action(async (dir: string, flags: ServeFlags) => {
    if (flags.port > 65535) throw new UsageError(`--port: expected 0..65535 (0 picks a free port), got ${flags.port}`);
    if (flags.host !== undefined && !LOOPBACK_HOSTS.includes(flags.host)) {
      process.stderr.write(`forking-paths: warning: serving on ${terminalSafe(flags.host)} makes the dashboard (with the store's absolute paths) reachable from other machines\n`);
    }
    if (await serveClusterProgress(dir, flags, untilSignal)) return;
    if (flags.redis !== undefined) throw new UsageError(`--redis applies to the --out folder of \`cluster submit\` (with cluster.json), not to ${dir}`);
    const { store, watcher } = await prepare(dir, flags);
    let server: ReportServer;
    try {
      const outDir = resolve(store.path, "..");
      // read once at start: a malformed file stops serve here, with the file named
      const verdicts = await readStudyVerdicts(outDir);
      server = await startReportServer({
        outDir,
        port: flags.port,
        ...(flags.host !== undefined && { host: flags.host, allowPublicHost: true }),
        getData: async () => {
          const data = await reportDataFromStore(store, reportOptionsOf(flags));
          return verdicts === undefined ? data : { ...data, verdicts };
        },
        ...(watcher && { watch: reportWatcher(watcher) }),
      });
    } catch (err) {
      await store.close();
      throw err;
    }
    say(`serving ${server.url} (${store.readOnly ? "read-only" : "analysis"} store ${store.path}${watcher ? `; watching ${resolve(dir)}` : ""}); Ctrl-C stops`);
    const signal = await untilSignal();
    await server.close();
    await store.close();
    say(`stopped (${signal})`);
  });
}

/** Opens the store (read-only for an analysis folder) and, for a run folder, analyzes it. */
async function prepare(dir: string, flags: ServeFlags): Promise<{ store: Store; watcher: RunWatcher | null }> {
  if (isHubUrl(dir)) return { store: await prepareHub(dir, flags), watcher: null };
  if (flags.revisions !== undefined) throw new UsageError(`--revisions applies to hf:// runs only, not to ${dir}`);
  if (!existsSync(dir)) throw new UsageError(`${dir}: no such folder ---> HINT: give an analysis folder (with ${STORE_FILE_NAME}) or a run folder of checkpoints`);
  if (existsSync(join(dir, STORE_FILE_NAME))) {
    if (flags.watch) throw new UsageError(`${dir} is an analysis folder; --watch needs the run folder of checkpoints (serve <run-dir> --watch [--out ${dir}])`);
    if (flags.out !== undefined) throw new UsageError(`${dir} is an analysis folder; --out applies to run folders only`);
    return { store: await Store.openDir(dir, { readOnly: true }), watcher: null };
  }
  if (!statSync(dir).isDirectory()) throw new UsageError(`${dir} is a file; serve takes an analysis folder or a run folder`);
  const out = flags.out ?? defaultAnalysisDir(dir);
  const store = await Store.openDir(out);
  const runId = basename(resolve(dir));
  try {
    if (!flags.watch) {
      printAnalyzeSummary(await analyzeRun(dir, { out, store, runId, workers: flags.workers }));
      return { store, watcher: null };
    }
    const watcher = new RunWatcher({
      runDir: dir, store, runId, analyze: { workers: flags.workers },
      log: (line) => say(`watch: ${line}`),
    });
    const first = await watcher.scan();
    say(`analyzed ${first.analyzed.length} checkpoint(s) into ${out}${first.failed.length ? `, ${first.failed.length} failed (shown on the page)` : ""}`);
    return { store, watcher };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/**
 * An hf:// run: analyzed (resuming what the store holds) into --out, default `./<repo-name>-analysis`,
 * then served like a run folder's analysis.
 */
async function prepareHub(url: string, flags: ServeFlags): Promise<Store> {
  if (flags.watch) throw new UsageError(`--watch follows a run folder on disk; for ${url}, re-run serve to analyze revisions added since`);
  const runId = hubRunId(url);
  const out = flags.out ?? resolve(`${runId}-analysis`);
  const store = await Store.openDir(out);
  try {
    printAnalyzeSummary(await analyzeRun(url, { out, store, runId, workers: flags.workers, ...(flags.revisions !== undefined && { revisions: flags.revisions }) }));
    return store;
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolvePromise) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolvePromise(signal);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}
