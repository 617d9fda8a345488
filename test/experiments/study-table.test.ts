// `study --table` and the study's phase times, on a very short grokking study (modulus 11, 4
// steps, one development and two held-out seeds): the table recomputed read-only from a copy of
// the study's store equals the rows `study` wrote into verdicts.json (seed, first-signal events,
// random-placement and weight-norm leads included) and agrees with the lead-time claim's own
// per-run details; a plan naming a run the store lacks lists it as missing; verdicts.json carries
// the wall and CPU time of every phase.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runInProcess } from "../helpers/cli.js";
import { register } from "../../src/cli/commands/study.js";
import { UsageError } from "../../src/index.js";
import { buildStudyPlan, runStudy, studyTransitionTable, type StudyOptions, type StudyPlan, type TransitionTableRow } from "../../src/experiments/index.js";
import { tempDir } from "../helpers/temp.js";

test("study --table: the transitions table recomputed from a copy of the store equals verdicts.json's; missing runs listed; phase times in verdicts.json", async () => {
  const root = tempDir("fp-study-table-");
  const out = join(root, "study");
  const options: StudyOptions = { preset: "grokking", out, heldoutSeeds: 2, developmentSeeds: 1, configurations: ["base"], steps: 4, taskOptions: { modulus: 11 }, pythia: null, threads: 1 };
  const lines: string[] = [];
  const { file } = await runStudy({ ...options, onProgress: (l) => lines.push(l) });

  // phases: every phase with wall and CPU seconds, one stderr line each, total consistent with wall_seconds
  const p = file.phases!;
  for (const k of ["train", "analysis", "events", "pruning", "verdicts", "total"] as const) {
    assert.ok(Number.isFinite(p[k].wall_seconds) && p[k].wall_seconds >= 0 && Number.isFinite(p[k].cpu_seconds) && p[k].cpu_seconds >= 0, `${k}: ${JSON.stringify(p[k])}`);
    assert.equal(lines.filter((l) => l.startsWith(`phase ${k}: wall `)).length, 1, `one line for ${k}`);
  }
  assert.ok(p.train.cpu_seconds > 0 && p.analysis.cpu_seconds > 0, "training and analysis use CPU");
  assert.ok(Math.abs(p.total.wall_seconds - file.wall_seconds.total) < 1, `${p.total.wall_seconds} vs ${file.wall_seconds.total}`);
  const parts = p.train.wall_seconds + p.analysis.wall_seconds + p.events.wall_seconds + p.pruning.wall_seconds + p.verdicts.wall_seconds;
  assert.ok(parts <= p.total.wall_seconds + 0.05, `the phases (${parts} s) fit in the total (${p.total.wall_seconds} s)`);
  assert.ok(Math.abs(p.train.wall_seconds - file.wall_seconds.train) < 0.05);
  assert.ok(Math.abs(p.analysis.wall_seconds + p.events.wall_seconds - file.wall_seconds.analyze - (file.wall_seconds.experiments - p.verdicts.wall_seconds)) < 0.5, "analysis + events = analyze + loading the run data");

  // the rows study wrote: held-out runs then development, each with its seed
  const rows = file.transitions!;
  assert.deepEqual(rows.map((r) => [r.run, r.role, r.seed]), [["base-s100", "heldout", 100], ["base-s101", "heldout", 101], ["base-dev-s0", "development", 0]]);
  assert.ok(rows.every((r) => r.online === true && Array.isArray(r.first_signal_events)));

  // the lead-time claim's own per-run details give the same random-placement and weight-norm leads
  const claim = file.verdicts.find((v) => v.claim === "parameters_announce_transition")!;
  const perRun = claim.details["runs"] as { runId: string; anchorStep: number | null; weightNormLead: number | null; null: { signals: number; p_none: number; mean_lead: number | null } | null }[];
  for (const d of perRun) {
    const row = rows.find((r) => r.run === d.runId)!;
    assert.equal(row.first_signal_step, d.anchorStep);
    assert.equal(row.weight_norm_lead, d.weightNormLead);
    assert.equal(row.random_mean_lead, d.null?.mean_lead ?? null);
    assert.equal(row.random_p_none, d.null?.p_none ?? null);
    assert.equal(row.signals, d.null?.signals ?? null);
  }

  // recomputed read-only from a copy of the store: the same rows
  const copy = join(root, "copy.duckdb");
  copyFileSync(join(out, "analysis.duckdb"), copy);
  const table = await studyTransitionTable(out, copy);
  assert.equal(table.sha256, file.plan_sha256);
  assert.deepEqual(table.missing, []);
  assert.deepEqual(table.rows, rows);

  // the CLI: JSON rows and the markdown table (one line per run, the plan's hash)
  const printed = JSON.parse(await runInProcess([register], ["study", "--table", "--out", out, "--store", copy, "--json"])) as { plan_sha256: string; missing: string[]; transitions: TransitionTableRow[] };
  assert.deepEqual(printed, { plan_sha256: file.plan_sha256, preset: "grokking", missing: [], transitions: rows });
  const md = await runInProcess([register], ["study", "--table", "--out", out, "--store", copy]);
  assert.ok(md.includes(file.plan_sha256!));
  assert.equal(md.split("\n").filter((l) => /^\| base-(dev-)?s\d+ \| base \|/.test(l)).length, 3);
  assert.match(md, /\| base-s100 \| base \| heldout \| 100 \| test_accuracy \|/);

  // a plan with one more held-out seed than the store holds: that run is listed as missing, the others are read
  const wider = join(root, "wider");
  mkdirSync(wider);
  const plan = JSON.parse(readFileSync(join(out, "plan.json"), "utf8")) as StudyPlan;
  writeFileSync(join(wider, "plan.json"), JSON.stringify({ ...plan, seeds: { ...plan.seeds, heldout: [...plan.seeds.heldout, 102] } }));
  const partial = await studyTransitionTable(wider, copy);
  assert.deepEqual(partial.missing, ["base-s102"]);
  assert.deepEqual(partial.rows.map((r) => r.run), ["base-s100", "base-s101", "base-dev-s0"]);
  assert.match(await runInProcess([register], ["study", "--table", "--out", wider, "--store", copy]), /not analysed yet \(no transition stored\): base-s102/);

  // refusals: no plan, a plan without a transition (tiny), no store, --store without --table
  await assert.rejects(studyTransitionTable(join(root, "nothing"), copy), (e: unknown) => e instanceof UsageError && /no plan\.json/.test((e as Error).message));
  const tiny = join(root, "tiny");
  mkdirSync(tiny);
  writeFileSync(join(tiny, "plan.json"), JSON.stringify(buildStudyPlan({ preset: "tiny" })));
  await assert.rejects(studyTransitionTable(tiny, copy), (e: unknown) => e instanceof UsageError && /no phase transition/.test((e as Error).message));
  await assert.rejects(studyTransitionTable(wider), (e: unknown) => e instanceof UsageError && /no store at/.test((e as Error).message));
  await assert.rejects(runInProcess([register], ["study", "--out", out, "--store", copy]), (e: unknown) => e instanceof UsageError && /--table only/.test((e as Error).message));
});
