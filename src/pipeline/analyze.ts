// The local executor of an analysis: discover a run's checkpoints (wherever their files are),
// run the unit of work (pipeline/checkpoint-batch.ts: checkpoint -> batch of rows) for each
// checkpoint on a pool of WASM workers, and commit the batches with the one store writer
// (pipeline/batch-writer.ts), the write of one checkpoint overlapping the analysis of the next.
// Checkpoints already complete in the store are skipped, so an interrupted analysis resumes.
import type { RunCheckpoint } from "../runs/discovery.js";
import type { HubRunHubOptions } from "../runs/hub-run.js";
import { discoverRunSource } from "../runs/run-source.js";
import type { StatsPool } from "../kernels/stats-pool.js";
import { Store } from "../store/store.js";
import { claimRun, type RunClaim } from "../store/identity.js";
import { DEFAULT_KEEP_FULL_MAX_ELEMENTS, DEFAULT_SHAPE_SAMPLE_SIZE, DEFAULT_SPECTRAL_MAX_DIM } from "../util/limits.js";
import { UsageError } from "../util/errors.js";
import { BatchWriter, discardStages, withStage } from "./batch-writer.js";
import type { CheckpointStage } from "../store/staging.js";
import { analyzeCheckpoint, EventRowBudget, type CheckpointBatch, type CheckpointStatsOptions, type NonFiniteReport, type TensorSelection } from "./checkpoint-batch.js";
import { createAnalyzePool, DEFAULT_ANALYZE_WORKERS } from "./analyze-pool.js";
import type { DynamicsEventKind, EventDetectionOptions } from "./events.js";
import type { TrainerMetricsImport } from "./run-metrics.js";
import { stamp, stampLast } from "../util/timeline.js";
import { STORE_CHECKPOINT_THRESHOLD_BYTES } from "../store/open.js";
import { FailureRace } from "../util/failure-race.js";

export { isKeptTensor, type NonFiniteReport } from "./checkpoint-batch.js";
export { createAnalyzePool, DEFAULT_ANALYZE_WORKERS } from "./analyze-pool.js";

export interface AnalyzeOptions {
  /** Output folder; the store is `<out>/analysis.duckdb`. */
  out: string;
  /** Name of the run in the store (default: the run folder's name). */
  runId?: string;
  /** Tensor-name globs to include (all when empty) and to exclude. */
  include?: readonly string[];
  exclude?: readonly string[];
  /** Statistics worker threads (0 = in-thread). Default: 2. */
  workers?: number;
  /** Explicit steps, mapped in order onto the checkpoints found (fallback layout). */
  steps?: readonly number[];
  /** Key of the model's state dict inside nested PyTorch checkpoints. */
  key?: string;
  /** LayerNorm parameters and biases with at most this many elements are kept in full (trajectories, exact shape). */
  keepFullMaxElements?: number;
  /**
   * Shape statistics (dip test, mixtures, KDE modes, Weibull, KS) of every tensor and group, in
   * `extra.shape` with `extra.shape_method`: exact values for kept tensors, a seeded histogram
   * sample otherwise. Default true.
   */
  shape?: boolean;
  /** Values drawn from the histogram for the shape of large tensors and groups (default DEFAULT_SHAPE_SAMPLE_SIZE = 4096); 0: kept tensors only. */
  shapeSampleSize?: number;
  /** Spectral summary (`extra.spectral`, power-law alpha) of attention/MLP weight matrices with min(rows, cols) up to this; 0 disables. Default DEFAULT_SPECTRAL_MAX_DIM. */
  spectralMaxDim?: number;
  /** Detect and store events after the statistics (default true; an object sets the detectors). */
  events?: boolean | EventDetectionOptions;
  onProgress?: (p: AnalyzeProgress) => void;
  /** hf:// runs only: revisions to analyze ("pythia", "step1000,step2000", globs); default: the URL's revision alone. */
  revisions?: string;
  /** hf:// runs only: Hub endpoint, token, cache and HTTP tuning (default: from HF_ENDPOINT, HF_TOKEN...). */
  hub?: HubRunHubOptions;
  /** An already open, writable store of `out` to write into (it is left open); default: open and close `<out>/analysis.duckdb`. */
  store?: Store;
  /**
   * A pool to run on, or its creation under way (createAnalyzePool; `workers` is then unused),
   * handed over: it is closed here like one made here, once the statistics are written (before
   * event detection) or on failure. Started before this module is loaded, its workers get ready
   * while the store's modules load. Default: a pool of `workers` made here.
   */
  pool?: StatsPool | Promise<StatsPool>;
  /** Replace the run's stored rows (its source or options changed) instead of refusing to mix them. */
  reanalyze?: boolean;
  /** Analyze only the discovered checkpoints this accepts (the others are not counted); default: all. */
  checkpointFilter?: (checkpoint: RunCheckpoint) => boolean;
}

export interface AnalyzeProgress {
  checkpointsDone: number;
  checkpointsTotal: number;
  step: number;
  bytesDone: number;
  /** Bytes of the current checkpoint's selected tensors. */
  checkpointBytes: number;
  checkpointBytesDone: number;
}

export interface AnalyzeSummary {
  runId: string;
  storePath: string;
  checkpoints: number;
  analyzed: number;
  skipped: number;
  steps: number[];
  tensors: number;
  buffers: number;
  bytes: number;
  seconds: number;
  nonFinite: NonFiniteReport[];
  /** Events stored for the run, by kind; null when event detection was skipped (--no-events). */
  events: Record<DynamicsEventKind, number> | null;
  /** Seconds spent detecting events (included in `seconds`). */
  eventSeconds: number;
  /** CPU seconds (user + system, whole process) spent detecting events; absent when none were detected. */
  eventCpuSeconds?: number;
  /**
   * Where the detected events' inputs came from: "held", the rows this command wrote (every
   * checkpoint of the run in the store), detected while the last write committed; "store", read
   * back once committed (checkpoints stored before, or more rows than a detection batch holds).
   * Absent when no events were detected.
   */
  eventInputs?: "held" | "store";
  /** Local runs: the training log (trainer_state.json of the last checkpoint) stored as metrics of source "trainer_state"; null when there is none. */
  metrics: TrainerMetricsImport | null;
  /** hf:// runs: bytes fetched over HTTP, and the total size of the analyzed checkpoints' files. */
  remote?: { bytesTransferred: number; filesBytes: number };
}

/** Checkpoints analyzed at once (a finished one waiting to be written no longer counts; see pipelineInOrder). */
export const CHECKPOINTS_IN_FLIGHT = 2;
/**
 * Tensors in a checkpoint above which checkpoints are analyzed one at a time, none overlapping
 * the write of another. A batch holds its rows (a few KB of JS objects per tensor) until it is
 * written, and V8 lets its heap grow to a few times what is live: three 20,000-tensor batches at
 * once (two under way, one being written) took analyze to 0.9-1.0 GB (issue 13 item 6). Below it
 * the overlap keeps the workers busy and the rows are few.
 */
export const SERIAL_CHECKPOINT_TENSORS = 4_096;

/**
 * Modules used once the statistics are written: event detection (~45 modules of dynamics/) and
 * the training log's import. Not loaded before the first tensor: they load once a checkpoint is
 * opened (its first tasks are posted by then; this thread then mostly waits on the workers), or
 * when first used. Loaded during the store's opening instead, they delayed the first task by
 * ~10-40 ms of this thread's CPU (160m: first task 331 vs 372 ms, main thread CPU 216 vs 275).
 */
const lazyModule = <M>(load: () => Promise<M>): (() => Promise<M>) => {
  let loading: Promise<M> | undefined;
  return () => {
    if (loading === undefined) {
      loading = load();
      loading.catch(() => {}); // loaded ahead of use: a failure is thrown where it is used
    }
    return loading;
  };
};
const eventsModule = lazyModule(() => import("./events.js"));
const eventHeldModule = lazyModule(() => import("./event-held.js"));
const runMetricsModule = lazyModule(() => import("./run-metrics.js"));
let afterStatisticsLoading = false;
/** Starts loading the modules used after the statistics, event detection's when `events` (once; a failure is thrown where they are used). */
function loadAfterStatistics(events: boolean): void {
  if (afterStatisticsLoading) return;
  afterStatisticsLoading = true;
  void runMetricsModule();
  if (events) {
    void eventsModule();
    void eventHeldModule();
  }
}

export async function analyzeRun(runPath: string, options: AnalyzeOptions): Promise<AnalyzeSummary> {
  const started = Date.now();
  stamp("analyze: start");
  checkShapeOptions(options);
  if (typeof options.events === "object") (await eventsModule()).detectorRecord(options.events); // refuses bad event options before hours of analysis
  const run = await discoverRunSource(runPath, {
    ...(options.steps !== undefined && { steps: options.steps }), ...(options.revisions !== undefined && { revisions: options.revisions }), ...(options.hub !== undefined && { hub: options.hub }),
  });
  const runId = options.runId ?? run.defaultRunId;
  if (runId.length === 0) throw new UsageError(`cannot derive a run name from "${runPath}": pass a run name`);
  const checkpoints = options.checkpointFilter ? run.checkpoints.filter(options.checkpointFilter) : run.checkpoints;
  stamp("analyze: run discovered");
  // A store not on disk yet holds nothing to skip or refuse: its checkpoints are analyzed while
  // it opens (DuckDB's instance, file and schema: ~0.1-0.4 s), and written once it is open.
  // Otherwise the store is opened and the run claimed first (stored checkpoints skipped, a run
  // of other options refused before any work). Either way the opening starts here, and a store
  // that cannot be opened fails the command with its own error as soon as it does.
  const fresh = options.store === undefined && Store.isAbsentDir(options.out);
  const summary: AnalyzeSummary = {
    runId, storePath: options.store?.path ?? Store.pathOfDir(options.out), checkpoints: checkpoints.length, analyzed: 0, skipped: 0,
    steps: checkpoints.map((c) => c.step), tensors: 0, buffers: 0, bytes: 0, seconds: 0, nonFinite: [], events: null, eventSeconds: 0, metrics: null,
    ...(run.remote && { remote: { bytesTransferred: 0, filesBytes: 0 } }),
  };
  const selection = selectionOf(options);
  // what event detection reads of the rows is collected, up to one detection batch (pipeline/event-held.ts)
  const statsOptions: CheckpointStatsOptions = { ...statsOptionsOf(options), ...(options.events !== false && { eventRows: new EventRowBudget() }) };
  let writer: BatchWriter | undefined;
  // what the event detectors read of each checkpoint written (pipeline/event-held.ts)
  let held: import("./event-held.js").HeldEventRows | undefined;
  const eventOptions = options.events === true || options.events === undefined ? {} : options.events === false ? null : options.events;
  let detecting: Promise<import("./events.js").DynamicsEvent[]> | undefined;
  const stages = new Set<CheckpointStage>(); // a failure can leave batches unwritten: discarded below
  // A store not on disk opens once the first checkpoint's first tasks are posted (its folder is
  // made now): loading DuckDB (its client and native library, ~50-70 ms of the main thread) and
  // creating the file then overlap the workers' first tasks instead of delaying them. The
  // checkpoint's opening calls firstTasksPosted (its tasks are posted in the next turn of the
  // event loop, the store opens in the one after); a failure or the end of the pipeline opens it
  // too. A remote run's checkpoint opens over HTTP (seconds): its store opens at once.
  let openStore!: () => void;
  const storeMayOpen = new Promise<void>((resolve) => (openStore = resolve));
  if (run.remote) openStore();
  const firstTasksPosted = () => setImmediate(() => setImmediate(openStore));
  const opening = fresh ? openStoreAndPoolEarly(options, storeMayOpen) : await openStoreAndPool(options).then(({ store, pool }) => ({ store: Promise.resolve(store), pool: Promise.resolve(pool) }));
  try {
    const claiming = opening.store.then((store) => claimRun(store, { run_id: runId, source: run.source, options: storedOptions(options) }, { reanalyze: options.reanalyze === true }))
      .finally(() => stamp("analyze: run claimed"));
    // a checkpoint under way stops at once with the error of a store that cannot be opened or a
    // run not claimed; once analyzed it is no longer held here (a Promise.race against a promise
    // pending to the end held every checkpoint's batch until then: util/failure-race.ts)
    const storeFailure = new FailureRace(claiming);
    const todo: { cp: RunCheckpoint; i: number }[] = [];
    if (fresh) checkpoints.forEach((cp, i) => todo.push({ cp, i }));
    else {
      const claim = await claiming;
      for (let i = 0; i < checkpoints.length; i++) {
        if (await claim.isCheckpointComplete(checkpoints[i]!.step)) summary.skipped++;
        else todo.push({ cp: checkpoints[i]!, i });
      }
    }
    // a checkpoint started before the store is open is staged for it (its spills wait for it)
    let claimed: RunClaim | undefined;
    void claiming.then((claim) => (claimed = claim), () => {});
    const stageTarget = { stageCheckpoint: (step: number) => claimed?.stageCheckpoint(step) ?? Store.stageCheckpointWhenOpen(opening.store, runId, step) };
    stamp("analyze: checkpoints to analyze listed");
    // one object per report (called per tensor: 60,000 times for 20,000-tensor checkpoints x 3)
    const onProgress = options.onProgress;
    const progress = (checkpointsDone: number, step: number, bytesDone: number, checkpointBytes: number, checkpointBytesDone: number) =>
      onProgress?.({ checkpointsDone, step, bytesDone, checkpointBytes, checkpointBytesDone, checkpointsTotal: checkpoints.length });
    // Many-tensor checkpoints run one at a time, each written before the next starts (memory: one
    // batch); a checkpoint says which it is once opened, and the next starts only then. Once all
    // of a checkpoint's tensors are under way, the next starts: the workers' queues stay full.
    const serial = (tensors: number) => tensors > SERIAL_CHECKPOINT_TENSORS;
    await pipelineInOrder(todo, { limit: CHECKPOINTS_IN_FLIGHT, gated: true },
      ({ cp, i }, control) => storeFailure.race(opening.pool.then((pool) => withStage(stageTarget, cp.step, (stage) => analyzeCheckpoint(cp, selection, statsOptions, pool, (done, total) =>
        progress(i, cp.step, summary.bytes + done, total, done),
      { opened: (tensors) => { stamp("analyze: first checkpoint opened"); firstTasksPosted(); control.declare(serial(tensors)); loadAfterStatistics(options.events !== false); }, allStarted: () => control.release() }, stage, i), stages))),
      async (item, batch) => {
        const { cp, i } = item;
        stampLast("analyze: last checkpoint analyzed");
        const claim = await claiming;
        writer ??= newBatchWriter(claim, await opening.store);
        // a fresh store claimed with checkpoints of this run: another process wrote them between the check and the open
        if (fresh && claim.existing && await claim.isCheckpointComplete(cp.step)) {
          await batch.stage?.discard();
          summary.skipped++;
          return;
        }
        const batchWriter = writer;
        if (eventOptions !== null) {
          (held ??= new (await eventHeldModule()).HeldEventRows()).add(cp.step, batch);
          // A run none of whose checkpoints were in the store before: its events are detected from
          // the rows held of what is written (the same inputs as the store's) once the last batch is
          // here, while the last writes commit; they are stored after them. Otherwise (checkpoints
          // stored by an earlier command, or more rows than one detection batch holds) they are read
          // from the store once it is committed.
          const reader = item === todo[todo.length - 1] && !claim.existing && summary.skipped === 0 ? held.reader(runId) : null;
          if (reader !== null) {
            held = undefined;
            detecting = eventsModule().then((m) => {
              stamp("analyze: events from held rows start");
              return m.detectEventsFrom(reader, eventOptions);
            });
            detecting.catch(() => {}); // thrown where it is awaited (after the writes)
          }
        }
        // Returns once the batch is queued; with WRITER_MAX_WAITING batches waiting already, once the
        // write under way ends (the waiting ones are then written in one transaction).
        stamp(`checkpoint ${cp.step}: write queued`);
        await batchWriter.write(batch, { remaining: todo.length - 1 - todo.indexOf(item) });
        if (serial(batch.tensorCount + batch.buffers.length)) await batchWriter.flush();
        countBatch(summary, batch);
        progress(i + 1, cp.step, summary.bytes, 0, 0);
      }).catch(async (err: unknown) => {
        // a store that could not be opened is the error to report, as when it was opened first
        // (an analysis under way failed before it, e.g. on a bad checkpoint)
        openStore();
        const [store] = await Promise.allSettled([claiming]);
        throw store.status === "rejected" ? store.reason : err;
      });
    openStore(); // (already open unless no checkpoint was opened)
    const claim = await claiming;
    const [store, pool] = await Promise.all([opening.store, opening.pool]);
    summary.storePath = store.path;
    // Event detection does not use the workers: their threads (each a V8 heap and WASM memories,
    // 50-80 MB together) go before it, which may start before the last write ends (20,000-tensor
    // checkpoints x 3: peak 515-557 -> 444-464 MB). A pool given in options is handed over, so it goes too.
    // The workers stop on their own threads while the events are detected (awaited in the finally below).
    void pool.close();
    stamp("analyze: pool closing");
    held = undefined;
    await writer?.flush();
    stamp("analyze: last checkpoint committed");
    // The write-ahead log goes into the store file on DuckDB's threads while the events are
    // detected (reads only); the writes after them (training log, events) wait for it, and the
    // close has only theirs left to move (demo: the training log's import paid ~0.1 s for it).
    store.checkpointWalBeside();
    // the training log is read now, while the store moves its log; stored once the events are detected
    const metricsRead = !run.remote && claim.registered ? runMetricsModule().then((m) => m.readTrainerStateMetrics(checkpoints)) : null;
    metricsRead?.catch(() => {}); // thrown where it is stored
    let metricsImport: Promise<void> | undefined;
    const importMetrics = () => (metricsImport ??= (async () => {
      const read = await metricsRead;
      if (read !== undefined && read !== null) summary.metrics = await read.store(store, runId);
      stamp("analyze: training log stored");
    })());
    // A run analyzed before and unchanged now keeps its stored events (a no-op leaves the store's bytes alone).
    if (options.events !== false && claim.registered && summary.analyzed === 0 && claim.existing) {
      await importMetrics();
      summary.events = (await eventsModule()).countEventsByKind(await store.events({ run: runId }));
    } else if (options.events !== false && claim.registered) {
      const eventsStarted = Date.now(), eventsCpu = process.cpuUsage();
      stamp("analyze: events start");
      const { countEventsByKind, recomputeRunEvents } = await eventsModule();
      // the training log is stored once the events are detected (before theirs: the run's transition
      // reads it), and when their detection fails
      const detected = await recomputeRunEvents(store, runId, eventOptions ?? {}, importMetrics, detecting).catch(async (err: unknown) => {
        await importMetrics().catch(() => {});
        throw err;
      });
      summary.events = countEventsByKind(detected);
      summary.eventInputs = detecting !== undefined ? "held" : "store";
      summary.eventSeconds = (Date.now() - eventsStarted) / 1000;
      stamp("analyze: events end");
      const cpu = process.cpuUsage(eventsCpu);
      summary.eventCpuSeconds = (cpu.user + cpu.system) / 1e6;
    } else {
      await importMetrics();
    }
  } finally {
    await writer?.flush().catch(() => {}); // a failed write was rethrown above
    await discardStages(stages);
    // the store closes (DuckDB checkpoints its file) while the workers finish stopping (each once
    // its opening has settled: a failed one has nothing to close)
    const [store, pool] = await Promise.allSettled([opening.store, opening.pool]);
    await Promise.all([
      pool.status === "fulfilled" ? pool.value.close().finally(() => stamp("analyze: pool closed")) : undefined,
      store.status === "fulfilled" && options.store === undefined ? store.value.close() : undefined,
    ]);
    stamp("analyze: store closed");
  }
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

/** Adds one written checkpoint's batch to the summary's counts (bytes, tensors, buffers, non-finite, transfer). */
export function countBatch(summary: AnalyzeSummary, batch: CheckpointBatch): void {
  if (summary.remote !== undefined) {
    summary.remote.bytesTransferred += batch.bytesTransferred;
    summary.remote.filesBytes += batch.filesBytes;
  }
  summary.analyzed++;
  summary.tensors += batch.tensorCount;
  summary.buffers += batch.buffers.length;
  summary.nonFinite.push(...batch.nonFinite);
  summary.bytes += batch.checkpoint.total_bytes;
}

/**
 * How many items may run at once: a number, or `{ limit, gated: true }`: then each item says once
 * started whether it must run alone (`control.declare(exclusive)`, e.g. once a checkpoint is
 * opened and its tensors counted), and no further item starts while one started has not said so
 * yet or runs alone (an exclusive item's result is also used before the next item starts).
 */
export type PipelineWindow = number | { limit: number; gated: true };

/** What a running item tells pipelineInOrder (see PipelineWindow and pipelineInOrder). */
export interface PipelineControl {
  /** Gated windows: whether this item must run alone. */
  declare(exclusive: boolean): void;
  /** The item no longer counts as running (e.g. all its tensors are queued on the workers): the next may start. */
  release(): void;
}

/**
 * Runs `run` on up to `window` items at once and hands each result to `use` in the items' order,
 * one at a time. An item that has finished, or released its place (`control.release()`: all its
 * work is queued), no longer counts as running and the next one starts at once, so the workers'
 * queues never run dry between checkpoints, nor while results wait for their turn (a store write
 * under way). At most 2 x window items are started and not yet used (memory: that many
 * checkpoints' rows, plus the one being written). The first failure (of `run`, in order, or of
 * `use`) is thrown, and nothing starts once an item has failed; items under way then settle on
 * their own (closing the pool rejects them) and their results are dropped.
 */
export async function pipelineInOrder<T, R>(
  items: readonly T[], window: PipelineWindow,
  run: (item: T, control: PipelineControl) => Promise<R>, use: (item: T, result: R) => Promise<void>,
): Promise<void> {
  interface Started { promise: Promise<R> | undefined; declared: boolean; exclusive: boolean; running: boolean }
  const gated = typeof window !== "number";
  const limit = Math.max(1, typeof window === "number" ? window : window.limit);
  // Started and not yet used, in the items' order (a used result is dropped).
  const started: Started[] = [];
  let next = 0, stopped = false, usingExclusive = false;
  const fill = (): void => {
    while (!stopped && !usingExclusive && next < items.length && started.length < 2 * limit
      && started.filter((s) => s.running).length < limit && started.every((s) => s.declared && !s.exclusive)) {
      const s: Started = { promise: undefined, declared: !gated, exclusive: false, running: true };
      started.push(s);
      const release = () => {
        if (!s.running) return;
        s.running = false;
        fill();
      };
      const promise = run(items[next++]!, {
        declare: (exclusive) => {
          if (s.declared) return;
          s.declared = true;
          s.exclusive = exclusive;
          fill();
        },
        release,
      });
      // a failure is thrown when its turn comes; meanwhile nothing new starts
      promise.then(release, () => { stopped = true; });
      s.promise = promise;
    }
  };
  try {
    for (let t = 0; t < items.length; t++) {
      fill();
      const head = started[0]!;
      const result = await head.promise!;
      started.shift();
      usingExclusive = head.exclusive;
      fill();
      await use(items[t]!, result);
      usingExclusive = false;
    }
  } finally {
    stopped = true;
  }
}

/** The batch writer of an analysis into `store` (claimed as `claim`). */
function newBatchWriter(claim: RunClaim, store: Store): BatchWriter {
  return new BatchWriter(claim, { thresholdBytes: STORE_CHECKPOINT_THRESHOLD_BYTES, walBytes: () => store.walBytes(), checkpointWal: () => store.checkpointWal() });
}

/**
 * The store (given, or opened here once `mayOpen` resolves: its folder is made at once) and the
 * worker pool (given or made here), both under way and awaited by the caller; the caller closes
 * each once it has settled. The store's opening comes first (its error is the one to report when
 * both fail).
 */
function openStoreAndPoolEarly(options: AnalyzeOptions, mayOpen: Promise<void>): { store: Promise<Store>; pool: Promise<StatsPool> } {
  const store = (options.store !== undefined ? Promise.resolve(options.store) : openStoreWhen(options.out, mayOpen)).finally(() => stamp("analyze: store open"));
  const pool = Promise.resolve(options.pool ?? createAnalyzePool(options.workers ?? DEFAULT_ANALYZE_WORKERS)).finally(() => stamp("analyze: workers ready"));
  store.catch(() => {}); // awaited by the caller
  pool.catch(() => {});
  return { store, pool };
}

/** The store of `outDir` opened once `mayOpen` resolves; its folder is made now (a bad one rejects at once). */
function openStoreWhen(outDir: string, mayOpen: Promise<void>): Promise<Store> {
  try {
    Store.createDir(outDir);
  } catch (err) {
    return Promise.reject(err);
  }
  return mayOpen.then(() => Store.openDir(outDir));
}

/** The store and the worker pool (each given or made here), the workers starting while the store opens. */
async function openStoreAndPool(options: AnalyzeOptions): Promise<{ store: Store; pool: StatsPool }> {
  const [store, pool] = await Promise.allSettled([
    (options.store !== undefined ? Promise.resolve(options.store) : Store.openDir(options.out)).finally(() => stamp("analyze: store open")),
    Promise.resolve(options.pool ?? createAnalyzePool(options.workers ?? DEFAULT_ANALYZE_WORKERS)).finally(() => stamp("analyze: workers ready")),
  ]);
  if (store.status === "fulfilled" && pool.status === "fulfilled") return { store: store.value, pool: pool.value };
  if (pool.status === "fulfilled") await pool.value.close();
  if (store.status === "fulfilled" && options.store === undefined) await store.value.close();
  throw store.status === "rejected" ? store.reason : (pool as PromiseRejectedResult).reason;
}

export function selectionOf(o: Omit<AnalyzeOptions, "out">): TensorSelection {
  return { include: o.include ?? [], exclude: o.exclude ?? [], ...(o.key !== undefined && { key: o.key }) };
}

export function statsOptionsOf(o: Omit<AnalyzeOptions, "out">): CheckpointStatsOptions {
  return {
    keepFullMaxElements: o.keepFullMaxElements ?? DEFAULT_KEEP_FULL_MAX_ELEMENTS, shape: o.shape ?? true,
    shapeSampleSize: o.shapeSampleSize ?? DEFAULT_SHAPE_SAMPLE_SIZE, spectralMaxDim: o.spectralMaxDim ?? DEFAULT_SPECTRAL_MAX_DIM,
  };
}

export function checkShapeOptions(o: Omit<AnalyzeOptions, "out">): void {
  if (o.shapeSampleSize !== undefined && !(Number.isInteger(o.shapeSampleSize) && (o.shapeSampleSize >= 8 || o.shapeSampleSize === 0))) {
    throw new UsageError(`shape sample size must be 0 (kept tensors only) or an integer >= 8, got ${o.shapeSampleSize} (default ${DEFAULT_SHAPE_SAMPLE_SIZE})`);
  }
  if (o.spectralMaxDim !== undefined && !(Number.isInteger(o.spectralMaxDim) && o.spectralMaxDim >= 0)) {
    throw new UsageError(`spectral max dim must be a non-negative integer (0 disables), got ${o.spectralMaxDim} (default ${DEFAULT_SPECTRAL_MAX_DIM})`);
  }
}

export function storedOptions(o: Omit<AnalyzeOptions, "out">): Record<string, unknown> {
  return {
    include: o.include ?? [], exclude: o.exclude ?? [], key: o.key ?? null,
    keepFullMaxElements: o.keepFullMaxElements ?? DEFAULT_KEEP_FULL_MAX_ELEMENTS, shape: o.shape ?? true,
    shapeSampleSize: o.shapeSampleSize ?? DEFAULT_SHAPE_SAMPLE_SIZE, spectralMaxDim: o.spectralMaxDim ?? DEFAULT_SPECTRAL_MAX_DIM,
  };
}

