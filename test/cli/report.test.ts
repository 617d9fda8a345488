// `forking-paths report` end to end: a synthetic run analyzed into a store -> one self-contained
// HTML file with no external references, which draws every section in headless Chromium from
// file:// without a single request leaving the page; options and the failure path.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { writeSyntheticRun } from "../../src/runs/synth.js";
import { analyzeRun } from "../../src/pipeline/analyze.js";
import { Store } from "../../src/store/index.js";
import { runCli } from "../helpers/cli.js";
import { openReportUrl } from "../helpers/report-page.js";

const STEPS = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256];
const SECTIONS = ["overview", "bifurcation", "stats", "trajectories"];
const SHOTS = fileURLToPath(new URL("../../test-output/report-cli/", import.meta.url));
let dir: string;
let out: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "fp-report-cli-"));
  await writeSyntheticRun(join(dir, "run"), { kind: "fork", seed: 4, steps: STEPS, forkStep: 16 });
  out = join(dir, "out");
  await analyzeRun(join(dir, "run"), { out, workers: 0 });
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every src/href attribute value in the page that points off the file (http(s) or protocol-relative). */
function externalReferences(html: string): string[] {
  const re = /\b(?:src|href|xlink:href|srcset|action|poster|data)\s*=\s*["']?\s*((?:https?:)?\/\/[^"'\s>]*)/gi;
  return [...html.matchAll(re)].map((m) => m[1]!);
}

test("report writes one self-contained HTML file (no external references) and prints its path and size", async () => {
  const res = await runCli(["report", out]);
  assert.equal(res.code, 0, res.stderr);
  const file = join(out, "report.html");
  assert.ok(existsSync(file));
  const size = statSync(file).size;
  assert.match(res.stdout, new RegExp(`^wrote ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(\\d`));
  assert.match(res.stdout, /1 run\(s\), 10 checkpoint\(s\)/);
  const html = await readFile(file, "utf8");
  assert.equal(Buffer.byteLength(html), size);
  assert.deepEqual(externalReferences(html), []);
  assert.equal(externalReferences('<img src="https://x.example/a.png"><script src=//cdn.example/e.js></script>').length, 2, "the check itself finds external references");
  assert.doesNotMatch(html, /<script[^>]+\bsrc=/i, "every script is inline");
  assert.doesNotMatch(html, /<link[^>]+\brel=["']?stylesheet/i, "every style is inline");
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'/);
});

test("report --out --title --run --json: the file where asked, the title on the page, an unknown run fails", async () => {
  const file = join(dir, "custom.html");
  const res = await runCli(["report", out, "--out", file, "--title", "My <run>", "--run", "run", "--bins", "64", "--json"]);
  assert.equal(res.code, 0, res.stderr);
  const summary = JSON.parse(res.stdout) as { path: string; bytes: number; runs: number; checkpoints: number; tensors: number };
  assert.equal(summary.path, file);
  assert.equal(summary.bytes, statSync(file).size);
  assert.equal(summary.runs, 1);
  assert.equal(summary.checkpoints, STEPS.length);
  assert.ok(summary.tensors > 20);
  assert.match(await readFile(file, "utf8"), /<title>My &lt;run&gt; · forking-paths<\/title>/);
  const none = await runCli(["report", out, "--out", join(dir, "none.html"), "--run", "nope", "--json"]);
  assert.equal(none.code, 0, none.stderr);
  assert.equal((JSON.parse(none.stdout) as { runs: number }).runs, 0);
  const missing = await runCli(["report", join(dir, "no-such-analysis")]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^forking-paths: .*analysis\.duckdb: does not exist ---> HINT: run `forking-paths analyze` first/);
  assert.equal(missing.stderr.trim().split("\n").length, 1);
});

test("the written report draws every section in Chromium from file:// and requests nothing but itself", async () => {
  const file = join(out, "report.html");
  if (!existsSync(file)) assert.equal((await runCli(["report", out])).code, 0);
  const opened = await openReportUrl(pathToFileURL(file).href);
  try {
    const { page, rec } = opened;
    for (const s of SECTIONS) {
      const section = page.locator(`section[data-section="${s}"]`);
      await section.scrollIntoViewIfNeeded();
      await page.waitForFunction((s) => document.querySelector(`section[data-section="${s}"] .fp-chart[data-rendered]`) !== null, s, { timeout: 10_000 });
      await page.screenshot({ path: join(SHOTS, `${s}.png`) });
    }
    const heatCards = await page.locator("#fp-heatmaps figure[data-tensor]").count();
    assert.ok(heatCards >= 1, "bifurcation cards");
    await page.waitForFunction(() => document.querySelector("#fp-heatmaps figure[data-tensor]")?.getAttribute("data-columns") === "10", null, { timeout: 10_000 });
    assert.match(await page.locator(".fp-stat").nth(1).innerText(), /^10/, "overview counts the 10 checkpoints");
    assert.deepEqual(rec.errors, []);
    assert.deepEqual(rec.urls.filter((u) => !u.startsWith("file://")), [], "no request leaves the page");
    assert.ok(rec.urls.length >= 1);
  } finally {
    await opened.close();
  }
});

test("the report's bulk histogram reads equal the per-(tensor, step) reads, for tensors and groups", async () => {
  const store = await Store.openDir(out, { readOnly: true });
  try {
    const bulk = await store.histograms({ run: "run" });
    const tensors = new Set((await store.tensorStats({ run: "run" })).map((r) => r.tensor));
    assert.equal(bulk.length, tensors.size * STEPS.length);
    for (const h of bulk) {
      const one = await store.histogram("run", h.step, h.name);
      assert.ok(one !== null, `${h.name} at ${h.step}`);
      assert.deepEqual([...h.keys], [...one.keys]);
      assert.deepEqual([...h.counts], [...one.counts]);
    }
    assert.deepEqual((await store.histograms({ run: "run", tensor: "embed_out.weight" })).map((h) => h.step), STEPS);
    const groups = await store.groupHistograms({ run: "run" });
    assert.ok(groups.length > 0);
    for (const g of groups.filter((_, i) => i % 7 === 0)) {
      const [kind, ...rest] = g.name.split(":");
      const one = await store.groupHistogram("run", g.step, kind as "role" | "layer" | "model", rest.join(":"));
      assert.ok(one !== null, g.name);
      assert.deepEqual([...g.counts], [...one.counts]);
    }
    assert.deepEqual(await store.histograms({ run: "nope" }), []);
  } finally {
    await store.close();
  }
});
