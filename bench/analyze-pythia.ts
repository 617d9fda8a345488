// Benchmark: end-to-end `analyze` (analyzeRun, default settings: 2 workers, shape statistics,
// spectra, groups, store writes, event detection) on Pythia-160m- and Pythia-410m-shaped fp16
// checkpoint series (safetensors and pytorch_model.bin, HF names, training-like drift; written by
// tools/reference/pythia_series.py under --data, not in the repo), from the page cache, side by
// side in one run with
//   (a) the statistics kernel alone on the same bytes (StatsPool, 2 workers, every float tensor
//       sketched, nothing else), and
//   (b) a PyTorch script (tools/reference/pythia_stats_torch.py, Debian's torch 1.13, a slow
//       build: moments, 11 quantiles, a 2000-bin histc, the near-zero fraction per tensor).
// MB/s are of the float parameter tensors' bytes (the same bytes for all three). Each measured
// run is a child process, so peak RSS is its own; CPU seconds are of all its threads, and MB per
// CPU second is printed too (the machine is shared: wall time depends on the others' load).
// A fourth row, analyze with --keep-full 0 (no tensor kept in full: no exact-value shapes, no
// trajectories), shows what the exact shape statistics of the kept tensors cost.
// A fifth row runs the command itself (`forking-paths analyze`, the bundled CLI) as one process under
// /usr/bin/time: its wall includes Node's start-up and the store's close, which the rows above leave out.
// --torch-checkpoints k runs the PyTorch script on the first k checkpoints only (it is slow).
// --impl dist (default) measures the compiled dist/ as the CLI runs it (plain ESM workers; run
// `npm run build:ts` first), --impl src the TypeScript sources under tsx (each worker then
// registers tsx's hooks and transpiles: about 0.7 CPU s more per run).
// Run: node --import tsx bench/analyze-pythia.ts [--data $TMPDIR/fp-bench-pythia (kept for the next run)] [--sizes 160m,410m]
//        (--sizes also takes 70m and 1b: 1b writes 3 x 2 GB, ~3 min with Debian's torch; fewer, larger tensors per byte)
//        [--formats safetensors,bin] [--steps 0,1000,2000] [--no-torch] [--torch-checkpoints 3] [--impl dist|src]
//        [--no-shape] (both analyze rows without shape statistics, as `analyze --no-shape`)
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { newestMtime } from "../test/helpers/cli.js";

const PYTHON = "/usr/bin/python3";
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const GOALS = { mbs: 1000, kernelRatio: 0.5, torchRatio: 10, rssMB: 600 };

interface Measured { seconds: number; cpuSeconds: number; bytes: number; maxRssMB: number; eventSeconds?: number; tensors?: number }

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

type AnalyzeModule = typeof import("../src/pipeline/analyze.js");
type PoolModule = typeof import("../src/kernels/stats-pool.js");
type BatchModule = typeof import("../src/pipeline/checkpoint-batch.js");
type DiscoveryModule = typeof import("../src/runs/discovery.js");
type DtypeModule = typeof import("../src/formats/dtype.js");
type NamesModule = typeof import("../src/tensor/names.js");

/** A module of the measured code: compiled (dist/, as the CLI runs) or the sources (under tsx). */
async function load<T>(impl: string, path: string): Promise<T> {
  return (await import(new URL(`../${impl}/${path}.${impl === "dist" ? "js" : "ts"}`, import.meta.url).href)) as T;
}

/** Refuses to measure a dist/ older than src/ (it would not be the code under test). */
function checkImpl(impl: string): void {
  if (impl !== "dist" && impl !== "src") throw new Error(`--impl must be dist or src, got ${impl}`);
  if (impl === "src") return;
  if (!existsSync(join(ROOT, "dist", "pipeline", "analyze.js"))) throw new Error("dist/ is missing: run `npm run build` (or pass --impl src)");
  if (newestMtime(join(ROOT, "src"), ".ts") > newestMtime(join(ROOT, "dist"), ".js")) throw new Error("dist/ is older than src/: run `npm run build:ts` (or pass --impl src)");
}

/** Child: our analyze with default settings into a fresh store. */
async function childAnalyze(impl: string, run: string, out: string, steps: number[], keepFull: string, shape: boolean): Promise<void> {
  const { analyzeRun } = await load<AnalyzeModule>(impl, "pipeline/analyze");
  rmSync(out, { recursive: true, force: true });
  const t0 = performance.now(), c0 = process.cpuUsage();
  const s = await analyzeRun(run, { out, runId: "bench", checkpointFilter: (c) => steps.includes(c.step), shape, ...(keepFull !== "default" && { keepFullMaxElements: Number(keepFull) }) });
  const cpu = process.cpuUsage(c0);
  const m: Measured = { seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, bytes: s.bytes, maxRssMB: process.resourceUsage().maxRSS / 1024, eventSeconds: s.eventSeconds, tensors: s.tensors };
  rmSync(out, { recursive: true, force: true });
  console.log(JSON.stringify(m));
}

/** Child: the kernel alone, every float parameter tensor of every checkpoint sketched on 2 workers. */
async function childKernel(impl: string, run: string, steps: number[]): Promise<void> {
  const { StatsPool } = await load<PoolModule>(impl, "kernels/stats-pool");
  const { mapInOrder, TENSORS_IN_FLIGHT } = await load<BatchModule>(impl, "pipeline/checkpoint-batch");
  const { discoverRun } = await load<DiscoveryModule>(impl, "runs/discovery");
  const { DTYPE_IS_FLOAT, DTYPE_ITEMSIZE } = await load<DtypeModule>(impl, "formats/dtype");
  const { isNonParameterBuffer } = await load<NamesModule>(impl, "tensor/names");
  const checkpoints = (await discoverRun(run)).filter((c) => steps.includes(c.step));
  const pool = await StatsPool.create(2);
  const t0 = performance.now(), c0 = process.cpuUsage();
  let bytes = 0;
  for (const cp of checkpoints) {
    const open = await cp.open();
    const params = open.tensors.filter((t) => DTYPE_IS_FLOAT[t.dtype] && !isNonParameterBuffer(t.name, t.dtype));
    await mapInOrder(params, TENSORS_IN_FLIGHT, (t) => pool.sketchTensor(t));
    bytes += params.reduce((s, t) => s + t.numel * DTYPE_ITEMSIZE[t.dtype], 0);
    await open.close();
  }
  const cpu = process.cpuUsage(c0);
  const m: Measured = { seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, bytes, maxRssMB: process.resourceUsage().maxRSS / 1024 };
  await pool.close();
  console.log(JSON.stringify(m));
}

function runChild(args: string[]): Measured {
  const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--child", ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`child ${args[0]} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Measured;
}

/**
 * The command as a user runs it: `forking-paths analyze` (the bundled CLI, default settings) as one
 * process under /usr/bin/time, start-up and store close included, when the series folder holds
 * exactly the measured checkpoints (the CLI has no step filter for a local folder); else null.
 */
function runCli(run: string, steps: string, out: string, bytes: number): Measured | null {
  const wanted = steps.split(",").map((s) => `step${s}`).sort();
  const present = readdirSync(run).filter((n) => n.startsWith("step")).sort();
  if (wanted.join(",") !== present.join(",")) return null;
  rmSync(out, { recursive: true, force: true });
  const r = spawnSync("/usr/bin/time", ["-f", "%e %U %S %M", process.execPath, join(ROOT, "bin/forking-paths.js"), "analyze", run, "--out", out], { encoding: "utf8", maxBuffer: 1 << 26 });
  rmSync(out, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`forking-paths analyze failed: ${r.stderr}`);
  const [wall, user, sys, rssKB] = r.stderr.trim().split("\n").pop()!.split(" ").map(Number) as [number, number, number, number];
  return { seconds: wall, cpuSeconds: user + sys, bytes, maxRssMB: rssKB / 1024 };
}

function runTorch(folders: string[]): Measured {
  const r = spawnSync("/usr/bin/time", ["-f", "%M", PYTHON, join(ROOT, "tools/reference/pythia_stats_torch.py"), ...folders], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`torch script failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { bytes: number; seconds: number; cpu_seconds: number };
  const rssKB = Number(r.stderr.trim().split("\n").pop());
  return { seconds: out.seconds, cpuSeconds: out.cpu_seconds, bytes: out.bytes, maxRssMB: rssKB / 1024 };
}

/** Reads every file once so that all runs read from the page cache. */
function warm(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    spawnSync("cat", [path], { stdio: ["ignore", "ignore", "ignore"] });
    total += statSync(path).size;
  }
  return total;
}

const SERIES_FILE: Record<string, string> = { bin: "pytorch_model.bin", safetensors: "model.safetensors" };

/** The series folder, written by pythia_series.py unless every requested format's files are there. */
function ensureSeries(data: string, size: string, steps: string, formats: readonly string[]): string {
  const dir = join(data, `pythia-${size}`);
  const done = steps.split(",").every((s) => formats.every((f) => existsSync(join(dir, f, `step${s}`, SERIES_FILE[f] ?? "?"))));
  if (!done) {
    console.log(`writing the ${size} series into ${dir} (tools/reference/pythia_series.py)...`);
    const r = spawnSync(PYTHON, [join(ROOT, "tools/reference/pythia_series.py"), "--size", size, "--steps", steps, "--format", "both", "--out", dir], { stdio: "inherit" });
    if (r.status !== 0) throw new Error(`pythia_series.py failed (exit ${r.status}); it needs Debian's torch: apt-get install python3-torch`);
  }
  return dir;
}

const mbs = (m: Measured) => m.bytes / 1e6 / m.seconds;
const mbsCpu = (m: Measured) => m.bytes / 1e6 / m.cpuSeconds;
const f1 = (x: number) => x.toFixed(1);
const describe = (m: Measured) =>
  `${f1(mbs(m)).padStart(7)} MB/s wall (${f1(m.seconds)} s), ${f1(mbsCpu(m)).padStart(7)} MB per CPU s (${f1(m.cpuSeconds)} CPU s), peak RSS ${m.maxRssMB.toFixed(0)} MB`;

async function main(): Promise<void> {
  if (process.argv[2] === "--child") {
    const [, , , kind, impl, run, stepList, out, keepFull, shape] = process.argv as string[];
    const steps = stepList!.split(",").map(Number);
    if (kind === "analyze") return childAnalyze(impl!, run!, out!, steps, keepFull!, shape !== "no-shape");
    return childKernel(impl!, run!, steps);
  }
  const data = arg("--data", join(tmpdir(), "fp-bench-pythia"));
  const sizes = arg("--sizes", "160m,410m").split(",");
  const formats = arg("--formats", "safetensors,bin").split(",");
  const steps = arg("--steps", "0,1000,2000");
  const torch = !process.argv.includes("--no-torch");
  const torchCheckpoints = Number(arg("--torch-checkpoints", "3"));
  const impl = arg("--impl", "dist");
  const shape = process.argv.includes("--no-shape") ? "no-shape" : "shape";
  checkImpl(impl);
  console.log(`analyze vs kernel alone vs PyTorch; ${steps.split(",").length} checkpoints per series, page cache, 2 workers, ${impl === "dist" ? "compiled dist/" : "sources under tsx"}${shape === "no-shape" ? ", analyze --no-shape" : ""}; load average ${loadavg().map(f1).join(" ")}`);
  for (const size of sizes) {
    const dir = ensureSeries(data, size, steps, formats);
    for (const format of formats) {
      const run = join(dir, format);
      const fileBytes = warm(run);
      const ours = runChild(["analyze", impl, run, steps, join(data, `out-${size}-${format}`), "default", shape]);
      const noKept = runChild(["analyze", impl, run, steps, join(data, `out-${size}-${format}`), "0", shape]);
      const kernel = runChild(["kernel", impl, run, steps]);
      const cli = impl === "dist" ? runCli(run, steps, join(data, `out-${size}-${format}`), ours.bytes) : null;
      const peer = torch ? runTorch(steps.split(",").slice(0, torchCheckpoints).map((s) => join(run, `step${s}`))) : null;
      const line = [
        `${size} ${format.padEnd(11)} ${(ours.bytes / 1e6).toFixed(0)} MB of fp16 tensors (${(fileBytes / 1e6).toFixed(0)} MB of files)`,
        `  analyze${shape === "no-shape" ? " --no-shape" : " (default)"}${shape === "no-shape" ? "" : "    "} ${describe(ours)} (events ${f1(ours.eventSeconds ?? 0)} s)`,
        `  analyze --keep-full 0 ${describe(noKept)} (events ${f1(noKept.eventSeconds ?? 0)} s)`,
        `  kernel alone          ${describe(kernel)}`,
        ...(cli ? [`  CLI, whole process    ${describe(cli)} (bundled CLI incl. start-up and close; ratio to the kernel ${(mbs(cli) / mbs(kernel)).toFixed(3)})`] : []),
        ...(peer ? [`  PyTorch script        ${describe(peer)} on ${(peer.bytes / 1e6).toFixed(0)} MB (Debian torch 1.13, a slow build)`] : []),
        `  ratios (wall; per CPU s): analyze / kernel ${(mbs(ours) / mbs(kernel)).toFixed(3)}; ${(mbsCpu(ours) / mbsCpu(kernel)).toFixed(3)} (goal >= ${GOALS.kernelRatio})` +
          (peer ? `, analyze / PyTorch ${(mbs(ours) / mbs(peer)).toFixed(1)}x; ${(mbsCpu(ours) / mbsCpu(peer)).toFixed(1)}x (goal >= ${GOALS.torchRatio}x)` : "") +
          `; analyze ${mbs(ours) >= GOALS.mbs ? ">=" : "<"} ${GOALS.mbs} MB/s goal; peak RSS ${ours.maxRssMB < GOALS.rssMB ? "<" : ">="} ${GOALS.rssMB} MB goal`,
      ].join("\n");
      console.log(line);
    }
  }
  console.log(`load average after: ${loadavg().map(f1).join(" ")}`);
}

await main();
