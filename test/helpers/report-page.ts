// Opens a report page in headless Chromium the way every browser test does: a new tab that
// records its requests and errors, the page loaded, and a wait until the charts in view are
// drawn (window.__reportReady.visibleDrawn). From HTML (written to a temporary file and opened
// from file://, as a user opens report.html) or from a served URL (the live dashboard).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { launchBrowser, recordRequests, type Browser } from "../report/helpers/browser.js";

/** How long a report may take to draw the charts in view before the test fails. */
export const REPORT_DRAWN_TIMEOUT_MS = 15_000;

export interface ReportPage {
  page: Page;
  /** Every request URL and page error since the page opened. */
  rec: { urls: string[]; errors: string[] };
  /** The browser the page lives in (launched for it unless one was passed). */
  browser: Browser;
  /** The page's address (file:// for HTML). */
  url: string;
  /** Closes the tab, its temporary file and, when it launched one, the browser. */
  close(): Promise<void>;
}

export interface OpenReportOptions {
  /** Open the page in this browser (default: launch one, closed by `close()`). */
  browser?: Browser;
  /** Viewport of a launched browser. */
  viewport?: { width: number; height: number };
  /** Wait this long for the visible charts (default REPORT_DRAWN_TIMEOUT_MS). */
  timeoutMs?: number;
}

/** Writes `html` to a temporary report.html and opens it from file://, waiting until the charts in view are drawn. */
export async function openReportPage(html: string, options: OpenReportOptions = {}): Promise<ReportPage> {
  const dir = await mkdtemp(join(tmpdir(), "fp-report-page-"));
  const file = join(dir, "report.html");
  await writeFile(file, html);
  try {
    const opened = await openReportUrl(pathToFileURL(file).href, options);
    return { ...opened, async close() { await opened.close(); await rm(dir, { recursive: true, force: true }); } };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Opens a report at `url` (a served dashboard or a report file), waiting until the charts in view are drawn. */
export async function openReportUrl(url: string, options: OpenReportOptions = {}): Promise<ReportPage> {
  const browser = options.browser ?? await launchBrowser(options.viewport);
  const owned = options.browser === undefined;
  try {
    const page = await browser.context.newPage();
    const rec = recordRequests(page);
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __reportReady: { visibleDrawn: number | null } }).__reportReady.visibleDrawn !== null,
      null, { timeout: options.timeoutMs ?? REPORT_DRAWN_TIMEOUT_MS });
    return {
      page, rec, browser, url,
      async close() {
        await page.close();
        if (owned) await browser.close();
      },
    };
  } catch (err) {
    if (owned) await browser.close();
    throw err;
  }
}
