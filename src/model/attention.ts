// Scalar reference of GPT-NeoX attention: rotary embedding (rotate-half form on the first rd
// dims of q and k) and causal softmax attention on the fused, head-interleaved QKV buffer.
// Shapes: B batch, T time, C channels, nh heads, hs = C/nh, rd rotary dims; qkv (B, T, 3C)
// where head h owns [h*3hs, h*3hs+hs) = q, next hs = k, next hs = v. Backward: +=.
import type { NeoXConfig } from "./config.js";
import { headSize, rotaryDims } from "./config.js";

/** cos and sin tables (T, rd/2), computed in float32 steps as torch does. */
export interface RotaryTables {
  cos: Float32Array;
  sin: Float32Array;
  half: number;
}

/** inv_freq = 1 / base^(arange(0, rd, 2)/rd); freqs = t * inv_freq for t < T. */
export function rotaryTables(config: NeoXConfig, T: number): RotaryTables {
  const rd = rotaryDims(config), half = rd / 2, f = Math.fround;
  const cos = new Float32Array(T * half), sin = new Float32Array(T * half);
  for (let i = 0; i < half; i++) {
    const invFreq = f(1 / f(Math.pow(config.rotary_emb_base, f((2 * i) / rd))));
    for (let t = 0; t < T; t++) {
      const angle = f(t * invFreq);
      cos[t * half + i] = Math.cos(angle);
      sin[t * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin, half };
}

/** Attention geometry shared by the attention functions. */
export interface AttentionShape {
  B: number;
  T: number;
  C: number;
  nh: number;
}

/** out (B, T, 3C) = qkv with q and k rotated by position; v and pass-through dims copied. */
export function rotaryForward(out: Float32Array, qkv: Float32Array, rot: RotaryTables, s: AttentionShape): void {
  const { B, T, C, nh } = s, hs = C / nh, half = rot.half;
  out.set(qkv.subarray(0, B * T * 3 * C));
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const row = (b * T + t) * 3 * C;
      for (let h = 0; h < nh; h++) {
        for (let part = 0; part < 2; part++) {
          const base = row + h * 3 * hs + part * hs;
          for (let i = 0; i < half; i++) {
            const c = rot.cos[t * half + i]!, sn = rot.sin[t * half + i]!;
            const x1 = qkv[base + i]!, x2 = qkv[base + i + half]!;
            out[base + i] = x1 * c - x2 * sn;
            out[base + i + half] = x2 * c + x1 * sn;
          }
        }
      }
    }
  }
}

/** dqkv (B, T, 3C) += transpose of the rotation applied to dout (B, T, 3C). */
export function rotaryBackward(dqkv: Float32Array, dout: Float32Array, rot: RotaryTables, s: AttentionShape): void {
  const { B, T, C, nh } = s, hs = C / nh, half = rot.half;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const row = (b * T + t) * 3 * C;
      for (let h = 0; h < nh; h++) {
        for (let part = 0; part < 3; part++) {
          const base = row + h * 3 * hs + part * hs;
          const rotated = part < 2 ? 2 * half : 0;
          for (let i = 0; i < rotated / 2; i++) {
            const c = rot.cos[t * half + i]!, sn = rot.sin[t * half + i]!;
            const d1 = dout[base + i]!, d2 = dout[base + i + half]!;
            dqkv[base + i]! += d1 * c + d2 * sn;
            dqkv[base + i + half]! += d2 * c - d1 * sn;
          }
          for (let i = rotated; i < hs; i++) dqkv[base + i]! += dout[base + i]!;
        }
      }
    }
  }
}

/** out (B, T, C) merged heads, att (B, nh, T, T) causal softmax probabilities, from qkvr. */
export function attentionForward(out: Float32Array, att: Float32Array, qkvr: Float32Array, s: AttentionShape): void {
  const { B, T, C, nh } = s, hs = C / nh, scale = 1 / Math.sqrt(hs), C3 = 3 * C;
  const acc = new Float64Array(hs);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < nh; h++) {
      for (let t = 0; t < T; t++) {
        const q = (b * T + t) * C3 + h * 3 * hs, a = ((b * nh + h) * T + t) * T;
        let max = -Infinity;
        for (let t2 = 0; t2 <= t; t2++) {
          const k = (b * T + t2) * C3 + h * 3 * hs + hs;
          let dot = 0;
          for (let i = 0; i < hs; i++) dot += qkvr[q + i]! * qkvr[k + i]!;
          dot *= scale;
          att[a + t2] = dot;
          if (dot > max) max = dot;
        }
        let sum = 0;
        for (let t2 = 0; t2 <= t; t2++) {
          const e = Math.exp(att[a + t2]! - max);
          att[a + t2] = e;
          sum += e;
        }
        acc.fill(0);
        for (let t2 = 0; t2 < T; t2++) {
          if (t2 > t) {
            att[a + t2] = 0;
            continue;
          }
          const p = att[a + t2]! / sum;
          att[a + t2] = p;
          const v = (b * T + t2) * C3 + h * 3 * hs + 2 * hs;
          for (let i = 0; i < hs; i++) acc[i]! += p * qkvr[v + i]!;
        }
        for (let i = 0; i < hs; i++) out[(b * T + t) * C + h * hs + i] = acc[i]!;
      }
    }
  }
}

/** dqkvr (B, T, 3C) += gradient of attentionForward given dout (B, T, C). */
export function attentionBackward(dqkvr: Float32Array, dout: Float32Array, qkvr: Float32Array, att: Float32Array, s: AttentionShape): void {
  const { B, T, C, nh } = s, hs = C / nh, scale = 1 / Math.sqrt(hs), C3 = 3 * C;
  const datt = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < nh; h++) {
      for (let t = 0; t < T; t++) {
        const q = (b * T + t) * C3 + h * 3 * hs, a = ((b * nh + h) * T + t) * T, o = (b * T + t) * C + h * hs;
        let dot = 0;
        for (let t2 = 0; t2 <= t; t2++) {
          const v = (b * T + t2) * C3 + h * 3 * hs + 2 * hs, p = att[a + t2]!;
          let d = 0;
          for (let i = 0; i < hs; i++) {
            d += dout[o + i]! * qkvr[v + i]!;
            dqkvr[v + i]! += p * dout[o + i]!;
          }
          datt[t2] = d;
          dot += d * p;
        }
        for (let t2 = 0; t2 <= t; t2++) {
          const k = (b * T + t2) * C3 + h * 3 * hs + hs;
          const dpre = att[a + t2]! * (datt[t2]! - dot) * scale;
          for (let i = 0; i < hs; i++) {
            dqkvr[q + i]! += dpre * qkvr[k + i]!;
            dqkvr[k + i]! += dpre * qkvr[q + i]!;
          }
        }
      }
    }
  }
}

/** The attention shape of a config at (B, T). */
export function attentionShape(config: NeoXConfig, B: number, T: number): AttentionShape {
  return { B, T, C: config.hidden_size, nh: config.hidden_size / headSize(config) };
}
