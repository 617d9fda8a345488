// Study verdicts in the report: parseVerdictsFile accepts a valid VerdictsFile and names the file
// and the first bad field otherwise; `report` embeds <out>/verdicts.json in the page, and a
// malformed one stops `report` and `serve` with exit 1 and one line naming the file.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "../../src/store/index.js";
import { parseVerdictsFile, VerdictsFileError } from "../../src/report/verdicts.js";
import { renderReport } from "../../src/report/render.js";
import { syntheticReportData } from "../../src/report/synthetic.js";
import { runCli } from "../helpers/cli.js";
import { fixtureVerdicts } from "./helpers/verdicts-fixture.js";

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "fp-verdicts-"));
  const store = await Store.openDir(join(dir, "out"));
  try {
    await store.putRun({ run_id: "r1", source: "/runs/r1" });
  } finally {
    await store.close();
  }
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("parseVerdictsFile returns a valid file unchanged", () => {
  const v = fixtureVerdicts();
  assert.deepEqual(parseVerdictsFile(JSON.stringify(v), "x/verdicts.json"), v);
});

test("parseVerdictsFile names the file and the first bad field", () => {
  const bad = (mutate: (v: Record<string, any>) => void): string => {
    const v = fixtureVerdicts() as unknown as Record<string, any>;
    mutate(v);
    try {
      parseVerdictsFile(JSON.stringify(v), "/s/verdicts.json");
    } catch (err) {
      assert.ok(err instanceof VerdictsFileError);
      return (err as Error).message;
    }
    throw new Error("no error raised");
  };
  assert.match(bad((v) => { v.version = 2; }), /^\/s\/verdicts\.json: version must be 1/);
  assert.match(bad((v) => { v.verdicts[1].verdict = "maybe"; }), /verdicts\[1\]\.verdict must be one of "supported", "not supported", "inconclusive"/);
  assert.match(bad((v) => { v.verdicts[0].ours.ci_low = "1"; }), /verdicts\[0\]\.ours\.ci_low must be a number or null/);
  assert.match(bad((v) => { v.runs[1].lr = null; }), /runs\[1\]\.lr must be a number/);
  assert.match(bad((v) => { v.tolerance_curves[2].points[1] = { sparsity: 0.2 }; }), /tolerance_curves\[2\]\.points\[1\]/);
  assert.match(bad((v) => { delete v.wall_seconds.total; }), /wall_seconds must be an object/);
  assert.throws(() => parseVerdictsFile("{ not json", "/s/verdicts.json"), /\/s\/verdicts\.json: is not valid JSON/);
});

test("renderReport shows the verdicts section only when verdicts are given", () => {
  const data = syntheticReportData({ checkpoints: 6, layers: 1, bins: 32 });
  assert.doesNotMatch(renderReport(data), /id="fp-verdicts"/);
  const html = renderReport({ ...data, verdicts: fixtureVerdicts() });
  assert.match(html, /<section class="fp-section" id="fp-verdicts"/);
  assert.match(html, /<a href="#fp-verdicts">Study verdicts<\/a>/);
});

test("report embeds <out>/verdicts.json; a malformed one fails with exit 1 and one line naming the file", async () => {
  const out = join(dir, "out");
  const file = join(out, "verdicts.json");
  await writeFile(file, JSON.stringify(fixtureVerdicts()));
  const ok = await runCli(["report", out, "--out", join(dir, "r.html")]);
  assert.equal(ok.code, 0, ok.stderr);
  const html = await readFile(join(dir, "r.html"), "utf8");
  assert.match(html, /id="fp-verdicts"/);
  assert.match(html, /events_precede_quality_changes/);

  await writeFile(file, '{"version": 1, "verdicts": [');
  for (const args of [["report", out], ["serve", out, "--port", "0"]]) {
    const res = await runCli(args);
    assert.equal(res.code, 1, `${args[0]}: ${res.stderr}`);
    const lines = res.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, res.stderr);
    assert.ok(lines[0]!.startsWith(`forking-paths: ${file}: is not valid JSON`), lines[0]);
  }
  await writeFile(file, JSON.stringify({ ...fixtureVerdicts(), runs: "two" }));
  const res = await runCli(["report", out]);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /verdicts\.json: runs must be an array/);
});
