// `study`: fixes the plan (<out>/plan.json, before any training), trains every configuration x
// seed of it (complete runs are reused), analyzes every run into one store, measures pruning
// tolerance around each run's main fork and at time-matched placebo checkpoints, computes the five
// claims' verdicts on the held-out seeds (development seeds: development.json, for tuning only),
// runs the metric side on Pythia's published evaluations, and writes <out>/verdicts.json with the
// plan's sha256. Every phase resumes: re-running continues where an interrupted study stopped.
// The grokking and induction presets (plan-tasks.ts) train a synthetic task, store each run's
// transition under the plan's rule, skip pruning, judge the two transition claims too, and write
// the table of every run's transition and lead time (transitions.md and verdicts.json).
import { rename, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Store } from "../store/store.js";
import { sweepFromPlan, type SweepRun } from "./sweep.js";
import type { StudyPreset } from "./plan.js";
import { buildStudyPlan, type TaskPlanOptions } from "./plan-tasks.js";
import { fixPlan } from "./plan-io.js";
import type { PhaseTime, StudyPhaseTimes, StudyRunSummary, TransitionTableRow, VerdictsFile } from "./verdict-types.js";
import type { StudyRunData } from "./run-data.js";
import { loadStudyRunData } from "./study-data.js";
import { onlineEventRows } from "./online-store.js";
import { analyzePhase, pruningPhase, trainPhase, type Log } from "./study-phases.js";
import { computeVerdicts } from "./verdicts.js";
import { toleranceCurves } from "./claims/sparsification.js";
import { featureCorrelations } from "./claims/correlations.js";
import { pythiaMetricSide } from "./pythia.js";
import { formatTransitionTable, transitionTable } from "./claims/transition-study.js";
import { transitionsHeader } from "./study-table.js";
import { readPythiaSeries } from "./pythia-io.js";

export const VERDICTS_FILE = "verdicts.json";
/** Verdicts on the development seeds (tuning only; never reported as results). */
export const DEVELOPMENT_FILE = "development.json";
/** Every run's transition and lead time (task presets), markdown. */
export const TRANSITIONS_FILE = "transitions.md";

export interface StudyOptions extends TaskPlanOptions {
  /** "tiny" (default), "grokking" or "induction". */
  preset?: StudyPreset;
  /** Output folder: plan.json, runs/<name>/, analysis.duckdb, verdicts.json, development.json. */
  out: string;
  /** Replace a different plan.json already in `out` (recorded as superseding it). */
  newPlan?: boolean;
  threads?: number;
  skipPruning?: boolean;
  /** Folder of the Pythia reference data (with evals/); null or absent folder: metric side skipped. */
  pythia?: string | null;
  /** Progress lines (the CLI prints them on stderr). */
  onProgress?: Log;
}

export interface StudyResult {
  file: VerdictsFile;
  path: string;
}

const seconds = (t: number): number => (Date.now() - t) / 1000;

/** A phase's start: wall clock and the process's CPU usage (every thread). */
interface PhaseClock { wall: number; cpu: NodeJS.CpuUsage }
const startClock = (): PhaseClock => ({ wall: Date.now(), cpu: process.cpuUsage() });
function phaseTime(c: PhaseClock): PhaseTime {
  const u = process.cpuUsage(c.cpu);
  return { wall_seconds: seconds(c.wall), cpu_seconds: (u.user + u.system) / 1e6 };
}
const minus = (a: PhaseTime, b: PhaseTime): PhaseTime => ({ wall_seconds: Math.max(0, a.wall_seconds - b.wall_seconds), cpu_seconds: Math.max(0, a.cpu_seconds - b.cpu_seconds) });
const plus = (a: PhaseTime, b: PhaseTime): PhaseTime => ({ wall_seconds: a.wall_seconds + b.wall_seconds, cpu_seconds: a.cpu_seconds + b.cpu_seconds });
/** One stderr line per phase. */
export const formatPhaseTime = (name: string, p: PhaseTime): string => `phase ${name}: wall ${p.wall_seconds.toFixed(1)} s, cpu ${p.cpu_seconds.toFixed(1)} s`;

export const PHASES_NOTE = "wall and CPU seconds (user + system of the study process, every thread) of this invocation; train: training every run; analysis: statistics of every checkpoint into the store, metrics and the planned transition (event detection excluded); events: the offline event detection during the analysis plus loading each run's data with its online events (recomputed from the stored statistics) and storing them; pruning: the pruning-tolerance curves; verdicts: the claims on held-out and development seeds, the Pythia metric side and the transitions table (writing the files after it is not counted)";

export async function runStudy(o: StudyOptions): Promise<StudyResult> {
  const started = Date.now(), total = startClock();
  const log: Log = o.onProgress ?? (() => undefined);
  const fixed = await fixPlan(o.out, buildStudyPlan(o), o.newPlan === true);
  const plan = fixed.plan;
  log(`plan: ${fixed.status} ${join(o.out, "plan.json")} (sha256 ${fixed.sha256.slice(0, 12)})`);
  const sweep: readonly SweepRun[] = sweepFromPlan(plan);
  const phaseTransition = plan.transition !== undefined;
  const phase = { out: o.out, log, ...(o.threads !== undefined && { threads: o.threads }), ...(plan.transition !== undefined && { transition: plan.transition }) };
  await mkdir(o.out, { recursive: true });
  let t = Date.now();
  let clock = startClock();
  const trained = await trainPhase(sweep, phase);
  const wall = { train: seconds(t), analyze: 0, pruning: 0, experiments: 0, total: 0 };
  const trainTime = phaseTime(clock);
  log(formatPhaseTime("train", trainTime));
  const store = await Store.openDir(o.out);
  try {
    t = Date.now();
    clock = startClock();
    const analyzed = await analyzePhase(sweep, store, phase);
    wall.analyze = seconds(t);
    const offlineEvents = [...analyzed.values()].reduce((s, a) => plus(s, { wall_seconds: a.summary.eventSeconds, cpu_seconds: a.summary.eventCpuSeconds ?? 0 }), { wall_seconds: 0, cpu_seconds: 0 });
    const analysisTime = minus(phaseTime(clock), offlineEvents);
    log(formatPhaseTime("analysis", analysisTime));
    t = Date.now();
    clock = startClock();
    if (o.skipPruning) log("pruning: skipped (--skip-pruning)");
    else if (phaseTransition) log(`pruning: not measured for --preset ${plan.preset} (pruned evaluation is built for the language model only)`);
    else {
      const sp = plan.claims.sparsification.settings;
      await pruningPhase(sweep.filter((r) => r.configuration === plan.claims.sparsification.configuration), store, { ...phase, tokens: sp["prune_tokens"] as number, sparsities: sp["sparsities"] as number[], masks: sp["random_masks"] as number });
    }
    wall.pruning = seconds(t);
    const pruningTime = phaseTime(clock);
    log(formatPhaseTime("pruning", pruningTime));
    t = Date.now();
    clock = startClock();
    const data: StudyRunData[] = [];
    for (const run of sweep) data.push({ ...(await loadStudyRunData(store, run.name, undefined, { phaseTransition })), configuration: run.configuration, role: run.role, seed: run.seed });
    // the online events the timing claims use, stored beside the offline ones (`events --online`, the report)
    for (const d of data) if (d.onlineEvents !== undefined) await store.replaceOnlineEvents(d.runId, onlineEventRows(d.onlineEvents, await store.events({ run: d.runId })));
    const onlineTime = phaseTime(clock);
    const eventsTime = plus(offlineEvents, onlineTime);
    log(`${formatPhaseTime("events", eventsTime)} (offline detection during the analysis: wall ${offlineEvents.wall_seconds.toFixed(1)} s, cpu ${offlineEvents.cpu_seconds.toFixed(1)} s; run data with online events: wall ${onlineTime.wall_seconds.toFixed(1)} s, cpu ${onlineTime.cpu_seconds.toFixed(1)} s)`);
    clock = startClock();
    const verdicts = computeVerdicts(data, plan, "heldout");
    const heldout = new Set(sweep.filter((r) => r.role === "heldout").map((r) => r.name));
    const development = computeVerdicts(data, plan, "development");
    const pythia = await pythiaSide(o.pythia ?? null, log);
    const transitions: TransitionTableRow[] | null = !phaseTransition ? null : (["heldout", "development"] as const)
      .flatMap((role) => transitionTable(data.filter((d) => d.role === role), plan.claims.parameters_announce_transition, plan.claims.predict_transition_step));
    wall.experiments = seconds(t);
    wall.total = seconds(started);
    const phases: StudyPhaseTimes = { train: trainTime, analysis: analysisTime, events: eventsTime, pruning: pruningTime, verdicts: phaseTime(clock), total: phaseTime(total), note: PHASES_NOTE };
    const runs = sweep.map((r, i): StudyRunSummary => {
      const tr = trained.get(r.name)!, an = analyzed.get(r.name)!;
      const last = [...data[i]!.valLoss].reverse().find((v) => v !== null) ?? null;
      return {
        name: r.name, configuration: r.configuration, role: r.role, lr: r.lr, width: r.width, weight_decay: r.weightDecay, seed: r.seed, steps: tr.result.settings.steps,
        checkpoints: data[i]!.steps.length, final_val_loss: last, train_seconds: tr.seconds, analyze_seconds: an.seconds, events: { ...(an.summary.events ?? {}) },
      };
    });
    const file: VerdictsFile = {
      version: 1, created_at: new Date().toISOString(), preset: plan.preset, plan_sha256: fixed.sha256, plan_supersedes: plan.supersedes,
      wall_seconds: wall, phases, runs, verdicts,
      tolerance_curves: data.filter((d) => heldout.has(d.runId)).flatMap(toleranceCurves), pythia, feature_correlations: featureCorrelations(data.filter((d) => heldout.has(d.runId))),
      ...(transitions !== null && { transitions }),
    };
    if (transitions !== null) await writeText(o.out, TRANSITIONS_FILE, formatTransitionTable(transitions, transitionsHeader(plan, fixed.sha256)));
    await writeJson(o.out, DEVELOPMENT_FILE, { plan_sha256: fixed.sha256, note: "verdicts on the development seeds: for tuning only, never a result", verdicts: development });
    const path = await writeJson(o.out, VERDICTS_FILE, file);
    log(formatPhaseTime("verdicts", file.phases!.verdicts));
    log(formatPhaseTime("total", file.phases!.total));
    return { file, path };
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

/** Writes a JSON file atomically (temporary file, then rename). */
async function writeJson(out: string, name: string, file: unknown): Promise<string> {
  return writeText(out, name, `${JSON.stringify(file, null, 2)}\n`);
}

async function writeText(out: string, name: string, text: string): Promise<string> {
  const path = join(out, name);
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
  return path;
}
