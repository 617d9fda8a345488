// `study --table`: every run's transition and lead time recomputed from a study folder, read
// only: its plan.json and its store (or a copy of it, e.g. while the study still writes the
// original). The rows are the ones `study` writes into verdicts.json and transitions.md (the same
// loader and claim code); runs the store does not hold yet are listed as missing, so the table
// can be shown while a study is under way (the leave-one-run-out predicted step then uses the
// runs there are).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Store, STORE_FILE_NAME } from "../store/store.js";
import { UsageError } from "../util/errors.js";
import { planHash, type StudyPlan } from "./plan.js";
import { readPlan } from "./plan-io.js";
import { sweepFromPlan } from "./sweep.js";
import { loadStudyRunData } from "./study-data.js";
import type { StudyRunData } from "./run-data.js";
import type { TransitionTableRow } from "./verdict-types.js";
import { transitionTable } from "./claims/transition-study.js";

export interface StudyTableResult {
  plan: StudyPlan;
  sha256: string;
  /** Held-out runs first, then development runs (the order of verdicts.json's `transitions`). */
  rows: TransitionTableRow[];
  /** Runs of the plan the store does not hold (yet). */
  missing: string[];
}

/** The header of transitions.md: the plan's hash and the rules behind each column. */
export function transitionsHeader(plan: StudyPlan, sha256: string): string {
  const anchor = plan.claims.parameters_announce_transition?.settings["anchor"] === "last" ? "last" : "first";
  return `# ${plan.preset} study: every run's transition and lead time

plan sha256 ${sha256}; transition: ${plan.transition!.metric}, halfway between its plateaus (findTransition, plateaus differ by more than ${plan.transition!.min_difference}); lead: the transition step minus the ${anchor} online event before it (artefacts left out); random-placement lead: the expected lead of the ${anchor} of the same number of signal checkpoints placed at random, given one falls before the transition, and the probability that none does; score: mid-p against that random placement (0.5 = chance); weight-norm lead: the transition step minus the total weight norm's own transition (negative: after it); predicted: leave one run out among the runs of the same role.`;
}

/** The transitions table of the study in `out`, from its plan and the store at `storePath` (default `<out>/analysis.duckdb`), opened read-only. */
export async function studyTransitionTable(out: string, storePath?: string): Promise<StudyTableResult> {
  const plan = await readPlan(out);
  if (plan === null) throw new UsageError(`study --table: no plan.json in "${out}"; give the folder of a study (its --out)`);
  if (plan.transition === undefined) throw new UsageError(`study --table: the ${plan.preset} plan in "${out}" has no phase transition; the table is for --preset grokking or induction`);
  const path = storePath ?? join(out, STORE_FILE_NAME);
  if (!existsSync(path)) throw new UsageError(`study --table: no store at "${path}"; the study has not analysed a run yet (or give --store <file>)`);
  const store = await Store.open(path, { readOnly: true });
  try {
    const stored = new Set((await store.listRuns()).map((r) => r.run_id));
    const data: StudyRunData[] = [];
    const missing: string[] = [];
    for (const run of sweepFromPlan(plan)) {
      // a run counts once its analysis stored the plan's transition row (the study's last step for a run)
      if (!stored.has(run.name) || (await store.transitions({ run: run.name })).length === 0) { missing.push(run.name); continue; }
      data.push({ ...(await loadStudyRunData(store, run.name, undefined, { phaseTransition: true })), configuration: run.configuration, role: run.role, seed: run.seed });
    }
    const rows = (["heldout", "development"] as const)
      .flatMap((role) => transitionTable(data.filter((d) => d.role === role), plan.claims.parameters_announce_transition, plan.claims.predict_transition_step));
    return { plan, sha256: planHash(plan), rows, missing };
  } finally {
    await store.close();
  }
}
