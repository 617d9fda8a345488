// Segment costs for change-point search, one per file; makeCost builds one by name.
import type { CostKind } from "./cost.js";
import { CostL2 } from "./l2.js";
import { CostLinear } from "./linear.js";
import { CostNormal } from "./normal.js";

export { COST_KINDS, type CostFunction, type CostKind } from "./cost.js";
export { CostL2 } from "./l2.js";
export { CostNormal, NORMAL_VARIANCE_FLOOR_RELATIVE, NORMAL_VARIANCE_FLOOR_ABSOLUTE, NORMAL_DEFAULT_MIN_SIZE } from "./normal.js";
export { CostLinear, LINEAR_DEFAULT_MIN_SIZE, xCoordinates, type SegmentLine, type XAxis } from "./linear.js";

/** Any of the costs, told apart by `kind` (so a caller that needs a cost's own methods switches on kind). */
export type AnyCost = CostL2 | CostNormal | CostLinear;

/** Build a cost by name; x (one coordinate per sample, default the index) is used by "linear" only. */
export function makeCost(kind: CostKind, options: { minSize?: number; x?: ArrayLike<number> } = {}): AnyCost {
  const sized = options.minSize !== undefined ? { minSize: options.minSize } : {};
  switch (kind) {
    case "l2":
      return new CostL2(sized);
    case "normal":
      return new CostNormal(sized);
    case "linear":
      return new CostLinear({ ...sized, ...(options.x !== undefined && { x: options.x }) });
  }
}
