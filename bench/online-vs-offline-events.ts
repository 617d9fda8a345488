// Offline (hindsight) vs online (causal) events of a store's runs, side by side: per run, the main
// fork by the plan's rule (run-data.ts mainFork) and the first non-trivial event (claimEvents:
// the claims' kinds, interval starting at step >= 1), offline at its step, online at the step at
// which it became known; and how many offline events no online detector ever reports (matched one
// to one by kind, tensor and step; "kind and tensor" also accepts an online event at another step).
// Reads the JSON of the CLI, never the store:
//   forking-paths events <dir> --json > offline.json
//   forking-paths events <dir> --online --json > online.json
//   node --import tsx bench/online-vs-offline-events.ts offline.json online.json
import { readFileSync } from "node:fs";
import { claimEvents, mainFork, type StudyEvent } from "../src/experiments/run-data.js";
import { EVENT_KINDS, type DynamicsEventKind } from "../src/store/vocabulary.js";

interface Row { run: string; kind?: DynamicsEventKind; tensor: string | null; step: number | null; step_low: number | null; strength: number | null; known_at?: number }

const read = (file: string): Row[] => (JSON.parse(readFileSync(file, "utf8")) as Row[]).filter((r) => r.kind !== undefined && EVENT_KINDS.includes(r.kind) && r.step !== null);
const [offlineFile, onlineFile] = process.argv.slice(2);
if (offlineFile === undefined || onlineFile === undefined) throw new Error("usage: node --import tsx bench/online-vs-offline-events.ts offline.json online.json");
const toStudy = (r: Row): StudyEvent => ({ kind: r.kind!, tensor: r.tensor, step: r.step!, stepLow: r.step_low ?? r.step!, strength: r.strength ?? 0, ...(r.known_at !== undefined && { knownAt: r.known_at }) });
const offline = read(offlineFile), online = read(onlineFile);
const runs = [...new Set(offline.map((r) => r.run))].sort();

const fmtFork = (e: StudyEvent | null, online: boolean): string => (e === null ? "none" : `${e.tensor} (${e.stepLow}, ${e.step}]${online ? ` known ${e.knownAt}` : ""}`);
const first = (es: readonly StudyEvent[], at: (e: StudyEvent) => number): StudyEvent | null => es.reduce<StudyEvent | null>((b, e) => (b === null || at(e) < at(b) ? e : b), null);
const median = (v: number[]): number => { const s = [...v].sort((a, b) => a - b); const m = s.length >> 1; return s.length === 0 ? Number.NaN : s.length % 2 ? s[m]! : 0.5 * (s[m - 1]! + s[m]!); };

/** Offline events with no online event of the same key (one to one). */
function unmatched(off: readonly StudyEvent[], on: readonly StudyEvent[], key: (e: StudyEvent) => string): StudyEvent[] {
  const pool = new Map<string, number>();
  for (const e of on) pool.set(key(e), (pool.get(key(e)) ?? 0) + 1);
  return off.filter((e) => { const n = pool.get(key(e)) ?? 0; if (n > 0) { pool.set(key(e), n - 1); return false; } return true; });
}

console.log("| run | offline main fork | online main fork | offline first event (step) | online first event (known at) | offline events | never online (same kind, tensor, step) | never online (same kind, tensor) | median lag of the matched (steps) |");
console.log("|---|---|---|---|---|---|---|---|---|");
const totals = { off: 0, exact: 0, loose: 0 };
for (const run of runs) {
  const off = claimEvents(offline.filter((r) => r.run === run).map(toStudy));
  const on = claimEvents(online.filter((r) => r.run === run).map(toStudy));
  const exactKey = (e: StudyEvent): string => `${e.kind}|${e.tensor}|${e.step}`;
  const missExact = unmatched(off, on, exactKey);
  const missLoose = unmatched(off, on, (e) => `${e.kind}|${e.tensor}`);
  const lags: number[] = [];
  const byKey = new Map<string, number[]>();
  for (const e of on) byKey.set(exactKey(e), [...(byKey.get(exactKey(e)) ?? []), e.knownAt! - e.step]);
  for (const e of off) { const l = byKey.get(exactKey(e)); if (l !== undefined && l.length > 0) lags.push(l.shift()!); }
  const f0 = first(off, (e) => e.step), f1 = first(on, (e) => e.knownAt!);
  totals.off += off.length; totals.exact += missExact.length; totals.loose += missLoose.length;
  console.log(`| ${run} | ${fmtFork(mainFork(off), false)} | ${fmtFork(mainFork(on), true)} | ${f0 === null ? "none" : `${f0.step} (${f0.kind})`} | ${f1 === null ? "none" : `${f1.knownAt} (${f1.kind} at ${f1.step})`} | ${off.length} | ${missExact.length} | ${missLoose.length} | ${median(lags)} |`);
}
console.log(`\nall runs: ${totals.off} offline events of the claims' kinds after step 0; never known online: ${totals.exact} at the same step (${(100 * totals.exact / totals.off).toFixed(1)}%), ${totals.loose} with no online event of the same kind and tensor at all (${(100 * totals.loose / totals.off).toFixed(1)}%)`);
const kinds = [...new Set(offline.map((r) => r.kind!))].sort();
for (const k of kinds) {
  const off = offline.filter((r) => r.kind === k), on = online.filter((r) => r.kind === k);
  console.log(`  ${k}: offline ${off.length} (after step 0: ${off.filter((r) => (r.step_low ?? 0) >= 1).length}), online ${on.length}`);
}
