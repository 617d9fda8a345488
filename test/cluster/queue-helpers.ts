// Worker processes (the real CLI) and flow polling for the queue tests.
import type { ChildProcess } from "node:child_process";
import { openFlowStatus, type FlowStatus } from "../../src/cluster/queue/status.js";
import { startCli } from "../helpers/cli.js";

/** Short lock and stalled-check periods: a killed worker's job is retried elsewhere within seconds. */
export const FAST_STALL = ["--lock-duration", "4000", "--stalled-interval", "1000"];
// A bound for failing, not a wait: a flow on a loaded shared 2-core machine can take minutes.
export const FLOW_TIMEOUT_MS = 240_000;
/**
 * How often a flow's status is read while waiting for it: each read is several Redis round trips
 * (~20 ms of CPU on a loaded machine), and a flow takes tens of seconds, so a second's delay at the end
 * costs less than reading twice as often.
 */
export const FLOW_POLL_MS = 1_000;
const STOP_GRACE_MS = 5_000;

export interface WorkerProcess {
  child: ChildProcess;
  log(): string;
  /** Resolves with the first match of `re` in the worker's log (now or later). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

export function spawnWorker(redisUrl: string, extra: readonly string[] = [], env: NodeJS.ProcessEnv = {}): WorkerProcess {
  const child = startCli(["worker", "--redis", redisUrl, "--workers", "1", ...FAST_STALL, ...extra], { env });
  let text = "";
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  child.stdout!.on("data", () => undefined);
  child.stderr!.on("data", (d) => {
    text += d.toString();
    for (const w of [...waiters]) {
      const m = text.match(w.re);
      if (m !== null) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    log: () => text,
    waitFor: (re, timeoutMs = FLOW_TIMEOUT_MS) => {
      const m = text.match(re);
      if (m !== null) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker ${child.pid}: no ${re} within ${timeoutMs} ms; log:\n${text}`)), timeoutMs);
        waiters.push({ re, resolve: (match) => { clearTimeout(timer); resolve(match); } });
      });
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      // A worker whose Redis is gone may not close cleanly: do not wait for it forever.
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Polls `cluster status`'s reader (one Redis connection for the whole wait, not one per poll)
 * until the merge job has finished (done or failed).
 */
export async function waitForFlow(dir: string, redisUrl: string, timeoutMs = FLOW_TIMEOUT_MS): Promise<FlowStatus> {
  const deadline = Date.now() + timeoutMs;
  const reader = await openFlowStatus(dir, { redis: redisUrl });
  try {
    for (;;) {
      const s = await reader.read().catch(() => null); // Redis may be restarting
      if (s !== null && (s.merge.state === "done" || s.merge.state === "failed")) return s;
      if (Date.now() > deadline) throw new Error(`flow of ${dir} not finished after ${timeoutMs} ms: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, FLOW_POLL_MS));
    }
  } finally {
    await reader.close();
  }
}
