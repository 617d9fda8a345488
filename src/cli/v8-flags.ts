// V8 flags the command line sets for its own process (V8's flags are per process: they apply to
// the main thread and to the analysis's worker threads). Not set by the library (src/index.ts): a
// program that imports it keeps its own flags.
//
// When: once start-up is over, not first thing. V8 checks a hash of every flag that differs from
// its default before it takes a code cache, and Node compiles its own internal modules from the
// code cache built into the node binary: with a flag changed, each thread compiles every internal
// module it loads afterwards from source. Set at the CLI's start, that was ~150 modules on the demo
// (`NODE_DEBUG_NATIVE=CODE_CACHE` prints "is rejected"), ~30 ms of CPU in each analysis worker's
// start-up (thread CPU at "task modules loaded", 410m, 4 runs each: 110-127 -> 76-104 ms). So main.ts
// applies the flags before a command runs, except analyze (FLAGS_AFTER_START_UP), which applies them
// once its pool's workers have started (StatsPool.started): by then the threads have loaded what
// they load, and the flags still cover the analysis itself.
import { setFlagsFromString } from "node:v8";
import { stamp } from "../util/timeline.js";

/** V8's default interrupt budget (Node 20, V8 11.3): bytecode executed between two tier-up checks of a function. */
export const V8_DEFAULT_INTERRUPT_BUDGET = 66 * 1024;

/**
 * The CLI's interrupt budget: a function is handed to TurboFan (V8's compiler threads) after
 * three times V8's default amount of work. Each thread optimises its own copy of every hot
 * function (isolates share no code), and on 2 cores those compiler threads compete with the
 * analysis: functions that run only briefly (start-up, a checkpoint's set-up, event detection)
 * were optimised in each of the 3 threads and then hardly used. Demo (`analyze /tmp/demo-run`,
 * perf, 2 runs each): JS TurboFan samples 1,774 and 1,720 -> 914 and 1,040 (0.5 ms each), CLI
 * CPU 5.31 -> 4.95 s (means of 5-6 runs at load 6-9). Long loops still tier up after a few
 * hundred microseconds more of baseline code. Optimised code computes the same doubles as the
 * interpreter (same bytes: the reference stores' hashes).
 */
export const CLI_INTERRUPT_BUDGET = 3 * V8_DEFAULT_INTERRUPT_BUDGET;

/** The flags the CLI applies (setFlagsFromString), unless the process was started with its own (node --interrupt-budget=...). */
export const CLI_V8_FLAGS: readonly string[] = [`--interrupt-budget=${CLI_INTERRUPT_BUDGET}`];

/** Applies CLI_V8_FLAGS to this process, each unless node was started with that flag; the flags applied. */
export function applyCliV8Flags(execArgv: readonly string[] = process.execArgv): string[] {
  const applied: string[] = [];
  for (const flag of CLI_V8_FLAGS) {
    const name = flag.slice(0, flag.indexOf("="));
    if (execArgv.some((a) => a === name || a.startsWith(`${name}=`) || a.replaceAll("_", "-").startsWith(`${name}=`))) continue;
    setFlagsFromString(flag);
    applied.push(flag);
  }
  return applied;
}

let applied = false;

/** Applies CLI_V8_FLAGS (applyCliV8Flags) the first time it is called; later calls do nothing. */
export function applyCliV8FlagsOnce(): void {
  if (applied) return;
  applied = true;
  applyCliV8Flags();
  stamp("cli: V8 flags applied");
}

/** Commands that apply the flags themselves once their start-up is over (see above); main.ts applies them before any other command runs. */
export const FLAGS_AFTER_START_UP: ReadonlySet<string> = new Set(["analyze"]);
