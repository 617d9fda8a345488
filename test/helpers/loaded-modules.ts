// Which of the project's modules a thread loads when it imports a given module (its static graph
// as Node loads it: type-only imports are gone, dynamic imports not followed until they run), in a
// fresh child process: for tests that keep start-up paths light (issue 11).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const hooks = new URL("./loaded-modules-hooks.mjs", import.meta.url).href;
/**
 * Run from scripts/run-tests.mjs's compiled tree (scripts/compile-tests.mjs: this helper is then a
 * .js module): the child imports the compiled modules with plain node (no tsx, compiled as tsx
 * compiles them), and each is named by its source (.ts).
 */
const COMPILED = import.meta.url.endsWith(".js");

/**
 * Paths (relative to the repository, e.g. "src/pipeline/analyze.ts") of the project's modules
 * loaded by importing `modulePath` (relative to the repository). The whole static graph loads
 * before any of it runs, so a module that throws when run outside its thread (a worker entry)
 * still shows its graph: its error is ignored.
 */
export function modulesLoadedBy(modulePath: string): string[] {
  const prefix = `file://${root}/`.replace(/\/+$/, "/");
  return urlsLoadedBy(modulePath).filter((u) => u.startsWith(prefix) && !u.includes("/node_modules/")).map((u) => u.slice(prefix.length)).sort();
}

/** Node's built-in modules imported (statically, by ESM imports) when importing `modulePath`: "node:fs", ... */
export function builtinsImportedBy(modulePath: string): string[] {
  return urlsLoadedBy(modulePath).filter((u) => u.startsWith("node:")).sort();
}

/** URLs of every module loaded by importing `modulePath` (relative to the repository). */
function urlsLoadedBy(modulePath: string): string[] {
  const target = new URL(COMPILED ? modulePath.replace(/\.ts$/, ".js") : modulePath, `file://${root}/`).href;
  const script = `
    import { register } from "node:module";
    import { MessageChannel } from "node:worker_threads";
    const loaded = new Set();
    const { port1, port2 } = new MessageChannel();
    port1.on("message", (url) => loaded.add(url));
    register(${JSON.stringify(hooks)}, { data: { port: port2 }, transferList: [port2] });
    await import(${JSON.stringify(target)}).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 50)); // the hooks' last messages
    port1.close();
    process.stdout.write(JSON.stringify([...loaded]));
  `;
  const out = execFileSync(process.execPath, [...(COMPILED ? [] : ["--import", "tsx"]), "--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
  const urls = JSON.parse(out) as string[];
  const source = (u: string): string => (u.startsWith("file:") && u.endsWith(".js") && existsSync(fileURLToPath(u.replace(/\.js$/, ".ts"))) ? u.replace(/\.js$/, ".ts") : u);
  return COMPILED ? urls.map(source) : urls;
}
