// The parallel operations shared by the main thread and the workers: an op code, its numeric
// arguments, and how the work range is split between threads (contiguous, aligned chunks).

export const OP_EXIT = 0;
export const OP_GEMM = 1;
export const OP_ATTN_FWD = 2;
export const OP_ATTN_BWD = 3;
export const OP_GELU_FWD = 4;
export const OP_GELU_BWD = 5;
export const OP_ADAMW = 6;
export const OP_LN_FWD = 7;

/** Control block layout (Int32 slots) and the argument area (Float64 slots) of the shared SAB. */
export const CTRL_SEQ = 0;
export const CTRL_DONE = 1; // + worker index: per-worker done counters
export const CTRL_ERROR = 63; // set to 1 by a worker whose op threw
export const ARGS_OFFSET_BYTES = 256;
export const MAX_ARGS = 24;
export const CONTROL_BYTES = ARGS_OFFSET_BYTES + MAX_ARGS * 8;

/** Exports of the model kernel module used by runOp. */
export interface ModelExports {
  gemm(c: number, a: number, b: number, bias: number, N: number, K: number, ars: number, acs: number, acc: number, m0: number, m1: number): void;
  transpose(dst: number, src: number, R: number, C: number, r0: number, r1: number): void;
  colsumAccumulate(out: number, x: number, M: number, N: number): void;
  attentionForward(out: number, att: number, qkvr: number, T: number, C: number, nh: number, p0: number, p1: number): void;
  attentionBackward(dqkvr: number, dout: number, qkvr: number, att: number, scratch: number, T: number, C: number, nh: number, p0: number, p1: number): void;
  GELU_NODES: WebAssembly.Global;
  geluTablesInit(fwd: number, bwd: number): void;
  geluForward(out: number, inp: number, fwd: number, i0: number, i1: number): void;
  geluBackward(dinp: number, inp: number, dout: number, bwd: number, i0: number, i1: number): void;
  layernormForward(out: number, mean: number, rstd: number, inp: number, w: number, b: number, C: number, eps: number, n0: number, n1: number): void;
  layernormBackward(dinp: number, dw: number, db: number, dout: number, inp: number, w: number, mean: number, rstd: number, C: number, n0: number, n1: number): void;
  adamw(p: number, g: number, m: number, v: number, b1: number, b2: number, eps: number, stepSize: number, bc2Sqrt: number, decay: number, i0: number, i1: number): void;
  sumSquares(x: number, i0: number, i1: number): number;
  scale(x: number, f: number, i0: number, i1: number): void;
  softmaxCrossEntropy(losses: number, probs: number, logits: number, targets: number, V: number, n0: number, n1: number): void;
  crossEntropyBackward(dlogits: number, probs: number, targets: number, dloss: number, V: number, n0: number, n1: number): void;
}

/** [lo, hi) of part `index` of `parts` over [0, total), boundaries multiples of `align`. */
export function splitRange(total: number, parts: number, index: number, align: number): [number, number] {
  const units = Math.ceil(total / align);
  const lo = Math.min(total, Math.floor((units * index) / parts) * align);
  const hi = index === parts - 1 ? total : Math.min(total, Math.floor((units * (index + 1)) / parts) * align);
  return [lo, hi];
}

/** Runs this thread's share of op (args from the argument area). */
export function runOp(k: ModelExports, op: number, a: Float64Array, index: number, parts: number): void {
  switch (op) {
    case OP_GEMM: {
      const [m0, m1] = splitRange(a[9]!, parts, index, 4);
      if (m1 > m0) k.gemm(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, m0, m1);
      return;
    }
    case OP_ATTN_FWD: {
      const [p0, p1] = splitRange(a[6]!, parts, index, 1);
      if (p1 > p0) k.attentionForward(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, p0, p1);
      return;
    }
    case OP_ATTN_BWD: {
      const [p0, p1] = splitRange(a[8]!, parts, index, 1);
      const scratch = a[4]! + index * a[5]! * 4;
      if (p1 > p0) k.attentionBackward(a[0]!, a[1]!, a[2]!, a[3]!, scratch, a[5]!, a[6]!, a[7]!, p0, p1);
      return;
    }
    case OP_GELU_FWD: {
      const [i0, i1] = splitRange(a[3]!, parts, index, 16);
      if (i1 > i0) k.geluForward(a[0]!, a[1]!, a[2]!, i0, i1);
      return;
    }
    case OP_GELU_BWD: {
      const [i0, i1] = splitRange(a[4]!, parts, index, 16);
      if (i1 > i0) k.geluBackward(a[0]!, a[1]!, a[2]!, a[3]!, i0, i1);
      return;
    }
    case OP_ADAMW: {
      const [i0, i1] = splitRange(a[10]!, parts, index, 16);
      if (i1 > i0) k.adamw(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, i0, i1);
      return;
    }
    case OP_LN_FWD: {
      const [n0, n1] = splitRange(a[8]!, parts, index, 1);
      if (n1 > n0) k.layernormForward(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, n0, n1);
      return;
    }
    default:
      throw new Error(`model kernels: unknown op ${op}`);
  }
}
