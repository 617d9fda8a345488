// Which tensors are pruned: by default the 2-D weight matrices of attention and MLP layers (as in
// the pruning literature), never embeddings, LayerNorm or biases; `include` globs widen the set.
import type { Dtype } from "../formats/dtype.js";
import { DTYPE_IS_FLOAT } from "../formats/dtype.js";
import { classifyTensor, type TensorRole } from "../tensor/names.js";
import { nameFilter } from "../util/glob.js";

/** Roles whose 2-D `weight` tensors are prunable by default. */
export const DEFAULT_PRUNABLE_ROLES: readonly TensorRole[] = [
  "attn.qkv", "attn.q", "attn.k", "attn.v", "attn.out", "mlp.in", "mlp.gate", "mlp.up", "mlp.out",
];

/** True for a tensor of the default prunable set (by name and shape). */
export function isPrunableByDefault(name: string, shape: readonly number[]): boolean {
  const c = classifyTensor(name);
  return c.kind === "weight" && shape.length === 2 && DEFAULT_PRUNABLE_ROLES.includes(c.role);
}

/**
 * A predicate over tensors: the default set, plus any floating-point tensor whose name matches
 * one of `include` (globs: `*` matches across dots). Non-float tensors are never prunable.
 */
export function prunableFilter(include: readonly string[] = []): (name: string, shape: readonly number[], dtype: Dtype) => boolean {
  const extra = include.length > 0 ? nameFilter(include) : () => false;
  return (name, shape, dtype) => DTYPE_IS_FLOAT[dtype] && (isPrunableByDefault(name, shape) || extra(name));
}
