// Loads the browser assets inlined into the report: the minified ECharts bundle from
// node_modules and the page's own script, bundled from src/report/browser/ at build time
// (scripts/build-report-client.mjs). The only report module that reads files.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { ForkingPathsError } from "../util/errors.js";

/** The chart library bundle inlined into every report. */
export const ECHARTS_BUNDLE = "echarts/dist/echarts.min.js";

/** The report page's script, relative to the repository (or installed package) root. */
export const REPORT_CLIENT_BUNDLE = "build/report/client.js";
/** The queue progress page's script, likewise. */
export const PROGRESS_CLIENT_BUNDLE = "build/report/progress.js";

let cachedEcharts: string | undefined;
const cachedBundles = new Map<string, string>();

/** Source of echarts.min.js, made safe to inline in a <script> element; read once per process. */
export function echartsSource(): string {
  if (cachedEcharts !== undefined) return cachedEcharts;
  const require = createRequire(import.meta.url);
  let path: string;
  try {
    path = require.resolve(ECHARTS_BUNDLE);
  } catch (cause) {
    throw new ForkingPathsError(
      "REPORT_ASSET",
      `cannot find ${ECHARTS_BUNDLE}: the report inlines the ECharts library ---> HINT: run npm install in the forking-paths folder`,
      { cause },
    );
  }
  cachedEcharts = inlineScriptSafe(readFileSync(path, "utf8"));
  return cachedEcharts;
}

/** The report page's own script (src/report/browser/main.ts bundled), made safe to inline; read once per process. */
export function reportClientSource(): string {
  return bundleSource(REPORT_CLIENT_BUNDLE);
}

/** The queue progress page's script (src/report/browser/progress.ts bundled), made safe to inline; read once per process. */
export function progressClientSource(): string {
  return bundleSource(PROGRESS_CLIENT_BUNDLE);
}

function bundleSource(bundle: string): string {
  const cached = cachedBundles.get(bundle);
  if (cached !== undefined) return cached;
  // this module sits two folders below the root both as src/report/assets.ts and dist/report/assets.js
  const path = fileURLToPath(new URL(`../../${bundle}`, import.meta.url));
  let source: string;
  try {
    source = readFileSync(path, "utf8");
  } catch (cause) {
    throw new ForkingPathsError(
      "REPORT_ASSET",
      `cannot read ${path}: pages inline the scripts built from src/report/browser/ ---> HINT: run npm run build:ts in the forking-paths folder`,
      { cause },
    );
  }
  const safe = inlineScriptSafe(source);
  cachedBundles.set(bundle, safe);
  return safe;
}

/** Escapes "</script" so inlined code cannot close its <script> element early. */
export function inlineScriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1");
}
