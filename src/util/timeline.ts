// Phase stamps of one process, for finding where the wall time of a command goes: with
// FP_TIMELINE=1 in the environment, each stamp's time since the process started, the CPU time
// used by then (all threads) and by the thread that stamped it (Linux; "-" elsewhere) go to
// stderr when the process exits; otherwise stamps cost nothing. Workers send theirs to the main
// thread (threadStamp, stampFrom). Not a profiler: a handful of named moments (modules loaded,
// first tensor, last commit, exit).
import { openSync, readSync } from "node:fs";

const enabled = process.env.FP_TIMELINE === "1";

/** Whether stamps are recorded (FP_TIMELINE=1); a worker sends its own to the main thread only then. */
export const timelineEnabled = enabled;

interface Stamp { at: number; cpu: number; threadCpu: number; count: number }
/** A moment in another thread (a worker), as it is sent to the main thread: phase, time since the epoch, process and thread CPU (ms; NaN: unknown). */
export type ThreadStamp = [phase: string, epochMs: number, cpuMs: number, threadCpuMs: number];

const stamps = new Map<string, Stamp>();

/** This thread's /proc/thread-self/schedstat, opened once per thread (module state is per thread); -1: unavailable. */
let schedstat: number | undefined;
const schedBuffer = Buffer.alloc(64);

/** CPU time of the calling thread in ms (Linux: schedstat's first field, in ns), or NaN. */
function threadCpuMs(): number {
  try {
    schedstat ??= openSync("/proc/thread-self/schedstat", "r");
    if (schedstat < 0) return NaN;
    const n = readSync(schedstat, schedBuffer, 0, schedBuffer.length, 0);
    return Number(schedBuffer.toString("latin1", 0, n).split(" ")[0]) / 1e6;
  } catch {
    schedstat = -1;
    return NaN;
  }
}

function processCpuMs(): number {
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1000;
}

/** Now; with the thread's CPU unless `thread` is false (reading it takes ~10 us: not for stamps made per tensor). */
function now(thread = true): Stamp {
  return { at: performance.now(), cpu: processCpuMs(), threadCpu: thread ? threadCpuMs() : NaN, count: 1 };
}

/** Records the first time `phase` happens (later calls only count). */
export function stamp(phase: string): void {
  if (!enabled) return;
  const s = stamps.get(phase);
  if (s !== undefined) s.count++;
  else stamps.set(phase, now());
}

/** Records the last time `phase` happens (each call moves it; the thread's CPU is not read). */
export function stampLast(phase: string): void {
  if (!enabled) return;
  const count = (stamps.get(phase)?.count ?? 0) + 1;
  stamps.delete(phase); // re-inserted: the printed order is the order of the recorded times
  stamps.set(phase, { ...now(false), count });
}

/**
 * This moment in this thread (or the earlier moment `at`, in this thread's performance.now()
 * time, with unknown CPU), for another thread's stampFrom: times cross threads as epoch times.
 */
export function threadStamp(phase: string, at?: number): ThreadStamp {
  const epochMs = performance.timeOrigin + (at ?? performance.now());
  return at === undefined ? [phase, epochMs, processCpuMs(), threadCpuMs()] : [phase, epochMs, NaN, NaN];
}

/** Records a stamp made in another thread (threadStamp) under `prefix` + its phase (e.g. "worker 0: "). */
export function stampFrom(prefix: string, [phase, epochMs, cpu, threadCpu]: ThreadStamp): void {
  if (!enabled) return;
  stamps.set(prefix + phase, { at: epochMs - performance.timeOrigin, cpu, threadCpu, count: 1 });
}

const ms = (x: number) => (Number.isNaN(x) ? "-" : x.toFixed(0)).padStart(6);

if (enabled) {
  process.on("exit", () => {
    stamps.delete("exit");
    stamps.set("exit", now());
    const rows = [...stamps.entries()].sort((a, b) => a[1].at - b[1].at);
    const lines = rows.map(([phase, s]) => `timeline ${s.at.toFixed(1).padStart(8)} ms  cpu ${ms(s.cpu)} ms  thread ${ms(s.threadCpu)} ms  ${phase}${s.count > 1 ? ` (x${s.count})` : ""}`);
    process.stderr.write(`${lines.join("\n")}\n`);
  });
}
