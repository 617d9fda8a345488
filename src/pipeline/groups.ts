// Group statistics of one checkpoint (per role across layers, e.g. every attn.qkv.weight; per
// layer; whole model), made by merging tensor sketches (stats/group.ts), never by re-reading;
// their shape statistics come from a seeded sample of the merged histogram (stats/extras.ts).
import { groupSketches, type SketchedTensor } from "../stats/group.js";
import { HIST_KEY_COUNT } from "../stats/histogram.js";
import { emptySketch, mergeSketches, type TensorSketch } from "../stats/sketch.js";
import { summarizeSketch } from "../stats/summary.js";
import type { GroupKind, GroupStatsInput, TensorStatsInput } from "../store/types.js";
import { histogramShapeExtra, shapeSeed } from "../stats/extras.js";

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
 * cost growing with the group's accumulated size). The dense array is shared by the groups of a
 * checkpoint, merged one after the other: only the buckets a group touched are read back (sorted)
 * and cleared, instead of allocating and scanning 65,536 counters per group.
 */
class GroupMerger {
  private readonly dense = new Float64Array(HIST_KEY_COUNT);
  private touched = new Int32Array(1024);

  merge(sketches: readonly TensorSketch[]): TensorSketch {
    let moments = emptySketch();
    let n = 0;
    const dense = this.dense;
    for (const s of sketches) {
      moments = mergeSketches(moments, { ...s, histKeys: [], histCounts: [] });
      // arrays read once per sketch: the sketches come from several places (hidden classes differ)
      const keys = s.histKeys, counts = s.histCounts;
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        if (dense[k] === 0) {
          if (n === this.touched.length) { const t = new Int32Array(n * 2); t.set(this.touched); this.touched = t; }
          this.touched[n++] = k;
        }
        dense[k]! += counts[i]!;
      }
    }
    const sorted = this.touched.subarray(0, n).sort();
    const keys = new Array<number>(n), counts = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const k = sorted[i]!;
      keys[i] = k;
      counts[i] = dense[k]!;
      dense[k] = 0;
    }
    return { ...moments, histKeys: keys, histCounts: counts };
  }
}

/**
 * The groups of a checkpoint's tensors in a stable order: model, roles by name, layers by index
 * (the sketches groupSketches gives, merged faster).
 */
export function checkpointGroups(tensors: readonly { row: Pick<TensorStatsInput, "tensor" | "layer" | "role" | "kind">; sketch: TensorSketch }[]): GroupSketch[] {
  if (tensors.length === 0) return [];
  const byRole = new Map<string, TensorSketch[]>(), byLayer = new Map<number, TensorSketch[]>();
  const into = <K>(map: Map<K, TensorSketch[]>, key: K, s: TensorSketch) => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [s]);
    else list.push(s);
  };
  for (const { row, sketch } of tensors) {
    into(byRole, roleGroupName(row), sketch);
    if (row.layer !== null) into(byLayer, row.layer, sketch);
  }
  const merger = new GroupMerger();
  const group = (kind: GroupKind, name: string, sketches: readonly TensorSketch[]): GroupSketch => ({ kind, name, nTensors: sketches.length, sketch: merger.merge(sketches) });
  return [
    group("model", "model", tensors.map((t) => t.sketch)),
    ...[...byRole].sort(([a], [b]) => a.localeCompare(b)).map(([name, list]) => group("role", name, list)),
    ...[...byLayer].sort(([a], [b]) => a - b).map(([layer, list]) => group("layer", `layer.${layer}`, list)),
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
