// Group sketches: per role across layers, per layer, and whole model, obtained by merging the
// tensors' sketches (never by re-reading). Pure computation.
import { emptySketch, mergeSketches, type TensorSketch } from "./sketch.js";

/** A tensor's sketch with the group keys the caller derived from its name. */
export interface SketchedTensor {
  name: string;
  /** Layer index, or null for tensors outside the layer stack (embeddings, final norm). */
  layer: number | null;
  /** Role across layers, e.g. "attention.query_key_value.weight". */
  role: string;
  sketch: TensorSketch;
}

export interface GroupSketches {
  byRole: Map<string, TensorSketch>;
  byLayer: Map<number, TensorSketch>;
  model: TensorSketch;
}

/** Merges sketches sharing a key (insertion order of first appearance). */
export function mergeByKey<K>(items: Iterable<readonly [K, TensorSketch]>): Map<K, TensorSketch> {
  const out = new Map<K, TensorSketch>();
  for (const [key, s] of items) out.set(key, mergeSketches(out.get(key) ?? emptySketch(), s));
  return out;
}

/** Per-role, per-layer and whole-model sketches of a set of tensors. */
export function groupSketches(tensors: Iterable<SketchedTensor>): GroupSketches {
  const list = [...tensors];
  return {
    byRole: mergeByKey(list.map((t) => [t.role, t.sketch] as const)),
    byLayer: mergeByKey(list.filter((t) => t.layer !== null).map((t) => [t.layer!, t.sketch] as const)),
    model: list.reduce((acc, t) => mergeSketches(acc, t.sketch), emptySketch()),
  };
}
