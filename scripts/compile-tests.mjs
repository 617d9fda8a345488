// The test suite's compiled tree (scripts/run-tests.mjs): every TypeScript module the tests run
// (src/, test/, bench/, scripts/, tools/) compiled once per run by esbuild, file by file, into a
// mirror of the repository, so that each test file then runs under plain `node` instead of
// `node --import tsx` (tsx cost each test process ~0.4 CPU s to start, plus a hooks round-trip per
// module and tsx's hooks again in every worker thread: ~90 CPU s of the suite's ~1,000; issue 11).
//
// The mirror has the repository's shape, so every path a module computes from its own
// `import.meta.url` resolves as it does in the sources: beside each `x.js` (and its `x.js.map`) is
// `x.ts`, a link to the source, and everything else (node_modules, build/, dist/, data/,
// package.json, fixtures, .mjs helpers, ...) is a link to the repository's own. Compiled modules
// end in ".js", so the worker threads (src/kernels/load.ts startModuleWorker) are plain ESM
// workers, as in dist/. Transforms are tsx's (esbuild, the repository's tsconfig.json, names kept),
// with source maps to the sources for stack traces (`node --enable-source-maps`).
import { existsSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join, sep } from "node:path";
import { build } from "esbuild";

/** The repository's folders whose TypeScript is compiled into the mirror (the rest is linked whole). */
export const COMPILED_DIRS = ["src", "test", "bench", "scripts", "tools"];

/** Whether `dir` holds a TypeScript module somewhere below it. */
function holdsTypeScript(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() ? entry.name !== "node_modules" && holdsTypeScript(join(dir, entry.name)) : isModule(entry.name)) return true;
  }
  return false;
}

const isModule = (name) => name.endsWith(".ts") && !name.endsWith(".d.ts");

/** Mirrors `from` at `to`: folders holding TypeScript are made and walked, the rest linked; returns the .ts files (absolute). */
function mirror(from, to, sources) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory() && holdsTypeScript(source)) mirror(source, target, sources);
    else {
      symlinkSync(source, target);
      if (entry.isFile() && isModule(entry.name)) sources.push(source);
    }
  }
  return sources;
}

/**
 * Builds the mirror of `root` at `outRoot` (a fresh folder) and compiles its modules there. Throws a
 * CompileError naming each file that does not compile (file:line:column and esbuild's message).
 * Returns how many modules were compiled.
 */
export async function compileTree(root, outRoot) {
  mkdirSync(outRoot, { recursive: true });
  const sources = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const source = join(root, entry.name);
    const target = join(outRoot, entry.name);
    if (entry.isDirectory() && COMPILED_DIRS.includes(entry.name)) mirror(source, target, sources);
    else symlinkSync(source, target);
  }
  // Screenshots and other outputs tests write under test-output/ land in the repository's, as before.
  if (!existsSync(join(root, "test-output"))) {
    mkdirSync(join(root, "test-output"), { recursive: true });
    symlinkSync(join(root, "test-output"), join(outRoot, "test-output"));
  }
  try {
    await build({
      entryPoints: sources,
      outdir: outRoot,
      outbase: root,
      absWorkingDir: root,
      bundle: false,
      format: "esm",
      platform: "node",
      target: `node${process.versions.node}`,
      tsconfig: join(root, "tsconfig.json"),
      keepNames: true, // as tsx
      sourcemap: "linked",
      sourcesContent: false,
      charset: "utf8",
      logLevel: "silent",
    });
  } catch (err) {
    const errors = Array.isArray(err?.errors) ? err.errors : [];
    if (errors.length === 0) throw err;
    const lines = errors.map((e) => (e.location ? `${e.location.file.split(sep).join("/")}:${e.location.line}:${e.location.column}: ${e.text}` : e.text));
    throw new CompileError(lines);
  }
  return sources.length;
}

/** Modules that do not compile: `files` holds one line per error, each starting with the file's path. */
export class CompileError extends Error {
  constructor(lines) {
    super(`run-tests: ${lines.length} compile error(s):\n${lines.map((l) => `  ${l}`).join("\n")}`);
    this.name = "CompileError";
    this.lines = lines;
  }
}
