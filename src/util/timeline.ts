// Phase stamps of one process, for finding where the wall time of a command goes: with
// FP_TIMELINE=1 in the environment, each stamp's time since the process started, the CPU time
// used by then (all threads) and by the thread that stamped it (Linux; "-" elsewhere) go to
// stderr when the process exits; otherwise stamps cost nothing. Workers send theirs to the main
// thread (threadStamp, stampFrom). Not a profiler: a handful of named moments (modules loaded,
// first tensor, last commit, exit).
import { openSync, readFileSync, readlinkSync, readSync } from "node:fs";
import { monitorEventLoopDelay, performance as nodePerformance } from "node:perf_hooks";

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

// FP_LOAD_MS=<ms>: every <ms>, each probe (a thread's event-loop active time, a queue's length)
// is sampled; at exit, per bucket of <ms>, the share of the bucket a thread's loop was active
// (ELU: busy or preempted, not waiting for messages) and each level's mean go to stderr, then the
// same over the steady state (first task posted to last reply). A worker idle while work exists
// is starved by the dispatch; a worker active with little CPU is preempted (a loaded machine).
const loadMs = Number(process.env.FP_LOAD_MS ?? 0);
/** Whether load probes are sampled (FP_LOAD_MS set). */
export const loadSamplingEnabled = loadMs > 0;

interface Probe { name: string; read: () => number; cumulative: boolean; samples: number[] }
const probes: Probe[] = [];
const sampleTimes: number[] = [];

/**
 * Samples `read` every FP_LOAD_MS ms: `cumulative` (ms of activity so far: a share of each
 * bucket is printed) or a level (its mean per bucket). No-op unless FP_LOAD_MS is set.
 */
export function addProbe(name: string, read: () => number, cumulative: boolean): void {
  if (!loadSamplingEnabled) return;
  probes.push({ name, read, cumulative, samples: sampleTimes.map(() => NaN) });
}

/** This thread's id (Linux; NaN elsewhere). */
export function threadId(): number {
  try {
    return Number(readlinkSync("/proc/thread-self").split("/").pop());
  } catch {
    return NaN;
  }
}

/**
 * Probes of thread `tid`'s scheduling (Linux schedstat): ms on a CPU (`name`c) and ms waiting
 * for one while runnable (`name`r); the rest of the time it slept (no work, or blocked).
 */
export function addThreadProbes(name: string, tid: number): void {
  const read = (field: number) => () => {
    try {
      return Number(readFileSync(`/proc/self/task/${tid}/schedstat`, "latin1").split(" ")[field]) / 1e6;
    } catch {
      return NaN;
    }
  };
  addProbe(`${name}c`, read(0), true);
  addProbe(`${name}r`, read(1), true);
}

if (loadSamplingEnabled) {
  addThreadProbes("m", threadId());
  addProbe("main", () => nodePerformance.eventLoopUtilization().active, true);
  // the longest this thread's loop was blocked since the last sample (ms)
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  addProbe("mblk", () => {
    const max = delay.max / 1e6;
    delay.reset();
    return max;
  }, false);
  const sample = () => {
    sampleTimes.push(performance.now());
    for (const p of probes) p.samples.push(p.read());
  };
  setInterval(sample, loadMs).unref();
  process.on("exit", () => {
    sample();
    const from = stamps.get("pool: first task posted")?.at ?? 0;
    const to = stamps.get("pool: last reply")?.at ?? Infinity;
    const cell = (p: Probe, i: number) => {
      const v = p.samples[i]!, u = p.samples[i - 1]!;
      if (Number.isNaN(v) || Number.isNaN(u)) return "     -";
      return p.cumulative ? `${((100 * (v - u)) / (sampleTimes[i]! - sampleTimes[i - 1]!)).toFixed(0)}%`.padStart(6) : v.toFixed(1).padStart(6);
    };
    const lines = [`load    t ms ${probes.map((p) => p.name.slice(-6).padStart(6)).join(" ")}`];
    for (let i = 1; i < sampleTimes.length; i++) lines.push(`load ${sampleTimes[i]!.toFixed(0).padStart(7)} ${probes.map((p) => cell(p, i)).join(" ")}`);
    const steady = (p: Probe) => {
      let sum = 0, span = 0, n = 0;
      for (let i = 1; i < sampleTimes.length; i++) {
        if (sampleTimes[i - 1]! < from || sampleTimes[i]! > to || Number.isNaN(p.samples[i]!) || Number.isNaN(p.samples[i - 1]!)) continue;
        span += sampleTimes[i]! - sampleTimes[i - 1]!;
        sum += p.cumulative ? p.samples[i]! - p.samples[i - 1]! : p.samples[i]!;
        n++;
      }
      return p.cumulative ? `${p.name} ${(100 * sum / span).toFixed(0)}%` : `${p.name} mean ${(sum / n).toFixed(1)}`;
    };
    lines.push(`load steady state ${from.toFixed(0)}-${to.toFixed(0)} ms: ${probes.map(steady).join(", ")}`);
    process.stderr.write(`${lines.join("\n")}\n`);
  });
}
