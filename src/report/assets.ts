// Loads the browser assets inlined into the report: the minified ECharts bundle from
// node_modules. The only report module that reads files.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { ForkingPathsError } from "../util/errors.js";

/** The chart library bundle inlined into every report. */
export const ECHARTS_BUNDLE = "echarts/dist/echarts.min.js";

let cachedEcharts: string | undefined;

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

/** Escapes "</script" so inlined code cannot close its <script> element early. */
export function inlineScriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1");
}
