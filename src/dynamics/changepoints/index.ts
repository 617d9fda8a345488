// Change-point detection: costs (l2, normal, linear), searches (PELT, binary segmentation),
// penalties, accuracy metrics, and mapping of breakpoints to training steps.

export {
  CostL2, CostNormal, CostLinear, makeCost, COST_KINDS, NORMAL_VARIANCE_FLOOR_RELATIVE, NORMAL_VARIANCE_FLOOR_ABSOLUTE, NORMAL_DEFAULT_MIN_SIZE,
  LINEAR_DEFAULT_MIN_SIZE, xCoordinates, type CostFunction, type CostKind, type SegmentLine, type XAxis,
} from "./costs/index.js";
export { pelt } from "./pelt.js";
export type { PeltOptions } from "./pelt.js";
export { binarySegmentation } from "./binseg.js";
export type { BinsegOptions } from "./binseg.js";
export { sumOfCosts } from "./search.js";
export type { ChangePointResult, GridOptions, SearchMethod } from "./search.js";
export { bicPenalty, defaultPenalty, derivePenalty, pseudoResidualSigma, pseudoResiduals, robustSigma, MAD_TO_SIGMA, PENALTY_VARIANCE_FLOOR_RELATIVE, LINEAR_PENALTY_MIN_N } from "./penalty.js";
export type { PenaltyDerivation } from "./penalty.js";
export { precisionRecall } from "./metrics.js";
export type { PrecisionRecall } from "./metrics.js";
export { detectChangePoints, changePointsOnSteps } from "./steps.js";
export type { DetectOptions, DetectResult, StepAxis, StepChange, StepChangePointResult } from "./steps.js";
export { confirmAbruptChanges, polynomialRss, ABRUPT_DEFAULT_WINDOW, ABRUPT_MOVEMENT_FACTOR } from "./abrupt.js";
export type { AbruptCheck, AbruptOptions } from "./abrupt.js";
