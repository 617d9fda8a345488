// Set-ups that several test files need (a synthetic run and its reference store content), built
// once per suite run and then only read. scripts/run-tests.mjs makes a directory for them and names
// it in FP_TEST_SHARED_DIR; the first file that asks builds the fixture there under a lock (a
// directory made with mkdir, which only one process can make) and the others wait for it, or take
// the lock over when its holder died. Run alone (no FP_TEST_SHARED_DIR), a file builds the fixture
// once in a temp dir of its own, removed when its tests end. A fixture is built in place, not moved after:
// stores record the absolute path of the run they analyzed.
// Users only read a fixture: a test that writes makes its own copy. Every file's hash is recorded when
// it is built and checked whenever a file asks for the fixture, so a write into it fails the next
// user instead of changing what it compares against.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { tempDir } from "./temp.js";

/** The environment variable naming the directory of the suite run's shared fixtures. */
export const SHARED_FIXTURES_ENV = "FP_TEST_SHARED_DIR";
/** How often a file waiting for another file's build looks again. */
const WAIT_POLL_MS = 100;
/** The file that marks a complete fixture: the hash of every other file in it. */
const MANIFEST = ".fixture-manifest.json";

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else out.push(full);
  }
  return out;
}

/** md5 of every file under `dir` (but the manifest), by path relative to `dir`. */
function hashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of filesUnder(dir).sort()) {
    const name = relative(dir, file);
    if (name !== MANIFEST) out[name] = createHash("md5").update(readFileSync(file)).digest("hex");
  }
  return out;
}

function checkUnchanged(dir: string): void {
  const recorded = JSON.parse(readFileSync(join(dir, MANIFEST), "utf8")) as Record<string, string>;
  const now = hashes(dir);
  const changed = [...new Set([...Object.keys(recorded), ...Object.keys(now)])].filter((f) => recorded[f] !== now[f]);
  if (changed.length > 0) {
    throw new Error(`shared test fixture ${dir} was changed after it was built (${changed.slice(0, 3).join(", ")}): a test wrote into it; copy a fixture before writing`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The lock's holder, or null when it has none yet (made, pid not written) or the holder is gone. */
function holderAlive(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, "pid"), "utf8"));
  } catch {
    // not written yet, or the lock was just removed: look again later
    return existsSync(lock) && Date.now() - statSync(lock).mtimeMs < 10_000;
  }
  return Number.isInteger(pid) && pid > 0 && alive(pid);
}

/** Without a shared directory: the fixtures this process built, by name (built once per file). */
const ownBuilds = new Map<string, Promise<string>>();

/**
 * The directory of the fixture `name`: built by `build(dir)` (which fills the empty `dir`) once per
 * suite run, or once per file when the file runs alone. Read it, never write into it.
 */
export async function sharedFixture(name: string, build: (dir: string) => Promise<void>): Promise<string> {
  const root = process.env[SHARED_FIXTURES_ENV];
  if (root === undefined || root === "") {
    let built = ownBuilds.get(name);
    if (built === undefined) {
      built = (async () => {
        const dir = tempDir(`fp-fixture-${name}-`);
        await build(dir);
        writeFileSync(join(dir, MANIFEST), JSON.stringify(hashes(dir)));
        return dir;
      })();
      ownBuilds.set(name, built);
      built.catch(() => ownBuilds.delete(name)); // a failed build is tried again by the next caller
      return built;
    }
    const dir = await built;
    checkUnchanged(dir);
    return dir;
  }
  const dir = join(root, name);
  const lock = join(root, `${name}.lock`);
  for (;;) {
    if (existsSync(join(dir, MANIFEST))) {
      checkUnchanged(dir);
      return dir;
    }
    try {
      mkdirSync(lock);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      if (!holderAlive(lock)) rmSync(lock, { recursive: true, force: true }); // its builder died: build it again
      else await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
      continue;
    }
    try {
      writeFileSync(join(lock, "pid"), String(process.pid));
      if (existsSync(join(dir, MANIFEST))) continue; // built between our look and the lock
      rmSync(dir, { recursive: true, force: true }); // a dead builder's partial fixture
      mkdirSync(dir, { recursive: true });
      await build(dir);
      writeFileSync(join(dir, MANIFEST), JSON.stringify(hashes(dir)));
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}
