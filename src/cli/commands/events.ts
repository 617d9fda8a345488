// `forking-paths events <out-dir>`: lists the stored events (bifurcations, mode splits/merges,
// layer forks, change points, with their early warnings); with --recompute or any detector
// setting, recomputes them from the store (never re-reading checkpoints) and stores them.
import type { Command } from "commander";
import {
  COST_KINDS, EVENT_KINDS, Store, UsageError, eventJson, globToRegExp, isOptimizerArtefact, labelOptimizerArtefacts, nameFilter, recomputeRunEvents, recomputeRunTransition, transitionJson,
  type DynamicsEventKind, type EventDetectionOptions, type EventRecord, type TransitionRecord,
} from "../../index.js";
import { collect, parseIntOption, parseNumberOption, printJson, parseProbabilityOption } from "../options.js";
import { formatStat, printTable, type Column } from "../table.js";
import { say, terminalSafe } from "../terminal.js";
import { onlineEventsOf, printOnlineEvents } from "./events-online.js";

interface EventsFlags {
  json?: boolean;
  kind?: string[];
  tensor?: string[];
  run?: string;
  recompute?: boolean;
  penalty?: number;
  cost?: string;
  persistence?: number;
  separation?: number;
  layerGap?: number;
  alpha?: number;
  artefacts?: boolean;
  transitionMetric?: string;
  online?: boolean;
}

export function register(program: Command): void {
  program
    .command("events")
    .description("list the detected events (population_fork, mode_split, mode_merge, layer_fork, change_point) of the analyzed runs; --recompute re-detects them from the store")
    .argument("<out-dir>", "output folder of `analyze`")
    .option("--json", "print a JSON array, one object per event")
    .option("--kind <kind>", `only this kind (repeatable): ${EVENT_KINDS.join(", ")}`, collect)
    .option("--tensor <glob>", "only tensors / groups matching this glob (repeatable; * matches across dots)", collect)
    .option("--run <name>", "only this run")
    .option("--recompute", "re-detect the events from the stored statistics (the scope of --kind and --tensor) and store them")
    .option("--penalty <x>", "change points: penalty per change (default: BIC-style); implies --recompute", parseNumberOption("--penalty"))
    .option("--cost <kind>", `change points: segment cost, ${COST_KINDS.join(", ")} (default linear: a line per segment in ln(1 + step)); implies --recompute`)
    .option("--persistence <p>", "checkpoints a split or fork must persist (default 3); implies --recompute", parseIntOption("--persistence", 1))
    .option("--separation <x>", "population fork: 2-means separation threshold (default 4); implies --recompute", parseNumberOption("--separation"))
    .option("--layer-gap <x>", "layer fork: gap in noise sigmas (default 4); implies --recompute", parseNumberOption("--layer-gap"))
    .option("--alpha <x>", "bimodality confirmation: dip test p-value threshold (default 0.05); implies --recompute", parseProbabilityOption("--alpha"))
    .option("--artefacts", "also list the optimizer-artefact events in the table (a split of a constant-initialised tensor at its first updates; --json always has them, with their `artefact` label)")
    .option("--online", "list the events as an online (causal) detector knows them, each with the checkpoint at which it became known from checkpoints up to it only; computed and stored on first use (again with --recompute)")
    .option("--transition-metric <name>", "quality metric that defines each run's transition (default: the first of test_accuracy, in_context_score, loss_repeated_half the run has); stores it")
    .action(async (outDir: string, flags: EventsFlags) => {
      const kinds = parseKinds(flags.kind);
      const detection = detectionOptions(flags, kinds);
      const recompute = flags.recompute === true || [flags.penalty, flags.cost, flags.persistence, flags.separation, flags.layerGap, flags.alpha].some((x) => x !== undefined);
      const store = await Store.openDir(outDir, { readOnly: !recompute && flags.transitionMetric === undefined && flags.online !== true });
      try {
        const runs = (await store.listRuns()).map((r) => r.run_id).filter((r) => flags.run === undefined || r === flags.run);
        if (flags.run !== undefined && runs.length === 0) throw new UsageError(`run "${flags.run}" is not in ${store.path}; see \`forking-paths stats ${outDir}\` for the runs stored`);
        if (recompute) for (const run of runs) await recomputeRunEvents(store, run, detection);
        if (flags.transitionMetric !== undefined) for (const run of runs) await recomputeRunTransition(store, run, { metric: flags.transitionMetric });
        if (flags.online === true) {
          const online = await onlineEventsOf(store, runs, { ...(kinds !== undefined && { kinds }), ...(flags.tensor !== undefined && { tensor: flags.tensor }), recompute });
          printOnlineEvents(online, { showRun: runs.length > 1, json: flags.json === true, showArtefacts: flags.artefacts === true });
          return;
        }
        const matches = nameFilter(flags.tensor ?? []);
        const rows: EventRecord[] = [];
        for (const run of runs) {
          const selected = (await store.events({ run })).filter((e) => (kinds === undefined || kinds.includes(e.kind)) && matches(e.tensor ?? ""));
          // events stored before the label existed (older stores) are labelled by the same rule on read
          rows.push(...(await labelOptimizerArtefacts(store, run, selected)));
        }
        rows.sort((a, b) => a.run_id.localeCompare(b.run_id) || (a.step ?? 0) - (b.step ?? 0) || a.kind.localeCompare(b.kind) || (a.tensor ?? "").localeCompare(b.tensor ?? ""));
        const transitions = (await store.transitions()).filter((t) => runs.includes(t.run_id));
        if (flags.json) printJson([...rows.map(eventJson), ...(kinds === undefined && (flags.tensor ?? []).length === 0 ? transitions.map(transitionJson) : [])]);
        else printEventsTable(rows, runs.length > 1, recompute, flags.artefacts === true, transitions);
      } finally {
        await store.close();
      }
    });
}

function parseKinds(kinds: string[] | undefined): DynamicsEventKind[] | undefined {
  return kinds?.map((k) => {
    const kind = EVENT_KINDS.find((known) => known === k);
    if (kind === undefined) throw new UsageError(`--kind: unknown kind "${k}" (use ${EVENT_KINDS.join(", ")})`);
    return kind;
  });
}

function detectionOptions(flags: EventsFlags, kinds: DynamicsEventKind[] | undefined): EventDetectionOptions {
  for (const glob of flags.tensor ?? []) globToRegExp(glob); // fails early on a bad pattern
  const cost = flags.cost === undefined ? undefined : COST_KINDS.find((known) => known === flags.cost);
  if (flags.cost !== undefined && cost === undefined) throw new UsageError(`--cost: unknown cost "${flags.cost}" (use ${COST_KINDS.join(", ")})`);
  return {
    ...(cost !== undefined && { changePointCost: cost }),
    ...(kinds !== undefined && { kinds }),
    ...(flags.tensor !== undefined && { tensors: flags.tensor }),
    ...(flags.penalty !== undefined && { penalty: flags.penalty }),
    ...(flags.persistence !== undefined && { persistence: flags.persistence }),
    ...(flags.separation !== undefined && { populationSeparation: flags.separation }),
    ...(flags.layerGap !== undefined && { layerGap: flags.layerGap }),
    ...(flags.alpha !== undefined && { alpha: flags.alpha }),
  };
}

/** One line per run: where its quality metric crosses halfway between its plateaus, or why not. */
export function transitionLine(t: TransitionRecord, showRun: boolean): string {
  const run = showRun ? ` run ${terminalSafe(t.run_id)}:` : "";
  const metric = `${terminalSafe(t.metric)} (${terminalSafe(t.source)}${t.chosen_by === "explicit" ? ", chosen" : ""})`;
  if (!t.found) return `transition:${run} none in ${metric}: ${terminalSafe(String(t.detail.reason ?? "not found"))}`;
  return `transition:${run} ${metric} ${formatStat(t.before)} -> ${formatStat(t.after)} at step ${Math.round(t.step!)} in (${t.step_low}, ${t.step_high}] (noise ${formatStat(t.noise)}, ${t.n_points} checkpoints)`;
}

function warningCell(e: EventRecord): string {
  const ew = (e.evidence as { early_warning?: { announced: boolean; lead_time: number | null; skipped_reason: string | null; p_value?: number | null } } | null)?.early_warning;
  if (ew === undefined) return "-";
  if (ew.skipped_reason !== null) return "too few points";
  const p = typeof ew.p_value === "number" ? ` (p ${ew.p_value.toFixed(3)})` : "";
  return ew.announced ? `yes${p}, ${ew.lead_time} steps ahead` : `no${p}`;
}

function detailCell(e: EventRecord): string {
  const ev = (e.evidence ?? {}) as Record<string, unknown>;
  if (e.kind === "population_fork") return `${String(ev.variable)}; branches ${JSON.stringify(ev.branch_sizes)}`;
  if (e.kind === "layer_fork") return `${String(ev.statistic)}; layers ${JSON.stringify(ev.groups)}`;
  if (e.kind === "change_point" && ev.cost === "linear") return `${String(ev.statistic)}: jump ${formatStat(ev.level_jump as number)}, slope ${formatStat((ev.line_before as { slope: number }).slope)} -> ${formatStat((ev.line_after as { slope: number }).slope)}`;
  if (e.kind === "change_point") return `${String(ev.statistic)}: ${formatStat(ev.mean_before as number)} -> ${formatStat(ev.mean_after as number)}`;
  return `${String(ev.target ?? "")}`;
}

function printEventsTable(all: EventRecord[], showRun: boolean, recomputed: boolean, showArtefacts: boolean, transitions: readonly TransitionRecord[]): void {
  const rows = showArtefacts ? all : all.filter((e) => !isOptimizerArtefact(e));
  const hidden = all.length - rows.length;
  const numeric = new Set(["step", "strength"]);
  const headers = [...(showRun ? ["run"] : []), "kind", "tensor", "step", "(low, high]", "strength", "announced", "detail", ...(showArtefacts ? ["artefact"] : [])];
  printTable(headers.map((header): Column => ({ header, align: numeric.has(header) ? "right" : "left" })), rows.map((e) => [
    ...(showRun ? [terminalSafe(e.run_id)] : []), e.kind, terminalSafe(e.tensor ?? "-"), String(e.step), `(${e.step_low}, ${e.step_high}]`, formatStat(e.strength), warningCell(e), detailCell(e),
    ...(showArtefacts ? [e.artefact ?? "-"] : []),
  ]));
  const counts = EVENT_KINDS.map((k) => `${rows.filter((e) => e.kind === k).length} ${k}`).join(", ");
  if (all.length === 0) say("(no events stored: run `forking-paths analyze` (without --no-events) or `forking-paths events <out-dir> --recompute`)");
  else say(`${rows.length} event(s)${recomputed ? " (recomputed)" : ""}: ${counts}`);
  if (hidden > 0) say(`${hidden} optimizer-artefact event(s) hidden: splits of constant-initialised tensors at their first updates (--artefacts to show)`);
  for (const t of transitions) say(transitionLine(t, showRun));
}
