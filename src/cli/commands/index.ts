// Registers the subcommands; one file per command. A command line naming one command loads only
// that command's file (and what it imports): start-up is on the critical path of short runs, and
// the whole library takes ~0.1-0.2 s of CPU to load. Help, unknown commands and options before a
// command register them all.
import type { Command } from "commander";

type CommandModule = { register(program: Command): void };

/** Each command's module, in the order `--help` lists them. */
const COMMANDS: Readonly<Record<string, () => Promise<CommandModule>>> = {
  demo: () => import("./demo.js"),
  train: () => import("./train.js"),
  eval: () => import("./eval.js"),
  analyze: () => import("./analyze.js"),
  events: () => import("./events.js"),
  stats: () => import("./stats.js"),
  export: () => import("./export.js"),
  synth: () => import("./synth.js"),
  report: () => import("./report.js"),
  serve: () => import("./serve.js"),
  metrics: () => import("./metrics.js"),
  correlate: () => import("./correlate.js"),
  prune: () => import("./prune.js"),
  study: () => import("./study.js"),
  merge: () => import("./merge.js"),
  cluster: () => import("./cluster.js"),
  worker: () => import("./worker.js"),
};

/** Registers the command `name` alone when it is one (argv's first word), else every command. */
export async function registerCommands(program: Command, name?: string): Promise<void> {
  const only = name !== undefined && Object.hasOwn(COMMANDS, name) ? [COMMANDS[name]!] : Object.values(COMMANDS);
  for (const mod of await Promise.all(only.map((load) => load()))) mod.register(program);
}
