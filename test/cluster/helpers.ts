// Shared by the cluster tests: small runs, and everything a store holds in comparable form
// (every table with timestamps left out, and the CLI's `stats --json` / `events --json` text).
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deserialize, serialize } from "node:v8";
import { register as registerEvents } from "../../src/cli/commands/events.js";
import { register as registerStats } from "../../src/cli/commands/stats.js";
import { TABLE_NAMES } from "../../src/store/schema.js";
import { Store } from "../../src/store/store.js";
import { writeSyntheticRun } from "../../src/runs/synth.js";
import type { HubRunHubOptions } from "../../src/runs/hub-run.js";
import { runInProcess } from "../helpers/cli.js";
import type { FakeRevision } from "../helpers/fake-hub.js";
import { sharedFixture } from "../helpers/shared-fixture.js";
import { tempDir as tempDirRemovedAfterTests } from "../helpers/temp.js";

export function tempDir(prefix: string): string {
  return tempDirRemovedAfterTests(`fp-cluster-${prefix}-`);
}

/** A 13-checkpoint synthetic fork run (steps 0..2000, fork at 128): events of every kind, fast to analyze. */
export const SMALL_STEPS = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 2000];

export async function smallSyntheticRun(dir: string, steps: readonly number[] = SMALL_STEPS): Promise<string> {
  const run = join(dir, "run");
  await writeSyntheticRun(run, { kind: "fork", seed: 3, steps });
  return run;
}

/** The analysis options of the reference stores the cluster tests compare with: shape and spectral statistics off (fast). */
export const FAST_ANALYSIS = { shape: false, spectralMaxDim: 0 } as const;

/**
 * The 13-checkpoint run (SMALL_STEPS) and the content of its single-process store (FAST_ANALYSIS),
 * built once per suite run and shared by the files that compare with it (test/helpers/shared-fixture.ts).
 * The run is only read: a test that changes a run makes its own. The content is a fresh copy per call.
 */
export async function sharedSmallRun(): Promise<{ run: string; expected: StoreContent }> {
  const dir = await sharedFixture("cluster-small-fork-run", async (fixture) => {
    const { analyzeRun } = await import("../../src/pipeline/analyze.js"); // only the file that builds it loads the pipeline here
    const run = await smallSyntheticRun(fixture);
    const single = join(tempDirRemovedAfterTests("fp-cluster-small-single-"), "single");
    await analyzeRun(run, { out: single, workers: 0, ...FAST_ANALYSIS });
    writeFileSync(join(fixture, "expected.v8"), serialize(await storeContent(single)));
  });
  return { run: join(dir, "run"), expected: deserialize(readFileSync(join(dir, "expected.v8"))) as StoreContent };
}

export interface StoreContent {
  tables: Record<string, unknown[]>;
  statsJson: string;
  eventsJson: string;
}

/** What `dir/analysis.duckdb` holds, in a form that is equal exactly when the stores are. */
export async function storeContent(dir: string): Promise<StoreContent> {
  const store = await Store.openDir(dir, { readOnly: true });
  const tables: Record<string, unknown[]> = {};
  try {
    const integrity = await store.checkIntegrity();
    assert.deepEqual(integrity.problems, [], `${dir}: store integrity`);
    for (const t of TABLE_NAMES) tables[t] = await store.dumpTable(t);
  } finally {
    await store.close();
  }
  const statsJson = await runInProcess([registerStats], ["stats", dir, "--json"]);
  const eventsJson = await runInProcess([registerEvents], ["events", dir, "--json"]);
  return { tables, statsJson, eventsJson };
}

/** Byte-for-byte equality of the CLI outputs and row-for-row equality of every table. */
export function assertSameStore(actual: StoreContent, expected: StoreContent, what: string, options: { expectEvents?: boolean } = {}): void {
  assert.ok(expected.statsJson.length > 100, `${what}: the reference has statistics`);
  if (options.expectEvents !== false) assert.ok(JSON.parse(expected.eventsJson).length > 0, `${what}: the reference has events`);
  assert.equal(actual.statsJson, expected.statsJson, `${what}: stats --json`);
  assert.equal(actual.eventsJson, expected.eventsJson, `${what}: events --json`);
  for (const t of TABLE_NAMES) assert.deepEqual(actual.tables[t], expected.tables[t], `${what}: table ${t}`);
  assert.ok((expected.tables.histograms?.length ?? 0) > 0, `${what}: histograms stored`);
}

/** The fake Hub's revisions `step<N>` of a local run's checkpoint folders (weights and config). */
export function hubRevisionsOf(runDir: string, steps: readonly number[]): Record<string, FakeRevision> {
  return Object.fromEntries(steps.map((s) => [`step${s}`, {
    files: { "model.safetensors": join(runDir, `checkpoint-${s}`, "model.safetensors"), "config.json": join(runDir, `checkpoint-${s}`, "config.json") },
  }]));
}

/** In-process Hub settings for the fake Hub: no token, no cache (every read goes through the Hub), nothing from the environment. */
export function fakeHubOptions(hubUrl: string): HubRunHubOptions {
  return { endpoint: hubUrl, token: "", offline: false, useCache: false, env: {} };
}
