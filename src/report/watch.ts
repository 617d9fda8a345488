// Watches a run folder while the dashboard is open: each new checkpoint is analyzed into the
// shared open store once its files are complete on disk, then the server is told (publish). A
// checkpoint whose analysis fails is reported once and retried only when its files change.
import { watch as fsWatch, type FSWatcher } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { TRAINER_STATE_FILE } from "../formats/hf-files.js";
import { analyzeRun, type AnalyzeOptions } from "../pipeline/analyze.js";
import { recomputeRunEvents } from "../pipeline/events.js";
import { discoverRun, type RunCheckpoint } from "../runs/discovery.js";
import type { Store } from "../store/index.js";
import { ByteSourceError, CheckpointFormatError, ForkingPathsError, UsageError } from "../util/errors.js";
import type { ReportUpdate, ReportWatcher } from "./server.js";

/** Interval of the periodic rescan (fs.watch misses writes inside checkpoint folders). */
export const WATCH_POLL_MS = 2000;
/** Quiet time after a file-system event before scanning. */
export const WATCH_DEBOUNCE_MS = 250;
/** Files untouched for this long count as complete even without a second poll (checkpoints present at start). */
export const WATCH_SETTLED_AGE_MS = 10_000;

/** Analysis options the watcher passes through (the store, run and checkpoint selection are its own). */
export type WatchAnalyzeOptions = Omit<AnalyzeOptions, "out" | "store" | "runId" | "checkpointFilter" | "onProgress" | "events">;

export interface RunWatcherOptions {
  runDir: string;
  /** The open, writable store every analysis writes into (not closed by the watcher). */
  store: Store;
  runId: string;
  analyze?: WatchAnalyzeOptions;
  pollMs?: number;
  debounceMs?: number;
  settledAgeMs?: number;
  /**
   * Runs once after each pass that stored new checkpoints (after the page got the new data; it
   * gets another update when this is done). Default: recompute the run's events
   * (recomputeRunEvents); null: nothing.
   */
  afterAnalyze?: ((store: Store, runId: string) => Promise<void>) | null;
  /** One line per analyzed or failed checkpoint. */
  log?: (line: string) => void;
}

export interface ScanResult {
  analyzed: number[];
  failed: Array<{ step: number; file: string; message: string }>;
  /** Checkpoints seen but not yet complete on disk. */
  waiting: number;
}

/** Follows a run folder; `scan()` is one pass, `watcher` plugs it into startReportServer. */
export class RunWatcher {
  private readonly lastSeen = new Map<string, string>();
  private readonly failedSig = new Map<string, string>();
  /** Error update of each checkpoint whose last analysis failed, oldest first. */
  private readonly failures = new Map<string, ReportUpdate>();
  private readonly completeSteps = new Set<number>();
  private publishFn: ((u: ReportUpdate) => void) | null = null;
  private lastDiscoveryError: string | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private debounce: NodeJS.Timeout | null = null;
  private poll: NodeJS.Timeout | null = null;
  private fsWatcher: FSWatcher | null = null;

  constructor(private readonly options: RunWatcherOptions) {
    if (options.store.readOnly) throw new UsageError(`watching ${options.runDir} needs a writable store; ${options.store.path} was opened read-only`);
  }

  /**
   * The ReportWatcher for startReportServer: tells the server what is wrong now (the newest
   * outstanding failure; the server loaded the data itself), starts watching, returns the stop.
   */
  readonly watcher: ReportWatcher = (publish) => {
    this.publishFn = publish;
    if (this.lastDiscoveryError !== null) publish({ kind: "error", message: this.lastDiscoveryError, file: this.options.runDir });
    const failures = [...this.failures.values()];
    if (failures.length > 0) publish(failures[failures.length - 1]!);
    this.start();
    return () => this.stop();
  };

  /** One pass: discover, analyze every complete checkpoint not yet stored, publish the outcome. */
  async scan(): Promise<ScanResult> {
    const result: ScanResult = { analyzed: [], failed: [], waiting: 0 };
    const o = this.options;
    let checkpoints: RunCheckpoint[];
    try {
      checkpoints = await discoverRun(o.runDir, o.analyze?.steps ? { steps: [...o.analyze.steps] } : {});
      this.lastDiscoveryError = null;
    } catch (err) {
      const message = messageOf(err);
      if (message !== this.lastDiscoveryError) this.emit({ kind: "error", message, file: fileOf(err, o.runDir) });
      this.lastDiscoveryError = message;
      return result;
    }
    const ready: Array<{ cp: RunCheckpoint; sig: string }> = [];
    for (const cp of checkpoints) {
      if (this.completeSteps.has(cp.step)) continue;
      if (await o.store.isCheckpointComplete(o.runId, cp.step)) {
        this.completeSteps.add(cp.step);
        continue;
      }
      const files = await filesOf(cp.path);
      const sig = signature(files);
      if (this.failedSig.get(cp.path) === sig) continue;
      if (this.isComplete(cp.path, files, sig)) ready.push({ cp, sig });
      else result.waiting++;
    }
    await this.analyzeReady(ready, result);
    if (result.analyzed.length > 0) {
      // The page gets the new checkpoints first; events (slower) follow in a second update.
      this.emitData();
      const after = o.afterAnalyze === undefined ? detectEvents : o.afterAnalyze;
      if (after && !this.stopped) {
        try {
          await after(o.store, o.runId);
          this.emitData();
        } catch (err) {
          this.emit({ kind: "error", message: `after analyzing step(s) ${result.analyzed.join(", ")}: ${messageOf(err)}` });
        }
      }
    }
    return result;
  }

  private isComplete(path: string, files: FileInfo[], sig: string): boolean {
    const previous = this.lastSeen.get(path);
    this.lastSeen.set(path, sig);
    if (files.length === 0) return false;
    if (files.some((f) => f.name === TRAINER_STATE_FILE)) return true; // written last: marks a complete checkpoint
    if (previous === sig) return true;
    const settled = Date.now() - (this.options.settledAgeMs ?? WATCH_SETTLED_AGE_MS);
    return files.every((f) => f.mtimeMs < settled);
  }

  /**
   * Analyzes the ready checkpoints in one analyzeRun call (each checkpoint is its own store
   * transaction); when one fails, it is set aside and the rest go on.
   */
  private async analyzeReady(ready: Array<{ cp: RunCheckpoint; sig: string }>, result: ScanResult): Promise<void> {
    const o = this.options;
    let pending = ready;
    while (pending.length > 0 && !this.stopped) {
      const paths = new Set(pending.map((r) => r.cp.path));
      const started = Date.now();
      let failure: unknown = null;
      try {
        await analyzeRun(o.runDir, {
          ...o.analyze, out: dirname(o.store.path), store: o.store, runId: o.runId, checkpointFilter: (c) => paths.has(c.path),
          events: false, // once per pass, in afterAnalyze
        });
      } catch (err) {
        failure = err;
      }
      const incomplete: typeof pending = [];
      for (const r of pending) {
        if (await o.store.isCheckpointComplete(o.runId, r.cp.step)) {
          this.failedSig.delete(r.cp.path);
          this.failures.delete(r.cp.path);
          this.completeSteps.add(r.cp.step);
          result.analyzed.push(r.cp.step);
          o.log?.(`analyzed step ${r.cp.step} (${r.cp.label})`);
        } else {
          incomplete.push(r);
        }
      }
      const seconds = ((Date.now() - started) / 1000).toFixed(2);
      if (failure === null) {
        o.log?.(`stored ${pending.length} checkpoint(s) in ${seconds} s`);
        return;
      }
      // The checkpoint the error names, else the first one not stored (they go in step order).
      const file = fileOf(failure, "");
      const culprit = incomplete.find((r) => file === r.cp.path || file.startsWith(r.cp.path + sep)) ?? incomplete[0];
      if (culprit === undefined) {
        this.emit({ kind: "error", message: `watching ${o.runDir}: ${messageOf(failure)}` });
        return;
      }
      this.reportFailure(culprit.cp, culprit.sig, failure, result);
      pending = incomplete.filter((r) => r !== culprit);
    }
  }

  private reportFailure(cp: RunCheckpoint, sig: string, err: unknown, result: ScanResult): void {
    this.failedSig.set(cp.path, sig);
    const failure = { step: cp.step, file: fileOf(err, cp.path), message: messageOf(err) };
    result.failed.push(failure);
    this.options.log?.(`step ${cp.step} (${cp.label}) failed: ${failure.message}; it is retried when its files change`);
    // The page names the file itself ("Analysis error in <file>: ..."): don't repeat it.
    const detail = failure.message.startsWith(`${failure.file}: `) ? failure.message.slice(failure.file.length + 2) : failure.message;
    const update: ReportUpdate = { kind: "error", message: `${cp.label} (step ${cp.step}): ${detail}`, file: failure.file };
    this.failures.delete(cp.path);
    this.failures.set(cp.path, update);
    this.emit(update);
  }

  /** New data, then the newest failure still outstanding (a data update clears the server's error). */
  private emitData(): void {
    this.emit({ kind: "data" });
    const failures = [...this.failures.values()];
    if (failures.length > 0) this.emit(failures[failures.length - 1]!);
  }

  /** To the server once it runs; before that, outstanding failures are handed over at start. */
  private emit(update: ReportUpdate): void {
    this.publishFn?.(update);
  }

  /** Schedules a scan after the debounce interval (coalescing bursts of events). */
  trigger(): void {
    if (this.stopped) return;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.runScan();
    }, this.options.debounceMs ?? WATCH_DEBOUNCE_MS);
  }

  private runScan(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    // Checkpoints still being written are looked at again by the next periodic poll.
    this.running = this.scan()
      .then(() => undefined)
      .catch((err) => { this.emit({ kind: "error", message: `watching ${this.options.runDir}: ${messageOf(err)}` }); })
      .finally(() => {
        this.running = null;
        if (this.again && !this.stopped) {
          this.again = false;
          this.trigger();
        }
      });
  }

  private start(): void {
    const pollMs = this.options.pollMs ?? WATCH_POLL_MS;
    this.poll = setInterval(() => this.trigger(), pollMs);
    this.poll.unref();
    try {
      this.fsWatcher = fsWatch(this.options.runDir, { persistent: false }, () => this.trigger());
      this.fsWatcher.on("error", () => { this.fsWatcher?.close(); this.fsWatcher = null; });
    } catch {
      this.fsWatcher = null; // the periodic rescan still sees new checkpoints
    }
    this.trigger();
  }

  /** Stops watching and waits for a scan in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.debounce) clearTimeout(this.debounce);
    if (this.poll) clearInterval(this.poll);
    this.fsWatcher?.close();
    this.fsWatcher = null;
    await this.running;
  }
}

async function detectEvents(store: Store, runId: string): Promise<void> {
  await recomputeRunEvents(store, runId);
}

interface FileInfo {
  name: string;
  size: number;
  mtimeMs: number;
}

/** The files of a checkpoint folder (or the checkpoint file itself), with size and mtime. */
async function filesOf(path: string): Promise<FileInfo[]> {
  const info = await stat(path).catch(() => null);
  if (info === null) return [];
  if (!info.isDirectory()) return [{ name: path, size: info.size, mtimeMs: info.mtimeMs }];
  const out: FileInfo[] = [];
  for (const name of (await readdir(path).catch(() => [] as string[])).sort()) {
    const s = await stat(join(path, name)).catch(() => null);
    if (s?.isFile()) out.push({ name, size: s.size, mtimeMs: s.mtimeMs });
  }
  return out;
}

function signature(files: FileInfo[]): string {
  return files.map((f) => `${f.name}:${f.size}:${f.mtimeMs}`).join("|");
}

function messageOf(err: unknown): string {
  if (err instanceof ForkingPathsError) return err.message.replace(/\n/g, " ");
  return `internal error: ${(err as Error)?.message ?? String(err)}`;
}

function fileOf(err: unknown, fallback: string): string {
  if (err instanceof CheckpointFormatError) return err.file;
  if (err instanceof ByteSourceError) return err.source;
  const path = (err as { path?: unknown } | null)?.path;
  return typeof path === "string" ? path : fallback;
}
