// `events --online`: each event as an online (causal) detector knows it, with the checkpoint at
// which it became known using only checkpoints up to that one. Computed from the store on first
// request (or with --recompute) and stored in online_events beside the offline events.
import { nameFilter, recomputeOnlineEvents, type DynamicsEventKind, type OnlineEventRecord, type Store } from "../../index.js";
import { printJson } from "../options.js";
import { say, terminalSafe } from "../terminal.js";

export interface OnlineFlags {
  json?: boolean;
  kinds?: readonly DynamicsEventKind[];
  tensor?: readonly string[];
  recompute: boolean;
}

/** Online events of `runs` (computed and stored where missing or when recomputing), filtered like the offline list. */
export async function onlineEventsOf(store: Store, runs: readonly string[], o: OnlineFlags): Promise<OnlineEventRecord[]> {
  const matches = nameFilter([...(o.tensor ?? [])]);
  const rows: OnlineEventRecord[] = [];
  for (const run of runs) {
    let stored = await store.onlineEvents({ run });
    if (stored.length === 0 || o.recompute) {
      await recomputeOnlineEvents(store, run);
      stored = await store.onlineEvents({ run });
    }
    rows.push(...stored.filter((e) => (o.kinds === undefined || o.kinds.includes(e.kind)) && matches(e.tensor ?? "")));
  }
  return rows;
}

export function onlineEventJson(e: OnlineEventRecord): Record<string, unknown> {
  return { run: e.run_id, detection: "online", kind: e.kind, tensor: e.tensor, step: e.step, step_low: e.step_low, strength: e.strength, known_at: e.known_at, artefact: e.artefact };
}

/** The table (optimizer artefacts hidden unless `showArtefacts`), or with `json` every row as JSON. */
export function printOnlineEvents(all: readonly OnlineEventRecord[], o: { showRun: boolean; json: boolean; showArtefacts: boolean }): void {
  if (o.json) { printJson(all.map(onlineEventJson)); return; }
  const rows = o.showArtefacts ? all : all.filter((e) => e.artefact === null);
  const showRun = o.showRun;
  const header = [...(showRun ? ["run"] : []), "kind", "tensor", "step", "(low, step]", "known at", "lag", "strength"];
  const lines = rows.map((e) => [...(showRun ? [terminalSafe(e.run_id)] : []), e.kind, terminalSafe(e.tensor ?? "-"), String(e.step), `(${e.step_low}, ${e.step}]`, String(e.known_at), String(e.known_at - e.step), e.strength.toPrecision(4)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const numeric = new Set(["step", "known at", "lag", "strength"]);
  const row = (cells: string[]) => cells.map((c, i) => (numeric.has(header[i]!) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  say(row(header));
  for (const l of lines) say(row(l));
  say(`${rows.length} online event(s): each known at the checkpoint shown, from checkpoints up to it only (layer forks re-detected on every prefix; forks and mode events once their persistence window is complete)`);
  if (all.length > rows.length) say(`${all.length - rows.length} optimizer-artefact event(s) hidden (--artefacts to show)`);
}
