// Mode split and merge events from mode tracks. A split: a mode at checkpoint t-1 has as its
// two nearest successors at t two tracks (at least one born at t) that both persist P
// checkpoints with enough mass and prominence, bimodality confirmed by the caller's check at
// each of them. A merge is a split of the time-reversed series. Pure.

import { UsageError } from "../../util/errors.js";
import { makeEvent, type DynamicsEvent } from "../events.js";
import { pointAt, trackModes, type ModeObservation, type ModeSnapshot, type ModeTracking, type TrackOptions, type TrackPoint } from "./track.js";

/** Checkpoints (the first two-mode one included) both branches of a split must persist. */
export const DEFAULT_MODE_PERSISTENCE = 3;
/** Smallest mass of each branch at every persistence checkpoint. */
export const DEFAULT_MIN_MODE_MASS = 0.05;
/** Smallest prominence of each branch, as a fraction of the highest mode at that checkpoint. */
export const DEFAULT_MIN_RELATIVE_PROMINENCE = 0.05;
/**
 * Checkpoints before the split at which the parent's track must be the nearest mode to both
 * branches' locations: with 2, a mode that vanishes for one checkpoint and comes back is not a split
 * (and, time reversed, not a merge).
 */
export const DEFAULT_MIN_CHECKPOINTS_BEFORE = 2;

/**
 * A young split is often too shallow for the dip test: the P confirming checkpoints may start
 * up to this many checkpoints after the first two-mode checkpoint (the reported step stays
 * the first two-mode checkpoint; evidence.confirming_steps says which were used).
 */
export const DEFAULT_MAX_CONFIRMATION_DELAY = 2;

export interface BimodalityConfirmation {
  confirmed: boolean;
  /** e.g. "dip test p < 0.05", "GMM-2 BIC < GMM-1 BIC". */
  method: string;
  statistic: number | null;
  pValue?: number | null;
}

/** Bimodality check of checkpoint `checkpoint` (original index) for the two modes given. */
export type ConfirmBimodality = (checkpoint: number, modes: readonly [ModeObservation, ModeObservation]) => BimodalityConfirmation;

export interface ModeEventOptions extends TrackOptions {
  confirm: ConfirmBimodality;
  persistence?: number;
  minMass?: number;
  minRelativeProminence?: number;
  minBefore?: number;
  maxConfirmationDelay?: number;
}

export interface ModeEventsResult {
  events: DynamicsEvent[];
  /** Tracks in forward time; evidence track ids refer to these. */
  tracking: ModeTracking;
}

interface Settings {
  persistence: number;
  minMass: number;
  minRelativeProminence: number;
  minBefore: number;
  maxConfirmationDelay: number;
}

/** A split in the time frame of `tracking` (forward, or reversed for merges). */
interface SplitCandidate {
  t: number;
  parent: TrackPoint;
  children: [number, number];
  separations: number[];
  confirmations: (BimodalityConfirmation & { checkpoint: number })[];
}

/** Gaussian-equivalent width of a mode: mass = height x width x sqrt(2 pi). */
function modeWidth(m: ModeObservation): number {
  return m.mass / (m.height * Math.sqrt(2 * Math.PI));
}

/** |location a - location b| / mass-weighted pooled width. */
export function modeSeparation(a: ModeObservation, b: ModeObservation): number {
  const pooled = Math.sqrt((a.mass * modeWidth(a) ** 2 + b.mass * modeWidth(b) ** 2) / (a.mass + b.mass));
  return pooled > 0 ? Math.abs(a.location - b.location) / pooled : 0;
}

function nearest(modes: readonly ModeObservation[], location: number): number[] {
  return [...modes.keys()].sort((i, j) => Math.abs(modes[i]!.location - location) - Math.abs(modes[j]!.location - location));
}

/** The two nearest successors of parent mode q at t-1, if they form a split shape. */
function childrenOf(tr: ModeTracking, t: number, q: number, s: Settings): [number, number] | null {
  const parentTrack = tr.trackOf[t - 1]![q]!;
  const parent = tr.modes[t - 1]![q]!;
  const order = nearest(tr.modes[t]!, parent.location);
  if (order.length < 2) return null;
  const pair = [order[0]!, order[1]!].sort((a, b) => a - b);
  const ids: [number, number] = [tr.trackOf[t]![pair[0]!]!, tr.trackOf[t]![pair[1]!]!];
  const distance = (m: number) => Math.abs(tr.modes[t]![m]!.location - parent.location) / (0.5 * (tr.scales[t - 1]! + tr.scales[t]!));
  if (!pair.every((m) => distance(m) <= tr.gate)) return null;
  const born = ids.filter((id) => tr.tracks[id]!.start === t);
  if (born.length === 0 || (born.length === 1 && !ids.includes(parentTrack))) return null;
  // before the split the parent was alone: the nearest mode to both children's locations
  for (let u = Math.max(0, t - s.minBefore); u < t; u++) {
    const p = pointAt(tr.tracks[parentTrack]!, u);
    if (p === undefined || pair.some((m) => nearest(tr.modes[u]!, tr.modes[t]![m]!.location)[0] !== p.mode)) return null;
  }
  return ids;
}

function persists(tr: ModeTracking, ids: [number, number], from: number, s: Settings): boolean {
  for (let u = from; u < from + s.persistence; u++) {
    if (u >= tr.modes.length) return false;
    const top = Math.max(...tr.modes[u]!.map((m) => m.height));
    for (const id of ids) {
      const p = pointAt(tr.tracks[id]!, u);
      if (p === undefined || p.mass < s.minMass || p.prominence < s.minRelativeProminence * top) return false;
    }
  }
  return true;
}

type Confirm = (t: number, pair: [ModeObservation, ModeObservation]) => BimodalityConfirmation & { checkpoint: number };

/**
 * First window [c, c + P), c in [t, t + maxConfirmationDelay], in which both children persist
 * with enough mass and prominence and every checkpoint confirms bimodality; confirmations are
 * cached per checkpoint and track pair.
 */
function confirmWindow(tr: ModeTracking, ids: [number, number], t: number, s: Settings, confirm: Confirm): Omit<SplitCandidate, "t" | "parent" | "children"> | null {
  const cache = new Map<number, BimodalityConfirmation & { checkpoint: number }>();
  for (let c = t; c <= t + s.maxConfirmationDelay; c++) {
    if (!persists(tr, ids, c, s)) continue;
    const separations: number[] = [];
    const confirmations: SplitCandidate["confirmations"] = [];
    for (let u = c; u < c + s.persistence; u++) {
      const pair: [ModeObservation, ModeObservation] = [pointAt(tr.tracks[ids[0]]!, u)!, pointAt(tr.tracks[ids[1]]!, u)!];
      if (!cache.has(u)) cache.set(u, confirm(u, pair));
      separations.push(modeSeparation(pair[0], pair[1]));
      confirmations.push(cache.get(u)!);
    }
    if (confirmations.every((x) => x.confirmed)) return { separations, confirmations };
  }
  return null;
}

function findSplits(tr: ModeTracking, s: Settings, confirm: Confirm): SplitCandidate[] {
  const found: SplitCandidate[] = [];
  for (let t = 1; t + s.persistence <= tr.modes.length; t++) {
    for (let q = 0; q < tr.modes[t - 1]!.length; q++) {
      const ids = childrenOf(tr, t, q, s);
      const window = ids === null ? null : confirmWindow(tr, ids, t, s, confirm);
      if (ids !== null && window !== null) found.push({ t, parent: { ...tr.modes[t - 1]![q]!, checkpoint: t - 1, mode: q }, children: ids, ...window });
    }
  }
  return found;
}

function settingsOf(options: ModeEventOptions): Settings {
  const s = {
    persistence: options.persistence ?? DEFAULT_MODE_PERSISTENCE,
    minMass: options.minMass ?? DEFAULT_MIN_MODE_MASS,
    minRelativeProminence: options.minRelativeProminence ?? DEFAULT_MIN_RELATIVE_PROMINENCE,
    minBefore: options.minBefore ?? DEFAULT_MIN_CHECKPOINTS_BEFORE,
    maxConfirmationDelay: options.maxConfirmationDelay ?? DEFAULT_MAX_CONFIRMATION_DELAY,
  };
  if (!Number.isInteger(s.persistence) || s.persistence < 1) throw new UsageError(`detectModeEvents: persistence must be an integer >= 1, got ${s.persistence}`);
  if (!Number.isInteger(s.maxConfirmationDelay) || s.maxConfirmationDelay < 0) throw new UsageError(`detectModeEvents: maxConfirmationDelay must be an integer >= 0, got ${s.maxConfirmationDelay}`);
  if (!Number.isInteger(s.minBefore) || s.minBefore < 1) throw new UsageError(`detectModeEvents: minBefore must be an integer >= 1, got ${s.minBefore}`);
  return s;
}

/** Track history (original time order) of one forward track, as evidence. */
function trackEvidence(tr: ModeTracking, steps: readonly number[], id: number): Record<string, unknown> {
  const track = tr.tracks[id]!;
  return {
    id,
    steps: track.points.map((p) => steps[p.checkpoint]),
    locations: track.points.map((p) => p.location),
    masses: track.points.map((p) => p.mass),
    prominences: track.points.map((p) => p.prominence),
  };
}

function toEvent(kind: "mode_split" | "mode_merge", tensor: string, steps: readonly number[], forward: ModeTracking, frame: ModeTracking, c: SplitCandidate, toOriginal: (i: number) => number, s: Settings): DynamicsEvent {
  const first = toOriginal(c.t);
  const parentIndex = toOriginal(c.parent.checkpoint);
  // split: observed at the first two-mode checkpoint; merge: at the first one-mode checkpoint
  const [low, high] = kind === "mode_split" ? [parentIndex, first] : [first, parentIndex];
  const childPoints = c.children.map((id) => pointAt(frame.tracks[id]!, c.t)!);
  const forwardIds = childPoints.map((p) => forward.trackOf[first]![p.mode]!);
  const strength = c.separations.reduce((a, b) => a + b, 0) / c.separations.length;
  return makeEvent(kind, tensor, steps[high]!, steps[low]!, strength, {
    rule: `two tracks from one mode, alive from the first two-mode checkpoint and, in a window of ${s.persistence} checkpoints starting at most ${s.maxConfirmationDelay} later, with mass >= ${s.minMass} and prominence >= ${s.minRelativeProminence} x the highest mode, bimodality confirmed at each; ` +
      `the single mode's track is the nearest mode to both branches for ${s.minBefore} checkpoint(s) on its side; strength = mean separation / pooled mode width`,
    single_mode: { step: steps[parentIndex], location: c.parent.location, mass: c.parent.mass, track: forward.trackOf[parentIndex]![c.parent.mode] },
    two_modes_at: { step: steps[first], locations: childPoints.map((p) => p.location), masses: childPoints.map((p) => p.mass), prominences: childPoints.map((p) => p.prominence) },
    tracks: forwardIds.map((id) => trackEvidence(forward, steps, id)),
    confirming_steps: c.confirmations.map((x) => steps[toOriginal(x.checkpoint)]),
    separations: c.separations,
    confirmations: c.confirmations.map((x) => ({ step: steps[toOriginal(x.checkpoint)], confirmed: x.confirmed, method: x.method, statistic: x.statistic, p_value: x.pValue ?? null })),
  });
}

/**
 * Mode splits and merges of one tensor's density over checkpoints. snapshots[i] holds the
 * modes at steps[i]. Split: step = first checkpoint with two modes, step_low = the one before.
 * Merge: step = first checkpoint with one mode, step_low = the last with two. Events sorted by step.
 */
export function detectModeEvents(tensor: string, steps: readonly number[], snapshots: readonly ModeSnapshot[], options: ModeEventOptions): ModeEventsResult {
  if (steps.length !== snapshots.length) throw new UsageError(`detectModeEvents ("${tensor}"): ${steps.length} steps but ${snapshots.length} mode snapshots`);
  for (let i = 1; i < steps.length; i++) if (!(steps[i]! > steps[i - 1]!)) throw new UsageError(`detectModeEvents ("${tensor}"): steps must be strictly increasing (index ${i})`);
  const s = settingsOf(options);
  const n = steps.length;
  const gate = options.gate !== undefined ? { gate: options.gate } : {};
  const forward = trackModes(snapshots, gate);
  const backward = trackModes([...snapshots].reverse(), gate);
  const confirmIn = (toOriginal: (i: number) => number) => (t: number, pair: [ModeObservation, ModeObservation]) => ({ ...options.confirm(toOriginal(t), pair), checkpoint: t });
  const identity = (i: number) => i;
  const reversed = (i: number) => n - 1 - i;
  const events = [
    ...findSplits(forward, s, confirmIn(identity)).map((c) => toEvent("mode_split", tensor, steps, forward, forward, c, identity, s)),
    ...findSplits(backward, s, confirmIn(reversed)).map((c) => toEvent("mode_merge", tensor, steps, forward, backward, c, reversed, s)),
  ].sort((a, b) => a.step - b.step);
  return { events, tracking: forward };
}
