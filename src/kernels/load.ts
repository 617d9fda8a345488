// Loads compiled WASM kernels from build/kernels/<name>.wasm (built by `npm run build:kernels`).
import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker, isMainThread, workerData, type WorkerOptions } from "node:worker_threads";
import { KernelError } from "../util/errors.js";

/** Absolute path of a compiled kernel (works from src/ under tsx and from dist/). */
export function kernelPath(name: string): string {
  return fileURLToPath(new URL(`../../build/kernels/${name}.wasm`, import.meta.url));
}

const modules = new Map<string, WebAssembly.Module>();

/** Key of the compiled kernels a parent thread hands to its workers in `workerData` (sharedKernelData). */
const SHARED_KERNELS_KEY = "forkingPathsKernels";

/**
 * workerData entry that gives a worker the kernels this thread has compiled (a WebAssembly.Module
 * is cloned to a worker without recompiling), so each process compiles a kernel once. Kernels that
 * fail to compile are left out: the worker reports the error with its first request.
 */
export function sharedKernelData(names: readonly string[]): Record<string, Record<string, WebAssembly.Module>> {
  const shared: Record<string, WebAssembly.Module> = {};
  for (const name of names) {
    try {
      shared[name] = kernelModule(name);
    } catch {
      // reported by the worker, which tries again
    }
  }
  return { [SHARED_KERNELS_KEY]: shared };
}

/** The kernel `name` handed down by the parent thread (sharedKernelData), if any. */
function inheritedModule(name: string): WebAssembly.Module | undefined {
  const data: unknown = isMainThread ? undefined : workerData;
  if (typeof data !== "object" || data === null) return undefined;
  const shared = (data as Record<string, unknown>)[SHARED_KERNELS_KEY] as Record<string, unknown> | undefined;
  const mod = shared?.[name];
  return mod instanceof WebAssembly.Module ? mod : undefined;
}

/** Compiles (once per process: workers inherit the parent's, see sharedKernelData) and returns the WebAssembly.Module of a kernel. */
export function kernelModule(name: string): WebAssembly.Module {
  let mod = modules.get(name) ?? inheritedModule(name);
  if (mod !== undefined) modules.set(name, mod);
  if (mod === undefined) {
    const path = kernelPath(name);
    if (!existsSync(path)) {
      throw new KernelError(`WASM kernel "${name}" not found at ${path} ---> HINT: run \`npm run build:kernels\``);
    }
    try {
      mod = new WebAssembly.Module(readFileSync(path));
    } catch (err) {
      throw new KernelError(`WASM kernel "${name}" at ${path} failed to compile: ${(err as Error).message}`, { cause: err });
    }
    modules.set(name, mod);
  }
  return mod;
}

/**
 * A fresh instance of a kernel (AssemblyScript stub runtime: `abort` imported, and the host's
 * Math.cos / Math.sin for the shape kernel's FFT, assembly/lib/fft.ts; unused imports are ignored).
 */
export function instantiateKernel(name: string): WebAssembly.Instance {
  return new WebAssembly.Instance(kernelModule(name), {
    env: {
      abort: (_msg: number, _file: number, line: number, col: number) => {
        throw new KernelError(`WASM kernel "${name}" aborted at ${line}:${col}`);
      },
      seed: () => 0,
      cos: Math.cos,
      sin: Math.sin,
    },
  });
}

/** File extension of sibling modules (".ts" under tsx, ".js" when compiled), for Worker URLs. */
export const MODULE_EXT = import.meta.url.endsWith(".ts") ? ".ts" : ".js";

/** Worker entry modules a bundle runs instead of a per-file module (useWorkerEntry), by the module's URL. */
const workerEntries = new Map<string, URL>();

/**
 * Workers started from now on for the module at `moduleUrl` run `entry` instead: a bundle's own
 * worker entry (scripts/build-bundle.mjs: the CLI's statistics workers run dist/bundle/stats-worker.js).
 */
export function useWorkerEntry(moduleUrl: URL, entry: URL): void {
  workerEntries.set(moduleUrl.href, entry);
}

/**
 * Starts a worker thread running the module at `url` (build it with MODULE_EXT), or the entry a
 * bundle put in its place (useWorkerEntry). Compiled, it is a plain ESM worker. Under tsx (".ts" sources) Node 20 does not apply `--import tsx` to
 * workers, so the worker first registers tsx's ESM hooks, then imports the module.
 */
export function startModuleWorker(url: URL, options: WorkerOptions = {}): Worker {
  if (MODULE_EXT !== ".ts") return new Worker(workerEntries.get(url.href) ?? url, options);
  const api = import.meta.resolve("tsx/esm/api");
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(code, { ...options, eval: true });
}
