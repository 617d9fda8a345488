// The committed event files (tools/reference/tensorboard_fixture.ts) as read by an independent
// reader, tools/reference/tensorboard_reader.py (python3-protobuf + protoc, its own CRC-32C),
// which checked CRCs, bucket edges and counts and wrote reader.json: our decoder must read the
// same, the bucket keys it derived from the edges must be the store's keys, and today's export
// of the same store must carry the same histograms, texts, steps and scalars.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Store } from "../../../src/store/store.js";
import { finiteCountOf } from "../../../src/store/tensorboard/content.js";
import { exportTensorBoard, runFolderName } from "../../../src/store/tensorboard/export.js";
import { FIXTURE_RUNS, FIXTURE_WALL_TIME, writeFixtureStore } from "./fixture-store.js";
import { readExport, type ReadRun } from "./read-export.js";

const FIXTURE_DIR = fileURLToPath(new URL("../../fixtures/tensorboard", import.meta.url));
const REGENERATE = "regenerate with `npx tsx tools/reference/tensorboard_fixture.ts && /usr/bin/python3 tools/reference/tensorboard_reader.py`";

interface PythonRun extends Omit<ReadRun, "histograms" | "wall_times"> {
  histograms: Record<string, { step: number; keys: number[]; rows: number[][]; count_sum: number }[]>;
  histograms_checked: number;
}
const python = JSON.parse(readFileSync(join(FIXTURE_DIR, "reader.json"), "utf8")) as { runs: Record<string, PythonRun> };

function withoutKeys(h: PythonRun["histograms"]): ReadRun["histograms"] {
  return Object.fromEntries(Object.entries(h).map(([tag, series]) => [tag, series.map(({ step, rows }) => ({ step, rows }))]));
}

test("fixture: our decoder reads the committed files exactly as the independent Python reader did", () => {
  const ours = readExport(FIXTURE_DIR);
  assert.deepEqual(Object.keys(ours), Object.keys(python.runs).sort());
  for (const [run, py] of Object.entries(python.runs)) {
    const o = ours[run]!;
    assert.ok(py.histograms_checked > 0, "the Python reader checked histogram counts");
    assert.equal(o.records, py.records);
    assert.equal(o.file, py.file);
    assert.equal(o.file_version, "brain.Event:2");
    assert.equal(py.file_version, "brain.Event:2");
    assert.equal(py.writer, "forking-paths");
    assert.deepEqual(o.steps, py.steps);
    assert.deepEqual(o.metadata, py.metadata);
    assert.deepEqual(o.histograms, withoutKeys(py.histograms));
    assert.deepEqual(o.scalars, py.scalars);
    assert.deepEqual(o.texts, py.texts);
    assert.ok(o.wall_times.every((t) => t === FIXTURE_WALL_TIME));
  }
});

test("fixture: the keys Python derived from the bucket edges are the store's keys, and today's export matches", async () => {
  const work = mkdtempSync(join(tmpdir(), "fp-tb-fixture-"));
  const store = await Store.openDir(join(work, "out"));
  try {
    await writeFixtureStore(store);
    for (const [i, run] of FIXTURE_RUNS.entries()) {
      const py = python.runs[runFolderName(run)]!;
      assert.ok(py, `run folder ${runFolderName(run)}`);
      const finite = new Map((await store.tensorStats({ run })).map((t) => [`${t.tensor}@${t.step}`, finiteCountOf(t)]));
      assert.ok([...finite.values()].some((n) => n > 2 ** 24 && Math.fround(n) !== n), "a count float32 cannot hold exactly");
      for (const h of await store.histograms({ run })) {
        const got = py.histograms[`hist/${h.name}`]!.find((x) => x.step === h.step)!;
        assert.deepEqual([...got.keys].sort((a, b) => a - b), [...h.keys], `${run} ${h.name} step ${h.step}: keys`);
        assert.equal(got.count_sum, finite.get(`${h.name}@${h.step}`), `${run} ${h.name} step ${h.step}: exact count sum`);
      }
      for (const h of await store.groupHistograms({ run })) {
        const got = py.histograms[`group_hist/${h.name.replace(":", "/")}`]!.find((x) => x.step === h.step)!;
        assert.deepEqual([...got.keys].sort((a, b) => a - b), [...h.keys], `${run} ${h.name} step ${h.step}: group keys`);
      }
      if (i === 0) assert.ok(Object.keys(py.texts).length > 0, "the fixture has events");
    }
    await exportTensorBoard(store, { to: join(work, "tb"), wallTime: FIXTURE_WALL_TIME });
    const today = readExport(join(work, "tb"));
    for (const [run, py] of Object.entries(python.runs)) {
      const t = today[run]!;
      assert.deepEqual(t.steps, py.steps, `${run}: steps (${REGENERATE})`);
      assert.deepEqual(t.histograms, withoutKeys(py.histograms), `${run}: histograms (${REGENERATE})`);
      assert.deepEqual(t.texts, py.texts, `${run}: texts (${REGENERATE})`);
      for (const [tag, series] of Object.entries(py.scalars)) assert.deepEqual(t.scalars[tag], series, `${run}: ${tag} (${REGENERATE})`);
    }
  } finally {
    await store.close();
    rmSync(work, { recursive: true, force: true });
  }
});
