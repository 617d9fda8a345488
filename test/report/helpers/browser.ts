// Launches headless Chromium through playwright-core with a fresh profile for the report's
// browser tests and benchmark, and records every request a page makes. Which Chromium is
// decided by find-browser.ts (a system one, else the one shipped in an npm package).
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { statSync } from "node:fs";
import { REPORT_CLIENT_BUNDLE } from "../../../src/report/assets.js";
import { newestMtime, REPO_ROOT } from "../../helpers/cli.js";
import { findBrowser, type BrowserExecutable } from "./find-browser.js";

export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--no-first-run", "--disable-quic",
];
/** A browser that has not started by then will not: fail with its reason instead of waiting. */
export const BROWSER_LAUNCH_TIMEOUT_MS = 30_000;
/** `FORKING_PATHS_EXPECT_BROWSER=npm|PATH|CHROME_PATH` makes a launch from any other source an error (tests of the finder use it). */
export const EXPECT_BROWSER_ENV = "FORKING_PATHS_EXPECT_BROWSER";

export interface Browser {
  context: BrowserContext;
  profileDir: string;
  /** Chromium's TMPDIR, inside profileDir: files Chromium leaves there (`.org.chromium.Chromium.*`) go with the profile. */
  tempDir: string;
  executable: BrowserExecutable;
  close(): Promise<void>;
}

/** The page script a report inlines must be built from the browser code the tests are about. */
export function assertReportClientFresh(): void {
  const bundle = join(REPO_ROOT, REPORT_CLIENT_BUNDLE);
  let built: number;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    throw new Error(`${REPORT_CLIENT_BUNDLE} is missing: run \`npm run build:ts\` before the report's browser tests`);
  }
  if (newestMtime(join(REPO_ROOT, "src", "report", "browser"), ".ts") > built) {
    throw new Error(`${REPORT_CLIENT_BUNDLE} is older than src/report/browser/: run \`npm run build:ts\` before the report's browser tests`);
  }
}

/**
 * A persistent context in a brand-new temporary profile directory (removed on close). Chromium's
 * own temporary files go to a directory inside the profile (its TMPDIR), so one it fails to
 * delete (seen: `.org.chromium.Chromium.XXXXXX` left in the test's temp dir) is removed with it.
 */
export async function launchBrowser(viewport = { width: 1280, height: 900 }): Promise<Browser> {
  assertReportClientFresh();
  const executable = findBrowser();
  const expected = process.env[EXPECT_BROWSER_ENV];
  if (expected !== undefined && expected !== "" && expected !== executable.source) {
    throw new Error(`${EXPECT_BROWSER_ENV}=${expected} but the browser found is ${executable.describe}`);
  }
  const profileDir = await mkdtemp(join(tmpdir(), "fp-report-chromium-"));
  const tempDir = join(profileDir, "tmp");
  let context: BrowserContext;
  try {
    await mkdir(tempDir);
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: executable.executablePath, args: CHROMIUM_ARGS, headless: true, viewport, acceptDownloads: false,
      timeout: BROWSER_LAUNCH_TIMEOUT_MS, env: { ...process.env, ...executable.env, TMPDIR: tempDir },
    });
  } catch (err) {
    await rm(profileDir, { recursive: true, force: true });
    throw new Error(`headless Chromium ${executable.describe} did not start: ${launchFailureReason(err)} ---> HINT: set CHROME_PATH to a working Chrome/Chromium`);
  }
  return {
    context, profileDir, tempDir, executable,
    async close() {
      await context.close();
      await rm(profileDir, { recursive: true, force: true });
    },
  };
}

/** One line from playwright's launch error: its first line, the browser's first stderr line, its exit code. */
export function launchFailureReason(err: unknown): string {
  const lines = String(err instanceof Error ? err.message : err).replace(/\u001b\[\d+m/g, "").split("\n").map((l) => l.trim());
  const first = lines.find((l) => l !== "") ?? "unknown error";
  const stderr = lines.find((l) => /^\[pid=\d+\]\[err\] ./.test(l))?.replace(/^\[pid=\d+\]\[err\] /, "");
  const exit = lines.map((l) => /process did exit: (exitCode=\S+ signal=\S+)>/.exec(l)?.[1]).find((m) => m !== undefined);
  return [first, stderr && `browser said "${stderr}"`, exit].filter(Boolean).join("; ");
}

/** Collects the URL of every request the page makes, and page errors. */
export function recordRequests(page: Page): { urls: string[]; errors: string[] } {
  const rec = { urls: [] as string[], errors: [] as string[] };
  page.on("request", (r) => { rec.urls.push(r.url()); });
  page.on("pageerror", (e) => { rec.errors.push(String(e)); });
  page.on("console", (m) => { if (m.type() === "error") rec.errors.push(m.text()); });
  return rec;
}
