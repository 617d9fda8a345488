// Temporary directories for tests: made under os.tmpdir() (which scripts/run-tests.mjs points at a
// fresh directory per test file, and fails the file for anything left there) and removed when the
// file's tests end, passed or failed. Not for directories a test must see disappear: remove those
// yourself.
import { after } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made = new Set<string>();

function removeAll(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  made.clear();
}

// In a test file's process (run-tests runs `node x.test.js`, compiled; `node --test` sets
// NODE_TEST_CONTEXT) the hook is registered when the file first imports this module, before its
// tests run: it belongs to the file's root and runs after all its tests, whatever they did. In a
// bench script that uses a test helper, an `after` hook would start node:test's reporter, so only
// the exit handler runs there; it also covers a file that ends through process.exit.
if (process.env["NODE_TEST_CONTEXT"] !== undefined || /\.test\.[cm]?[jt]s$/.test(process.argv[1] ?? "")) after(removeAll);
process.once("exit", removeAll);

/** A new directory `os.tmpdir()/<prefix>XXXXXX`, removed with everything in it when the file's tests end. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}
