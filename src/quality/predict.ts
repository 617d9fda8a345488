// Data-free quality prediction evaluated leave-one-run-out: ridge on parameter features vs two
// baselines on the same held-out checkpoints (ridge on WeightWatcher alpha features only, and
// learning-curve extrapolation from the held-out run's own early losses). Pure: arrays in.
import { UsageError } from "../util/errors.js";
import { spearman } from "./correlation.js";
import { extrapolateLoss, DEFAULT_FIT_FRACTION } from "./extrapolate.js";
import { fitRidge, predictRidge, DEFAULT_RIDGE_LAMBDAS } from "./ridge.js";

export interface PredictRun {
  runId: string;
  steps: number[];
  featureNames: string[];
  /** One row per step; null for a missing feature (imputed by the training mean). */
  features: (number | null)[][];
  /** Held-out loss per step; null where not evaluated (such steps are not used). */
  target: (number | null)[];
}

export type PredictModel = "features" | "alpha" | "extrapolation";

export interface ModelScore {
  /** Mean absolute error on the evaluated checkpoints; NaN when the model could not run. */
  mae: number;
  /** Spearman rho of predicted vs observed (NaN with fewer than 3 points or a constant prediction). */
  spearman: number;
  n: number;
  /** Why the model was not evaluated, else null. */
  skipped: string | null;
}

export interface RunScore {
  runId: string;
  /** Steps compared: those after the extrapolation fit cut (so all three models see the same points). */
  steps: number[];
  scores: Record<PredictModel, ModelScore>;
}

export interface LeaveOneRunOutOptions {
  /** Features of the alpha baseline: names containing "alpha" unless given. */
  alphaFeatures?: readonly string[];
  /** Share of each held-out run's checkpoints the extrapolation baseline may fit on; default 0.5. */
  fitFraction?: number;
  lambdas?: readonly number[];
}

function score(pred: readonly number[], obs: readonly number[]): ModelScore {
  const n = obs.length;
  if (n === 0) return { mae: Number.NaN, spearman: Number.NaN, n, skipped: "no held-out checkpoints" };
  const mae = obs.reduce((s, o, i) => s + Math.abs(pred[i]! - o), 0) / n;
  const rho = n >= 3 ? spearman(pred, obs).rho : Number.NaN;
  return { mae, spearman: rho, n, skipped: null };
}

const SKIPPED = (why: string): ModelScore => ({ mae: Number.NaN, spearman: Number.NaN, n: 0, skipped: why });

/** Training rows of the given feature columns: finite targets; missing features -> column mean. */
function rows(runs: readonly PredictRun[], cols: readonly number[]): { x: number[][]; y: number[] } {
  const x: number[][] = [], y: number[] = [];
  for (const r of runs) r.steps.forEach((_, i) => { const t = r.target[i]; if (t !== null && t !== undefined && Number.isFinite(t)) { x.push(cols.map((c) => r.features[i]![c] ?? Number.NaN)); y.push(t); } });
  const p = cols.length;
  for (let j = 0; j < p; j++) {
    const finite = x.map((row) => row[j]!).filter(Number.isFinite);
    const m = finite.length > 0 ? finite.reduce((s, v) => s + v, 0) / finite.length : 0;
    for (const row of x) if (!Number.isFinite(row[j]!)) row[j] = m;
  }
  return { x, y };
}

function ridgeScore(train: readonly PredictRun[], test: PredictRun, cols: readonly number[], evalIdx: readonly number[], lambdas: readonly number[]): ModelScore {
  if (cols.length === 0) return SKIPPED("no features of this kind");
  const { x, y } = rows(train, cols);
  if (y.length < 3) return SKIPPED(`only ${y.length} training checkpoints`);
  const model = fitRidge(x, y, lambdas);
  const testX = evalIdx.map((i) => cols.map((c, j) => { const v = test.features[i]![c]; return v !== null && v !== undefined && Number.isFinite(v) ? v : model.mean[j]!; }));
  return score(predictRidge(model, testX), evalIdx.map((i) => test.target[i]!));
}

/** Leave-one-run-out: for each run, train on the others and score on its later checkpoints. */
export function leaveOneRunOut(runs: readonly PredictRun[], options: LeaveOneRunOutOptions = {}): RunScore[] {
  if (runs.length < 2) throw new UsageError(`leaveOneRunOut: needs at least 2 runs, got ${runs.length}`);
  const names = runs[0]!.featureNames;
  for (const r of runs) {
    if (r.featureNames.join("\u0000") !== names.join("\u0000")) throw new UsageError(`leaveOneRunOut: run "${r.runId}" has different features than run "${runs[0]!.runId}"; build all runs with the same feature list`);
    if (r.features.length !== r.steps.length || r.target.length !== r.steps.length) throw new UsageError(`leaveOneRunOut: run "${r.runId}" needs one feature row and one target per step`);
  }
  const allCols = names.map((_, j) => j);
  const alphaNames = options.alphaFeatures ?? names.filter((n) => n.includes("alpha"));
  const alphaCols = allCols.filter((j) => alphaNames.includes(names[j]!));
  const lambdas = options.lambdas ?? DEFAULT_RIDGE_LAMBDAS;
  return runs.map((test, k) => {
    const train = runs.filter((_, j) => j !== k);
    let evalIdx: number[];
    let extrap: ModelScore;
    try {
      const ex = extrapolateLoss(test.steps, test.target, { fitFraction: options.fitFraction ?? DEFAULT_FIT_FRACTION });
      const later = new Set(ex.heldOut.map((h) => h.step));
      evalIdx = test.steps.map((s, i) => (later.has(s) ? i : -1)).filter((i) => i >= 0);
      extrap = score(ex.heldOut.map((h) => h.predicted), ex.heldOut.map((h) => h.observed));
    } catch (e) {
      evalIdx = test.steps.map((_, i) => i).filter((i) => test.target[i] !== null && Number.isFinite(test.target[i]!));
      extrap = SKIPPED(`extrapolation failed: ${(e as Error).message}`);
    }
    return {
      runId: test.runId,
      steps: evalIdx.map((i) => test.steps[i]!),
      scores: { features: ridgeScore(train, test, allCols, evalIdx, lambdas), alpha: ridgeScore(train, test, alphaCols, evalIdx, lambdas), extrapolation: extrap },
    };
  });
}
