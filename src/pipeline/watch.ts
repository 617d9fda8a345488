// Live analysis of a run folder that is still being written: each new checkpoint is analyzed into
// the shared open store once its files are complete on disk, then the run's events are recomputed;
// a listener hears what changed. A checkpoint whose analysis fails is set aside (reported once,
// kept as an outstanding failure) and retried only when its files change. What the page shows of
// it is the report's business (report/watch.ts).
import { watch as fsWatch, type FSWatcher } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { TRAINER_STATE_FILE } from "../formats/hf-files.js";
import { discoverRun, type RunCheckpoint } from "../runs/discovery.js";
import type { Store } from "../store/index.js";
import { ByteSourceError, CheckpointFormatError, ForkingPathsError, UsageError } from "../util/errors.js";
import { analyzeRun, type AnalyzeOptions } from "./analyze.js";
import { recomputeRunEvents } from "./events.js";

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
   * Runs once after each pass that stored new checkpoints (after the listener heard of them; it
   * hears again when this is done). Default: recompute the run's events (recomputeRunEvents);
   * null: nothing.
   */
  afterAnalyze?: ((store: Store, runId: string) => Promise<void>) | null;
  /** One line per analyzed or failed checkpoint. */
  log?: (line: string) => void;
}

/** A checkpoint whose analysis failed: where, and the typed error's one line. */
export interface CheckpointFailure {
  step: number;
  /** The checkpoint's label (its folder or file name). */
  label: string;
  /** The file the error names (else the checkpoint's path). */
  file: string;
  message: string;
}

export interface ScanResult {
  analyzed: number[];
  failed: CheckpointFailure[];
  /** Checkpoints seen but not yet complete on disk. */
  waiting: number;
}

/** What a started watcher tells its listener. */
export type WatchEvent =
  /** New checkpoints are in the store ("checkpoints"), then their events ("events"). */
  | { kind: "stored"; what: "checkpoints" | "events"; steps: number[] }
  /** A checkpoint's analysis failed; it is retried when its files change. */
  | { kind: "failed"; failure: CheckpointFailure }
  /** A failure not tied to one checkpoint: the run folder, event detection, the watcher itself. */
  | { kind: "error"; message: string; file?: string };

/** Follows a run folder: `scan()` is one pass; `start(listener)` rescans on file events and polls until `stop()`. */
export class RunWatcher {
  private readonly lastSeen = new Map<string, string>();
  private readonly failedSig = new Map<string, string>();
  /** The last failure of each checkpoint whose last analysis failed, oldest first. */
  private readonly failed = new Map<string, CheckpointFailure>();
  private readonly completeSteps = new Set<number>();
  private listener: ((event: WatchEvent) => void) | null = null;
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

  get runDir(): string { return this.options.runDir; }

  /** Why the run folder could not be listed at the last pass (null: it could). */
  discoveryError(): string | null { return this.lastDiscoveryError; }

  /** Checkpoints whose last analysis failed and whose files have not changed since, oldest failure first. */
  failures(): CheckpointFailure[] { return [...this.failed.values()]; }

  /** One pass: discover, analyze every complete checkpoint not yet stored, tell the listener. */
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
      // The listener hears of the new checkpoints first; events (slower) follow.
      this.emit({ kind: "stored", what: "checkpoints", steps: result.analyzed });
      const after = o.afterAnalyze === undefined ? detectEvents : o.afterAnalyze;
      if (after && !this.stopped) {
        try {
          await after(o.store, o.runId);
          this.emit({ kind: "stored", what: "events", steps: result.analyzed });
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
          this.failed.delete(r.cp.path);
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
      this.setAside(culprit.cp, culprit.sig, failure, result);
      pending = incomplete.filter((r) => r !== culprit);
    }
  }

  private setAside(cp: RunCheckpoint, sig: string, err: unknown, result: ScanResult): void {
    this.failedSig.set(cp.path, sig);
    const failure: CheckpointFailure = { step: cp.step, label: cp.label, file: fileOf(err, cp.path), message: messageOf(err) };
    result.failed.push(failure);
    this.options.log?.(`step ${cp.step} (${cp.label}) failed: ${failure.message}; it is retried when its files change`);
    this.failed.delete(cp.path);
    this.failed.set(cp.path, failure);
    this.emit({ kind: "failed", failure });
  }

  /** To the listener once started; before that, failures are kept for `failures()`. */
  private emit(event: WatchEvent): void {
    this.listener?.(event);
  }

  /** Starts following the folder: file events and a periodic poll schedule scans; `listener` hears each outcome. */
  start(listener: (event: WatchEvent) => void): void {
    this.listener = listener;
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
