// The browser tests' Chromium keeps its temporary files inside its own profile directory (its
// TMPDIR), so a file it fails to delete (a `.org.chromium.Chromium.XXXXXX` was once left in a
// test file's temp dir, failing run-tests' leak check) goes when the profile is removed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser } from "./helpers/browser.js";

/** TMPDIR of every running process started with `--user-data-dir=<profileDir>` (Linux /proc). */
function tmpdirsOfBrowser(profileDir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let cmdline: string, environ: string;
    try {
      cmdline = readFileSync(join("/proc", pid, "cmdline"), "utf8");
      if (!cmdline.split("\0").includes(`--user-data-dir=${profileDir}`)) continue;
      environ = readFileSync(join("/proc", pid, "environ"), "utf8");
    } catch {
      continue; // exited meanwhile, or not ours to read
    }
    const entry = environ.split("\0").find((e) => e.startsWith("TMPDIR="));
    found.push(entry === undefined ? "(unset)" : entry.slice("TMPDIR=".length));
  }
  return found;
}

test("Chromium runs with a TMPDIR inside its profile directory, removed with it on close", async () => {
  const browser = await launchBrowser();
  let closed = false;
  try {
    assert.ok(browser.tempDir.startsWith(browser.profileDir + "/"), `${browser.tempDir} is inside ${browser.profileDir}`);
    assert.ok(existsSync(browser.tempDir));
    const page = await browser.context.newPage();
    await page.setContent("<p>temp</p>");
    const dirs = tmpdirsOfBrowser(browser.profileDir);
    assert.ok(dirs.length >= 1, "the browser process is found by its --user-data-dir");
    assert.deepEqual([...new Set(dirs)], [browser.tempDir]);
    await browser.close();
    closed = true;
    assert.equal(existsSync(browser.profileDir), false);
  } finally {
    if (!closed) await browser.close();
  }
});
