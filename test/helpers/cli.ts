// Runs the CLI as a user would: a child process on the bundled dist/bundle/cli.js (built by
// `npm test` before the suite runs; much faster to start than tsx), capturing exit code,
// stdout and stderr. Refuses to run against a dist/ older than src/.
import { spawn, type ChildProcess } from "node:child_process";
import { Command } from "commander";
import { existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The repository (the real folder: under scripts/run-tests.mjs this helper runs from the compiled
 * tree, scripts/compile-tests.mjs, where package.json is a link to the repository's), so that
 * commands run there (npm pack, the CLI) see the repository itself.
 */
export const REPO_ROOT = dirname(realpathSync(fileURLToPath(new URL("../../package.json", import.meta.url))));
const MAIN = join(REPO_ROOT, "dist", "bundle", "cli.js");

/** Newest modification time (ms) of the files under `dir` ending in `ext` (0 when none). */
export function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full, ext));
    else if (entry.name.endsWith(ext)) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

let checked = false;
function checkBuilt(): void {
  if (checked) return;
  if (!existsSync(MAIN)) throw new Error("dist/bundle/cli.js is missing: run `npm run build` (npm test does it)");
  if (newestMtime(join(REPO_ROOT, "src"), ".ts") > newestMtime(join(REPO_ROOT, "dist"), ".js")) {
    throw new Error("dist/ is older than src/: run `npm run build:ts` before running CLI tests alone");
  }
  checked = true;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  checkBuilt();
  return spawn(process.execPath, [MAIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export function waitCli(child: ChildProcess): Promise<CliResult> {
  let stdout = "", stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export function runCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return waitCli(startCli(args, options));
}

/**
 * Starts `analyze` with `args` and SIGKILLs it 400 ms after its store file exists under `out`
 * (some checkpoints may or may not be committed by then: resume tests must hold either way).
 * Resolves with how it ended (killed, or finished first).
 */
export async function analyzeKilledOnceStoreExists(args: readonly string[], out: string): Promise<CliResult> {
  const child = startCli(["analyze", ...args, "--out", out]);
  const done = waitCli(child);
  const deadline = Date.now() + 60_000;
  while (!existsSync(join(out, "analysis.duckdb")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 400));
  child.kill("SIGKILL");
  return done;
}

/**
 * Runs commands in this process through commander (for tests that compare with library calls
 * without a child process) and returns what they printed on stdout. Only string writes are the
 * command's output; the test runner's own (binary) reports pass through.
 */
export async function runInProcess(registers: readonly ((program: Command) => void)[], args: readonly string[]): Promise<string> {
  let out = "";
  const program = new Command("forking-paths").exitOverride().configureOutput({ writeOut: (s) => void (out += s), writeErr: () => undefined });
  for (const register of registers) register(program);
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk !== "string") return (write as (c: Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync([...args], { from: "user" });
  } finally {
    process.stdout.write = write;
  }
  return out;
}
