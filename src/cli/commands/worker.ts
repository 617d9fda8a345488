// `forking-paths worker --redis URL`: process checkpoint and merge jobs until SIGINT/SIGTERM.
import type { Command } from "commander";
import { startWorker, UsageError, type HubRateLimit } from "../../index.js";
import { parseIntOption, parseNumberOption } from "../options.js";

/** Time allowed for a clean close on SIGINT/SIGTERM. */
const CLOSE_TIMEOUT_MS = 30_000;

interface WorkerFlags { redis: string; concurrency: number; workers: number; queue?: string; lockDuration?: number; stalledInterval?: number; hubRate?: number; hubBurst?: number; quiet?: boolean }

export function register(program: Command): void {
  program
    .command("worker")
    .description("process the jobs of `cluster submit` (one checkpoint each, into <dir>/parts/; then the merge) until stopped with SIGINT/SIGTERM; run as many as you like, wherever <dir> and the run are readable")
    .requiredOption("--redis <url>", "Redis, e.g. redis://127.0.0.1:6379")
    .option("--concurrency <n>", "jobs processed at once by this process", parseIntOption("--concurrency", 1), 1)
    .option("--workers <n>", "statistics worker threads per job (0 = main thread)", parseIntOption("--workers"), 1)
    .option("--queue <name>", "BullMQ queue name (default forking-paths)")
    .option("--hub-rate <r>", "global limit on Hub HTTP requests per second across all workers (a token bucket in Redis)", parseNumberOption("--hub-rate"))
    .option("--hub-burst <n>", "requests allowed at once after a quiet spell (default: the rate)", parseIntOption("--hub-burst", 1))
    .option("--lock-duration <ms>", "a job whose lock is not renewed this long is stalled and retried by another worker (default 30000)", parseIntOption("--lock-duration", 100))
    .option("--stalled-interval <ms>", "how often stalled jobs are looked for (default 30000)", parseIntOption("--stalled-interval", 100))
    .option("--quiet", "do not log each finished job")
    .action(async (f: WorkerFlags) => {
      if (f.hubRate !== undefined && !(f.hubRate > 0)) throw new UsageError(`--hub-rate must be positive, got ${f.hubRate}`);
      const hubRate: HubRateLimit | undefined = f.hubRate === undefined ? undefined : { perSecond: f.hubRate, ...(f.hubBurst !== undefined && { burst: f.hubBurst }) };
      const log = (line: string) => { if (f.quiet !== true) process.stderr.write(`worker ${process.pid}: ${line}\n`); };
      const worker = await startWorker({
        redis: f.redis, concurrency: f.concurrency, workers: f.workers,
        ...(f.queue !== undefined && { queue: f.queue }),
        ...(f.lockDuration !== undefined && { lockDurationMs: f.lockDuration }),
        ...(f.stalledInterval !== undefined && { stalledIntervalMs: f.stalledInterval }),
        ...(hubRate !== undefined && { hubRate }),
        onEvent: (e) => log(e.kind === "active" ? `${e.name} ${e.job} started` : e.kind === "completed" ? `${e.name} ${e.job} done`
          : `${e.name} ${e.job} failed${e.final ? "" : " (will retry)"}: ${e.error}`),
      });
      log(`ready (concurrency ${f.concurrency})`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      // Finish the jobs in hand; if Redis is unreachable, closing cannot complete: give up after a while.
      const gaveUp = await Promise.race([worker.close().then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), CLOSE_TIMEOUT_MS).unref())]);
      log(gaveUp ? `stopped without closing cleanly (Redis unreachable for ${CLOSE_TIMEOUT_MS / 1000} s)` : "stopped");
      if (gaveUp) process.exit(1);
    });
}
