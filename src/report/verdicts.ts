// A study's verdicts.json for the report: parse and check the fields the page shows (the shape
// of experiments/verdict-types.ts), naming the file and the first bad field. Pure: the caller
// reads the file; this is not the study's writer.
import type { VerdictsFile } from "../experiments/verdict-types.js";
import { ForkingPathsError } from "../util/errors.js";

/** File name a `study` writes into its out dir. */
export const VERDICTS_FILE_NAME = "verdicts.json";
const VERDICT_LABELS = ["supported", "not supported", "inconclusive"];
const WALL_PHASES = ["train", "analyze", "pruning", "experiments", "total"];

/** A verdicts.json that is not valid JSON or not the VerdictsFile layout. */
export class VerdictsFileError extends ForkingPathsError {
  constructor(file: string, problem: string) {
    super("VERDICTS_FILE", `${file}: ${problem} ---> HINT: re-run the study that wrote it, or move the file away to build the report without verdicts`);
  }
}

type Check = (ok: boolean, path: string, want: string) => void;

const isNum = (v: unknown): boolean => typeof v === "number" && Number.isFinite(v);
const isNumOrNull = (v: unknown): boolean => v === null || isNum(v);
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

function checkEstimate(v: unknown, path: string, check: Check): void {
  check(isObj(v), path, "an object {value, ci_low, ci_high, ci_method, n}");
  const e = v as Record<string, unknown>;
  for (const k of ["value", "ci_low", "ci_high"]) check(isNumOrNull(e[k]), `${path}.${k}`, "a number or null");
  check(e.ci_method === null || typeof e.ci_method === "string", `${path}.ci_method`, "a string or null");
  check(isNum(e.n), `${path}.n`, "a number");
}

function checkVerdict(v: unknown, path: string, check: Check): void {
  check(isObj(v), path, "an object");
  const d = v as Record<string, unknown>;
  for (const k of ["claim", "question", "measure", "reason"]) check(typeof d[k] === "string", `${path}.${k}`, "a string");
  check(VERDICT_LABELS.includes(d.verdict as string), `${path}.verdict`, `one of ${VERDICT_LABELS.map((l) => `"${l}"`).join(", ")}`);
  checkEstimate(d.ours, `${path}.ours`, check);
  if (d.baseline !== null) {
    check(isObj(d.baseline) && typeof d.baseline.name === "string", `${path}.baseline`, "null or {name, estimate}");
    checkEstimate((d.baseline as Record<string, unknown>).estimate, `${path}.baseline.estimate`, check);
  }
}

function checkRun(v: unknown, path: string, check: Check): void {
  check(isObj(v), path, "an object");
  const r = v as Record<string, unknown>;
  check(typeof r.name === "string", `${path}.name`, "a string");
  for (const k of ["lr", "width", "weight_decay", "seed"]) check(isNum(r[k]), `${path}.${k}`, "a number");
  check(isNumOrNull(r.final_val_loss), `${path}.final_val_loss`, "a number or null");
  check(isObj(r.events) && Object.values(r.events).every(isNum), `${path}.events`, "an object of counts");
}

function checkCurve(v: unknown, path: string, check: Check): void {
  check(isObj(v), path, "an object");
  const c = v as Record<string, unknown>;
  for (const k of ["run", "position", "method", "scope"]) check(typeof c[k] === "string", `${path}.${k}`, "a string");
  check(isNum(c.step), `${path}.step`, "a number");
  check(isNumOrNull(c.fork_step), `${path}.fork_step`, "a number or null");
  check(isNumOrNull(c.near_zero_mass), `${path}.near_zero_mass`, "a number or null");
  check(Array.isArray(c.points), `${path}.points`, "an array");
  (c.points as unknown[]).forEach((p, i) => {
    check(isObj(p) && isNum(p.sparsity) && isNum(p.loss_increase), `${path}.points[${i}]`, "{sparsity, loss, loss_increase} numbers");
  });
}

/** Parses the text of a verdicts.json; throws VerdictsFileError naming `file` and the first bad field. */
export function parseVerdictsFile(text: string, file: string): VerdictsFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new VerdictsFileError(file, `is not valid JSON (${(err as Error).message})`);
  }
  const check: Check = (ok, path, want) => {
    if (!ok) throw new VerdictsFileError(file, `${path} must be ${want}`);
  };
  check(isObj(value), "the top level", "an object (a study's VerdictsFile)");
  const f = value as Record<string, unknown>;
  check(f.version === 1, "version", "1");
  check(isObj(f.wall_seconds) && WALL_PHASES.every((k) => isNum((f.wall_seconds as Record<string, unknown>)[k])), "wall_seconds", `an object with numbers ${WALL_PHASES.join(", ")}`);
  for (const k of ["runs", "verdicts", "tolerance_curves"]) check(Array.isArray(f[k]), k, "an array");
  (f.verdicts as unknown[]).forEach((v, i) => checkVerdict(v, `verdicts[${i}]`, check));
  (f.runs as unknown[]).forEach((r, i) => checkRun(r, `runs[${i}]`, check));
  (f.tolerance_curves as unknown[]).forEach((c, i) => checkCurve(c, `tolerance_curves[${i}]`, check));
  return value as VerdictsFile;
}
