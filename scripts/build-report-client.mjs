// Bundles the report page's browser code (src/report/browser/, type-checked by `npm run
// typecheck` with its own DOM tsconfig) into build/report/client.js: one classic script that
// render.ts inlines into every report after the ECharts bundle. Part of `npm run build:ts`.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const entry = join(root, "src", "report", "browser", "main.ts");
const outfile = join(root, "build", "report", "client.js");
mkdirSync(join(root, "build", "report"), { recursive: true });

try {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "iife",
    target: "es2020",
    platform: "browser",
    charset: "utf8",
    legalComments: "none",
    logLevel: "warning",
  });
} catch (err) {
  console.error(`build-report-client: bundling ${entry} failed: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
  process.exit(1);
}
console.log("build-report-client: built build/report/client.js");
