// `exportTensorBoard`: the analysis store as TensorBoard event files, one folder per run
// (`<to>/<run>/events.out.tfevents.<seconds>.forking-paths`), steps in increasing order. Reads
// the store through its public read API; the encoding is in the pure modules beside this one.
import { closeSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../../util/errors.js";
import type { Store } from "../store.js";
import type { EventRecord, MetricRecord } from "../types.js";
import { eventStep, eventsMarkdown, isFloat32Finite, rowItems, TENSORBOARD_TAGS as TAGS } from "./content.js";
import { EventStream, type SummaryItem } from "./event-stream.js";

/** Suffix of the event files we write; files with it are replaced by a new export. */
export const TFEVENTS_SUFFIX = ".forking-paths";
/** Bytes gathered before each write to the file. */
const WRITE_BUFFER_BYTES = 4 * 1024 * 1024;

export interface TensorBoardExportOptions {
  /** Destination folder; each run gets a sub-folder (its run id, unsafe characters as "_"). */
  to: string;
  /** Runs to export (default: all). */
  runs?: readonly string[];
  /** One wall time (Unix seconds) for every event, for byte-reproducible files; default: each checkpoint's analysis time. */
  wallTime?: number;
}

export interface TensorBoardRunExport {
  run_id: string;
  dir: string;
  file: string;
  bytes: number;
  steps: number;
  histograms: number;
  scalars: number;
  texts: number;
  /** Events with neither a step nor an interval: not written (they have no place on the step axis). */
  unplaced_events: number;
}

const HISTOGRAM_DESCRIPTION =
  "forking-paths exact histogram: one bucket per non-empty key of the log-linear histogram (sign, exponent and top 7 mantissa bits of float32), finite values only. TensorBoard's own view rebins to 30 buckets; the data keeps every bucket.";

/** Folder name of a run: run ids may hold "/" (Hub repos) or other characters unsafe in paths. */
export function runFolderName(runId: string): string {
  const safe = runId.replace(/[^A-Za-z0-9._-]/g, "_");
  return safe === "" || safe === "." || safe === ".." ? `_${safe}` : safe;
}

/** Write one event file per run of `store` under `options.to`; returns what was written. */
export async function exportTensorBoard(store: Store, options: TensorBoardExportOptions): Promise<TensorBoardRunExport[]> {
  const all = await store.listRuns();
  if (all.length === 0) throw new UsageError(`${store.path}: no runs stored ---> HINT: run \`forking-paths analyze\` first`);
  const known = new Set(all.map((r) => r.run_id));
  const runs = options.runs ?? all.map((r) => r.run_id);
  for (const run of runs) {
    if (!known.has(run)) throw new UsageError(`${store.path}: no run "${run}"; stored runs: ${[...known].join(", ")}`);
  }
  const folders = new Map<string, string>();
  for (const run of runs) {
    const folder = runFolderName(run);
    const other = folders.get(folder);
    if (other !== undefined) throw new UsageError(`runs "${other}" and "${run}" would share the folder "${folder}": export them one at a time (--run) into different folders`);
    folders.set(folder, run);
  }
  const out: TensorBoardRunExport[] = [];
  for (const run of runs) {
    const createdAt = Date.parse(all.find((r) => r.run_id === run)!.created_at) / 1000;
    out.push(await exportRun(store, run, join(options.to, runFolderName(run)), options.wallTime ?? null, createdAt));
  }
  return out;
}

/** Buffered writes to a temporary file, renamed into place on close. */
class EventFileSink {
  private readonly fd: number;
  private chunks: Uint8Array[] = [];
  private pending = 0;
  bytes = 0;
  constructor(private readonly tmp: string, private readonly final: string) {
    this.fd = openSync(tmp, "w");
  }
  write(record: Uint8Array): void {
    this.chunks.push(record);
    this.pending += record.length;
    this.bytes += record.length;
    if (this.pending >= WRITE_BUFFER_BYTES) this.flush();
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
    renameSync(this.tmp, this.final);
  }
  abort(): void {
    closeSync(this.fd);
    rmSync(this.tmp, { force: true });
  }
  private flush(): void {
    if (this.pending === 0) return;
    writeSync(this.fd, Buffer.concat(this.chunks, this.pending));
    this.chunks = [];
    this.pending = 0;
  }
}

function byStep<T>(items: readonly T[], stepOf: (item: T) => number | null): Map<number, T[]> {
  const map = new Map<number, T[]>();
  for (const item of items) {
    const step = stepOf(item);
    if (step === null) continue;
    const list = map.get(step);
    if (list === undefined) map.set(step, [item]);
    else list.push(item);
  }
  return map;
}

async function exportRun(store: Store, run: string, dir: string, fixedWallTime: number | null, createdAt: number): Promise<TensorBoardRunExport> {
  const checkpoints = await store.listCheckpoints(run, { completeOnly: true });
  const events = await store.events({ run });
  const metrics = await store.metrics({ run });
  const eventsAt = byStep(events, eventStep);
  const metricsAt = byStep(metrics, (m: MetricRecord) => m.step);
  const analyzedAt = new Map(checkpoints.map((c) => [c.step, c.analyzed_at === null ? createdAt : Date.parse(c.analyzed_at) / 1000]));
  const steps = [...new Set([...analyzedAt.keys(), ...eventsAt.keys(), ...metricsAt.keys()])].sort((a, b) => a - b);

  mkdirSync(dir, { recursive: true });
  const start = fixedWallTime ?? Date.now() / 1000;
  const file = join(dir, `events.out.tfevents.${Math.floor(start)}${TFEVENTS_SUFFIX}`);
  // The partial file's name lacks "tfevents", so a running TensorBoard never reads it.
  const sink = new EventFileSink(join(dir, `.partial${TFEVENTS_SUFFIX}`), file);
  const stream = new EventStream((item) => (item.kind === "histogram" ? HISTOGRAM_DESCRIPTION : ""));
  const counts = { histograms: 0, scalars: 0, texts: 0 };
  const emit = (wallTime: number, step: number, items: SummaryItem[]) => {
    if (items.length === 0) return;
    for (const item of items) counts[item.kind === "histogram" ? "histograms" : item.kind === "scalar" ? "scalars" : "texts"]++;
    sink.write(stream.summary(wallTime, step, items));
  };
  try {
    sink.write(stream.header(fixedWallTime ?? createdAt));
    let wallTime = createdAt;
    for (const step of steps) {
      wallTime = fixedWallTime ?? analyzedAt.get(step) ?? wallTime;
      if (analyzedAt.has(step)) await writeCheckpoint(store, run, step, (items) => emit(wallTime, step, items));
      emit(wallTime, step, eventItems(eventsAt.get(step) ?? []));
      emit(wallTime, step, (metricsAt.get(step) ?? []).flatMap((m) =>
        !isFloat32Finite(m.value) ? [] : [{ kind: "scalar" as const, tag: TAGS.metric(m.source, m.name), value: m.value }]));
    }
  } catch (err) {
    sink.abort();
    throw err;
  }
  for (const old of readdirSync(dir)) {
    if (old.startsWith("events.out.tfevents.") && old.endsWith(TFEVENTS_SUFFIX) && join(dir, old) !== file) rmSync(join(dir, old));
  }
  sink.close();
  return {
    run_id: run, dir, file, bytes: sink.bytes, steps: steps.length, ...counts,
    unplaced_events: events.filter((e) => eventStep(e) === null).length,
  };
}

/** One summary event per tensor, then one per group: its histogram and its statistics. */
async function writeCheckpoint(store: Store, run: string, step: number, emit: (items: SummaryItem[]) => void): Promise<void> {
  const histograms = new Map((await store.histograms({ run, step })).map((h) => [h.name, h]));
  for (const t of await store.tensorStats({ run, step })) {
    emit(rowItems(TAGS.tensorHistogram(t.tensor), (stat) => TAGS.tensorStat(t.tensor, stat), t, histograms.get(t.tensor)));
  }
  const groupHistograms = new Map((await store.groupHistograms({ run, step })).map((h) => [h.name, h]));
  for (const g of await store.groupStats({ run, step })) {
    const histogram = groupHistograms.get(`${g.group_kind}:${g.group_name}`);
    emit(rowItems(TAGS.groupHistogram(g.group_kind, g.group_name), (stat) => TAGS.groupStat(g.group_kind, g.group_name, stat), g, histogram));
  }
}

/** One text value per event kind: all events of that kind at this step. */
function eventItems(events: readonly EventRecord[]): SummaryItem[] {
  const kinds = [...new Set(events.map((e) => e.kind))].sort();
  return kinds.map((kind) => ({ kind: "text", tag: TAGS.events(kind), text: eventsMarkdown(events.filter((e) => e.kind === kind)) }));
}

