// `forking-paths serve <dir>` on the --out folder of `cluster submit` (it holds cluster.json): the
// queue's progress live (checkpoint jobs done / active / failed / waiting, failed checkpoints with
// their typed error, the merge), read from Redis by the reader `cluster status` uses. Once the
// merge is done, the report of the merged store is served too, with the progress at /progress.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  openFlowStatus, planPath, readClusterPlan, reportDataFromStore, startReportServer, Store, STORE_FILE_NAME, UsageError,
  type FlowStatusReader, type ReportServer,
} from "../../index.js";
import { say } from "../terminal.js";
import { reportOptionsOf, type ReportDataFlags } from "./report.js";

interface ServeProgressFlags extends ReportDataFlags {
  port: number;
  host?: string;
  watch?: boolean;
  out?: string;
  redis?: string;
}

/** Serves `dir` when it is a queued analysis (returns true once stopped); false for any other folder. */
export async function serveClusterProgress(dir: string, flags: ServeProgressFlags, untilSignal: () => Promise<NodeJS.Signals>): Promise<boolean> {
  if (!existsSync(planPath(dir))) return false;
  if (flags.watch) throw new UsageError(`${dir} is the output folder of \`cluster submit\`; --watch follows a run folder (the page follows the queue by itself)`);
  if (flags.out !== undefined) throw new UsageError(`${dir} is the output folder of \`cluster submit\`; --out applies to run folders only`);
  const plan = readClusterPlan(dir);
  const redis = flags.redis ?? plan.redis;
  if (redis === undefined) throw new UsageError(`${join(dir, "cluster.json")} names no Redis: pass --redis URL (the one given to \`cluster submit\`)`);
  const reader: FlowStatusReader = await openFlowStatus(dir, { redis });
  let store: Store | null = null;
  let server: ReportServer;
  try {
    const first = await reader.read();
    // The merged store is opened only once the merge job is done: the merge must be free to write it.
    if (first.merge.state === "done" && existsSync(join(dir, STORE_FILE_NAME))) store = await Store.openDir(dir, { readOnly: true });
    const opened = store;
    server = await startReportServer({
      outDir: resolve(dir),
      port: flags.port,
      ...(flags.host !== undefined && { host: flags.host, allowPublicHost: true }),
      ...(opened !== null && { getData: () => reportDataFromStore(opened, reportOptionsOf(flags)) }),
      progress: { get: () => reader.read(), title: `${plan.runPath} (flow ${plan.flowId})` },
    });
  } catch (err) {
    await store?.close();
    await reader.close();
    throw err;
  }
  say(store !== null
    ? `serving ${server.url} (merged store ${store.path}; queue progress at ${server.url}progress); Ctrl-C stops`
    : `serving ${server.url} (progress of flow ${plan.flowId} from ${redis}; the report is served once the merge is done: run serve again then); Ctrl-C stops`);
  const signal = await untilSignal();
  await server.close();
  await reader.close();
  await store?.close();
  say(`stopped (${signal})`);
  return true;
}
