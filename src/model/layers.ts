// Scalar reference layers of GPT-NeoX (llm.c style): embedding, LayerNorm, nn.Linear matmul,
// exact GELU, residual add. Outputs first; backward functions ACCUMULATE (+=) into d-buffers.
// Shapes: N = B*T rows, C channels, OC output channels, V vocabulary. These are the oracles
// the WASM kernels are tested against; accumulation is in float64.
import { erfc } from "../util/special.js";

/** out (N, C) = wte[tokens] with wte (V, C), tokens (N). */
export function embeddingForward(out: Float32Array, tokens: Int32Array, wte: Float32Array, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const src = tokens[n]! * C;
    out.set(wte.subarray(src, src + C), n * C);
  }
}

/** dwte (V, C) += scatter of dout (N, C) by tokens (N). */
export function embeddingBackward(dwte: Float32Array, dout: Float32Array, tokens: Int32Array, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const dst = tokens[n]! * C, src = n * C;
    for (let c = 0; c < C; c++) dwte[dst + c]! += dout[src + c]!;
  }
}

/** out (N, C), mean (N), rstd (N) from inp (N, C), weight (C), bias (C); biased variance. */
export function layernormForward(out: Float32Array, mean: Float32Array, rstd: Float32Array, inp: Float32Array, weight: Float32Array, bias: Float32Array, N: number, C: number, eps: number): void {
  for (let n = 0; n < N; n++) {
    const x = n * C;
    let s = 0;
    for (let c = 0; c < C; c++) s += inp[x + c]!;
    const m = s / C;
    let v = 0;
    for (let c = 0; c < C; c++) {
      const d = inp[x + c]! - m;
      v += d * d;
    }
    const r = 1 / Math.sqrt(v / C + eps);
    for (let c = 0; c < C; c++) out[x + c] = (inp[x + c]! - m) * r * weight[c]! + bias[c]!;
    mean[n] = m;
    rstd[n] = r;
  }
}

/** dinp (N, C), dweight (C), dbias (C) += gradients of layernormForward given dout (N, C). */
export function layernormBackward(dinp: Float32Array, dweight: Float32Array, dbias: Float32Array, dout: Float32Array, inp: Float32Array, weight: Float32Array, mean: Float32Array, rstd: Float32Array, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const x = n * C, m = mean[n]!, r = rstd[n]!;
    let dnormMean = 0, dnormNormMean = 0;
    for (let c = 0; c < C; c++) {
      const norm = (inp[x + c]! - m) * r;
      const dnorm = weight[c]! * dout[x + c]!;
      dnormMean += dnorm;
      dnormNormMean += dnorm * norm;
    }
    dnormMean /= C;
    dnormNormMean /= C;
    for (let c = 0; c < C; c++) {
      const norm = (inp[x + c]! - m) * r;
      const dnorm = weight[c]! * dout[x + c]!;
      dbias[c]! += dout[x + c]!;
      dweight[c]! += norm * dout[x + c]!;
      dinp[x + c]! += (dnorm - dnormMean - norm * dnormNormMean) * r;
    }
  }
}

/** nn.Linear: out (N, OC) = inp (N, C) @ weight (OC, C)^T + bias (OC, or null). */
export function matmulForward(out: Float32Array, inp: Float32Array, weight: Float32Array, bias: Float32Array | null, N: number, C: number, OC: number): void {
  for (let n = 0; n < N; n++) {
    const x = n * C;
    for (let o = 0; o < OC; o++) {
      const w = o * C;
      let s = bias === null ? 0 : bias[o]!;
      for (let c = 0; c < C; c++) s += inp[x + c]! * weight[w + c]!;
      out[n * OC + o] = s;
    }
  }
}

/** dinp (N, C), dweight (OC, C), dbias (OC, or null) += gradients of matmulForward. */
export function matmulBackward(dinp: Float32Array, dweight: Float32Array, dbias: Float32Array | null, dout: Float32Array, inp: Float32Array, weight: Float32Array, N: number, C: number, OC: number): void {
  const acc = new Float64Array(C);
  for (let n = 0; n < N; n++) {
    acc.fill(0);
    for (let o = 0; o < OC; o++) {
      const d = dout[n * OC + o]!, w = o * C;
      for (let c = 0; c < C; c++) acc[c]! += d * weight[w + c]!;
    }
    for (let c = 0; c < C; c++) dinp[n * C + c]! += acc[c]!;
  }
  for (let o = 0; o < OC; o++) {
    acc.fill(0);
    let db = 0;
    for (let n = 0; n < N; n++) {
      const d = dout[n * OC + o]!, x = n * C;
      db += d;
      for (let c = 0; c < C; c++) acc[c]! += d * inp[x + c]!;
    }
    for (let c = 0; c < C; c++) dweight[o * C + c]! += acc[c]!;
    if (dbias !== null) dbias[o]! += db;
  }
}

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Exact GELU of one value: x * Phi(x) = 0.5 x erfc(-x / sqrt 2). */
export function gelu(x: number): number {
  return 0.5 * x * erfc(-x * INV_SQRT2);
}

/** d gelu / dx = Phi(x) + x phi(x). */
export function geluGrad(x: number): number {
  return 0.5 * erfc(-x * INV_SQRT2) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/** out (n) = gelu(inp (n)), exact erf form (hidden_act "gelu"). */
export function geluForward(out: Float32Array, inp: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = gelu(inp[i]!);
}

/** dinp (n) += gelu'(inp) * dout. */
export function geluBackward(dinp: Float32Array, inp: Float32Array, dout: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) dinp[i]! += geluGrad(inp[i]!) * dout[i]!;
}

/** out (n) = a (n) + b (n). */
export function residualForward(out: Float32Array, a: Float32Array, b: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
}
