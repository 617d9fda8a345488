// How a test starts one of the repository's TypeScript modules in a child node process: from the
// compiled tree of scripts/run-tests.mjs (scripts/compile-tests.mjs; this helper is then a .js
// module) the child runs the module's compiled `.js` sibling with plain node; from the sources
// (`node --import tsx --test x.test.ts`) it runs the `.ts` under tsx. tsx cost each child ~0.6-0.9
// CPU s to start and transpile (issue 11: the suite's time on 2 cores). Not for the CLI: that is
// test/helpers/cli.ts (the bundle).

/** Whether the tests run from the compiled tree (this module is then compiled: a .js file). */
export const COMPILED = import.meta.url.endsWith(".js");

/** Node's options that load a module of the repository: none for compiled JavaScript (source maps on, for stack traces), tsx for TypeScript. */
export function loaderArgs(compiled = COMPILED): string[] {
  return compiled ? ["--enable-source-maps"] : ["--import", "tsx"];
}

/**
 * The file (or file: URL) that runs `module`, a TypeScript module of the repository named by its
 * source (`x.ts`, absolute, relative or a file: URL): its compiled `x.js` beside it in the compiled
 * tree, itself from the sources. Throws when `module` is not a `.ts` module.
 */
export function runnable(module: string, compiled = COMPILED): string {
  if (!module.endsWith(".ts") || module.endsWith(".d.ts")) throw new Error(`node-child: ${module} is not a TypeScript module (x.ts) ---> HINT: name the module by its source file`);
  return compiled ? `${module.slice(0, -".ts".length)}.js` : module;
}

/** Node's arguments that run `module` (see runnable) as a child's main module; the child's own arguments follow. */
export function nodeArgsFor(module: string, compiled = COMPILED): string[] {
  return [...loaderArgs(compiled), runnable(module, compiled)];
}
