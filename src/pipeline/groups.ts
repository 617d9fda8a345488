// Group statistics of one checkpoint (per role across layers, e.g. every attn.qkv.weight; per
// layer; whole model), made by merging tensor sketches (stats/group.ts), never by re-reading;
// their shape statistics come from a seeded sample of the merged histogram (stats/extras.ts).
import { HIST_KEY_COUNT } from "../stats/histogram.js";
import { emptySketch, mergeSketches, type TensorSketch } from "../stats/sketch.js";
import type { GroupKind, TensorStatsInput } from "../store/types.js";

// groupRows (the rows of groups, one checkpoint at once: the reference for the analysis's rows)
// lives in group-rows.ts: with it, this module would load the shape statistics in the main thread.
export type { GroupShapeOptions } from "./group-rows.js";

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
 * Distinct histogram keys above which a group's counts move from a Map to a dense array of
 * HIST_KEY_COUNT counters (512 KB of address space, of which only the pages its keys fall in
 * become resident): past a few hundred keys a Map costs about as much memory and is several times
 * slower to add into (the 25 groups of a 160m-shaped checkpoint: 13-17 ms at 512, 29-30 ms at
 * 4096; 8-11 ms with the former one shared array and every sketch kept). Below it, a group costs
 * memory in proportion to its keys, so a checkpoint of thousands of small groups stays small.
 */
export const GROUP_DENSE_KEYS = 512;

/**
 * One group's sketch, merged as its tensors come: moments folded in the order given (as
 * mergeAllSketches does), histogram counts summed (integer counts: the same sums in any order).
 * Holds no tensor's sketch: memory grows with the group's distinct histogram keys, not its tensors.
 */
class GroupAccumulator {
  nTensors = 0;
  private moments = emptySketch();
  private sparse: Map<number, number> | null = new Map();
  private dense: Float64Array | null = null;
  private touched: Int32Array | null = null;
  private touchedCount = 0;

  constructor(readonly kind: GroupKind, readonly name: string) {}

  add(s: TensorSketch): void {
    this.nTensors++;
    this.moments = mergeSketches(this.moments, { ...s, histKeys: [], histCounts: [] });
    // arrays read once per sketch: the sketches come from several places (hidden classes differ)
    const keys = s.histKeys, counts = s.histCounts;
    const sparse = this.sparse;
    if (sparse !== null) {
      for (let i = 0; i < keys.length; i++) sparse.set(keys[i]!, (sparse.get(keys[i]!) ?? 0) + counts[i]!);
      if (sparse.size > GROUP_DENSE_KEYS) this.toDense(sparse);
      return;
    }
    const dense = this.dense!;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (dense[k] === 0) this.touch(k);
      dense[k]! += counts[i]!;
    }
  }

  /** The merged sketch (histogram keys ascending). */
  sketch(): TensorSketch {
    const sparse = this.sparse, dense = this.dense;
    const sorted = sparse !== null ? Int32Array.from(sparse.keys()).sort() : this.touched!.subarray(0, this.touchedCount).sort();
    const keys = new Array<number>(sorted.length), counts = new Array<number>(sorted.length);
    for (let i = 0; i < sorted.length; i++) {
      const k = sorted[i]!;
      keys[i] = k;
      counts[i] = sparse !== null ? sparse.get(k)! : dense![k]!;
    }
    return { ...this.moments, histKeys: keys, histCounts: counts };
  }

  private toDense(sparse: Map<number, number>): void {
    this.dense = new Float64Array(HIST_KEY_COUNT);
    this.touched = new Int32Array(2 * GROUP_DENSE_KEYS);
    for (const [k, c] of sparse) {
      this.touch(k);
      this.dense[k] = c;
    }
    this.sparse = null;
  }

  private touch(k: number): void {
    if (this.touchedCount === this.touched!.length) {
      const grown = new Int32Array(2 * this.touchedCount);
      grown.set(this.touched!);
      this.touched = grown;
    }
    this.touched![this.touchedCount++] = k;
  }
}

/**
 * The groups of a checkpoint (model, per role, per layer) built as its tensors come, in tensor
 * order: each tensor's sketch is merged into its groups at once and not kept, so a checkpoint's
 * memory does not grow with its tensor count. groups() gives what checkpointGroups gives for the
 * same tensors in the same order.
 */
export class CheckpointGroupsBuilder {
  private readonly model = new GroupAccumulator("model", "model");
  private readonly byRole = new Map<string, GroupAccumulator>();
  private readonly byLayer = new Map<number, GroupAccumulator>();

  add(row: Pick<TensorStatsInput, "layer" | "role" | "kind">, sketch: TensorSketch): void {
    this.model.add(sketch);
    const role = roleGroupName(row);
    let r = this.byRole.get(role);
    if (r === undefined) this.byRole.set(role, (r = new GroupAccumulator("role", role)));
    r.add(sketch);
    if (row.layer === null) return;
    let l = this.byLayer.get(row.layer);
    if (l === undefined) this.byLayer.set(row.layer, (l = new GroupAccumulator("layer", `layer.${row.layer}`)));
    l.add(sketch);
  }

  /** Tensors added so far. */
  get tensorCount(): number {
    return this.model.nTensors;
  }

  /** The groups in a stable order: model, roles by name, layers by index (none without tensors). */
  groups(): GroupSketch[] {
    if (this.model.nTensors === 0) return [];
    const out = (g: GroupAccumulator): GroupSketch => ({ kind: g.kind, name: g.name, nTensors: g.nTensors, sketch: g.sketch() });
    return [
      out(this.model),
      ...[...this.byRole].sort(([a], [b]) => a.localeCompare(b)).map(([, g]) => out(g)),
      ...[...this.byLayer].sort(([a], [b]) => a - b).map(([, g]) => out(g)),
    ];
  }
}

/**
 * The groups of a checkpoint's tensors in a stable order: model, roles by name, layers by index
 * (the sketches groupSketches gives, merged as CheckpointGroupsBuilder merges them).
 */
export function checkpointGroups(tensors: readonly { row: Pick<TensorStatsInput, "tensor" | "layer" | "role" | "kind">; sketch: TensorSketch }[]): GroupSketch[] {
  const builder = new CheckpointGroupsBuilder();
  for (const { row, sketch } of tensors) builder.add(row, sketch);
  return builder.groups();
}
