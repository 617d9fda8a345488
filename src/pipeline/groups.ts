// Group statistics of one checkpoint (per role across layers, e.g. every attn.qkv.weight; per
// layer; whole model), made by merging tensor sketches (stats/group.ts), never by re-reading;
// their shape statistics come from a seeded sample of the merged histogram (shape-rows.ts).
import { groupSketches, type SketchedTensor } from "../stats/group.js";
import { HIST_KEY_COUNT, sparseFromDense } from "../stats/histogram.js";
import { emptySketch, mergeSketches, type TensorSketch } from "../stats/sketch.js";
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

/**
 * Merges sketches into a group: moments in the order given (as mergeAllSketches), histogram
 * counts summed in a dense array (integer counts: the same sums as sparse merging, without its
 * cost growing with the group's accumulated size).
 */
class GroupAccumulator {
  private moments: TensorSketch = emptySketch();
  private readonly dense = new Float64Array(HIST_KEY_COUNT);
  nTensors = 0;

  add(s: TensorSketch): void {
    this.moments = mergeSketches(this.moments, { ...s, histKeys: [], histCounts: [] });
    for (let i = 0; i < s.histKeys.length; i++) this.dense[s.histKeys[i]!]! += s.histCounts[i]!;
    this.nTensors++;
  }

  sketch(): TensorSketch {
    const hist = sparseFromDense(this.dense);
    return { ...this.moments, histKeys: hist.keys, histCounts: hist.counts };
  }
}

/**
 * The groups of a checkpoint's tensors in a stable order: model, roles by name, layers by index
 * (the sketches groupSketches gives, merged faster).
 */
export function checkpointGroups(tensors: readonly { row: Pick<TensorStatsInput, "tensor" | "layer" | "role" | "kind">; sketch: TensorSketch }[]): GroupSketch[] {
  if (tensors.length === 0) return [];
  const model = new GroupAccumulator();
  const byRole = new Map<string, GroupAccumulator>(), byLayer = new Map<number, GroupAccumulator>();
  const into = <K>(map: Map<K, GroupAccumulator>, key: K, s: TensorSketch) => {
    let acc = map.get(key);
    if (acc === undefined) map.set(key, (acc = new GroupAccumulator()));
    acc.add(s);
  };
  for (const { row, sketch } of tensors) {
    model.add(sketch);
    into(byRole, roleGroupName(row), sketch);
    if (row.layer !== null) into(byLayer, row.layer, sketch);
  }
  return [
    { kind: "model", name: "model", nTensors: model.nTensors, sketch: model.sketch() },
    ...[...byRole].sort(([a], [b]) => a.localeCompare(b)).map(([name, acc]): GroupSketch => ({ kind: "role", name, nTensors: acc.nTensors, sketch: acc.sketch() })),
    ...[...byLayer].sort(([a], [b]) => a - b).map(([layer, acc]): GroupSketch => ({ kind: "layer", name: `layer.${layer}`, nTensors: acc.nTensors, sketch: acc.sketch() })),
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
