// `forking-paths serve <run-dir> --watch` in headless Chromium: a checkpoint folder renamed into
// the run is analyzed and the open page gains a checkpoint column without reloading; a truncated
// checkpoint shows the error banner while the server keeps answering and keeps watching.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cp, mkdir, mkdtemp, readFile, rename, rm, truncate, writeFile } from "node:fs/promises";
import { statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeSyntheticRun } from "../../src/runs/synth.js";
import { startCli } from "../helpers/cli.js";
import { launchBrowser, type Browser } from "../report/helpers/browser.js";
import { openReportUrl } from "../helpers/report-page.js";

const STEPS = [0, 2, 8, 32, 128];
const NEW_STEP = 512;
const BAD_STEP = 9999;
const SHOTS = fileURLToPath(new URL("../../test-output/serve-live/", import.meta.url));
let dir: string;
let browser: Browser;

type W = { __fpLive: { connected: boolean; updates: number }; __marker?: number };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "fp-serve-live-"));
  await writeSyntheticRun(join(dir, "run"), { kind: "fork", seed: 6, steps: [...STEPS, NEW_STEP] });
  await mkdir(join(dir, "stage"));
  // The last checkpoint waits outside the run until the test moves it in.
  await rename(join(dir, "run", `checkpoint-${NEW_STEP}`), join(dir, "stage", `checkpoint-${NEW_STEP}`));
  await mkdir(SHOTS, { recursive: true });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A copy of checkpoint-128 claiming step BAD_STEP, with model.safetensors cut in half, staged outside the run. */
async function stageTruncatedCheckpoint(): Promise<string> {
  const staged = join(dir, "stage", `checkpoint-${BAD_STEP}`);
  await cp(join(dir, "run", "checkpoint-128"), staged, { recursive: true });
  const statePath = join(staged, "trainer_state.json");
  const state = JSON.parse(await readFile(statePath, "utf8")) as { global_step: number };
  state.global_step = BAD_STEP;
  await writeFile(statePath, JSON.stringify(state));
  const model = join(staged, "model.safetensors");
  await truncate(model, Math.floor(statSync(model).size / 2));
  return staged;
}

test("serve --watch: a new checkpoint appears on the open page without a reload; a truncated one shows the error banner and serving goes on", async () => {
  const started = Date.now();
  const child = startCli(["serve", join(dir, "run"), "--watch", "--port", "0", "--workers", "0", "--out", join(dir, "out")]);
  let stdout = "", stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  try {
    const url = await waitFor(() => /serving (http:\/\/127\.0\.0\.1:\d+\/) /.exec(stdout)?.[1], 60_000, () => `serve did not print its URL: ${stdout} ${stderr}`);
    assert.match(stdout, /analyzed 5 checkpoint\(s\)/);
    const { page, rec } = await openReportUrl(url, { browser });
    await page.waitForFunction(() => (window as unknown as W).__fpLive.connected, null, { timeout: 5000 });
    await page.locator("#fp-heatmaps figure[data-tensor]").first().scrollIntoViewIfNeeded();
    const columns = () => page.evaluate(() => document.querySelector("#fp-heatmaps figure[data-tensor]")?.getAttribute("data-columns"));
    await page.waitForFunction(() => document.querySelector("#fp-heatmaps figure[data-tensor]")?.getAttribute("data-columns") === "5", null, { timeout: 5000 });
    await page.evaluate(() => { (window as unknown as W).__marker = 42; });

    const moved = Date.now();
    await rename(join(dir, "stage", `checkpoint-${NEW_STEP}`), join(dir, "run", `checkpoint-${NEW_STEP}`));
    await page.waitForFunction(() => document.querySelector("#fp-heatmaps figure[data-tensor]")?.getAttribute("data-columns") === "6", null, { timeout: 15_000 });
    const liveMs = Date.now() - moved;
    assert.equal(await columns(), "6");
    assert.equal(await page.evaluate(() => (window as unknown as W).__marker), 42, "the page was not reloaded");
    assert.ok(await page.evaluate(() => (window as unknown as W).__fpLive.updates) >= 1);
    assert.match(await page.locator(".fp-stat").nth(1).innerText(), /^6/);
    assert.match(stdout, new RegExp(`watch: analyzed step ${NEW_STEP} \\(checkpoint-${NEW_STEP}\\)`));
    await page.screenshot({ path: join(SHOTS, "after-new-checkpoint.png") });

    const staged = await stageTruncatedCheckpoint();
    await rename(staged, join(dir, "run", `checkpoint-${BAD_STEP}`));
    const banner = page.locator("#fp-banner");
    await banner.waitFor({ state: "visible", timeout: 15_000 });
    const text = await banner.innerText();
    assert.match(text, new RegExp(`checkpoint-${BAD_STEP} \\(step ${BAD_STEP}\\)`));
    assert.match(text, /model\.safetensors/);
    await page.screenshot({ path: join(SHOTS, "error-banner.png") });
    assert.match(stdout, new RegExp(`watch: step ${BAD_STEP} \\(checkpoint-${BAD_STEP}\\) failed: .*retried when its files change`));
    // Still serving, still the 6 good checkpoints, the page still connected and not reloaded.
    const res = await fetch(new URL("/data.json", url));
    assert.equal(res.status, 200);
    const data = (await res.json()) as { runs: Array<{ steps: number[] }> };
    assert.deepEqual(data.runs[0]!.steps, [...STEPS, NEW_STEP]);
    assert.equal(await page.evaluate(() => (window as unknown as W).__marker), 42);
    assert.equal(await page.evaluate(() => (window as unknown as W).__fpLive.connected), true);
    assert.equal(child.exitCode, null, "the server process is alive");
    const origin = url.replace(/\/$/, "");
    assert.deepEqual(rec.urls.filter((u) => !u.startsWith(origin + "/")), [], "only the local server is contacted");
    assert.deepEqual(rec.errors, []);
    await page.close();
    child.kill("SIGTERM");
    assert.equal(await exited, 0, `exit code after SIGTERM; stderr: ${stderr}`);
    assert.match(stdout, /stopped \(SIGTERM\)/);
    console.log(`# live update after the rename: ${liveMs} ms; whole test ${Date.now() - started} ms`);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- serve stdout:\n${stdout}\n--- serve stderr:\n${stderr}`, { cause: err });
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  }
});

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, message: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((r) => setTimeout(r, 50));
  }
}
