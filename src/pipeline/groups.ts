// Group statistics of one checkpoint (per role across layers, e.g. every attn.qkv.weight; per
// layer; whole model), made by merging tensor sketches (stats/group.ts), never by re-reading;
// their shape statistics come from a seeded sample of the merged histogram (stats/extras.ts).
import { HIST_KEY_COUNT } from "../stats/histogram.js";
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

/**
 * Distinct histogram keys above which a group's counts move from sorted typed arrays (merged with
 * each tensor's sorted keys: work in proportion to the group's keys) to a dense array of
 * HIST_KEY_COUNT counters (work in proportion to the tensor's keys). Below it a group costs memory
 * in proportion to its keys, so a checkpoint of thousands of small groups stays small.
 */
export const GROUP_DENSE_KEYS = 512;
/**
 * Dense counter arrays (512 KB each) kept for the next checkpoints' groups once a checkpoint's
 * groups are built: a new one costs its zeroing and page faults (~1.4 ms each on the demo, 184 ms
 * per analysis) and is garbage after one checkpoint. Only the buckets a group touched are zeroed
 * on return, and only the pages they fall in are resident; beyond this many, arrays are dropped.
 */
export const GROUP_DENSE_POOL = 32;
/** Dense counters, all zero, with the list their touched keys were kept in (grown as needed). */
interface DenseCounters { dense: Float64Array; touched: Int32Array }
const densePool: DenseCounters[] = [];

/** The arrays of a GroupAccumulator that has none (not dense yet, or its sketch taken). */
const NO_KEYS = new Int32Array(0);
const NO_COUNTS = new Float64Array(0);

function takeDense(): DenseCounters {
  return densePool.pop() ?? { dense: new Float64Array(HIST_KEY_COUNT), touched: new Int32Array(2 * GROUP_DENSE_KEYS) };
}

/**
 * Returns dense counters whose non-zero counters are all at touched[0, count) (zeroed here when
 * the pool keeps them; dropped ones are garbage). The pool is looked at before the loop, which is
 * a function of its own: V8 compiles a hot loop on its own (OSR) when first run, before the code
 * after it has run, and that code then deoptimised on every later call (16 times in a 160m run).
 */
function returnDense(counters: DenseCounters, count: number): void {
  if (densePool.length >= GROUP_DENSE_POOL) return;
  zeroTouched(counters.dense, counters.touched, count);
  densePool.push(counters);
}

function zeroTouched(dense: Float64Array, touched: Int32Array, count: number): void {
  for (let i = 0; i < count; i++) dense[touched[i]!] = 0;
}

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
  /** Dense counters and the keys they were touched at (touched[0, touchedCount)) once not sparse. */
  private dense: Float64Array = NO_COUNTS;
  private touched: Int32Array = NO_KEYS;
  private touchedCount = 0;
  /** The merged sketch once taken (then `taken`; until then an empty one, unused). */
  private taken = false;
  private result: PackedSketch = typedSketch(this.moments, NO_KEYS, NO_COUNTS);

  constructor(readonly kind: GroupKind, readonly name: string) {}

  add(s: GroupInputSketch): void {
    if (this.taken) throw new Error(`group ${this.name}: a tensor added after its sketch was taken`);
    this.nTensors++;
    mergeSketchCountsInto(this.moments, s);
    // arrays read once per sketch: the sketches come from several places (hidden classes differ)
    const keys = s.histKeys, counts = s.histCounts;
    if (this.sparse && (this.size + keys.length > GROUP_DENSE_KEYS || !this.mergeSparse(keys, counts))) this.toDense();
    if (this.sparse) return;
    const dense = this.dense;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (dense[k] === 0) this.touch(k);
      dense[k]! += counts[i]!;
    }
  }

  /**
   * Merges sorted (key, count) pairs into the sparse counts; false (nothing changed) when the
   * keys are not strictly ascending (the dense counters then take them in any order).
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

  /**
   * The merged sketch (histogram keys ascending, in typed arrays of their own); taken once: a
   * dense group's counters go back to the pool, and later calls give the same sketch.
   */
  sketch(): PackedSketch {
    if (this.taken) return this.result;
    let keys: Int32Array, counts: Float64Array;
    if (this.sparse) {
      keys = this.keys.slice(0, this.size);
      counts = this.counts.slice(0, this.size);
    } else {
      const dense = this.dense, touched = this.touched, n = this.touchedCount;
      keys = touched.slice(0, n).sort();
      counts = new Float64Array(n);
      for (let i = 0; i < n; i++) counts[i] = dense[keys[i]!]!;
      returnDense({ dense, touched }, n);
      this.dense = NO_COUNTS;
    }
    this.result = typedSketch(this.moments, keys, counts);
    this.result.absLe = [...this.moments.absLe];
    this.taken = true;
    this.sparse = false;
    this.keys = NO_KEYS;
    this.touched = NO_KEYS;
    return this.result;
  }

  /** Moves the sparse counts into dense counters. */
  private toDense(): void {
    const counters = takeDense();
    const dense = (this.dense = counters.dense);
    this.touched = counters.touched;
    const keys = this.keys, counts = this.counts;
    for (let i = 0; i < this.size; i++) {
      this.touch(keys[i]!);
      dense[keys[i]!] = counts[i]!;
    }
    this.sparse = false;
    this.keys = NO_KEYS;
    this.size = 0;
    this.counts = this.spareCounts = new Float64Array(0);
    this.spareKeys = new Int32Array(0);
  }

  private touch(k: number): void {
    if (this.touchedCount === this.touched.length) {
      const grown = new Int32Array(2 * this.touchedCount);
      grown.set(this.touched);
      this.touched = grown;
    }
    this.touched[this.touchedCount++] = k;
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

  add(row: Pick<TensorStatsInput, "layer" | "role" | "kind">, sketch: GroupInputSketch): void {
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
  groups(): PackedGroupSketch[] {
    if (this.model.nTensors === 0) return [];
    const out = (g: GroupAccumulator): PackedGroupSketch => ({ kind: g.kind, name: g.name, nTensors: g.nTensors, sketch: g.sketch() });
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
  return builder.groups().map((g) => ({ ...g, sketch: unpackSketch(g.sketch) }));
}
