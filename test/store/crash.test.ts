// Crash safety for real: a child process writing checkpoints is killed with SIGKILL in the
// middle of a transaction; the reopened store holds only whole checkpoints, and resuming gives
// exactly the store an uninterrupted writer produces. Also: a second writer process is refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Store, TABLE_NAMES } from "../../src/store/index.js";
import { StoreError } from "../../src/util/errors.js";
import { BIG_STEP, writeSeries } from "./write-series.js";
import { nodeArgsFor } from "../helpers/node-child.js";

const WRITER = fileURLToPath(new URL("./crash-writer.ts", import.meta.url));
const STEPS = [0, 1, 2, BIG_STEP, 8];
// The BIG_STEP checkpoint (4 x TENSORS) takes about a second to write: the kill lands inside it.
const TENSORS = 100;

function startWriter(path: string, extra: string[] = [], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn(process.execPath, [...nodeArgsFor(WRITER), path, STEPS.join(","), String(TENSORS), ...extra], {
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
}

/** The store at `path` holds every table's rows exactly as the one at `refPath`, and passes its integrity check (plus `more`). */
async function assertSameStore(path: string, refPath: string, more?: (store: Store) => Promise<void>): Promise<void> {
  const a = await Store.open(path, { readOnly: true });
  const b = await Store.open(refPath, { readOnly: true });
  try {
    for (const table of TABLE_NAMES) assert.deepEqual(await a.dumpTable(table), await b.dumpTable(table), table);
    await more?.(a);
    assert.deepEqual(await a.checkIntegrity(), { ok: true, problems: [] });
  } finally {
    await a.close();
    await b.close();
  }
}

function waitForExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
}

/** Calls `onLine` for each stdout line; resolves when the child exits. */
function watchLines(child: ChildProcess, onLine: (line: string) => void): void {
  let buffered = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      onLine(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  });
}

test("SIGKILL mid-transaction leaves no partial checkpoint; resume equals an uninterrupted run", { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-crash-"));
  try {
    // Reference: an uninterrupted writer (in this process).
    const refPath = join(dir, "reference.duckdb");
    const ref = await Store.open(refPath);
    await writeSeries(ref, STEPS, TENSORS, () => undefined);
    await ref.close();

    // Interrupted writer: killed 40 ms after it begins the BIG_STEP checkpoint's transaction.
    const path = join(dir, "interrupted.duckdb");
    const child = startWriter(path);
    const committed: number[] = [];
    let killedDuring: number | null = null;
    watchLines(child, (line) => {
      const [what, step] = line.split(" ");
      if (what === "committed") committed.push(Number(step));
      if (what === "begin" && Number(step) === BIG_STEP && killedDuring === null) {
        setTimeout(() => {
          killedDuring = committed.includes(BIG_STEP) ? null : BIG_STEP;
          child.kill("SIGKILL");
        }, 40);
      }
    });
    const exit = await waitForExit(child);
    assert.equal(exit.signal, "SIGKILL");
    assert.equal(killedDuring, BIG_STEP, "the kill landed while the transaction was open");

    // Reopen: only the committed checkpoints are complete, and nothing else is stored.
    const store = await Store.open(path);
    try {
      const complete = (await store.listCheckpoints("crash", { completeOnly: true })).map((c) => c.step);
      assert.deepEqual(complete, committed);
      assert.equal(await store.isCheckpointComplete("crash", BIG_STEP), false);
      assert.deepEqual((await store.tensorStats({ run: "crash", step: BIG_STEP })).length, 0);
      const steps = new Set((await store.tensorStats({ run: "crash" })).map((s) => s.step));
      assert.deepEqual([...steps].sort((a, b) => a - b), committed);
      assert.deepEqual(await store.checkIntegrity(), { ok: true, problems: [] });
    } finally {
      await store.close();
    }

    // Resume: skips what is complete and writes the rest.
    const begun: number[] = [];
    const resumed = await Store.open(path);
    await writeSeries(resumed, STEPS, TENSORS, (line) => line.startsWith("begin ") && begun.push(Number(line.slice(6))));
    await resumed.close();
    assert.deepEqual(begun, STEPS.filter((s) => !committed.includes(s)));

    await assertSameStore(path, refPath, async (a) => assert.equal((await a.tensorStats()).length, (STEPS.length + 3) * TENSORS));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("SIGKILL during a write committed into the file (the checkpoint inside the commit): only whole checkpoints after a reopen; resume equals an uninterrupted run", { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-crash-"));
  try {
    // Reference, uninterrupted, timed: the kill lands late in the BIG_STEP write, where its commit
    // moves the log and its rows into the file.
    const refPath = join(dir, "reference.duckdb");
    const ref = await Store.open(refPath);
    let begunAt = 0, bigMs = 0;
    await writeSeries(ref, STEPS, TENSORS, (line) => {
      if (line === `begin ${BIG_STEP}`) begunAt = performance.now();
      if (line === `committed ${BIG_STEP}`) bigMs = performance.now() - begunAt;
    }, BIG_STEP);
    await ref.close();

    const path = join(dir, "interrupted.duckdb");
    const child = startWriter(path, [], { ...process.env, FP_TEST_INTO_FILE_FROM: String(BIG_STEP) });
    const committed: number[] = [];
    watchLines(child, (line) => {
      const [what, step] = line.split(" ");
      if (what === "committed") committed.push(Number(step));
      if (what === "begin" && Number(step) === BIG_STEP) setTimeout(() => child.kill("SIGKILL"), Math.max(40, 0.8 * bigMs));
    });
    const exit = await waitForExit(child);
    assert.equal(exit.signal, "SIGKILL");

    // Whole checkpoints only: those reported committed, and BIG_STEP only if its commit ended
    // before its report was read.
    const store = await Store.open(path);
    let complete: number[];
    try {
      complete = (await store.listCheckpoints("crash", { completeOnly: true })).map((c) => c.step);
      assert.deepEqual(complete.filter((s) => s !== BIG_STEP), committed.filter((s) => s !== BIG_STEP));
      assert.ok(committed.every((s) => complete.includes(s)), `committed ${committed}, complete ${complete}`);
      const steps = new Set((await store.tensorStats({ run: "crash" })).map((s) => s.step));
      assert.deepEqual([...steps].sort((a, b) => a - b), complete);
      assert.deepEqual(await store.checkIntegrity(), { ok: true, problems: [] });
    } finally {
      await store.close();
    }

    const resumed = await Store.open(path);
    await writeSeries(resumed, STEPS, TENSORS, () => undefined, BIG_STEP);
    await resumed.close();
    await assertSameStore(path, refPath);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a store held by another process gives a StoreError saying it is locked", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fp-lock-"));
  try {
    const path = join(dir, "held.duckdb");
    const holder = spawn(process.execPath, [...nodeArgsFor(WRITER), path, "0", "1", "20000"], { stdio: ["ignore", "pipe", "pipe"] });
    const holding = new Promise<void>((resolve) => watchLines(holder, (line) => line === "holding" && resolve()));
    const exited = waitForExit(holder);
    await Promise.race([holding, exited.then(() => assert.fail("holder exited early"))]);
    try {
      await assert.rejects(Store.open(path), (e: unknown) => {
        assert.ok(e instanceof StoreError);
        assert.match(e.message, /locked by another process \(PID \d+\)/);
        assert.ok(e.message.includes(path));
        return true;
      });
      await assert.rejects(Store.open(path, { readOnly: true }), (e: unknown) => e instanceof StoreError && /locked/.test(e.message));
    } finally {
      holder.kill("SIGKILL");
      await exited;
    }
    // The lock dies with the process; the store opens and holds the committed checkpoint.
    const store = await Store.open(path);
    assert.equal(await store.isCheckpointComplete("crash", 0), true);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
