// plan.json in a study's out folder: written before training; a re-run with a different plan is
// refused unless a new plan is asked for (--new-plan), which records the hash it supersedes and
// keeps the old plan beside it as plan-<hash>.json.
import { existsSync } from "node:fs";
import { readFile, rename, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { ForkingPathsError } from "../util/errors.js";
import { canonicalJson, planHash, PLAN_FILE, samePlanContent, type StudyPlan } from "./plan.js";

/** The out folder's plan differs from the one this run would use, and no new plan was asked for. */
export class PlanChangedError extends ForkingPathsError {
  constructor(file: string, field: string, hash: string) {
    super("PLAN_CHANGED", `${file}: the plan fixed before the data (sha256 ${hash.slice(0, 12)}) differs at ${field} ---> HINT: re-run with the options that wrote it, or pass --new-plan to write a new plan (its hash is recorded as superseding this one)`);
  }
}

/** A plan.json that is not valid JSON or not a plan. */
export class PlanFileError extends ForkingPathsError {
  constructor(file: string, problem: string) {
    super("PLAN_FILE", `${file}: ${problem} ---> HINT: restore it, or pass --new-plan to write a new plan`);
  }
}

/** First path at which a and b differ ("claims.budgeted_evaluation.min_effect"); "" when equal. */
export function firstDifference(a: unknown, b: unknown, path = ""): string {
  if (canonicalJson(a) === canonicalJson(b)) return "";
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path === "" ? k : `${path}.${k}`);
      if (d !== "") return d;
    }
  }
  return path === "" ? "the top level" : path;
}

export async function readPlan(out: string): Promise<StudyPlan | null> {
  const file = join(out, PLAN_FILE);
  if (!existsSync(file)) return null;
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw new PlanFileError(file, `is not valid JSON (${(e as Error).message})`);
  }
  const v = value as Partial<StudyPlan> | null;
  if (v === null || typeof v !== "object" || v.version !== 1 || !Array.isArray(v.configurations) || typeof v.claims !== "object" || v.seeds === undefined) {
    throw new PlanFileError(file, "is not a study plan (version 1 with configurations, seeds and claims)");
  }
  return v as StudyPlan;
}

async function writeAtomic(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

export interface FixedPlan {
  plan: StudyPlan;
  sha256: string;
  /** "written" (new folder), "kept" (same plan as before), "replaced" (--new-plan). */
  status: "written" | "kept" | "replaced";
}

/**
 * Fixes the plan in `out` before any training: writes it when absent, keeps the stored one when
 * equal, refuses a different one unless `newPlan`, which then supersedes the stored one.
 */
export async function fixPlan(out: string, plan: StudyPlan, newPlan = false): Promise<FixedPlan> {
  await mkdir(out, { recursive: true });
  const file = join(out, PLAN_FILE);
  const stored = await readPlan(out);
  if (stored !== null && samePlanContent(stored, plan)) return { plan: stored, sha256: planHash(stored), status: "kept" };
  if (stored !== null && !newPlan) throw new PlanChangedError(file, firstDifference({ ...stored, supersedes: null }, { ...plan, supersedes: null }), planHash(stored));
  let status: FixedPlan["status"] = "written";
  let next = plan;
  if (stored !== null) {
    const old = planHash(stored);
    await writeAtomic(join(out, `plan-${old.slice(0, 12)}.json`), `${JSON.stringify(stored, null, 2)}\n`);
    next = { ...plan, supersedes: old };
    status = "replaced";
  }
  await writeAtomic(file, `${JSON.stringify(next, null, 2)}\n`);
  return { plan: next, sha256: planHash(next), status };
}
