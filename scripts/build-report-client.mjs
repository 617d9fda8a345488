// Bundles the pages' browser code (src/report/browser/, type-checked by `npm run typecheck` with
// its own DOM tsconfig) into classic scripts: build/report/client.js (main.ts: the report page,
// inlined by render.ts after the ECharts bundle) and build/report/progress.js (progress.ts: the
// queue progress page). Part of `npm run build:ts`.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const BUNDLES = [["main.ts", "client.js"], ["progress.ts", "progress.js"]];
mkdirSync(join(root, "build", "report"), { recursive: true });

for (const [source, target] of BUNDLES) {
  const entry = join(root, "src", "report", "browser", source);
  try {
    await bundle(entry, join(root, "build", "report", target));
  } catch (err) {
    console.error(`build-report-client: bundling ${entry} failed: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
    process.exit(1);
  }
}
console.log(`build-report-client: built ${BUNDLES.map(([, t]) => t).join(", ")} into build/report/`);

async function bundle(entry, outfile) {
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
}
