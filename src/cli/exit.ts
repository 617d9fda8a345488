// Ending the CLI's process once a command has finished everything it does.

let exitWhenDone = false;

/**
 * Called by a command when all it does is done (its store closed, its workers stopped, its output
 * written): main.ts then ends the process with process.exit instead of letting Node tear it down
 * (disposing the main thread's V8 heap: ~45 CPU ms on the main thread after a 410m analyze, perf
 * -F 2000, on the critical path of the command's wall time). Nothing asynchronous may be left that
 * the command still needs: process.exit cuts it off (stdout and stderr are synchronous on Linux;
 * --cpu-prof profiles and the timeline's exit stamps are still written).
 */
export function exitOnceDone(): void {
  exitWhenDone = true;
}

/** Whether a command asked for exitOnceDone. */
export function exitsOnceDone(): boolean {
  return exitWhenDone;
}
