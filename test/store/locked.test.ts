// Reading a store that another process is writing (issue 13 item 14: `serve` while `analyze`
// runs): a one-line StoreError saying what is going on and what to do, not an internal error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "../../src/store/store.js";
import { StoreError } from "../../src/util/errors.js";
import { loaderArgs, runnable } from "../helpers/node-child.js";

test("item 14: opening a store read-only while another process writes it says it is being written and what to do", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-locked-"));
  const storeModule = runnable(new URL("../../src/store/store.ts", import.meta.url).href);
  const writer = spawn(process.execPath, [...loaderArgs(), "--input-type=module", "-e",
    `const { Store } = await import(${JSON.stringify(storeModule)}); const s = await Store.openDir(${JSON.stringify(dir)}); console.log("ready"); setInterval(() => {}, 1000);`],
  { stdio: ["ignore", "pipe", "inherit"] });
  try {
    await new Promise<void>((resolve, reject) => {
      writer.stdout!.on("data", (d: Buffer) => { if (d.toString().includes("ready")) resolve(); });
      writer.on("exit", (code) => reject(new Error(`writer exited ${code}`)));
    });
    const err = await Store.openDir(dir, { readOnly: true }).then(async (s) => { await s.close(); return null; }, (e: unknown) => e);
    assert.ok(err instanceof StoreError, String(err));
    assert.match(err.message, /is locked by another process \(PID \d+\); it is being written .*HINT: read it when that command finishes, or run `forking-paths serve <run-dir>`/);
    assert.equal(err.message.split("\n").length, 1);
  } finally {
    writer.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});
