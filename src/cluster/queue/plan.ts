// The plan of a queued analysis, `<dir>/cluster.json`: what `cluster submit` enqueued (run,
// options, steps, flow id). Jobs carry only `<dir>` and a step; workers read the rest here.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PartMismatchError } from "../errors.js";
import type { PartAnalyzeOptions } from "../unit.js";

export const CLUSTER_PLAN_FILE = "cluster.json";

export interface ClusterPlan {
  format: "forking-paths-cluster";
  version: 1;
  flowId: string;
  queue: string;
  runPath: string;
  steps: number[];
  analyze: PartAnalyzeOptions;
  /** The merge job merges a partial result when checkpoints failed. */
  allowMissing: boolean;
  /** The Redis URL the flow was submitted to, without its password (`serve <dir>` reads progress there). */
  redis?: string;
}

/** `url` without its password (cluster.json sits on a shared filesystem). */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === "") return url;
    u.password = "";
    return u.toString();
  } catch {
    return url;
  }
}

export function planPath(dir: string): string {
  return join(resolve(dir), CLUSTER_PLAN_FILE);
}

export function writePlan(dir: string, plan: ClusterPlan): void {
  mkdirSync(resolve(dir), { recursive: true });
  const path = planPath(dir);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(plan, null, 2)}\n`);
  renameSync(tmp, path);
}

export function readClusterPlan(dir: string): ClusterPlan {
  const path = planPath(dir);
  if (!existsSync(path)) throw new PartMismatchError(resolve(dir), `no ${CLUSTER_PLAN_FILE}: not the --out folder of \`forking-paths cluster submit\` (or not visible on this machine: workers need the shared filesystem)`);
  const plan = JSON.parse(readFileSync(path, "utf8")) as ClusterPlan;
  if (plan.format !== "forking-paths-cluster" || plan.version !== 1) throw new PartMismatchError(path, "is not a version-1 cluster plan");
  return plan;
}

/** Job ids: the merge (parent) job is the flow id; a checkpoint job is `<flow>-step-<step>`. */
export function checkpointJobId(flowId: string, step: number): string {
  return `${flowId}-step-${step}`;
}

/** Part folder name of a queued checkpoint. */
export function checkpointPartName(step: number): string {
  return `step-${step}`;
}
