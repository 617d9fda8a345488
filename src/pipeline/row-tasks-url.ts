// Where the row tasks (pipeline/row-tasks.ts) live, for the pool's calls and the workers'
// preload, without importing them: their graph (the shape statistics, ~40 modules) is the
// workers' work, and the main thread need not load it (issue 11: start-up).
import { MODULE_EXT } from "../kernels/load.js";

/** URL of pipeline/row-tasks (".ts" under tsx, ".js" compiled): StatsPool.call's module. */
export const ROW_TASKS_URL = new URL(`./row-tasks${MODULE_EXT}`, import.meta.url).href;
