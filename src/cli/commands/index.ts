// Registers every subcommand; one file per command.
import type { Command } from "commander";
import { register as analyze } from "./analyze.js";
import { register as stats } from "./stats.js";
import { register as exportCmd } from "./export.js";
import { register as synth } from "./synth.js";
import { register as demo } from "./demo.js";
import { register as events } from "./events.js";
import { register as report } from "./report.js";
import { register as serve } from "./serve.js";
import { register as metrics } from "./metrics.js";
import { register as train } from "./train.js";
import { register as evalCmd } from "./eval.js";
import { register as prune } from "./prune.js";
import { register as study } from "./study.js";
import { register as correlate } from "./correlate.js";
import { register as merge } from "./merge.js";
import { register as cluster } from "./cluster.js";
import { register as worker } from "./worker.js";

export function registerCommands(program: Command): void {
  for (const register of [demo, train, evalCmd, analyze, events, stats, exportCmd, synth, report, serve, metrics, correlate, prune, study, merge, cluster, worker]) register(program);
}
