// `forking-paths export <out> --tensorboard` as a user runs it: default folder <out>/tensorboard,
// --to, --run, --json, and the one-line usage errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "../../src/store/store.js";
import { writeFixtureStore } from "../store/tensorboard/fixture-store.js";
import { readEventFile } from "../store/tensorboard/read-export.js";
import { runCli } from "../helpers/cli.js";

test("export --tensorboard: event files per run, readable back; usage errors in one line", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-cli-tb-"));
  try {
    const out = join(dir, "out");
    const store = await Store.openDir(out);
    await writeFixtureStore(store);
    await store.close();

    const plain = await runCli(["export", out, "--tensorboard"]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /events\.out\.tfevents\.\d+\.forking-paths: 4 steps, 33 histograms, \d+ scalars, 2 texts, [\d.]+ MB, 1 events without a step left out/);
    assert.match(plain.stdout, new RegExp(`view: tensorboard --logdir ${join(out, "tensorboard")}`));
    assert.deepEqual(readdirSync(join(out, "tensorboard")).sort(), ["hub_org-model", "tiny"]);

    const to = join(dir, "elsewhere");
    const json = await runCli(["export", out, "--tensorboard", "--to", to, "--run", "tiny", "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const [written, ...more] = JSON.parse(json.stdout) as { run_id: string; file: string; histograms: number; texts: number }[];
    assert.equal(more.length, 0);
    assert.equal(written!.run_id, "tiny");
    const read = readEventFile(written!.file);
    assert.equal(read.file_version, "brain.Event:2");
    assert.equal(Object.values(read.histograms).reduce((n, s) => n + s.length, 0), written!.histograms);
    assert.equal(Object.values(read.texts).reduce((n, s) => n + s.length, 0), written!.texts);

    for (const [args, message] of [
      [["export", out], /choose one format: --parquet or --tensorboard/],
      [["export", out, "--parquet", "--tensorboard"], /choose one format/],
      [["export", out, "--tensorboard", "--run", "nope"], /no run "nope"; stored runs: hub\/org-model, tiny/],
    ] as const) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split("\n").length, 1, "one line");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
