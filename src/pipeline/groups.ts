// Group statistics of one checkpoint (per role across layers, e.g. every attn.qkv.weight; per
// layer; whole model), made by merging tensor sketches (stats/group.ts), never by re-reading;
// their shape statistics come from a seeded sample of the merged histogram (shape-rows.ts).
import { groupSketches, type SketchedTensor } from "../stats/group.js";
import type { TensorSketch } from "../stats/sketch.js";
import { summarizeSketch } from "../stats/summary.js";
import type { GroupKind, GroupStatsInput, TensorStatsInput } from "../store/types.js";
import { histogramShapeExtra, shapeSeed } from "./shape-rows.js";

/** Shape statistics of group rows: the checkpoint's step (part of the sample seed) and the sample size. */
export interface GroupShapeOptions {
  step: number;
  sampleSize: number;
}

/** Role group of a tensor: its role and kind, so weights and biases are not mixed. */
export function roleGroupName(row: Pick<TensorStatsInput, "role" | "kind">): string {
  return `${row.role}.${row.kind}`;
}

/** A group of a checkpoint: its kind, name, tensor count and merged sketch. */
export interface GroupSketch {
  kind: GroupKind;
  name: string;
  nTensors: number;
  sketch: TensorSketch;
}

/** The groups of a checkpoint's tensors in a stable order: model, roles by name, layers by index. */
export function checkpointGroups(tensors: readonly { row: Pick<TensorStatsInput, "tensor" | "layer" | "role" | "kind">; sketch: TensorSketch }[]): GroupSketch[] {
  const sketched: SketchedTensor[] = tensors.map(({ row, sketch }) => ({ name: row.tensor, layer: row.layer, role: roleGroupName(row), sketch }));
  if (sketched.length === 0) return [];
  const groups = groupSketches(sketched);
  const roleCount = new Map<string, number>(), layerCount = new Map<number, number>();
  for (const t of sketched) {
    roleCount.set(t.role, (roleCount.get(t.role) ?? 0) + 1);
    if (t.layer !== null) layerCount.set(t.layer, (layerCount.get(t.layer) ?? 0) + 1);
  }
  return [
    { kind: "model", name: "model", nTensors: sketched.length, sketch: groups.model },
    ...[...groups.byRole].sort(([a], [b]) => a.localeCompare(b)).map(([name, sketch]): GroupSketch => ({ kind: "role", name, nTensors: roleCount.get(name) ?? 0, sketch })),
    ...[...groups.byLayer].sort(([a], [b]) => a - b).map(([layer, sketch]): GroupSketch => ({ kind: "layer", name: `layer.${layer}`, nTensors: layerCount.get(layer) ?? 0, sketch })),
  ];
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
