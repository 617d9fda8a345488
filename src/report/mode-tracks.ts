// Mode tracks for the heatmaps, from the stored mode_split / mode_merge events: each event's
// evidence carries the full history (step, location, mass per checkpoint) of the two tracks
// around the split or merge, and where the single mode was. Pure; no recomputation: the lines
// drawn are exactly the tracks the detector linked (dynamics/modes trackModes, forward ids).
import type { ModeMark, ModeTrack, ReportEvent } from "./data.js";

/** Significant digits kept for drawn locations and masses (the page draws, it does not re-analyse). */
const DRAWN_DIGITS = 6;

interface TrackEvidence {
  id: number;
  steps: number[];
  locations: number[];
  masses?: number[];
}

function round(v: number): number {
  return Number(v.toPrecision(DRAWN_DIGITS));
}

function isNumberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === "number" && Number.isFinite(x));
}

/** The evidence.tracks entries that are well formed (equal-length steps and locations). */
function tracksOf(evidence: Record<string, unknown> | undefined): TrackEvidence[] {
  const raw = evidence?.tracks;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((t: unknown) => {
    const r = t as Partial<TrackEvidence> | null;
    if (r === null || typeof r !== "object" || typeof r.id !== "number" || !isNumberArray(r.steps) || !isNumberArray(r.locations)) return [];
    if (r.steps.length !== r.locations.length || r.steps.length === 0) return [];
    return [{ id: r.id, steps: r.steps, locations: r.locations, ...(isNumberArray(r.masses) && r.masses.length === r.steps.length && { masses: r.masses }) }];
  });
}

/** Split / merge point of one event: the single mode and the two modes beside it, when the evidence has them. */
function markOf(e: ReportEvent): ModeMark | null {
  const single = e.evidence?.single_mode as { step?: unknown; location?: unknown } | undefined;
  const pair = e.evidence?.two_modes_at as { step?: unknown; locations?: unknown } | undefined;
  if (typeof single?.step !== "number" || typeof single.location !== "number" || !Number.isFinite(single.location)) return null;
  if (typeof pair?.step !== "number" || !isNumberArray(pair.locations) || pair.locations.length !== 2) return null;
  return {
    kind: e.kind === "mode_split" ? "split" : "merge",
    step: e.step,
    strength: e.strength,
    single: { step: single.step, value: round(single.location) },
    pair: { step: pair.step, values: [round(pair.locations[0]!), round(pair.locations[1]!)] },
  };
}

/**
 * Mode tracks (one per tracker track id, the longest history seen when several events name it)
 * and split / merge marks of tensor or group `name` (a group by its group name, as the detector
 * names it: evidence.target "group"). Empty when it has no mode events.
 */
export function modeTracks(name: string, events: readonly ReportEvent[], target: "tensor" | "group" = "tensor"): { tracks: ModeTrack[]; marks: ModeMark[] } {
  const byId = new Map<number, TrackEvidence>();
  const marks: ModeMark[] = [];
  for (const e of events) {
    if (e.tensor !== name || (e.kind !== "mode_split" && e.kind !== "mode_merge")) continue;
    if ((e.evidence?.target ?? "tensor") !== target) continue;
    for (const t of tracksOf(e.evidence)) {
      const seen = byId.get(t.id);
      if (seen === undefined || seen.steps.length < t.steps.length) byId.set(t.id, t);
    }
    const mark = markOf(e);
    if (mark !== null) marks.push(mark);
  }
  const tracks = [...byId.values()].sort((a, b) => a.id - b.id).map((t): ModeTrack => ({
    id: `mode-${t.id}`,
    label: `mode track ${t.id}`,
    kind: "mode",
    points: t.steps.map((step, i) => ({ step, value: round(t.locations[i]!), ...(t.masses && { mass: round(t.masses[i]!) }) })),
  }));
  return { tracks, marks: marks.sort((a, b) => a.step - b.step) };
}
