// Long fuzz run of the untrusted-input parsers: `npm run fuzz -- --minutes N [--seed S] [--parser P] [--parallel]`.
// Each parser fuzzes in a worker thread (fast-check, fresh seeds batch after batch), one parser
// after another for an equal share of the time (all at once with --parallel); the main thread is
// a watchdog: a worker silent for HANG_SECONDS is a hang finding and is restarted.
// Prints inputs tried per parser and every finding (saved under fuzz-findings/ with its seed).
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";

const BATCH = 200;
const HANG_SECONDS = 30;

interface Report { parser: string; tried: number; typed: number; ok: number; findings: { seed: number; reason: string; file: string }[] }

if (isMainThread) {
  const args = process.argv.slice(2);
  const flag = (name: string, dflt: number): number => {
    const i = args.indexOf(name);
    if (i < 0) return dflt;
    const v = Number(args[i + 1]);
    if (!Number.isFinite(v) || v <= 0) { console.error(`fuzz: ${name} needs a positive number`); process.exit(2); }
    return v;
  };
  const minutes = flag("--minutes", 1);
  const seed = flag("--seed", Date.now() % 1_000_000_007);
  const only = args.includes("--parser") ? args[args.indexOf("--parser") + 1] : undefined;
  const { FUZZ_TARGETS } = await import("../test/fuzz/targets.js");
  const parallel = args.includes("--parallel");
  const targets = FUZZ_TARGETS.filter((t) => only === undefined || t.name === only);
  const share = (minutes * 60_000) / (parallel ? 1 : targets.length);
  const outDir = join(process.cwd(), "fuzz-findings");
  const reports = new Map<string, Report>();
  console.log(`fuzz: ${minutes} min, base seed ${seed}, parsers ${FUZZ_TARGETS.map((t) => t.name).join(", ")}`);
  const fuzzTarget = (t: (typeof targets)[number], i: number, deadline: number): Promise<void> => new Promise<void>((resolveAll) => {
    const report: Report = { parser: t.name, tried: 0, typed: 0, ok: 0, findings: [] };
    reports.set(t.name, report);
    let round = 0;
    const start = (): void => {
      const batchSeed = seed + 7919 * i + 104729 * round++;
      const worker = new Worker(new URL("./fuzz-worker.mjs", import.meta.url), { workerData: { parser: t.name, seed: batchSeed, deadline }, resourceLimits: { maxOldGenerationSizeMb: 1024 } });
      let last = Date.now(), currentSeed = batchSeed;
      const watchdog = setInterval(() => {
        if (Date.now() - last < HANG_SECONDS * 1000) return;
        report.findings.push({ seed: currentSeed, reason: `no progress for ${HANG_SECONDS} s (hang) in a batch of seed ${currentSeed}`, file: "" });
        console.log(`fuzz: FINDING ${t.name} seed ${currentSeed}: hang`);
        void worker.terminate();
      }, 1000);
      worker.on("message", (m: { tried: number; typed: number; ok: number; seed: number; finding?: { reason: string; bytes: Uint8Array } }) => {
        last = Date.now();
        currentSeed = m.seed;
        report.tried += m.tried; report.typed += m.typed; report.ok += m.ok;
        if (m.finding !== undefined) {
          mkdirSync(outDir, { recursive: true });
          const file = join(outDir, `${t.name}-${m.seed}.bin`);
          writeFileSync(file, m.finding.bytes);
          report.findings.push({ seed: m.seed, reason: m.finding.reason, file });
          console.log(`fuzz: FINDING ${t.name} seed ${m.seed}: ${m.finding.reason} (input: ${file})`);
        }
      });
      worker.on("exit", () => {
        clearInterval(watchdog);
        if (Date.now() < deadline) start(); else resolveAll();
      });
      worker.on("error", (err) => {
        last = Date.now();
        report.findings.push({ seed: currentSeed, reason: `worker crashed: ${err.message}`, file: "" });
        console.log(`fuzz: FINDING ${t.name} seed ${currentSeed}: worker crashed: ${err.message}`);
      });
    };
    start();
  });
  if (parallel) await Promise.all(targets.map((t, i) => fuzzTarget(t, i, Date.now() + share)));
  else for (const [i, t] of targets.entries()) await fuzzTarget(t, i, Date.now() + share);
  console.log("fuzz: parser, inputs tried, accepted, refused (typed error), findings");
  for (const r of reports.values()) console.log(`fuzz: ${r.parser}\t${r.tried}\t${r.ok}\t${r.typed}\t${r.findings.length}`);
  const total = [...reports.values()].reduce((n, r) => n + r.findings.length, 0);
  console.log(total === 0 ? "fuzz: no findings" : `fuzz: ${total} finding(s)`);
  process.exit(total === 0 ? 0 : 1);
} else {
  const { FUZZ_TARGETS, runOne } = await import("../test/fuzz/targets.js");
  const { parser, deadline } = workerData as { parser: string; seed: number; deadline: number };
  const target = FUZZ_TARGETS.find((t) => t.name === parser)!;
  let seed = (workerData as { seed: number }).seed;
  while (Date.now() < deadline) {
    let tried = 0, typed = 0, ok = 0;
    let finding: { reason: string; bytes: Uint8Array } | undefined;
    for (const input of fc.sample(target.arbitrary, { seed, numRuns: BATCH })) {
      const outcome = await runOne(target, input as never);
      tried++;
      if (outcome.kind === "finding") { finding = { reason: outcome.reason, bytes: target.bytes(input as never) }; break; }
      if (outcome.kind === "typed") typed++; else ok++;
      if (Date.now() >= deadline) break;
    }
    parentPort!.postMessage({ tried, typed, ok, seed, ...(finding && { finding }) });
    seed++;
  }
}
