// The study's resumable phases: train each sweep run (a complete run folder returns at once),
// analyze it into the one store and store its validation losses, and measure pruning-tolerance
// curves at the checkpoints around each run's main fork. Each phase skips what is already done.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { train, checkpointDir, completeCheckpointSteps, TRAINER_STATE_FILE, type TrainResult } from "../model/index.js";
import { sotuTokenStreams, ByteTokenizer, TRAIN_DEFAULTS } from "../model/index.js";
import { analyzeRun, countEventsByKind, type AnalyzeSummary } from "../pipeline/index.js";
import { pruningToleranceCurve, toleranceCurveRows, DEFAULT_TOLERANCE_SPARSITIES } from "../prune/index.js";
import { readMetricsPath, recomputeRunTransition } from "../quality/index.js";
import type { Store } from "../store/store.js";
import { sweepTrainOptions, type SweepRun } from "./sweep.js";
import { forkPair, mainFork, pruningCheckpoints, type StudyRunData } from "./run-data.js";
import { loadStudyRunData, VAL_LOSS_SOURCE } from "./study-data.js";
import type { TransitionPlan } from "./plan.js";
import { STUDY_PRUNE_SCOPE } from "./claims/sparsification.js";

export type Log = (line: string) => void;

export interface PhaseOptions {
  out: string;
  threads?: number;
  log: Log;
  /** Phase-transition presets: each run's transition is recomputed under the plan's rule once its metrics are stored. */
  transition?: TransitionPlan;
}

export const runDirOf = (out: string, run: SweepRun): string => join(out, "runs", run.name);

export async function trainPhase(sweep: readonly SweepRun[], o: PhaseOptions): Promise<Map<string, { result: TrainResult; seconds: number }>> {
  const done = new Map<string, { result: TrainResult; seconds: number }>();
  for (const [i, run] of sweep.entries()) {
    const t = Date.now();
    let lastShown = 0;
    const result = await train(sweepTrainOptions(run, runDirOf(o.out, run), { ...(o.threads !== undefined && { threads: o.threads }) }), {
      onStep: (s) => {
        if (Date.now() - lastShown > 10_000) { lastShown = Date.now(); o.log(`train ${i + 1}/${sweep.length} ${run.name}: step ${s.step}/${s.totalSteps} loss ${s.loss.toFixed(3)}`); }
      },
    });
    const seconds = (Date.now() - t) / 1000;
    o.log(`train ${i + 1}/${sweep.length} ${run.name}: ${result.resumedFrom === result.step ? "already complete" : `trained to step ${result.step}`} (${seconds.toFixed(1)} s), validation loss ${result.lastEvalLoss.toFixed(4)}`);
    done.set(run.name, { result, seconds });
  }
  return done;
}

/** Analyzes every run into `store` (complete checkpoints skipped) and stores its trainer_state metrics. */
export async function analyzePhase(sweep: readonly SweepRun[], store: Store, o: PhaseOptions): Promise<Map<string, { summary: AnalyzeSummary; seconds: number }>> {
  const done = new Map<string, { summary: AnalyzeSummary; seconds: number }>();
  for (const [i, run] of sweep.entries()) {
    const t = Date.now();
    const upToDate = await isAnalysisUpToDate(store, run.name, runDirOf(o.out, run));
    const summary = await analyzeRun(runDirOf(o.out, run), {
      out: o.out, runId: run.name, store, events: !upToDate, ...(o.threads !== undefined && { workers: o.threads }),
      onProgress: (p) => { if (p.checkpointBytes === 0) o.log(`analyze ${i + 1}/${sweep.length} ${run.name}: checkpoint ${p.checkpointsDone}/${p.checkpointsTotal} (step ${p.step})`); },
    });
    if (upToDate) summary.events = countEventsByKind(await store.events({ run: run.name }));
    await storeValidationLoss(store, run.name, runDirOf(o.out, run), summary.steps);
    if (o.transition !== undefined) await storePlannedTransition(store, run.name, o.transition, o.log);
    const seconds = (Date.now() - t) / 1000;
    o.log(`analyze ${i + 1}/${sweep.length} ${run.name}: ${summary.analyzed} analyzed, ${summary.skipped} already stored (${seconds.toFixed(1)} s)`);
    done.set(run.name, { summary, seconds });
  }
  return done;
}

/**
 * True when every complete checkpoint on disk is complete in the store and the run has stored
 * events: then event detection (seconds per run) is not repeated on a re-run.
 */
async function isAnalysisUpToDate(store: Store, runId: string, runDir: string): Promise<boolean> {
  const onDisk = await completeCheckpointSteps(runDir);
  if (onDisk.length === 0 || !(await store.listRuns()).some((r) => r.run_id === runId)) return false;
  const stored = new Set((await store.listCheckpoints(runId, { completeOnly: true })).map((c) => c.step));
  return onDisk.every((s) => stored.has(s)) && (await store.events({ run: runId })).length > 0;
}

/** The last checkpoint's trainer_state.json log (train/loss, eval/loss per step) as metrics of source "trainer_state". */
async function storeValidationLoss(store: Store, runId: string, runDir: string, steps: readonly number[]): Promise<void> {
  const last = steps[steps.length - 1];
  if (last === undefined) return;
  const file = join(checkpointDir(runDir, last), TRAINER_STATE_FILE);
  if (!existsSync(file)) return;
  await store.putMetrics(runId, VAL_LOSS_SOURCE, (await readMetricsPath(file)).metrics);
}

/** The run's transition under the plan's metric and rule (recomputed after the metrics are stored; replaces the analysis' default). */
async function storePlannedTransition(store: Store, runId: string, t: TransitionPlan, log: Log): Promise<void> {
  const row = await recomputeRunTransition(store, runId, {
    metric: t.metric,
    transition: { minDifference: t.min_difference, noiseMultiple: t.noise_multiple, interpolation: t.interpolation, ...(t.plateau_points !== null && { plateauPoints: t.plateau_points }) },
  });
  log(`transition ${runId}: ${row === null ? "no metric" : row.found ? `${row.metric} at step ${row.step!.toFixed(0)} in [${row.step_low}, ${row.step_high}]` : `none (${String(row.detail["reason"])})`}`);
}

export interface PruningPhaseOptions extends PhaseOptions {
  /** Validation tokens evaluated (default: the tiny preset's evalTokens, as the trainer's eval loss). */
  tokens?: number;
  sparsities?: readonly number[];
  /** Random-pruning masks (seeds 0 .. masks - 1); magnitude pruning is deterministic (seed 0). Default 1. */
  masks?: number;
}

const METHODS = ["magnitude", "random"] as const;

function isMeasured(rows: readonly { step: number; method: string; scope: string; sparsity: number; seed: number }[], step: number, sparsities: readonly number[], seed: number, methods: readonly string[]): boolean {
  return methods.every((m) => sparsities.every((s) => rows.some((r) => r.step === step && r.method === m && r.scope === STUDY_PRUNE_SCOPE && r.sparsity === s && r.seed === seed)));
}

/**
 * Tolerance curves (magnitude and random, global) of each run before / after its main fork, at
 * its final checkpoint and at the placebo steps: the fork pairs of the other held-out seeds of its
 * configuration (the same training interval in a run whose fork is elsewhere).
 */
export async function pruningPhase(sweep: readonly SweepRun[], store: Store, o: PruningPhaseOptions): Promise<number> {
  const sparsities = o.sparsities ?? DEFAULT_TOLERANCE_SPARSITIES;
  const masks = o.masks ?? 1;
  const tokens = sotuTokenStreams(new ByteTokenizer()).validation.subarray(0, o.tokens ?? TRAIN_DEFAULTS.tiny.evalTokens);
  // Each curve starts and disposes its own kernels: a model's buffers live in the kernels' bump
  // arena until the kernels are disposed, so one backend shared by every run grew to the 4 GiB
  // limit after about five checkpoints.
  const threads = o.threads !== undefined ? { threads: o.threads } : {};
  let measured = 0;
  const all = new Map<string, StudyRunData>();
  for (const run of sweep) all.set(run.name, await loadStudyRunData(store, run.name));
  const pairOf = (d: StudyRunData) => forkPair(d.steps, mainFork(d.onlineEvents ?? d.events));
  for (const [i, run] of sweep.entries()) {
    const data = all.get(run.name)!;
    const fork = mainFork(data.onlineEvents ?? data.events);
    const placebo = run.role !== "heldout" ? [] : sweep.filter((r) => r !== run && r.role === "heldout" && r.configuration === run.configuration)
      .flatMap((r) => { const p = pairOf(all.get(r.name)!); return p === null ? [] : [p.before, p.after]; });
    for (const at of pruningCheckpoints(data.steps, fork, placebo)) {
      for (let seed = 0; seed < masks; seed++) {
        // magnitude pruning does not depend on the seed: measured once, with mask 0
        const methods = seed === 0 ? METHODS : (["random"] as const);
        if (isMeasured(data.pruning, at.step, sparsities, seed, methods)) continue;
        const t = Date.now();
        const curve = await pruningToleranceCurve(checkpointDir(runDirOf(o.out, run), at.step), { tokens, sparsities, methods, scope: STUDY_PRUNE_SCOPE, seed, ...threads });
        await store.putPruning(run.name, toleranceCurveRows(curve, at.step, { position: at.position, fork_step: fork?.step ?? null }));
        measured++;
        o.log(`pruning ${i + 1}/${sweep.length} ${run.name}: step ${at.step} (${at.position}, mask ${seed}) base loss ${curve.baseLoss.toFixed(4)} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
      }
    }
  }
  return measured;
}
