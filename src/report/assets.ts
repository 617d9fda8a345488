// Loads the browser assets inlined into the report: the minified ECharts bundle from
// node_modules and the page's own script, bundled from src/report/browser/ at build time
// (scripts/build-report-client.mjs). The only report module that reads files.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { ForkingPathsError } from "../util/errors.js";

/** The chart library bundle inlined into every report. */
export const ECHARTS_BUNDLE = "echarts/dist/echarts.min.js";

/** The page's script, relative to the repository (or installed package) root. */
export const REPORT_CLIENT_BUNDLE = "build/report/client.js";

let cachedEcharts: string | undefined;
let cachedClient: string | undefined;

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

/** The report page's own script (src/report/browser/ bundled), made safe to inline; read once per process. */
export function reportClientSource(): string {
  if (cachedClient !== undefined) return cachedClient;
  // this module sits two folders below the root both as src/report/assets.ts and dist/report/assets.js
  const path = fileURLToPath(new URL(`../../${REPORT_CLIENT_BUNDLE}`, import.meta.url));
  let source: string;
  try {
    source = readFileSync(path, "utf8");
  } catch (cause) {
    throw new ForkingPathsError(
      "REPORT_ASSET",
      `cannot read ${path}: the report inlines the page script built from src/report/browser/ ---> HINT: run npm run build:ts in the forking-paths folder`,
      { cause },
    );
  }
  cachedClient = inlineScriptSafe(source);
  return cachedClient;
}

/** Escapes "</script" so inlined code cannot close its <script> element early. */
export function inlineScriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1");
}
