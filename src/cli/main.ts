#!/usr/bin/env node
// The `forking-paths` command line: one subcommand per file under commands/; errors become one
// line on stderr and a non-zero exit code (2 for usage errors, 1 for everything else).
import { Command, CommanderError } from "commander";
import { ForkingPathsError, UsageError } from "../util/errors.js"; // not index.js: a command loads what it needs (commands/index.ts)
import { registerCommands } from "./commands/index.js";
import { terminalSafe } from "./terminal.js";
import { stamp } from "../util/timeline.js";
import { applyCliV8FlagsOnce, FLAGS_AFTER_START_UP } from "./v8-flags.js";
import { exitsOnceDone } from "./exit.js";

export async function main(argv: string[]): Promise<number> {
  stamp("cli: modules loaded");
  const program = new Command("forking-paths")
    .description("What does training do to a Transformer's parameters? Statistics, bifurcations and change points across checkpoints.")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    // V8's flags for this process: before the command runs, or, for a command that starts worker
    // threads, once they have started (src/cli/v8-flags.ts: a changed flag costs them Node's code cache)
    .hook("preAction", (_program, command) => {
      if (!FLAGS_AFTER_START_UP.has(command.name())) applyCliV8FlagsOnce();
    });
  try {
    await registerCommands(program, argv[0]);
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (help, version, unknown option...).
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`forking-paths: ${terminalSafe(err.message)}\n`);
    return 2;
  }
  if (err instanceof ForkingPathsError) {
    process.stderr.write(`forking-paths: ${terminalSafe(err.message)}\n`);
    return 1;
  }
  const e = err as Error;
  process.stderr.write(`forking-paths: internal error: ${terminalSafe(e?.message ?? String(err))} (please report it)\n`);
  if (process.env.FORKING_PATHS_DEBUG) process.stderr.write(`${e?.stack ?? ""}\n`);
  return 1;
}

const code = await main(process.argv.slice(2));
if (code === 0 && exitsOnceDone()) process.exit(code); // a command with nothing left to do (exit.ts)
process.exitCode = code;
