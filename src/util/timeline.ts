// Phase stamps of one process, for finding where the wall time of a command goes: with
// FP_TIMELINE=1 in the environment, each stamp's time since the process started and the CPU time
// used by then (all threads) go to stderr when the process exits; otherwise stamps cost nothing.
// Not a profiler: a handful of named moments (modules loaded, first tensor, last commit, exit).

const enabled = process.env.FP_TIMELINE === "1";

interface Stamp { at: number; cpu: number; count: number }
const stamps = new Map<string, Stamp>();

function now(): Stamp {
  const cpu = process.cpuUsage();
  return { at: performance.now(), cpu: (cpu.user + cpu.system) / 1000, count: 1 };
}

/** Records the first time `phase` happens (later calls only count). */
export function stamp(phase: string): void {
  if (!enabled) return;
  const s = stamps.get(phase);
  if (s !== undefined) s.count++;
  else stamps.set(phase, now());
}

/** Records the last time `phase` happens (each call moves it). */
export function stampLast(phase: string): void {
  if (!enabled) return;
  const count = (stamps.get(phase)?.count ?? 0) + 1;
  stamps.delete(phase); // re-inserted: the printed order is the order of the recorded times
  stamps.set(phase, { ...now(), count });
}

if (enabled) {
  process.on("exit", () => {
    stampLast("exit");
    const rows = [...stamps.entries()].sort((a, b) => a[1].at - b[1].at);
    const lines = rows.map(([phase, s]) => `timeline ${s.at.toFixed(1).padStart(8)} ms  cpu ${s.cpu.toFixed(0).padStart(6)} ms  ${phase}${s.count > 1 ? ` (x${s.count})` : ""}`);
    process.stderr.write(`${lines.join("\n")}\n`);
  });
}
