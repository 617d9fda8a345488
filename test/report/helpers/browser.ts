// Launches Debian's headless Chromium through playwright-core with a fresh profile for the
// report's browser tests and benchmark, and records every request a page makes.
import { mkdtemp, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--no-first-run", "--disable-quic",
];
/** How long to wait for Chromium to appear (it may still be being installed). */
const CHROMIUM_WAIT_MS = 10 * 60_000;

export interface Browser {
  context: BrowserContext;
  profileDir: string;
  close(): Promise<void>;
}

async function waitForChromium(): Promise<void> {
  const deadline = Date.now() + CHROMIUM_WAIT_MS;
  while (!existsSync(CHROMIUM_PATH)) {
    if (Date.now() > deadline) throw new Error(`${CHROMIUM_PATH} did not appear: install Debian's chromium package`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** A persistent context in a brand-new temporary profile directory (removed on close). */
export async function launchBrowser(viewport = { width: 1280, height: 900 }): Promise<Browser> {
  await waitForChromium();
  const profileDir = await mkdtemp(join(tmpdir(), "fp-report-chromium-"));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true, viewport, acceptDownloads: false,
  });
  return {
    context, profileDir,
    async close() {
      await context.close();
      await rm(profileDir, { recursive: true, force: true });
    },
  };
}

/** Collects the URL of every request the page makes, and page errors. */
export function recordRequests(page: Page): { urls: string[]; errors: string[] } {
  const rec = { urls: [] as string[], errors: [] as string[] };
  page.on("request", (r) => { rec.urls.push(r.url()); });
  page.on("pageerror", (e) => { rec.errors.push(String(e)); });
  page.on("console", (m) => { if (m.type() === "error") rec.errors.push(m.text()); });
  return rec;
}
