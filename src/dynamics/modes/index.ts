// Mode tracking across checkpoints and the mode split / merge events built on the tracks.

export { gatedAssignment, gatedAssignmentBruteForce, assignmentCost, MAX_ASSIGNMENT_SIZE } from "./assignment.js";
export { trackModes, modeDistance, pointAt, DEFAULT_TRACK_GATE, MAX_TRACKED_MODES } from "./track.js";
export type { ModeObservation, ModeSnapshot, ModeTrack, ModeTracking, TrackOptions, TrackPoint } from "./track.js";
export {
  detectModeEvents,
  modeSeparation,
  DEFAULT_MODE_PERSISTENCE,
  DEFAULT_MIN_MODE_MASS,
  DEFAULT_MIN_RELATIVE_PROMINENCE,
  DEFAULT_MIN_CHECKPOINTS_BEFORE,
  DEFAULT_MAX_CONFIRMATION_DELAY,
} from "./split-merge.js";
export type { BimodalityConfirmation, ConfirmBimodality, ModeEventOptions, ModeEventsResult } from "./split-merge.js";
export {
  snapshotFromHistogram, snapshotFromValues, confirmBimodality, storedShapeOf, storedHistogramShapeOf, DEFAULT_BIMODALITY_ALPHA,
  type ValueSnapshot, type StoredShape,
} from "./snapshots.js";
