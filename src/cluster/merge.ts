// `merge <dir>`: combine the parts of one analysis into `<dir>/analysis.duckdb`, row for row the
// store a single process writes, then detect events on it. Refuses parts of different runs or
// options, and (unless allowMissing) a result that lacks checkpoints of the run.
import { countEventsByKind, recomputeRunEvents, type DynamicsEventKind, type EventDetectionOptions } from "../pipeline/events.js";
import { importTrainerStateMetrics } from "../pipeline/run-metrics.js";
import { discoverRunSource } from "../runs/run-source.js";
import { isHubUrl } from "../runs/hub-url.js";
import { Store } from "../store/store.js";
import { existsSync } from "node:fs";
import { UsageError } from "../util/errors.js";
import { IncompleteMergeError, PartMismatchError } from "./errors.js";
import { listPartDirs, partLabel, partStorePath, readPartManifest, type PartManifest } from "./parts.js";

export interface MergeOptions {
  /** Part folders to merge (default: every part under `<dir>/parts/`). */
  from?: readonly string[];
  /** Merge even when checkpoints of the run are in no part. */
  allowMissing?: boolean;
  /** Detect events after merging (default true; an object sets the detectors). */
  events?: boolean | EventDetectionOptions;
}

export interface MergeSummary {
  runId: string;
  storePath: string;
  parts: number;
  /** Checkpoints of the run. */
  checkpoints: number;
  merged: number;
  /** Steps in no part (only with allowMissing). */
  missing: number[];
  events: Record<DynamicsEventKind, number> | null;
  seconds: number;
}

interface PartContent {
  folder: string;
  manifest: PartManifest;
  runId: string;
  source: string;
  options: Record<string, unknown>;
  complete: Set<number>;
  /** The part stored nothing: an empty shard, or a checkpoint job that failed before its first write. */
  empty: boolean;
}

export async function mergeParts(dir: string, options: MergeOptions = {}): Promise<MergeSummary> {
  const started = Date.now();
  const folders = options.from !== undefined && options.from.length > 0 ? [...options.from] : listPartDirs(dir);
  if (folders.length === 0) throw new UsageError(`${dir}: no parts to merge (no parts/*/part.json) ---> HINT: run \`forking-paths analyze <run> --out ${dir} --shard K/N\` or the queue workers first`);
  const parts: PartContent[] = [];
  for (const folder of folders) parts.push(await readPart(folder));
  for (const p of parts.slice(1)) checkSameRun(parts[0]!, p);
  const stored = parts.filter((p) => !p.empty);
  if (stored.length === 0) throw new IncompleteMergeError(dir, parts[0]!.manifest.steps, parts[0]!.manifest.steps.length);
  const first = stored[0]!;
  for (const p of stored.slice(1)) checkSameAnalysis(first, p);
  // Each step from the first part (in the given order) that holds it complete.
  const owner = new Map<number, PartContent>();
  for (const p of parts) for (const step of first.manifest.steps) if (p.complete.has(step) && !owner.has(step)) owner.set(step, p);
  const missing = first.manifest.steps.filter((s) => !owner.has(s));
  if (missing.length > 0 && options.allowMissing !== true) throw new IncompleteMergeError(dir, missing, first.manifest.steps.length);
  const store = await Store.openDir(dir);
  try {
    await store.putRun({ run_id: first.runId, source: first.source, options: first.options });
    for (const p of parts) {
      const steps = first.manifest.steps.filter((s) => owner.get(s) === p);
      if (steps.length > 0) await store.importCheckpoints(partStorePath(p.folder), first.runId, steps);
    }
    // As a single-process analyze does: the training log of a local run, when this machine sees the folder.
    if (!isHubUrl(first.source) && existsSync(first.source)) await importTrainerStateMetrics(store, first.runId, (await discoverRunSource(first.source)).checkpoints);
    const events = options.events === false ? null
      : countEventsByKind(await recomputeRunEvents(store, first.runId, options.events === true ? {} : options.events ?? {}));
    return {
      runId: first.runId, storePath: store.path, parts: parts.length, checkpoints: first.manifest.steps.length,
      merged: owner.size, missing, events, seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await store.close();
  }
}

async function readPart(folder: string): Promise<PartContent> {
  const manifest = readPartManifest(folder);
  const store = await Store.open(partStorePath(folder), { readOnly: true }).catch((err: Error) => {
    throw new PartMismatchError(folder, `its store cannot be opened (${err.message.split("\n")[0]})`);
  });
  try {
    const runs = await store.listRuns();
    // A run is registered with its first checkpoint (store/identity.ts): no run, nothing stored.
    if (runs.length === 0) return { folder, manifest, runId: "", source: "", options: {}, complete: new Set(), empty: true };
    if (runs.length !== 1) throw new PartMismatchError(folder, `its store holds ${runs.length} runs, a part holds exactly one`);
    const run = runs[0]!;
    const complete = new Set((await store.listCheckpoints(run.run_id, { completeOnly: true })).map((c) => c.step));
    return { folder, manifest, runId: run.run_id, source: run.source, options: run.options, complete, empty: false };
  } finally {
    await store.close();
  }
}

/** Parts of one merge list the same run and the same checkpoint steps (empty parts included). */
function checkSameRun(a: PartContent, b: PartContent): void {
  const differs = (what: string, x: unknown, y: unknown) =>
    new PartMismatchError(b.folder, `${what} differs from part ${partLabel(a.folder)} (${JSON.stringify(y)} vs ${JSON.stringify(x)}); parts of one merge must come from one run`);
  if (a.manifest.runPath !== b.manifest.runPath) throw differs("the run", a.manifest.runPath, b.manifest.runPath);
  if (JSON.stringify(a.manifest.steps) !== JSON.stringify(b.manifest.steps)) throw differs("the run's checkpoint steps", a.manifest.steps, b.manifest.steps);
}

function checkSameAnalysis(a: PartContent, b: PartContent): void {
  const differs = (what: string, x: unknown, y: unknown) =>
    new PartMismatchError(b.folder, `${what} differs from part ${partLabel(a.folder)} (${JSON.stringify(y)} vs ${JSON.stringify(x)}); parts of one merge must come from one run and one set of options`);
  if (a.runId !== b.runId) throw differs("run name", a.runId, b.runId);
  if (a.source !== b.source) throw differs("run source", a.source, b.source);
  if (JSON.stringify(a.options) !== JSON.stringify(b.options)) throw differs("analysis options", a.options, b.options);
  if (JSON.stringify(a.manifest.steps) !== JSON.stringify(b.manifest.steps)) throw differs("the run's checkpoint steps", a.manifest.steps, b.manifest.steps);
}
