#!/usr/bin/env node
// Entry point of the `forking-paths` command: runs the bundled CLI (dist/bundle/cli.js, built by
// `npm run build`: src/cli/main.ts and what it loads in one file, scripts/build-bundle.mjs).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/bundle/cli.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error("forking-paths: dist/bundle/cli.js is missing ---> HINT: run `npm install` (or `npm run build`) in the package folder first.");
  process.exit(2);
}
await import(main.href);
