// What the report page provides around its own code: the ECharts library (an inline <script>
// before this bundle defines the global `echarts`) and the window properties that the page sets
// for the tests and the benchmark (readiness timestamps, live state, chart registry).
import type * as EChartsLibrary from "echarts";
import type { ChartEntry } from "./app.js";

/** Timestamps (performance.now()) of the page's start-up, read by the benchmark and the tests. */
export interface ReportReady {
  headParsed?: number;
  libraryLoaded?: number;
  dataInPage?: number;
  parsed: number | null;
  firstChart: number | null;
  visibleDrawn: number | null;
  charts: number;
}

/** Live-dashboard state (served mode), read by the tests. */
export interface LiveState {
  enabled: boolean;
  connected: boolean;
  updates: number;
  errors: LiveError[];
}

/** An analysis error pushed by the dashboard server (SSE `error` event). */
export interface LiveError {
  message: string;
  file?: string;
}

/** The page's test hooks. */
export interface PageHooks {
  registry: Record<string, ChartEntry>;
  svgString(key: string): string;
  heatmaps(): unknown[];
  setFilter(text: string): void;
}

declare global {
  const echarts: typeof EChartsLibrary;
  interface Window {
    __reportReady: ReportReady;
    __fpLive: LiveState;
    __fp: PageHooks;
  }
}
