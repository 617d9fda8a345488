// `study`: trains the sweep (complete runs are reused), analyzes every run into one store,
// measures pruning tolerance around each run's main fork, computes the five claims' verdicts,
// runs the metric side on Pythia's published evaluations, and writes <out>/verdicts.json.
// Every phase resumes: re-running continues where an interrupted study stopped.
import { rename, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Store } from "../store/store.js";
import { studySweep, type SweepRun } from "./sweep.js";
import type { StudyRunSummary, VerdictsFile } from "./verdict-types.js";
import type { StudyRunData } from "./run-data.js";
import { loadStudyRunData } from "./study-data.js";
import { analyzePhase, pruningPhase, trainPhase, type Log } from "./study-phases.js";
import { computeVerdicts } from "./verdicts.js";
import { toleranceCurves } from "./claims/sparsification.js";
import { featureCorrelations } from "./claims/correlations.js";
import { pythiaMetricSide } from "./pythia.js";
import { readPythiaSeries } from "./pythia-io.js";

export const VERDICTS_FILE = "verdicts.json";

export interface StudyOptions {
  /** Number of sweep runs (studySweep(runs)); ignored when `sweep` is given. */
  runs: number;
  /** Output folder: runs/<name>/, analysis.duckdb, verdicts.json. */
  out: string;
  /** Override the preset's training steps (tests). */
  steps?: number;
  threads?: number;
  skipPruning?: boolean;
  /** Folder of the Pythia reference data (with evals/); null or absent folder: metric side skipped. */
  pythia?: string | null;
  /** Explicit runs instead of studySweep(runs) (library use and tests). */
  sweep?: readonly SweepRun[];
  /** Validation tokens of each pruning evaluation (default: the trainer's eval tokens). */
  pruneTokens?: number;
  /** Pruning sparsities (default 0.1 .. 0.9). */
  sparsities?: readonly number[];
  /** Progress lines (the CLI prints them on stderr). */
  onProgress?: Log;
}

export interface StudyResult {
  file: VerdictsFile;
  path: string;
}

const seconds = (t: number): number => (Date.now() - t) / 1000;

export async function runStudy(o: StudyOptions): Promise<StudyResult> {
  const started = Date.now();
  const sweep = o.sweep ?? studySweep(o.runs);
  const log: Log = o.onProgress ?? (() => undefined);
  const phase = { out: o.out, log, ...(o.steps !== undefined && { steps: o.steps }), ...(o.threads !== undefined && { threads: o.threads }) };
  await mkdir(o.out, { recursive: true });
  let t = Date.now();
  const trained = await trainPhase(sweep, phase);
  const wall = { train: seconds(t), analyze: 0, pruning: 0, experiments: 0, total: 0 };
  const store = await Store.openDir(o.out);
  try {
    t = Date.now();
    const analyzed = await analyzePhase(sweep, store, phase);
    wall.analyze = seconds(t);
    t = Date.now();
    if (o.skipPruning) log("pruning: skipped (--skip-pruning)");
    else await pruningPhase(sweep, store, { ...phase, ...(o.pruneTokens !== undefined && { tokens: o.pruneTokens }), ...(o.sparsities !== undefined && { sparsities: o.sparsities }) });
    wall.pruning = seconds(t);
    t = Date.now();
    const data: StudyRunData[] = [];
    for (const run of sweep) data.push(await loadStudyRunData(store, run.name));
    const verdicts = computeVerdicts(data);
    const pythia = await pythiaSide(o.pythia ?? null, log);
    wall.experiments = seconds(t);
    wall.total = seconds(started);
    const runs = sweep.map((r, i): StudyRunSummary => {
      const tr = trained.get(r.name)!, an = analyzed.get(r.name)!;
      const last = [...data[i]!.valLoss].reverse().find((v) => v !== null) ?? null;
      return {
        name: r.name, lr: r.lr, width: r.width, weight_decay: r.weightDecay, seed: r.seed, steps: tr.result.settings.steps,
        checkpoints: data[i]!.steps.length, final_val_loss: last, train_seconds: tr.seconds, analyze_seconds: an.seconds, events: { ...(an.summary.events ?? {}) },
      };
    });
    const file: VerdictsFile = {
      version: 1, created_at: new Date().toISOString(), preset: "tiny", wall_seconds: wall, runs, verdicts,
      tolerance_curves: data.flatMap(toleranceCurves), pythia, feature_correlations: featureCorrelations(data),
    };
    return { file, path: await writeVerdicts(o.out, file) };
  } finally {
    await store.close();
  }
}

async function pythiaSide(dir: string | null, log: Log): Promise<Record<string, unknown> | null> {
  if (dir === null) return null;
  const series = await readPythiaSeries(dir);
  if (series === null) {
    log(`pythia: no evals/ under ${dir}; metric side skipped`);
    return null;
  }
  log(`pythia: ${series.length} metric series from ${dir}`);
  return { dir, ...pythiaMetricSide(series) };
}

/** Writes verdicts.json atomically (temporary file, then rename). */
async function writeVerdicts(out: string, file: VerdictsFile): Promise<string> {
  const path = join(out, VERDICTS_FILE);
  await writeFile(`${path}.tmp`, `${JSON.stringify(file, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
  return path;
}
