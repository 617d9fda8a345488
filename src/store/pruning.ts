// The pruning table of the results store: evaluated pruning results per (run, step, method,
// scope, sparsity, seed). Row checks, input -> columns, rows -> records; Store calls these.
import type { DuckDBConnection } from "@duckdb/node-api";
import { StoreError } from "../util/errors.js";
import { decodeJson, encodeJson, num, numOrNull, type ColumnRecord } from "./codec.js";
import { TABLE_ORDER } from "./schema.js";
import type { PruningFilter, PruningInput, PruningRecord } from "./types.js";

export const PRUNING_METHODS: readonly PruningInput["method"][] = ["magnitude", "random"];
export const PRUNING_SCOPES: readonly PruningInput["scope"][] = ["global", "tensor"];

/** The identity of a pruning row: a second row with the same key replaces the first. */
export function pruningKey(r: Pick<PruningInput, "step" | "method" | "scope" | "sparsity" | "seed">): string {
  return `step ${r.step}, ${r.method}, ${r.scope}, sparsity ${r.sparsity}, seed ${r.seed}`;
}

/** Throws a StoreError naming the first bad row: unknown method/scope, bad step, sparsity or counts, duplicate keys. */
export function checkPruningRows(path: string, runId: string, rows: readonly PruningInput[]): void {
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    const where = `pruning row ${i} of run "${runId}" (${pruningKey(r)})`;
    const bad = (what: string): never => {
      throw new StoreError(path, `${where}: ${what}; nothing was written ---> HINT: fix the row and write the batch again`);
    };
    if (!PRUNING_METHODS.includes(r.method)) bad(`method must be one of ${PRUNING_METHODS.join(", ")}`);
    if (!PRUNING_SCOPES.includes(r.scope)) bad(`scope must be one of ${PRUNING_SCOPES.join(", ")}`);
    if (!Number.isSafeInteger(r.step) || r.step < 0) bad("step must be a non-negative integer");
    if (!Number.isInteger(r.seed) || Math.abs(r.seed) > 2 ** 31 - 1) bad("seed must be a 32-bit integer");
    if (!(r.sparsity >= 0 && r.sparsity < 1)) bad("sparsity must be in [0, 1)");
    if (!Number.isSafeInteger(r.eval_predictions) || r.eval_predictions < 0) bad("eval_predictions must be a non-negative integer");
    if (!(r.zeros_fraction >= 0 && r.zeros_fraction <= 1)) bad("zeros_fraction must be in [0, 1]");
    if (r.near_zero_mass !== null && !(r.near_zero_mass >= 0 && r.near_zero_mass <= 1)) bad("near_zero_mass must be null or in [0, 1]");
    const key = pruningKey(r);
    if (seen.has(key)) bad("the same key appears twice in one batch");
    seen.add(key);
  });
}

export function pruningColumns(runId: string, r: PruningInput): ColumnRecord {
  return {
    run_id: runId, step: r.step, method: r.method, scope: r.scope, sparsity: r.sparsity, seed: r.seed,
    base_loss: r.base_loss, loss: r.loss, loss_increase: r.loss - r.base_loss, eval_predictions: r.eval_predictions,
    zeros_fraction: r.zeros_fraction, near_zero_mass: r.near_zero_mass, detail_json: encodeJson(r.detail ?? {}),
  };
}

/** Delete the stored rows that `rows` replace (same run and key). */
export async function deleteReplacedPruning(c: DuckDBConnection, runId: string, rows: readonly PruningInput[]): Promise<void> {
  for (const r of rows) {
    await c.run(
      "DELETE FROM pruning WHERE run_id = $1 AND step = $2 AND method = $3 AND scope = $4 AND sparsity = $5 AND seed = $6",
      [runId, r.step, r.method, r.scope, r.sparsity, r.seed],
    );
  }
}

/** Stored pruning results, ordered by run_id, step, method, scope, sparsity, seed. */
export async function pruningRows(c: DuckDBConnection, f: PruningFilter): Promise<PruningRecord[]> {
  const filtered = f.run !== undefined;
  const reader = await c.runAndReadAll(
    `SELECT * FROM pruning ${filtered ? "WHERE run_id = $1" : ""} ORDER BY ${TABLE_ORDER.pruning}`,
    filtered ? [f.run!] : [],
  );
  return reader.getRowObjectsJS().map((r) => ({
    run_id: String(r.run_id),
    step: num(r.step),
    method: String(r.method) as PruningInput["method"],
    scope: String(r.scope) as PruningInput["scope"],
    sparsity: num(r.sparsity),
    seed: num(r.seed),
    base_loss: num(r.base_loss),
    loss: num(r.loss),
    loss_increase: num(r.loss_increase),
    eval_predictions: num(r.eval_predictions),
    zeros_fraction: num(r.zeros_fraction),
    near_zero_mass: numOrNull(r.near_zero_mass),
    detail: decodeJson(String(r.detail_json)) as Record<string, unknown>,
  }));
}
