// Registers every subcommand; one file per command.
import type { Command } from "commander";
import { register as analyze } from "./analyze.js";
import { register as stats } from "./stats.js";
import { register as exportCmd } from "./export.js";
import { register as synth } from "./synth.js";
import { register as demo } from "./demo.js";
import { register as events } from "./events.js";
import { register as metrics } from "./metrics.js";

export function registerCommands(program: Command): void {
  for (const register of [demo, analyze, events, stats, exportCmd, synth, metrics]) register(program);
}
