// Benchmark: the phases of a whole study of one checkpoint series, as a user runs them with the
// built CLI: (generation of a Pythia-70m-shaped fp16 safetensors series with Pythia's 154 steps
// by tools/reference/pythia_series.py), `analyze --no-events` with default settings,
// `events --recompute`, `report`. Each phase runs under /usr/bin/time -v: its wall time, CPU
// time (user + system, all threads) and peak RSS are printed, with the load average (the figures
// are only comparable on a quiet machine). Generated series are deleted at the end unless --keep.
// Run: npm run build:ts && node --import tsx bench/series-154.ts [--run DIR] [--out DIR] [--keep]
//   --run DIR: analyze this existing run folder instead of generating one (e.g. a demo's run/)
//   --steps LIST: steps to generate (default "pythia": 0, 1, 2, 4 ... 512, 1000, 2000 ... 143000)
//   --size 70m|160m|410m (default 70m)
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(ROOT, "bin", "forking-paths.js");
const PYTHON = "/usr/bin/python3";

interface PhaseFigures { phase: string; wallSeconds: number; cpuSeconds: number; peakRssMB: number; output: string }

const { values: args } = parseArgs({
  options: {
    run: { type: "string" }, out: { type: "string" }, keep: { type: "boolean", default: false },
    steps: { type: "string", default: "pythia" }, size: { type: "string", default: "70m" },
  },
});

/** Runs a command under /usr/bin/time -v; throws with its stderr when it fails. */
function timed(phase: string, command: string, commandArgs: string[]): PhaseFigures {
  const r = spawnSync("/usr/bin/time", ["-v", command, ...commandArgs], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`${phase} failed (exit ${r.status}): ${r.stderr.split("\n").slice(-12).join("\n")}`);
  const field = (label: string) => {
    const m = new RegExp(`${label}: (.*)`).exec(r.stderr);
    if (m === null) throw new Error(`${phase}: /usr/bin/time printed no "${label}"`);
    return m[1]!.trim();
  };
  const wall = field("Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)").split(":").map(Number).reduce((s, x) => s * 60 + x, 0);
  return {
    phase, wallSeconds: wall, cpuSeconds: Number(field("User time \\(seconds\\)")) + Number(field("System time \\(seconds\\)")),
    peakRssMB: Number(field("Maximum resident set size \\(kbytes\\)")) / 1024, output: r.stdout.trim(),
  };
}

const work = args.out ?? mkdtempSync(join(tmpdir(), "fp-series-bench-"));
const generated = args.run === undefined;
const series = args.run ?? join(work, "series");
const runDir = generated ? join(series, "safetensors") : series;
const analysis = join(work, "analysis");
const figures: PhaseFigures[] = [];
const started = performance.now();
try {
  if (generated) {
    if (!existsSync(PYTHON)) throw new Error(`${PYTHON} (Debian's python3 with torch) is needed to generate the series; pass --run DIR to time an existing run`);
    figures.push(timed("generate", PYTHON, [join(ROOT, "tools/reference/pythia_series.py"), "--size", args.size!, "--steps", args.steps!, "--format", "safetensors", "--out", series]));
  }
  rmSync(analysis, { recursive: true, force: true });
  figures.push(timed("analyze", process.execPath, [CLI, "analyze", runDir, "--out", analysis, "--no-events", "--json"]));
  figures.push(timed("events", process.execPath, [CLI, "events", analysis, "--recompute", "--json"]));
  figures.push(timed("report", process.execPath, [CLI, "report", analysis, "--json"]));
} finally {
  if (generated && !args.keep) rmSync(series, { recursive: true, force: true });
}

const summary = JSON.parse(figures.find((f) => f.phase === "analyze")!.output) as { checkpoints: number; tensors: number; bytes: number };
const report = JSON.parse(figures.find((f) => f.phase === "report")!.output) as { path: string; bytes: number };
const events = JSON.parse(figures.find((f) => f.phase === "events")!.output) as unknown[];
console.log(`series: ${runDir} (${summary.checkpoints} checkpoints, ${summary.tensors} tensor rows, ${(summary.bytes / 2 ** 30).toFixed(2)} GiB of tensors)`);
console.log(`events: ${events.length}; report: ${report.path} (${(report.bytes / 2 ** 20).toFixed(1)} MiB)`);
console.log("phase        wall s    cpu s   peak RSS MB");
for (const f of figures) console.log(`${f.phase.padEnd(10)} ${f.wallSeconds.toFixed(1).padStart(8)} ${f.cpuSeconds.toFixed(1).padStart(8)} ${f.peakRssMB.toFixed(0).padStart(12)}`);
const analyze = figures.find((f) => f.phase === "analyze")!;
console.log(`analyze: ${(summary.bytes / 2 ** 20 / analyze.wallSeconds).toFixed(0)} MiB/s wall; total ${((performance.now() - started) / 1000).toFixed(0)} s; load average ${loadavg().map((x) => x.toFixed(1)).join(" ")} (2 cores)`);
console.log(`analysis kept in ${work}${generated && !args.keep ? " (series deleted)" : ""}`);
