// One test file as scripts/run-tests.mjs runs it: `node <file compiled>.js` (or `node --import tsx
// <file>` without the compiled tree of scripts/compile-tests.mjs) in a fresh temp
// root of its own (TMPDIR, TEMP and TMP point there, so os.tmpdir() in the file and in every child it
// starts: CLI runs, redis-server, Chromium, resolves there), its reporter counts read from its output,
// and then whatever it left in the root is named and removed. Leaving anything is a failure of the
// file: a test cleans up what it creates, on its failure paths too (`npm test` once filled /tmp with
// ~1 GB per run).
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";

/** How many leftover paths the one-line leak report names (the count says how many there were). */
export const LEFTOVERS_NAMED = 3;

// Caches that live in os.tmpdir() on purpose and outlive a run: tsx's transform cache
// (`tsx-<euid>`) and the Chromium unpacked from @sparticuz/chromium when there is no system browser
// (`forking-paths-chromium-<version>-<uid>`, ~190 MB, test/report/helpers/find-browser.ts). Each root
// links to the shared ones, so they still serve every file (a cold copy per file would slow the suite
// and fill the disk), and the links are the runner's own, not leftovers.
const uid = typeof process.geteuid === "function" ? process.geteuid() : userInfo().username;
function sharedCacheNames() {
  const names = [`tsx-${uid}`];
  try {
    const manifest = new URL("../node_modules/@sparticuz/chromium/package.json", import.meta.url);
    const { version } = JSON.parse(readFileSync(manifest, "utf8"));
    names.push(`forking-paths-chromium-${version}-${typeof process.getuid === "function" ? process.getuid() : 0}`);
  } catch {
    // not installed (no dev dependencies): the browser tests say so themselves
  }
  return names;
}
const SHARED_CACHES = sharedCacheNames();

/** A fresh temp root for one test file under `parent`, with the shared caches linked in. */
export function makeTempRoot(parent, file) {
  const slug = file.replace(/^test\//, "").replace(/(\.test)?\.ts$/, "").replace(/[^A-Za-z0-9]+/g, "-").slice(-60);
  const dir = mkdtempSync(join(parent, `${slug}-`));
  for (const name of SHARED_CACHES) {
    const shared = join(tmpdir(), name);
    mkdirSync(shared, { recursive: true });
    symlinkSync(shared, join(dir, name));
  }
  return dir;
}

function bytesUnder(path) {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return 0; // removed while we looked (a child still exiting)
  }
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const name of readdirSync(path)) total += bytesUnder(join(path, name));
  return total;
}

/** What a test file left in its temp root: the entries other than the runner's own, by name, with their size. */
export function leftoversIn(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !(SHARED_CACHES.includes(e.name) && e.isSymbolicLink()))
    .map((e) => ({ name: e.isDirectory() ? `${e.name}/` : e.name, bytes: bytesUnder(join(dir, e.name)) }))
    .sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
}

function size(bytes) {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

/** The one line that fails a file for its leftovers (null when it left nothing): the largest few and the count. */
export function leftoverLine(file, leftovers) {
  if (leftovers.length === 0) return null;
  const total = leftovers.reduce((s, l) => s + l.bytes, 0);
  const named = leftovers.slice(0, LEFTOVERS_NAMED).map((l) => l.name).join(", ");
  const more = leftovers.length > LEFTOVERS_NAMED ? `, ... (${leftovers.length - LEFTOVERS_NAMED} more)` : "";
  return `run-tests: LEAK: ${file} left ${leftovers.length} entr${leftovers.length === 1 ? "y" : "ies"} (${size(total)}) in its temp dir: ${named}${more}; remove what the tests create in after()/t.after() hooks, failure paths included`;
}

/** The spec reporter's closing counts ("ℹ tests 12", "ℹ fail 0", ...) found in `text`. */
export function reporterCounts(text) {
  const counts = new Map();
  for (const line of text.split("\n")) {
    const m = line.match(/^\S*\s*(tests|pass|fail|skipped|todo|cancelled) (\d+)$/);
    if (m) counts.set(m[1], Number(m[2]));
  }
  return counts;
}

/** The compiled module of `file` (relative to the repository) in the compiled tree at `compiledRoot` (absolute), or null without one. */
export function compiledPath(file, compiledRoot) {
  return compiledRoot ? join(compiledRoot, file.replace(/\.ts$/, ".js")) : null;
}

/** How node runs `file`: its compiled module with source maps for stack traces, or its source under tsx. */
function loaderArgs(compiledRoot) {
  return compiledRoot ? ["--enable-source-maps"] : ["--import", "tsx"];
}

/**
 * Runs `file` (relative to `root`) in a fresh temp root under `tempParent`; resolves when it has exited
 * and its root is checked and removed: `output` is what it printed (stdout and stderr as they came,
 * then the spec report), `ms` its wall time, `leak` the leftover line or null. `extraArgs` go to node
 * before the file (more reporters).
 *
 * The file runs as `node --enable-source-maps <compiledRoot>/<file>.js` when given the compiled tree
 * (scripts/compile-tests.mjs; cwd stays `root`), otherwise as `node --import tsx <file>`, with the
 * reporters named, not under `node --test`: one
 * process per file as under `--test`, without a second (orchestrating) process per file. The spec
 * report goes to a file beside the root, not to stdout, where it could mix with what a test captures
 * of its own stdout (test/helpers/cli.ts runInProcess).
 */
export function runTestFile({ file, root, tempParent, compiledRoot = null, extraArgs = [], onSpawn = () => {} }) {
  const dir = makeTempRoot(tempParent, file);
  const report = `${dir}.spec`;
  const env = { ...process.env, FORCE_COLOR: "0", TMPDIR: dir, TEMP: dir, TMP: dir };
  delete env.NODE_TEST_CONTEXT; // set when the runner itself runs inside a test: the file would report to its parent
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...loaderArgs(compiledRoot), "--test-reporter=spec", `--test-reporter-destination=${report}`, ...extraArgs, compiledPath(file, compiledRoot) ?? file], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env,
    });
    onSpawn(child);
    let output = "";
    child.stdout.on("data", (d) => { output += d; });
    child.stderr.on("data", (d) => { output += d; });
    let finished = false;
    const finish = (code, signal) => {
      if (finished) return;
      finished = true;
      const ms = performance.now() - started;
      let spec = "";
      try {
        spec = readFileSync(report, "utf8");
      } catch {
        // no report: the file did not get as far as its tests (its error is in `output`)
      }
      rmSync(report, { force: true });
      let leftovers;
      try {
        leftovers = leftoversIn(dir);
      } catch (err) {
        leftovers = [{ name: `(temp dir unreadable: ${err.message})`, bytes: 0 }];
      }
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      } catch (err) {
        output += `run-tests: could not remove ${dir}: ${err.message}\n`;
      }
      resolve({ file, code, signal, ms, output: output + spec, counts: reporterCounts(spec), leak: leftoverLine(file, leftovers) });
    };
    child.on("error", (err) => { output += `run-tests: could not start node for ${file}: ${err.message}\n`; finish(null, null); });
    child.on("close", finish);
  });
}
