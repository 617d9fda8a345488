// The bundled CLI (scripts/build-bundle.mjs: dist/bundle/cli.js and the statistics worker
// dist/bundle/stats-worker.js, one file of its own), what bin/forking-paths.js runs. An analysis reads
// only the bundle's files from the package, in its main thread and its workers (the row tasks come
// from the bundle, not from their own file); and the bundle keeps boot9's start-up order: a module
// the sources load only when used (dynamic import) is evaluated only then in the bundle too, so
// what the analysis runs before its first tensor leaves out the same modules (issue 11: start-up;
// test/pipeline/analyze-start-up.test.ts checks the sources' graph).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { writeSyntheticRun } from "../../src/runs/synth.js";
import { newestMtime, REPO_ROOT, runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

const DUCKDB_MODULES = ["src/store/duckdb.ts", "src/store/append.ts", "src/store/store.ts"];

interface Metafile {
  inputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>;
  outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>;
}

/** The bundles' module graph, written by the build (build/bundle-meta.json). */
function metafile(): Metafile {
  const path = join(REPO_ROOT, "build", "bundle-meta.json");
  assert.ok(existsSync(path) && statSync(path).mtimeMs >= newestMtime(join(REPO_ROOT, "src"), ".ts"), "build/bundle-meta.json is missing or older than src/: run `npm run build:ts`");
  return JSON.parse(readFileSync(path, "utf8")) as Metafile;
}

/** Project modules evaluated when `start` is: its static imports, transitively (dynamic imports are not followed: evaluated when they run). */
function evaluatedWith(meta: Metafile, start: string): string[] {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    const path = stack.pop()!;
    if (seen.has(path)) continue;
    const input = meta.inputs[path];
    assert.ok(input !== undefined, `${path} is in the bundle`);
    seen.add(path);
    for (const i of input.imports) if (i.external !== true && i.kind === "import-statement") stack.push(i.path);
  }
  return [...seen].filter((p) => p.startsWith("src/")).sort();
}

test("an analysis loads only the bundle's files from the package, in its main thread and both workers", async () => {
  const dir = tempDir("fp-bundle-");
  await writeSyntheticRun(join(dir, "run"), { kind: "fork", seed: 5, steps: [0, 1, 2] });
  const check = await runCli(["analyze", join(dir, "run"), "--out", join(dir, "plain"), "--workers", "2", "--json"]);
  assert.equal(check.code, 0, check.stderr);
  const log = join(dir, "loaded.log");
  const register = new URL("../helpers/loaded-files-register.mjs", import.meta.url).href;
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", register, join(REPO_ROOT, "bin", "forking-paths.js"),
    "analyze", join(dir, "run"), "--out", join(dir, "out"), "--workers", "2", "--json"], { cwd: REPO_ROOT, env: { ...process.env, FP_TEST_LOADED_LOG: log } });
  const [summary, plain] = [JSON.parse(stdout), JSON.parse(check.stdout)] as { analyzed: number; tensors: number; events: unknown }[];
  assert.equal(summary!.analyzed, 3);
  assert.deepEqual([summary!.tensors, summary!.events], [plain!.tensors, plain!.events], "the same analysis with the hooks on");
  const lines = readFileSync(log, "utf8").split("\n").filter((u) => u.startsWith(`file://${REPO_ROOT}`) && !u.includes("/node_modules/"));
  const files = lines.map((u) => u.slice(`file://${REPO_ROOT}`.length).replace(/^\/+/, ""));
  assert.deepEqual(files.filter((f) => !f.startsWith("dist/bundle/") && f !== "bin/forking-paths.js"), [], "no per-file module of dist/ nor a source");
  assert.equal(files.filter((f) => f === "dist/bundle/stats-worker.js").length, 2, "each worker runs the bundled worker");
  const chunks = files.filter((f) => f.startsWith("dist/bundle/chunk-"));
  assert.deepEqual(chunks.filter((f, i) => chunks.indexOf(f) !== i), [], "the workers load no chunk of the CLI's (each chunk is read by the main thread alone)");
  assert.equal(files.filter((f) => f === "dist/bundle/cli.js").length, 1);
});

test("the bundled analyze command evaluates what the sources load before the first tensor, nothing more", () => {
  const meta = metafile();
  const command = evaluatedWith(meta, "src/cli/commands/analyze.ts");
  assert.ok(command.includes("src/kernels/stats-pool.ts"), `the pool: ${command.join(", ")}`);
  assert.deepEqual(command.filter((m) => DUCKDB_MODULES.includes(m) || m.startsWith("src/stats/shape/") || m === "src/pipeline/row-tasks.ts"), []);
  const analysis = evaluatedWith(meta, "src/pipeline/analyze.ts");
  assert.ok(analysis.includes("src/pipeline/checkpoint-batch.ts") && analysis.includes("src/store/store.ts"), `the analysis itself: ${analysis.join(", ")}`);
  // DuckDB's client is a file of its own (dist/bundle/duckdb-client.cjs), required when the store opens: not parsed with the analysis's chunk
  assert.deepEqual(Object.keys(meta.inputs).filter((k) => k.includes("@duckdb/node-api")), [], "DuckDB's client is in no chunk");
  assert.ok(existsSync(join(REPO_ROOT, "dist", "bundle", "duckdb-client.cjs")), "dist/bundle/duckdb-client.cjs is built");
  assert.deepEqual(analysis.filter((m) => m.startsWith("src/stats/shape/") || m.startsWith("src/dynamics/")
    || ["src/pipeline/row-tasks.ts", "src/pipeline/events.ts", "src/stats/extras.ts", "src/runs/hub-run.ts"].includes(m)), []);
  // the CLI's entry evaluates the command table, not the commands
  const cli = evaluatedWith(meta, "bundle-entry:cli");
  assert.ok(cli.includes("src/cli/main.ts") && cli.includes("src/cli/commands/index.ts"), `the CLI's start: ${cli.join(", ")}`);
  assert.deepEqual(cli.filter((m) => m.startsWith("src/cli/commands/") && m !== "src/cli/commands/index.ts"), []);
});

test("the bundled worker holds the row tasks and evaluates its kernels and the protocol, not the pool", () => {
  const meta = metafile();
  const worker = evaluatedWith(meta, "bundle-entry:stats-worker");
  assert.ok(worker.includes("src/kernels/worker-protocol.ts") && worker.includes("src/kernels/shape-wasm.ts"), `the worker's start: ${worker.join(", ")}`);
  assert.deepEqual(worker.filter((m) => m === "src/kernels/stats-pool.ts" || m === "src/tensor/read.ts" || DUCKDB_MODULES.includes(m)), []);
  assert.ok(meta.inputs["src/pipeline/row-tasks.ts"] !== undefined, "the row tasks are bundled (registered, not imported from their file)");
  // one file: a worker resolves, reads and links one module (its row tasks inside it, evaluated when first used)
  const out = meta.outputs["dist/bundle/stats-worker.js"];
  assert.ok(out !== undefined, "dist/bundle/stats-worker.js is built");
  assert.deepEqual(out.imports.filter((i) => i.external !== true), [], "the worker imports no chunk");
});
