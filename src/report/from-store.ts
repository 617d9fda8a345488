// Store -> ReportData adapter: reads runs, complete checkpoints, per-tensor and per-group
// statistics and histograms, trajectories, events and metrics from the results store and packs
// them for the page (density grids from the bf16-bucket histograms), with mode tracks from the
// mode events and pruning curves from the pruning table. Histograms are read one checkpoint
// at a time (the store's order), never a tensor's or the run's all at once.

import type { Store } from "../store/index.js";
import type { EventRecord, GroupKind, GroupStatsRecord } from "../store/types.js";
import type { SeriesStatValues } from "../store/series-queries.js";
import { REPORT_DATA_VERSION, emptyRun, type EncodedDensity, type ReportData, type ModeTrack, type ReportEvent, type ReportRun, type ReportTensor, type ReportTrajectories } from "./data.js";
import { ColumnwiseDensity, DEFAULT_DENSITY_BINS, encodeArray } from "./density.js";
import { compareUtf8, forEachCheckpointHistogram, histogramKeyOf } from "../pipeline/event-inputs.js";
import { HeldHistograms } from "./held-histograms.js";
import { stamp } from "../util/timeline.js";
import { modeTracks } from "./mode-tracks.js";
import { pruningCurves } from "./pruning-curves.js";
import { phaseView } from "./phase.js";
import { labelOptimizerArtefacts } from "../pipeline/event-artefacts.js";

/** Largest number of elements of a kept tensor drawn as trajectories (evenly spaced sample). */
export const DEFAULT_MAX_TRAJECTORY_ELEMENTS = 200;

export interface ReportFromStoreOptions {
  /** Run ids to include (default: all). */
  runs?: readonly string[];
  bins?: number;
  title?: string;
  maxTrajectoryElements?: number;
  /** Include role/layer/model groups (default true). */
  groups?: boolean;
}

export async function reportDataFromStore(store: Store, options: ReportFromStoreOptions = {}): Promise<ReportData> {
  const runs: ReportRun[] = [];
  for (const r of await store.listRuns()) {
    if (options.runs && !options.runs.includes(r.run_id)) continue;
    runs.push(await runFromStore(store, r.run_id, r.source, options));
  }
  return { version: REPORT_DATA_VERSION, title: options.title ?? `forking-paths: ${runs.map((r) => r.id).join(", ") || "no runs"}`, generatedAt: new Date().toISOString(), runs };
}

async function runFromStore(store: Store, runId: string, source: string, options: ReportFromStoreOptions): Promise<ReportRun> {
  const steps = (await store.listCheckpoints(runId, { completeOnly: true })).map((c) => c.step).sort((a, b) => a - b);
  const run = emptyRun(runId, source, steps);
  const index = new Map(steps.map((s, i) => [s, i]));
  const bins = options.bins ?? DEFAULT_DENSITY_BINS;
  // the densities first: their histogram reads take DuckDB's native memory, which the statistics'
  // reads below then reuse instead of adding to (154 Pythia-70m checkpoints peaked at 583-608 MB the other way)
  const densities = await densitiesOf(store, runId, steps, index, bins, options.groups ?? true);
  const byTensor = new Map<string, ReportTensor>();
  for (const row of await tensorStatRows(store, runId, index)) {
    let t = byTensor.get(row.tensor);
    if (!t) {
      t = { name: row.tensor, kind: "tensor", layer: row.layer, role: row.role, shape: row.shape, numel: row.numel, stats: {} };
      byTensor.set(row.tensor, t);
    }
    putEntries(t, row.entries, index.get(row.step)!, steps.length);
  }
  run.tensors.push(...byTensor.values());
  stamp("report: tensor statistics read");
  const groups = options.groups ?? true ? await addGroups(store, run, index) : new Map<string, ReportTensor>();
  for (const [name, t] of byTensor) {
    const density = densities.get(histogramKeyOf({ target: "tensor", name, groupKind: null }));
    if (density !== undefined) t.density = await density;
  }
  for (const [name, g] of groups) {
    const density = densities.get(histogramKeyOf({ target: "group", name: name.slice(name.indexOf(":") + 1), groupKind: g.groupKind as GroupKind }));
    if (density !== undefined) g.density = await density;
  }
  stamp("report: densities encoded");
  stamp("report: group statistics read");
  // events stored before the artefact label existed (older stores) get it by the same rule
  run.events = (await labelOptimizerArtefacts(store, runId, await store.events({ run: runId }))).flatMap(eventOf);
  for (const t of run.tensors) {
    const modes = t.kind === "group" ? modeTracks(t.name.slice(t.name.indexOf(":") + 1), run.events, "group") : modeTracks(t.name, run.events);
    const tracks = [...branchTracks(t.name, run.events), ...modes.tracks];
    if (tracks.length > 0) t.modes = tracks;
    if (modes.marks.length > 0) t.modeMarks = modes.marks;
  }
  const online = await store.onlineEvents({ run: runId });
  if (online.length > 0) {
    run.onlineEvents = online.map((e) => ({ kind: e.kind, tensor: e.tensor ?? "", step: e.step, step_low: e.step_low, knownAt: e.known_at, strength: e.strength, ...(e.artefact !== null && { artefact: e.artefact }) }));
  }
  stamp("report: events read");
  run.trajectories = await trajectoriesFromStore(store, runId, steps, run.events, options.maxTrajectoryElements ?? DEFAULT_MAX_TRAJECTORY_ELEMENTS);
  stamp("report: trajectories read");
  const metrics = new Map<string, { steps: number[]; values: Array<number | null> }>();
  for (const m of await store.metrics({ run: runId })) {
    const key = m.source ? `${m.name} (${m.source})` : m.name;
    const series = metrics.get(key) ?? { steps: [], values: [] };
    series.steps.push(m.step);
    series.values.push(m.value);
    metrics.set(key, series);
  }
  for (const [name, s] of metrics) run.metrics.push({ name, ...sortSeries(s) });
  run.pruning = pruningCurves(await store.pruning({ run: runId }));
  const phase = phaseView(run, (await store.transitions({ run: runId }))[0]);
  if (phase !== undefined) run.phase = phase;
  return run;
}

/** A tensor_stats row cut to what the page shows: its identity and putStats' entries. */
interface StatRow {
  step: number;
  tensor: string;
  layer: number | null;
  role: string;
  shape: number[];
  numel: number;
  entries: StatEntry[];
}

/**
 * The run's tensor_stats rows of complete checkpoints, ordered by step then tensor (as the store
 * orders them), streamed and each cut at once to the numbers the page shows: the rows' shape
 * summaries (extra) are many times their numbers, and 154 Pythia-70m checkpoints held them all.
 */
async function tensorStatRows(store: Store, runId: string, index: Map<number, number>): Promise<StatRow[]> {
  const rows: StatRow[] = [];
  await store.forEachSeriesStatRow({ run: runId, groups: false }, (chunk) => {
    for (const r of chunk) {
      if (index.has(r.step)) rows.push({ step: r.step, tensor: r.name, layer: r.layer, role: r.role, shape: r.shape, numel: r.numel, entries: statEntries(r.values) });
    }
  });
  return rows.sort((a, b) => a.step - b.step || compareUtf8(a.tensor, b.tensor));
}

/**
 * Density grids of the tensors and groups (those with a statistics row at a complete checkpoint)
 * from their histograms, by histogramKeyOf's key, in two passes: the value range of each grid needs
 * every checkpoint, then each column is added and quantised. The store is read once, one
 * checkpoint at a time, and the histograms are held compactly in a temporary file for the second
 * pass (HeldHistograms: 4 or 6 bytes a bucket, 27.6M buckets at 154 Pythia-70m checkpoints): reading
 * them twice cost ~6 CPU s of DuckDB's per pass there. A query per range of tensor names decoded them all each time.
 */
async function densitiesOf(store: Store, runId: string, steps: number[], index: Map<number, number>, bins: number, withGroups: boolean): Promise<Map<string, Promise<EncodedDensity>>> {
  const grids = new Map<string, ColumnwiseDensity>();
  for (const groups of withGroups ? [false, true] : [false]) {
    for (const { step, name } of await store.statNames(runId, groups)) {
      if (!index.has(step)) continue;
      const key = groups ? histogramKeyOf({ target: "group", name: name.slice(name.indexOf(":") + 1), groupKind: name.slice(0, name.indexOf(":")) as GroupKind }) : histogramKeyOf({ target: "tensor", name, groupKind: null });
      if (!grids.has(key)) grids.set(key, new ColumnwiseDensity(steps.length, { bins }));
    }
  }
  const out = new Map<string, Promise<EncodedDensity>>();
  if (grids.size === 0) return out;
  // one read of the store: the first pass holds each histogram (compactly) for the second
  const owners = [...grids.values()], ownerOf = new Map([...grids.keys()].map((key, i) => [key, i]));
  const held = new HeldHistograms(), column = new Map(steps.map((step, c) => [step, c]));
  try {
    await forEachCheckpointHistogram(store, runId, steps, new Set(grids.keys()), (key, step, h) => {
      const owner = ownerOf.get(key)!;
      owners[owner]!.extend(h);
      held.add(owner, column.get(step)!, h);
    });
    stamp("report: density ranges");
    held.forEach((owner, c, h) => {
      const grid = owners[owner]!;
      if (grid.hasBuckets) grid.add(c, h);
    });
    stamp("report: density columns");
  } finally {
    held.close();
  }
  // gzipped on libuv's threads while this one reads the statistics
  for (const [key, grid] of grids) {
    if (!grid.hasBuckets) continue;
    const encoded = grid.encodeAsync();
    encoded.catch(() => undefined); // awaited (and thrown) where the density is set; not unhandled meanwhile
    out.set(key, encoded);
  }
  return out;
}

/** Group rows into run.tensors (after the tensors), keyed "<group_kind>:<group_name>"; densities come later. */
async function addGroups(store: Store, run: ReportRun, index: Map<number, number>): Promise<Map<string, ReportTensor>> {
  const groups = new Map<string, ReportTensor>();
  // streamed and cut as they come (the rows' shape summaries are many times their numbers), then in the store's order
  const rows: Array<Pick<GroupStatsRecord, "step" | "group_kind" | "group_name" | "numel"> & { entries: StatEntry[] }> = [];
  await store.forEachSeriesStatRow({ run: run.id, groups: true }, (chunk) => {
    for (const r of chunk) if (index.has(r.step)) rows.push({ step: r.step, group_kind: r.groupKind!, group_name: r.name, numel: r.numel, entries: statEntries(r.values) });
  });
  rows.sort((a, b) => a.step - b.step || compareUtf8(a.group_kind, b.group_kind) || compareUtf8(a.group_name, b.group_name));
  for (const row of rows) {
    const i = index.get(row.step)!;
    const name = `${row.group_kind}:${row.group_name}`;
    let g = groups.get(name);
    if (!g) {
      g = { name, kind: "group", groupKind: row.group_kind, layer: row.group_kind === "layer" ? Number(row.group_name) : null, role: row.group_kind === "role" ? row.group_name : "", numel: row.numel, stats: {} };
      if (Number.isNaN(g.layer)) g.layer = null;
      groups.set(name, g);
    }
    putEntries(g, row.entries, i, run.steps.length);
  }
  run.tensors.push(...groups.values());
  return groups;
}

/** A statistic's name and value as putStats stores it (numbers and nulls only). */
type StatEntry = [string, number | null];

/** Scalar statistics of one row, nested maps flattened, in the order the page's series are created. */
function statEntries(row: SeriesStatValues): StatEntry[] {
  const out: StatEntry[] = [];
  const put = (name: string, v: unknown): void => {
    if (typeof v === "number" || v === null) out.push([name, v]);
  };
  for (const key of ["mean", "std", "skewness", "excess_kurtosis", "min", "max", "l2"] as const) put(key, row[key]);
  for (const [k, v] of Object.entries(row.frac_abs_le ?? {})) put(`frac_abs_le_${k}`, v);
  for (const [k, v] of Object.entries(row.frac_abs_le_rel_std ?? {})) put(`frac_abs_le_${k}std`, v);
  for (const [k, v] of Object.entries(row.extra ?? {})) put(k, v);
  return out;
}

/** A row's entries into the tensor's per-step series (non-finite values as null). */
function putEntries(t: ReportTensor, entries: readonly StatEntry[], i: number, n: number): void {
  for (const [name, v] of entries) (t.stats[name] ??= new Array<number | null>(n).fill(null))[i] = v !== null && Number.isFinite(v) ? v : null;
}

function eventOf(e: EventRecord): ReportEvent[] {
  if (e.tensor === null || e.step === null) return [];
  const evidence = e.evidence !== null && typeof e.evidence === "object" ? (e.evidence as Record<string, unknown>) : {};
  const event: ReportEvent = { kind: e.kind, tensor: e.tensor, step: e.step, step_low: e.step_low ?? e.step, step_high: e.step_high ?? e.step, strength: e.strength ?? 0, evidence };
  if (e.artefact !== null && e.artefact !== undefined) event.artefact = e.artefact;
  return [event];
}

/** Branch centres over time of a tensor's population fork (by value), drawn over its bifurcation diagram. */
export function branchTracks(tensor: string, events: readonly ReportEvent[]): ModeTrack[] {
  const fork = events.find((e) => e.kind === "population_fork" && e.tensor === tensor && (e.evidence as { variable?: string }).variable !== "displacement");
  const centres = (fork?.evidence as { branch_centres?: { steps?: number[]; lower?: number[]; upper?: number[] } } | undefined)?.branch_centres;
  if (!fork || !centres?.steps) return [];
  const track = (id: "lower" | "upper"): ModeTrack => ({
    id: `branch-${id}`,
    kind: "branch",
    label: `${id} branch (population fork at step ${fork.step})`,
    points: centres.steps!.flatMap((step, i) => {
      const value = centres[id]?.[i];
      return typeof value === "number" && Number.isFinite(value) ? [{ step, value }] : [];
    }),
  });
  return [track("lower"), track("upper")];
}

function sortSeries(s: { steps: number[]; values: Array<number | null> }) {
  const order = s.steps.map((_, i) => i).sort((a, b) => s.steps[a]! - s.steps[b]!);
  return { steps: order.map((i) => s.steps[i]!), values: order.map((i) => s.values[i]!) };
}

/** Kept tensors' element values per step (a sample of elements), with population-fork branches. */
/**
 * The drawn trajectories of the run's kept tensors: at most `maxElements` evenly spaced elements
 * of each (of its largest stored element count), at every checkpoint, NaN where none is stored.
 * The values stream checkpoint by checkpoint and only the drawn elements are copied out: the
 * run's full values (kept tensors x checkpoints) are never held, on either side of DuckDB.
 */
async function trajectoriesFromStore(store: Store, runId: string, steps: number[], events: ReportEvent[], maxElements: number): Promise<ReportTrajectories[]> {
  const column = new Map(steps.map((step, s) => [step, s]));
  const drawn = new Map<string, { elements: number[]; values: Float32Array }>();
  for (const { tensor, numel } of await store.trajectoryShapes(runId)) {
    const n = Math.min(numel, maxElements);
    drawn.set(tensor, { elements: Array.from({ length: n }, (_, i) => Math.floor((i * numel) / n)), values: new Float32Array(steps.length * n).fill(NaN) });
  }
  await store.forEachTrajectory({ run: runId }, ({ step, tensor, bytes }) => {
    const s = column.get(step), t = drawn.get(tensor);
    if (s === undefined || t === undefined) return;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), length = bytes.byteLength >>> 2, n = t.elements.length;
    t.elements.forEach((e, j) => { t.values[s * n + j] = e < length ? view.getFloat32(e * 4, true) : NaN; });
  });
  const out: ReportTrajectories[] = [];
  for (const [tensor, { elements, values }] of drawn) {
    const fork = events.find((e) => e.kind === "population_fork" && e.tensor === tensor);
    const lists = fork?.evidence?.member_lists as number[][] | undefined;
    const tr: ReportTrajectories = { tensor, elements, values: encodeArray(values) };
    if (fork) tr.forkStep = fork.step;
    if (Array.isArray(lists)) {
      const branchOf = new Map<number, number>();
      lists.forEach((list, b) => list.forEach((e) => branchOf.set(e, b)));
      tr.branch = elements.map((e) => branchOf.get(e) ?? -1);
    }
    out.push(tr);
  }
  return out;
}
