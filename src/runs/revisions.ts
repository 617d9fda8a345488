// Checkpoint revisions of a Hub repository: Pythia's 154-step schedule, step numbers from branch
// names, and selection of revisions by name, comma list or glob, ordered by training step.
import { UsageError } from "../util/errors.js";
import { globToRegExp } from "../util/glob.js";

/** Pythia's log-spaced early steps are 2^0 .. 2^PYTHIA_LOG_STEPS_MAX. */
const PYTHIA_LOG_STEPS_MAX = 9;
/** Pythia's regular checkpoints: every PYTHIA_STEP_INTERVAL steps up to PYTHIA_LAST_STEP. */
const PYTHIA_STEP_INTERVAL = 1000;
const PYTHIA_LAST_STEP = 143_000;
/** Names listed in an error message before "and N more". */
const MAX_NAMES_IN_ERROR = 8;

/** A selected revision and its training step. */
export interface RevisionStep {
  readonly revision: string;
  readonly step: number;
}

/**
 * Pythia's checkpoint steps up to `lastStep`: 0, 1, 2, 4 ... 512, then every 1000. The one list of
 * the schedule: the Hub revisions, synthetic runs and the report's synthetic data all use it.
 */
export function pythiaSchedule(lastStep = PYTHIA_LAST_STEP): number[] {
  const steps = [0];
  for (let s = 1; s <= Math.min(2 ** PYTHIA_LOG_STEPS_MAX, lastStep); s *= 2) steps.push(s);
  for (let s = PYTHIA_STEP_INTERVAL; s <= lastStep; s += PYTHIA_STEP_INTERVAL) steps.push(s);
  return steps;
}

/** The 154 Pythia revisions: step0, step1, step2, step4 ... step512, step1000, step2000 ... step143000. */
export function pythiaRevisions(): string[] {
  return pythiaSchedule().map((s) => `step${s}`);
}

const STEP_PATTERNS: readonly RegExp[] = [
  /^step[-_]?(\d+)$/i, // Pythia: step1000
  /^global[-_]?step[-_]?(\d+)$/i, // DeepSpeed: global_step1000
  /^checkpoint[-_](\d+)$/i, // HF Trainer: checkpoint-1000
  /^iter[-_]?(\d+)$/i, // Megatron: iter_0001000
  /^ckpt[-_]?(\d+)$/i,
];

/** The training step a revision name encodes (step<N>, global_step<N>, checkpoint-<N>, iter_<N>, ckpt<N>), or null. */
export function parseRevisionStep(name: string): number | null {
  for (const re of STEP_PATTERNS) {
    const m = re.exec(name);
    if (m !== null) {
      const step = Number(m[1]);
      return Number.isSafeInteger(step) ? step : null;
    }
  }
  return null;
}

function isGlob(item: string): boolean {
  return /[*?[]/.test(item);
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, MAX_NAMES_IN_ERROR).join(", ");
  return names.length > MAX_NAMES_IN_ERROR ? `${shown} and ${names.length - MAX_NAMES_IN_ERROR} more` : shown;
}

/** "nearest: ..." by step when `item` names a step and branches have steps, else a few branch names. */
function nearestHint(item: string, branches: readonly string[]): string {
  const withSteps = branches.map((b) => ({ b, step: parseRevisionStep(b) })).filter((x): x is { b: string; step: number } => x.step !== null);
  const target = parseRevisionStep(item);
  if (withSteps.length === 0) return `branches: ${listNames(branches)}`;
  if (target === null) return `checkpoint branches: ${listNames(withSteps.sort((x, y) => x.step - y.step).map((x) => x.b))}`;
  const nearest = withSteps.sort((x, y) => Math.abs(x.step - target) - Math.abs(y.step - target)).slice(0, 2);
  return `nearest: ${nearest.sort((x, y) => x.step - y.step).map((x) => x.b).join(", ")}`;
}

/** Branch names one spec item selects; throws when it selects nothing. */
function selectItem(item: string, branches: readonly string[], available: ReadonlySet<string>): string[] {
  if (item === "pythia") {
    const wanted = pythiaRevisions();
    const missing = wanted.filter((r) => !available.has(r));
    if (missing.length > 0) {
      throw new UsageError(
        `revision spec "pythia": the repository lacks ${missing.length} of the 154 Pythia revisions (${listNames(missing)}) ---> HINT: select the ones it has with a glob such as "step*"`,
      );
    }
    return wanted;
  }
  if (isGlob(item)) {
    const re = globToRegExp(item);
    const hits = branches.filter((b) => re.test(b));
    if (hits.length === 0) throw new UsageError(`revision pattern "${item}" matches none of the repository's ${branches.length} branches (${listNames(branches)})`);
    return hits;
  }
  if (!available.has(item)) {
    const hint = nearestHint(item, branches);
    throw new UsageError(`unknown revision "${item}": no such branch in the repository (${hint})`);
  }
  return [item];
}

/**
 * Revisions selected by `spec` among `branches`, ordered by step. `spec` is "pythia" (all 154
 * Pythia revisions), a comma list of names and globs ("step1000,step2000", "step*000"), or a
 * mix. Every selected revision must encode a step, and no two may encode the same step.
 */
export function selectRevisions(spec: string, branches: readonly string[]): RevisionStep[] {
  const items = spec.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (items.length === 0) throw new UsageError(`empty revision spec "${spec}": give "pythia", names like "step1000,step2000", or a glob like "step*000"`);
  const available = new Set(branches);
  const chosen = new Set<string>();
  for (const item of items) for (const name of selectItem(item, branches, available)) chosen.add(name);
  const byStep = new Map<number, string>();
  const out: RevisionStep[] = [];
  for (const revision of chosen) {
    const step = parseRevisionStep(revision);
    if (step === null) {
      throw new UsageError(`revision "${revision}" has no step number in its name (expected step<N>, global_step<N>, checkpoint-<N>, iter_<N>) ---> HINT: select checkpoint branches only, e.g. "step*"`);
    }
    const other = byStep.get(step);
    if (other !== undefined) throw new UsageError(`revisions "${other}" and "${revision}" both name step ${step}; select one of them`);
    byStep.set(step, revision);
    out.push({ revision, step });
  }
  return out.sort((a, b) => a.step - b.step);
}
