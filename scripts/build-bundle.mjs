// Bundles the command line and the statistics worker (part of `npm run build:ts`, after tsc):
// dist/bundle/cli.js (bin/forking-paths.js runs it), an ES module with chunks (dist/bundle/chunk-*.js)
// for the code only some commands load, and dist/bundle/stats-worker.js (the analysis's worker
// threads run it), one ES module of its own. A thread then resolves and reads a few files (a
// worker: one) instead of ~60-150 modules (issue 11: start-up). npm packages and DuckDB's native module stay external (loaded from
// node_modules as before). The library's per-file dist/ and its exports are unchanged; tests
// under tsx run the sources.
//
// Paths: each source file's `import.meta.url` is replaced by the URL of its own per-file output
// (dist/<dir>/<file>.js), so every path a module computes from it (WASM kernels under
// build/kernels/, the report's bundles, createRequire, the row tasks' URL) is the one it computes
// in the per-file dist/. Two things are swapped for their bundled form at start: the statistics
// pool's workers run dist/bundle/stats-worker.js (useWorkerEntry), and the row tasks (named by
// their per-file URL) are taken from the bundle the thread runs instead of being imported again
// (registerTaskModule).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const src = join(root, "src");
const outdir = join(root, "dist", "bundle");

/** Source path as an import specifier of the virtual entries (posix, absolute). */
const at = (path) => JSON.stringify(join(src, path).split(sep).join("/"));

// The CLI: the row tasks come from this bundle when a pool runs in this thread (--workers 0), and
// the pool starts the bundled worker. Both are set before main.ts runs (imports run in order).
const CLI_SETUP = `
import { registerTaskModule } from ${at("kernels/worker-protocol.ts")};
import { useWorkerEntry } from ${at("kernels/load.ts")};
import { ROW_TASKS_URL } from ${at("pipeline/row-tasks-url.ts")};
registerTaskModule(ROW_TASKS_URL, () => import(${at("pipeline/row-tasks.ts")}));
useWorkerEntry(new URL("../kernels/stats-worker.js", import.meta.url), new URL("./stats-worker.js", import.meta.url));
`;
// The worker: its row tasks (preloaded at start, see stats-worker.ts) come from this bundle.
const WORKER_SETUP = `
import { registerTaskModule } from ${at("kernels/worker-protocol.ts")};
import { ROW_TASKS_URL } from ${at("pipeline/row-tasks-url.ts")};
registerTaskModule(ROW_TASKS_URL, () => import(${at("pipeline/row-tasks.ts")}));
`;
const ENTRIES = [
  { out: "cli", setup: CLI_SETUP, main: "cli/main.ts" },
  { out: "stats-worker", setup: WORKER_SETUP, main: "kernels/stats-worker.ts" },
];

/**
 * DuckDB's JavaScript client (@duckdb/node-api, ~180 CommonJS files) is bundled too: loaded file by
 * file it cost the main thread ~75 ms of CPU before the store could open, ~30 ms bundled. It is a
 * CommonJS file of its own (dist/bundle/duckdb-client.cjs, DUCKDB_CLIENT_FILE), required by
 * src/store/duckdb.ts when the store opens: inside the analysis's chunk its ~450 KB were parsed
 * with that chunk, before the first task, although the store opens after it. Its native layer
 * (@duckdb/node-bindings, which the client pins to one version) stays external, so the bundled
 * client is used only with the node-bindings version it was built with; with another (a prebuilt
 * dist/ installed beside newer packages) the store requires the installed client.
 */
const DUCKDB_SOURCE = "store/duckdb.ts";
const DUCKDB_REQUIRE = 'createRequire(import.meta.url)("@duckdb/node-api")';
const DUCKDB_CLIENT_FILE = "duckdb-client.cjs";
const bindingsVersion = JSON.parse(readFileSync(join(root, "node_modules", "@duckdb", "node-bindings", "package.json"), "utf8")).version;

/** The bundled DuckDB client when the installed bindings are the ones it was built with (see above). */
function duckdbClient(text) {
  if (!text.includes(DUCKDB_REQUIRE)) {
    throw new Error(`src/${DUCKDB_SOURCE} no longer loads DuckDB's client with ${DUCKDB_REQUIRE}: update scripts/build-bundle.mjs`);
  }
  const installed = 'createRequire(import.meta.url)("@duckdb/node-bindings/package.json").version';
  // import.meta.url is then that of dist/store/duckdb.js (perFileMetaUrl): the client file is ../bundle/<file>
  const bundled = `createRequire(import.meta.url)(${JSON.stringify(`../bundle/${DUCKDB_CLIENT_FILE}`)})`;
  return text.replace(DUCKDB_REQUIRE, `(${installed} === ${JSON.stringify(bindingsVersion)} ? ${bundled} : ${DUCKDB_REQUIRE})`);
}

/**
 * esbuild plugin: a source file's `import.meta.url` becomes the URL of its per-file output in dist/
 * (see above); src/store/duckdb.ts takes the bundled DuckDB client (duckdbClient).
 */
const perFileMetaUrl = {
  name: "per-file-import-meta-url",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      let text = readFileSync(args.path, "utf8");
      const rel = relative(src, args.path);
      if (rel.startsWith("..")) return undefined;
      if (rel.split(sep).join("/") === DUCKDB_SOURCE) text = duckdbClient(text);
      if (!text.includes("import.meta.url")) return { contents: text, loader: "ts" };
      const output = join(root, "dist", rel.replace(/\.ts$/, ".js"));
      const fromBundle = relative(outdir, output).split(sep).join("/");
      return { contents: text.replaceAll("import.meta.url", `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`), loader: "ts" };
    });
  },
};

/**
 * npm packages bundled (the others stay external): commander, which every command loads before it
 * starts: imported from ESM it cost the main thread ~25 ms of CPU (Node's CommonJS loader and its
 * export-name pre-parse for 6 files) before the analysis's workers could start, ~3 ms bundled.
 */
const BUNDLED_PACKAGES = new Set(["commander"]);

/** esbuild plugin: npm packages stay external (resolved from node_modules at run time), except BUNDLED_PACKAGES (DuckDB's client is a bundle of its own, see above). */
const externalPackages = {
  name: "external-packages",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (BUNDLED_PACKAGES.has(args.path) || args.path.startsWith("bundle-")) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/**
 * esbuild plugin: `bundle-entry:<out>` is the entry of that bundle (ENTRIES): its set-up, a module
 * of its own imported first (an entry's own statements would run after all its imports), then main.
 */
const entryModules = {
  name: "bundle-entries",
  setup(b) {
    b.onResolve({ filter: /^bundle-(entry|setup):/ }, (args) => {
      const [kind, out] = args.path.split(":");
      return { path: out, namespace: kind };
    });
    b.onLoad({ filter: /.*/, namespace: "bundle-entry" }, (args) => {
      const entry = ENTRIES.find((e) => e.out === args.path);
      return { contents: `import "bundle-setup:${entry.out}";\nimport ${at(entry.main)};\n`, resolveDir: src, loader: "js" };
    });
    b.onLoad({ filter: /.*/, namespace: "bundle-setup" }, (args) => ({ contents: ENTRIES.find((e) => e.out === args.path).setup, resolveDir: src, loader: "js" }));
  },
};

/** esbuild options both bundles share. */
const COMMON = {
  outdir,
  metafile: true,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  plugins: [externalPackages, perFileMetaUrl, entryModules],
  // `require` for the bundled CommonJS (DuckDB's client requires its native bindings)
  banner: { js: 'import { createRequire as __bundleCreateRequire } from "node:module";\nconst require = __bundleCreateRequire(import.meta.url);' },
  charset: "utf8",
  legalComments: "none",
  logLevel: "warning",
};

/** Both builds' module graphs in one metafile (the same source has the same imports in either). */
function mergedMeta(metas) {
  return { inputs: Object.assign({}, ...metas.map((m) => m.inputs)), outputs: Object.assign({}, ...metas.map((m) => m.outputs)) };
}

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
mkdirSync(join(root, "build"), { recursive: true });
try {
  const [cli, worker] = await Promise.all([
    build({
      ...COMMON,
      entryPoints: { cli: "bundle-entry:cli" },
      // code only some commands load (dynamic imports) goes to chunks beside the entry, loaded when
      // imported: `analyze` reads ~25 files (cli.js and its chunks), not the whole CLI (1.1 MB)
      splitting: true,
    }),
    // The worker is one file, shared with nothing: a worker thread resolves, reads and links one
    // module instead of ~23 (its static imports and the row tasks' chunks, ~220 KB either way).
    // Modules it imports dynamically stay lazy (esbuild evaluates them when the import runs).
    // Measured per worker (demo, cpu-prof): ESM resolution ~27 ms and module jobs ~35 ms -> a few ms.
    build({ ...COMMON, entryPoints: { "stats-worker": "bundle-entry:stats-worker" }, splitting: false }),
    // DuckDB's client (see DUCKDB_CLIENT_FILE): CommonJS as it is written, its native bindings external
    build({
      entryPoints: [join(root, "node_modules", "@duckdb", "node-api", "lib", "index.js")],
      outfile: join(outdir, DUCKDB_CLIENT_FILE),
      bundle: true,
      format: "cjs",
      platform: "node",
      target: "node20",
      external: ["@duckdb/node-bindings"],
      charset: "utf8",
      legalComments: "none",
      logLevel: "warning",
    }),
  ]);
  // what the bundles hold and how their modules import each other (test/cli/bundle.test.ts reads it; not shipped)
  writeFileSync(join(root, "build", "bundle-meta.json"), JSON.stringify(mergedMeta([cli.metafile, worker.metafile])));
} catch (err) {
  console.error(`build-bundle: bundling failed: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
  process.exit(1);
}
console.log(`build-bundle: built ${[...ENTRIES.map((e) => `${e.out}.js`), DUCKDB_CLIENT_FILE].join(", ")} into ${relative(root, outdir)}${sep}`);
