// Group rows of one checkpoint's tensors computed at once in this thread, shape statistics
// included: the reference the analysis's group rows (made on the workers from the sketches
// CheckpointGroupsBuilder merges, pipeline/checkpoint-batch.ts) are tested against, and rows for
// fixtures. Apart from groups.ts so the analysis's main thread does not load the shape statistics.
import { groupSketches, type SketchedTensor } from "../stats/group.js";
import { histogramShapeExtra, shapeSeed } from "../stats/extras.js";
import type { TensorSketch } from "../stats/sketch.js";
import { summarizeSketch } from "../stats/summary.js";
import type { GroupKind, GroupStatsInput, TensorStatsInput } from "../store/types.js";
import { roleGroupName } from "./groups.js";

/** Shape statistics of group rows: the checkpoint's step (part of the sample seed) and the sample size. */
export interface GroupShapeOptions {
  step: number;
  sampleSize: number;
}

/**
 * Group rows of a checkpoint's tensors, in a stable order: model, roles by name, layers by index.
 * With `shape`, each row gets `extra.shape` and `extra.shape_method` from its histogram.
 */
export function groupRows(tensors: readonly { row: TensorStatsInput; sketch: TensorSketch }[], shape: GroupShapeOptions | null = null): GroupStatsInput[] {
  const sketched: SketchedTensor[] = tensors.map(({ row, sketch }) => ({ name: row.tensor, layer: row.layer, role: roleGroupName(row), sketch }));
  const groups = groupSketches(sketched);
  const count = (pred: (t: SketchedTensor) => boolean) => sketched.filter(pred).length;
  const row = (kind: GroupKind, name: string, sketch: TensorSketch, n: number): GroupStatsInput => {
    const histogram = { keys: sketch.histKeys, counts: sketch.histCounts };
    const extra = shape === null ? null : histogramShapeExtra(histogram, shapeSeed("group", name, shape.step), shape.sampleSize);
    return { ...summarizeSketch(sketch), group_kind: kind, group_name: name, n_tensors: n, histogram, ...(extra !== null && { extra: { ...extra } }) };
  };
  if (sketched.length === 0) return [];
  return [
    row("model", "model", groups.model, sketched.length),
    ...[...groups.byRole].sort(([a], [b]) => a.localeCompare(b)).map(([name, s]) => row("role", name, s, count((t) => t.role === name))),
    ...[...groups.byLayer].sort(([a], [b]) => a - b).map(([layer, s]) => row("layer", `layer.${layer}`, s, count((t) => t.layer === layer))),
  ];
}
