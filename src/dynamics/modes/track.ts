// Mode tracking: the modes of the smoothed density at each checkpoint (as from a KDE) are
// linked to those of the next checkpoint by an exact gated assignment on |delta location| /
// scale, giving tracks (a mode's life). Pure; the modes are inputs, not computed here.

import { UsageError } from "../../util/errors.js";
import { gatedAssignment, MAX_ASSIGNMENT_SIZE } from "./assignment.js";

/** One mode of a density; the fields of stats/shape's KdeMode. */
export interface ModeObservation {
  location: number;
  height: number;
  /** Probability mass between the mode's bounding minima. */
  mass: number;
  /** height minus the higher bounding minimum. */
  prominence: number;
}

export interface ModeSnapshot {
  modes: readonly ModeObservation[];
  /** Spread of the values at this checkpoint (e.g. std); distances are measured in it. */
  scale: number;
}

/** Default gate: two modes of consecutive checkpoints may link if they are <= 2 scales apart (a split in a KDE
 * often shows its branches well away from the flat-topped parent mode). */
export const DEFAULT_TRACK_GATE = 2;
/** Modes kept per checkpoint (the most massive); more make the assignment too large. */
export const MAX_TRACKED_MODES = MAX_ASSIGNMENT_SIZE;

export interface TrackPoint extends ModeObservation {
  checkpoint: number;
  /** Index of the mode among the kept modes of its checkpoint (sorted by location). */
  mode: number;
}

export interface ModeTrack {
  id: number;
  /** First and last checkpoint index; the track has a point at every checkpoint in between. */
  start: number;
  end: number;
  points: TrackPoint[];
}

export interface ModeTracking {
  tracks: ModeTrack[];
  /** trackOf[checkpoint][mode] = track id. */
  trackOf: number[][];
  /** Kept modes per checkpoint, sorted by location. */
  modes: ModeObservation[][];
  /** Modes dropped per checkpoint (beyond MAX_TRACKED_MODES, least massive first). */
  dropped: number[];
  scales: number[];
  gate: number;
}

export interface TrackOptions {
  gate?: number;
}

function keptModes(snapshot: ModeSnapshot, index: number): { modes: ModeObservation[]; dropped: number } {
  if (!(snapshot.scale > 0) || !Number.isFinite(snapshot.scale)) {
    throw new UsageError(`trackModes: checkpoint ${index} has scale ${snapshot.scale}; give a positive finite spread (e.g. the std of the values)`);
  }
  for (const m of snapshot.modes) {
    if (![m.location, m.height, m.mass, m.prominence].every(Number.isFinite)) throw new UsageError(`trackModes: checkpoint ${index} has a mode with a non-finite field`);
  }
  const byMass = [...snapshot.modes].sort((a, b) => b.mass - a.mass);
  const modes = byMass.slice(0, MAX_TRACKED_MODES).sort((a, b) => a.location - b.location);
  return { modes, dropped: byMass.length - modes.length };
}

/** Scaled distance between a mode of checkpoint t-1 and one of checkpoint t. */
export function modeDistance(tracking: Pick<ModeTracking, "scales">, t: number, a: ModeObservation, b: ModeObservation): number {
  return Math.abs(a.location - b.location) / (0.5 * (tracking.scales[t - 1]! + tracking.scales[t]!));
}

export function trackModes(snapshots: readonly ModeSnapshot[], options: TrackOptions = {}): ModeTracking {
  const gate = options.gate ?? DEFAULT_TRACK_GATE;
  if (!(gate > 0)) throw new UsageError(`trackModes: gate must be > 0, got ${gate}`);
  const kept = snapshots.map((s, i) => keptModes(s, i));
  const tracking: ModeTracking = { tracks: [], trackOf: [], modes: kept.map((k) => k.modes), dropped: kept.map((k) => k.dropped), scales: snapshots.map((s) => s.scale), gate };
  const startTrack = (t: number, m: number): number => {
    const id = tracking.tracks.length;
    tracking.tracks.push({ id, start: t, end: t, points: [{ ...tracking.modes[t]![m]!, checkpoint: t, mode: m }] });
    return id;
  };
  for (let t = 0; t < snapshots.length; t++) {
    const current = tracking.modes[t]!;
    const ids = new Array<number>(current.length).fill(-1);
    if (t > 0) {
      const previous = tracking.modes[t - 1]!;
      const cost = previous.map((a) => current.map((b) => modeDistance(tracking, t, a, b)));
      gatedAssignment(cost, current.length, gate).forEach((m, p) => {
        if (m < 0) return;
        const track = tracking.tracks[tracking.trackOf[t - 1]![p]!]!;
        track.points.push({ ...current[m]!, checkpoint: t, mode: m });
        track.end = t;
        ids[m] = track.id;
      });
    }
    for (let m = 0; m < current.length; m++) if (ids[m]! < 0) ids[m] = startTrack(t, m);
    tracking.trackOf.push(ids);
  }
  return tracking;
}

/** The point of a track at checkpoint t, or undefined if the track is not alive then. */
export function pointAt(track: ModeTrack, t: number): TrackPoint | undefined {
  return t >= track.start && t <= track.end ? track.points[t - track.start] : undefined;
}
