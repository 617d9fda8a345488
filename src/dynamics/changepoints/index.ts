// Change-point detection: costs (l2, normal), searches (PELT, binary segmentation),
// penalties, accuracy metrics, and mapping of breakpoints to training steps.

export { CostL2, CostNormal, makeCost, NORMAL_VARIANCE_FLOOR_RELATIVE, NORMAL_VARIANCE_FLOOR_ABSOLUTE, NORMAL_DEFAULT_MIN_SIZE } from "./cost.js";
export type { CostFunction, CostKind } from "./cost.js";
export { pelt } from "./pelt.js";
export type { PeltOptions } from "./pelt.js";
export { binarySegmentation } from "./binseg.js";
export type { BinsegOptions } from "./binseg.js";
export { sumOfCosts } from "./search.js";
export type { ChangePointResult, GridOptions, SearchMethod } from "./search.js";
export { bicPenalty, defaultPenalty, robustSigma, MAD_TO_SIGMA } from "./penalty.js";
export { precisionRecall } from "./metrics.js";
export type { PrecisionRecall } from "./metrics.js";
export { detectChangePoints, changePointsOnSteps } from "./steps.js";
export type { DetectOptions, StepAxis, StepChange, StepChangePointResult } from "./steps.js";
