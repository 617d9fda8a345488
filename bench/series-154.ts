// Benchmark: the phases of a whole study of one checkpoint series, as a user runs them with the
// built CLI: generation of a Pythia-70m-shaped fp16 safetensors series with Pythia's 154 steps
// (tools/reference/pythia_series.py, training-like drift between checkpoints), `analyze
// --no-events` with default settings, `events --recompute`, `report`, and the report opened in
// headless Chromium. Each command runs under /usr/bin/time -v: its wall time, CPU time (user +
// system, all threads) and peak RSS are printed, with the 1-minute load average at its end (the
// figures are only comparable on a quiet machine).
//
// The real series does not fit on a small disk (154 x 140 MB = 21.6 GB for 70m), so it is written
// and analyzed in batches: the generator writes --batch checkpoints (its --state file carries the
// weights and the random generator's state from one batch to the next, so the bytes are those of
// one call), `analyze` adds them to the same store under the same run (same source folder, same
// options: the store skips nothing and refuses nothing, as the run folder only ever holds the
// batch under way), the batch is deleted, next batch. Peak disk: one batch + the state file + the
// store. The analyze and generate figures are sums over batches (peak RSS: the largest), and each
// analyze call pays the CLI's start-up once (the per-batch lines show it).
// Run: npm run build:ts && nice -n 10 node --import tsx bench/series-154.ts [--out DIR] [--batch 20]
//   --run DIR: analyze this existing run folder (one analyze call) instead of generating one
//   --steps LIST: steps to generate (default "pythia": 0, 1, 2, 4 ... 512, 1000, 2000 ... 143000)
//   --size 70m|160m|410m (default 70m); --batch N: checkpoints on disk at once (default 20)
//   --keep: keep the generated checkpoints (only with --batch 0 = all at once); --no-open: skip the browser
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(ROOT, "bin", "forking-paths.js");
const PYTHON = "/usr/bin/python3";
const GENERATOR = join(ROOT, "tools/reference/pythia_series.py");
const PYTHIA_STEP_COUNT = 154;
/** fp16 bytes of one checkpoint's model.safetensors, to refuse a batch the disk cannot hold before writing it. */
const CHECKPOINT_BYTES: Record<string, number> = { "70m": 141e6, "160m": 325e6, "410m": 811e6 };
/** Free disk left to others after a batch is written. */
const DISK_MARGIN_BYTES = 2e9;
const RUN_NAME = "series";
const MB = 2 ** 20;

interface Figures { phase: string; wallSeconds: number; cpuSeconds: number; peakRssMB: number; load1: number; output: string }

const { values: args } = parseArgs({
  options: {
    run: { type: "string" }, out: { type: "string" }, keep: { type: "boolean", default: false },
    steps: { type: "string", default: "pythia" }, size: { type: "string", default: "70m" },
    batch: { type: "string", default: "20" }, "no-open": { type: "boolean", default: false },
  },
});

/** Runs a command under /usr/bin/time -v; throws with its stderr when it fails. */
function timed(phase: string, command: string, commandArgs: string[]): Figures {
  const r = spawnSync("/usr/bin/time", ["-v", command, ...commandArgs], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * MB });
  if (r.status !== 0) throw new Error(`${phase} failed (exit ${r.status}): ${r.stderr.split("\n").slice(-12).join("\n")}`);
  const field = (label: string) => {
    const m = new RegExp(`${label}: (.*)`).exec(r.stderr);
    if (m === null) throw new Error(`${phase}: /usr/bin/time printed no "${label}"`);
    return m[1]!.trim();
  };
  const wall = field("Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)").split(":").map(Number).reduce((s, x) => s * 60 + x, 0);
  const f: Figures = {
    phase, wallSeconds: wall, cpuSeconds: Number(field("User time \\(seconds\\)")) + Number(field("System time \\(seconds\\)")),
    peakRssMB: Number(field("Maximum resident set size \\(kbytes\\)")) / 1024, load1: loadavg()[0]!, output: r.stdout.trim(),
  };
  console.error(`  ${phase}: ${f.wallSeconds.toFixed(1)} s wall, ${f.cpuSeconds.toFixed(1)} s CPU, ${f.peakRssMB.toFixed(0)} MB peak RSS, load ${f.load1.toFixed(1)}`);
  return f;
}

/** Bytes under `path` (files only), for the peak disk use. */
function diskBytes(path: string): number {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((sum, name) => sum + diskBytes(join(path, name)), 0);
}

/** One phase from its calls: summed wall and CPU time, the largest peak RSS, the load averages seen. */
function total(phase: string, calls: Figures[]): Figures & { calls: number; loads: number[] } {
  return {
    phase, calls: calls.length, wallSeconds: calls.reduce((s, f) => s + f.wallSeconds, 0), cpuSeconds: calls.reduce((s, f) => s + f.cpuSeconds, 0),
    peakRssMB: Math.max(...calls.map((f) => f.peakRssMB)), load1: Math.max(...calls.map((f) => f.load1)), loads: calls.map((f) => f.load1), output: "",
  };
}

const stepCount = args.steps === "pythia" ? PYTHIA_STEP_COUNT : args.steps!.split(",").length;
const batchSize = Number(args.batch) === 0 ? stepCount : Number(args.batch);
if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new Error(`--batch must be a positive integer (0 = all at once), got ${args.batch}`);
if (args.keep && batchSize < stepCount) throw new Error("--keep keeps the whole series: pass --batch 0 (all at once) with it");
const work = args.out ?? mkdtempSync(join(tmpdir(), "fp-series-bench-"));
mkdirSync(work, { recursive: true });
const generated = args.run === undefined;
const series = join(work, "series");
const runDir = args.run ?? join(series, "safetensors");
const state = join(work, "generator-state.pt");
const analysis = join(work, "analysis");
const generateCalls: Figures[] = [];
const analyzeCalls: Figures[] = [];
let bytesAnalyzed = 0;
let tensorRows = 0;
let checkpoints = 0;
let peakDisk = 0;
const started = performance.now();
rmSync(analysis, { recursive: true, force: true });
rmSync(state, { force: true });
const analyzeArgs = [CLI, "analyze", runDir, "--out", analysis, "--run", RUN_NAME, "--no-events", "--json"];
try {
  if (generated && !existsSync(PYTHON)) throw new Error(`${PYTHON} (Debian's python3 with torch) is needed to generate the series; pass --run DIR to time an existing run`);
  for (let first = 0; first < (generated ? stepCount : 1); first += batchSize) {
    if (generated) {
      const count = Math.min(batchSize, stepCount - first);
      const free = statfsSync(work).bavail * statfsSync(work).bsize;
      const need = count * (CHECKPOINT_BYTES[args.size!] ?? 0) + DISK_MARGIN_BYTES;
      if (free < need) throw new Error(`${work}: ${(free / 1e9).toFixed(1)} GB free, a batch of ${count} needs ${(need / 1e9).toFixed(1)} GB (with ${DISK_MARGIN_BYTES / 1e9} GB left to others): pass a smaller --batch`);
      // The generator writes fixtures, it is not what is measured: it yields to the others on the machine.
      generateCalls.push(timed(`generate ${first}..${first + count - 1}`, "nice", ["-n", "10", PYTHON, GENERATOR, "--size", args.size!, "--steps", args.steps!,
        "--first", String(first), "--count", String(count), "--state", state, "--format", "safetensors", "--out", series]));
      peakDisk = Math.max(peakDisk, diskBytes(work));
    }
    const call = timed(`analyze ${generated ? `${first}..${Math.min(first + batchSize, stepCount) - 1}` : runDir}`, process.execPath, analyzeArgs);
    analyzeCalls.push(call);
    const summary = JSON.parse(call.output) as { analyzed: number; tensors: number; bytes: number };
    bytesAnalyzed += summary.bytes;
    tensorRows += summary.tensors;
    checkpoints += summary.analyzed;
    if (generated && !args.keep) rmSync(series, { recursive: true, force: true });
  }
} finally {
  if (generated && !args.keep) rmSync(series, { recursive: true, force: true });
  rmSync(state, { force: true });
}
const events = timed("events", process.execPath, [CLI, "events", analysis, "--recompute", "--json"]);
const report = timed("report", process.execPath, [CLI, "report", analysis, "--json"]);
const eventList = JSON.parse(events.output) as unknown[];
const reportFile = JSON.parse(report.output) as { path: string; bytes: number };
const opened = args["no-open"] ? null : await openInBrowser(reportFile.path);

const phases = [...(generated ? [total("generate", generateCalls)] : []), total("analyze", analyzeCalls), total("events", [events]), total("report", [report])];
console.log(`series: ${generated ? `${stepCount} steps (${args.steps}) of Pythia-${args.size} shape, generated and analyzed in batches of ${batchSize}` : runDir}`);
console.log(`analyzed: ${checkpoints} checkpoints, ${tensorRows} tensor rows, ${(bytesAnalyzed / 2 ** 30).toFixed(2)} GiB of tensors; store ${(diskBytes(join(analysis, "analysis.duckdb")) / MB).toFixed(0)} MiB`);
if (generated) console.log(`peak disk of the bench folder: ${(peakDisk / 2 ** 30).toFixed(2)} GiB (one batch + generator state + store)`);
console.log(`events: ${eventList.length}; report: ${reportFile.path} (${(reportFile.bytes / MB).toFixed(1)} MiB)${opened === null ? "" : `; ${opened}`}`);
console.log("phase      calls   wall s    cpu s  peak RSS MB  load (1 min, at the end of each call)");
for (const f of phases) {
  console.log(`${f.phase.padEnd(10)} ${String(f.calls).padStart(5)} ${f.wallSeconds.toFixed(1).padStart(8)} ${f.cpuSeconds.toFixed(1).padStart(8)} ${f.peakRssMB.toFixed(0).padStart(12)}  ${f.loads.map((x) => x.toFixed(1)).join(" ")}`);
}
const analyze = phases.find((f) => f.phase === "analyze")!;
console.log(`analyze: ${(bytesAnalyzed / MB / analyze.wallSeconds).toFixed(0)} MiB/s wall, ${(bytesAnalyzed / MB / analyze.cpuSeconds).toFixed(0)} MiB per CPU s; first call ${analyzeCalls[0]!.wallSeconds.toFixed(1)} s wall`);
console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s; analysis and report kept in ${work}${generated && !args.keep ? " (series deleted)" : ""}`);

/** Opens the report from file:// in headless Chromium; a one-line verdict (time to draw the charts in view, page errors). */
async function openInBrowser(path: string): Promise<string> {
  const { launchBrowser } = await import("../test/report/helpers/browser.js");
  const { openReportUrl } = await import("../test/helpers/report-page.js");
  const browser = await launchBrowser();
  const t0 = performance.now();
  try {
    const { page, rec, close } = await openReportUrl(pathToFileURL(path).href, { browser, timeoutMs: 120_000 });
    const seconds = (performance.now() - t0) / 1000;
    const sections = await page.locator("section[data-section]").count();
    await close();
    return `opens in Chromium: charts in view drawn after ${seconds.toFixed(1)} s, ${sections} sections, ${rec.errors.length} page errors${rec.errors.length > 0 ? ` (${rec.errors[0]})` : ""}`;
  } catch (err) {
    return `does NOT open in Chromium within 120 s: ${(err as Error).message.split("\n")[0]}`;
  } finally {
    await browser.close();
  }
}
