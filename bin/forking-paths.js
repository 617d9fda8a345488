#!/usr/bin/env node
// Entry point of the `forking-paths` command: runs the compiled CLI (built by `npm run build`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error("forking-paths: dist/ is missing ---> HINT: run `npm install` (or `npm run build`) in the package folder first.");
  process.exit(2);
}
await import(main.href);
