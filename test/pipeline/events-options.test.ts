// Event options are checked by the library itself (issue 13 item 14: `events --alpha 2` was
// refused only by the CLI): every bad value is a one-line UsageError saying what is accepted,
// raised before any store read, and analyzeRun refuses them before analyzing anything.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeRun } from "../../src/pipeline/analyze.js";
import { detectorRecord, detectRunEvents, type EventDetectionOptions } from "../../src/pipeline/events.js";
import { Store } from "../../src/store/store.js";
import { UsageError } from "../../src/util/errors.js";

const BAD: [EventDetectionOptions, RegExp][] = [
  [{ alpha: 2 }, /alpha must be a p-value threshold in \(0, 1\), got 2/],
  [{ alpha: 0 }, /alpha must be a p-value threshold in \(0, 1\), got 0/],
  [{ alpha: Number.NaN }, /alpha must be a p-value threshold in \(0, 1\), got NaN/],
  [{ persistence: 1.5 }, /persistence must be a positive integer, got 1.5/],
  [{ penalty: -1 }, /penalty must be a finite number >= 0, got -1/],
  [{ seed: 0.5 }, /seed must be an integer, got 0.5/],
  [{ changePointStatistics: ["nope" as never] }, /unknown statistic "nope"/],
  [{ earlyWarning: { alpha: 1 } }, /earlyWarning.alpha must be a p-value threshold in \(0, 1\), got 1/],
  [{ earlyWarning: { surrogates: 5 } }, /earlyWarning.surrogates must be an integer >= 19, got 5/],
  [{ kinds: ["fork" as never] }, /unknown kind "fork"/],
];

test("item 14: bad event options are a one-line UsageError from the library (detectorRecord, detectRunEvents)", async () => {
  for (const [options, message] of BAD) {
    assert.throws(() => detectorRecord(options), (err: unknown) => err instanceof UsageError && message.test(err.message) && !err.message.includes("\n"), JSON.stringify(options));
  }
  assert.equal(detectorRecord({ alpha: 0.01 }).alpha, 0.01);
  const dir = mkdtempSync(join(tmpdir(), "fp-event-options-"));
  const store = await Store.openDir(dir);
  try {
    // refused before the store is read: the run does not even exist
    await assert.rejects(detectRunEvents(store, "no-such-run", { alpha: 2 }), /alpha must be a p-value threshold in \(0, 1\), got 2/);
    await assert.rejects(detectRunEvents(store, "no-such-run", {}), /run "no-such-run" is not in the store/);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("item 14: analyzeRun refuses bad event options before analyzing (no store written)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-event-options-run-"));
  try {
    mkdirSync(join(dir, "run", "checkpoint-0"), { recursive: true });
    await assert.rejects(analyzeRun(join(dir, "run"), { out: join(dir, "out"), workers: 0, events: { alpha: 2 } }), (err: unknown) => err instanceof UsageError && /alpha must be a p-value threshold/.test(err.message));
    assert.equal(existsSync(join(dir, "out")), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
