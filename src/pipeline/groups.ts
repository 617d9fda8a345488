// Group statistics of one checkpoint (per role across layers, e.g. every attn.qkv.weight; per
// layer; whole model), made by merging tensor sketches (stats/group.ts), never by re-reading;
// their shape statistics come from a seeded sample of the merged histogram (stats/extras.ts).
import { HistogramBlocks } from "../stats/histogram-blocks.js";
import { emptySketch, mergeSketchCountsInto, type TensorSketch } from "../stats/sketch.js";
import { typedSketch, unpackSketch, type PackedSketch } from "../kernels/packed-sketch.js";
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

/** A GroupSketch whose merged histogram is in typed arrays (CheckpointGroupsBuilder.groups). */
export interface PackedGroupSketch {
  kind: GroupKind;
  name: string;
  nTensors: number;
  sketch: PackedSketch;
}

/**
 * A tensor's sketch as the groups take it: its histogram (ascending keys or not) in plain or
 * typed arrays. The analysis hands over the typed arrays of the workers' replies (one array kind
 * per field: the merge loops' loads stay monomorphic); tests and fixtures plain ones.
 */
export type GroupInputSketch = Omit<TensorSketch, "histKeys" | "histCounts"> & { histKeys: ArrayLike<number>; histCounts: ArrayLike<number> };

/** The blocks of a GroupAccumulator whose counts are sparse (never added to). */
const NO_BLOCKS = new HistogramBlocks();

/**
 * Distinct histogram keys above which a group's counts move from sorted typed arrays (merged with
 * each tensor's sorted keys: work in proportion to the group's keys) to blocks of counters
 * (stats/histogram-blocks.ts: work in proportion to the tensor's keys). Below it a group costs
 * memory in proportion to its keys, so a checkpoint of thousands of small groups stays small.
 */
export const GROUP_DENSE_KEYS = 512;

/** The arrays of a GroupAccumulator that has none (blocked, or its sketch taken). */
const NO_KEYS = new Int32Array(0);
const NO_COUNTS = new Float64Array(0);

/**
 * One group's sketch, merged as its tensors come: moments folded in the order given (as
 * mergeAllSketches does), histogram counts summed (integer counts: the same sums in any order).
 * Holds no tensor's sketch: memory grows with the group's distinct histogram keys, not its
 * tensors. Allocates nothing per tensor (the sparse arrays double when full).
 */
class GroupAccumulator {
  // Every field holds one type from the constructor on (no null later replaced by an array, or an
  // array by null): a field's first value of another type generalises the class's field type and
  // throws away the optimised code that read it, in every group's first checkpoint.
  nTensors = 0;
  private readonly moments = emptySketch();
  /** True while the counts are sparse: keys ascending in keys[0, size), their counts in counts. */
  private sparse = true;
  private keys: Int32Array = new Int32Array(8);
  private counts: Float64Array = new Float64Array(8);
  private size = 0;
  /** Spare arrays the sparse merge writes into (then swapped with keys / counts). */
  private spareKeys: Int32Array = new Int32Array(8);
  private spareCounts: Float64Array = new Float64Array(8);
  /** The counts once not sparse. */
  private blocks: HistogramBlocks = NO_BLOCKS;
  /** The merged sketch once taken (then `taken`; until then an empty one, unused). */
  private taken = false;
  private result: PackedSketch = typedSketch(this.moments, NO_KEYS, NO_COUNTS);

  constructor(readonly kind: GroupKind, readonly name: string) {}

  add(s: GroupInputSketch): void {
    this.addMoments(s);
    this.addCounts(s.histKeys, s.histCounts);
  }

  /** Folds a tensor's counts and moments in (its histogram goes in through addCounts, here or elsewhere). */
  addMoments(s: GroupInputSketch): void {
    if (this.taken) throw new Error(`group ${this.name}: a tensor added after its sketch was taken`);
    this.nTensors++;
    mergeSketchCountsInto(this.moments, s);
  }

  /** Sums a histogram into the group's. */
  addCounts(keys: ArrayLike<number>, counts: ArrayLike<number>): void {
    if (this.sparse && (this.size + keys.length > GROUP_DENSE_KEYS || !this.mergeSparse(keys, counts))) this.toBlocks();
    if (!this.sparse) this.blocks.add(keys, counts);
  }

  /**
   * Merges sorted (key, count) pairs into the sparse counts; false (nothing changed) when the
   * keys are not strictly ascending (the blocks then take them in any order).
   */
  private mergeSparse(bk: ArrayLike<number>, bc: ArrayLike<number>): boolean {
    const ak = this.keys, ac = this.counts, na = this.size, nb = bk.length;
    if (nb === 0) return true;
    if (this.spareKeys.length < na + nb) {
      const capacity = Math.max(2 * this.spareKeys.length, na + nb);
      this.spareKeys = new Int32Array(capacity);
      this.spareCounts = new Float64Array(capacity);
    }
    const ok = this.spareKeys, oc = this.spareCounts;
    let i = 0, j = 0, n = 0, previous = -1;
    while (j < nb) {
      const kb = bk[j]!;
      if (!(kb > previous)) return false;
      previous = kb;
      while (i < na && ak[i]! < kb) { ok[n] = ak[i]!; oc[n++] = ac[i++]!; }
      if (i < na && ak[i] === kb) { ok[n] = kb; oc[n++] = ac[i++]! + bc[j++]!; }
      else { ok[n] = kb; oc[n++] = bc[j++]!; }
    }
    while (i < na) { ok[n] = ak[i]!; oc[n++] = ac[i++]!; }
    this.spareKeys = ak;
    this.spareCounts = ac;
    this.keys = ok;
    this.counts = oc;
    this.size = n;
    return true;
  }

  /** The merged sketch (histogram keys ascending, in typed arrays of their own); taken once: later calls give the same sketch. */
  sketch(): PackedSketch {
    if (this.taken) return this.result;
    let keys: Int32Array, counts: Float64Array;
    if (this.sparse) {
      keys = this.keys.slice(0, this.size);
      counts = this.counts.slice(0, this.size);
    } else {
      ({ keys, counts } = this.blocks.take());
      this.blocks = NO_BLOCKS;
    }
    this.result = typedSketch(this.moments, keys, counts);
    this.result.absLe = [...this.moments.absLe];
    this.taken = true;
    this.sparse = false;
    this.keys = this.spareKeys = NO_KEYS;
    this.counts = this.spareCounts = NO_COUNTS;
    return this.result;
  }

  /** Moves the sparse counts into blocks. */
  private toBlocks(): void {
    this.blocks = new HistogramBlocks();
    this.blocks.add(this.keys.subarray(0, this.size), this.counts.subarray(0, this.size));
    this.sparse = false;
    this.keys = this.spareKeys = NO_KEYS;
    this.counts = this.spareCounts = NO_COUNTS;
    this.size = 0;
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
  /** Whether the role groups' histograms were summed into the model's (groups()). */
  private modelCounted = false;

  add(row: Pick<TensorStatsInput, "layer" | "role" | "kind">, sketch: GroupInputSketch): void {
    // the model's histogram is the sum of its role groups' (every tensor is in one): summed once, in groups()
    this.model.addMoments(sketch);
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
  groups(): PackedGroupSketch[] {
    if (this.model.nTensors === 0) return [];
    const out = (g: GroupAccumulator): PackedGroupSketch => ({ kind: g.kind, name: g.name, nTensors: g.nTensors, sketch: g.sketch() });
    const roles = [...this.byRole].sort(([a], [b]) => a.localeCompare(b)).map(([, g]) => out(g));
    if (!this.modelCounted) {
      this.modelCounted = true;
      for (const r of roles) this.model.addCounts(r.sketch.histKeys, r.sketch.histCounts);
    }
    return [out(this.model), ...roles, ...[...this.byLayer].sort(([a], [b]) => a - b).map(([, g]) => out(g))];
  }
}

/**
 * The groups of a checkpoint's tensors in a stable order: model, roles by name, layers by index
 * (the sketches groupSketches gives, merged as CheckpointGroupsBuilder merges them).
 */
export function checkpointGroups(tensors: readonly { row: Pick<TensorStatsInput, "tensor" | "layer" | "role" | "kind">; sketch: TensorSketch }[]): GroupSketch[] {
  const builder = new CheckpointGroupsBuilder();
  for (const { row, sketch } of tensors) builder.add(row, sketch);
  return builder.groups().map((g) => ({ ...g, sketch: unpackSketch(g.sketch) }));
}
