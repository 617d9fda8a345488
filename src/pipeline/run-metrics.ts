// Quality metrics that come with a local run: the training log (trainer_state.json log_history:
// train/loss, eval/loss, and the synthetic tasks' metrics such as test_accuracy or
// in_context_score) of the run's last checkpoint that has one, stored in the `metrics` table under
// the source "trainer_state" (replacing what that source stored before).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { TRAINER_STATE_FILE } from "../formats/hf-files.js";
import type { RunCheckpoint } from "../runs/discovery.js";
import type { Store } from "../store/store.js";
import { readMetricsPath } from "../quality/metrics-io.js";
import { MetricsFormatError } from "../quality/errors.js";
import { ByteSourceError } from "../util/errors.js";

/** Source name of the metrics read from trainer_state.json (the studies and the demo use the same). */
export const TRAINER_STATE_METRICS_SOURCE = "trainer_state";

/** What importTrainerStateMetrics did: the file read and the values stored, or why nothing was stored. */
export type TrainerMetricsImport =
  | { file: string; values: number; names: string[] }
  | { file: string; error: string };

/**
 * Stores the log of the latest checkpoint folder (highest step) holding a trainer_state.json; null
 * when none does. A malformed log does not fail the analysis: it is reported in `error`.
 */
export async function importTrainerStateMetrics(store: Store, runId: string, checkpoints: readonly RunCheckpoint[]): Promise<TrainerMetricsImport | null> {
  return (await readTrainerStateMetrics(checkpoints))?.store(store, runId) ?? null;
}

/** A training log read, and how to store it (`store`): its import once stored. */
export interface TrainerMetricsRead {
  store(store: Store, runId: string): Promise<TrainerMetricsImport>;
}

/**
 * importTrainerStateMetrics in two parts: the log read now (no store: it may overlap the store's
 * reads), stored by `store` later; null when no checkpoint folder holds one.
 */
export async function readTrainerStateMetrics(checkpoints: readonly RunCheckpoint[]): Promise<TrainerMetricsRead | null> {
  const withLog = [...checkpoints].sort((a, b) => b.step - a.step).map((c) => join(c.path, TRAINER_STATE_FILE)).find((f) => existsSync(f));
  if (withLog === undefined) return null;
  let metrics;
  try {
    metrics = (await readMetricsPath(withLog)).metrics;
  } catch (err) {
    if (err instanceof MetricsFormatError || err instanceof ByteSourceError) return { store: async () => ({ file: withLog, error: err.message }) };
    throw err;
  }
  return {
    store: async (store, runId) => {
      await store.putMetrics(runId, TRAINER_STATE_METRICS_SOURCE, metrics);
      return { file: withLog, values: metrics.length, names: [...new Set(metrics.map((m) => m.name))].sort() };
    },
  };
}
