// WASM SIMD causal attention of GPT-NeoX on the fused head-interleaved QKV buffer (B, T, 3C):
// head h owns q = [h*3hs, +hs), k = next hs, v = next hs. Work is split by (batch, head) pairs
// [p0, p1), which touch disjoint memory, so threads never race. hs must be a multiple of 4.
// Keys are processed 4 at a time (one q load feeds 4 dot products).

@inline
function hsum(a: v128): f32 {
  return f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3));
}

@inline
function dot(x: usize, y: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  for (let i = 0; i < n; i += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(x + (<usize>i << 2)), v128.load(y + (<usize>i << 2))));
  return hsum(acc);
}

// The 4 dot products x . y_j, y_j = y + j*stride bytes, as one vector [d0, d1, d2, d3].
@inline
function dot4(x: usize, y: usize, stride: usize, n: i32): v128 {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const xv = v128.load(x + o);
    a0 = f32x4.add(a0, f32x4.mul(xv, v128.load(y + o)));
    a1 = f32x4.add(a1, f32x4.mul(xv, v128.load(y + stride + o)));
    a2 = f32x4.add(a2, f32x4.mul(xv, v128.load(y + 2 * stride + o)));
    a3 = f32x4.add(a3, f32x4.mul(xv, v128.load(y + 3 * stride + o)));
  }
  const t0 = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), v128.shuffle<f32>(a0, a1, 2, 6, 3, 7));
  const t1 = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), v128.shuffle<f32>(a2, a3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
}

// y (n) += s * x (n)
@inline
function axpy(y: usize, s: f32, x: usize, n: i32): void {
  const sv = f32x4.splat(s);
  for (let i = 0; i < n; i += 4) {
    const p = y + (<usize>i << 2);
    v128.store(p, f32x4.add(v128.load(p), f32x4.mul(sv, v128.load(x + (<usize>i << 2)))));
  }
}

// y (n) += sum_j s[j] * x_j (n), x_j = x + j*stride bytes, j < 4.
@inline
function axpy4(y: usize, s: v128, x: usize, stride: usize, n: i32): void {
  const s0 = f32x4.splat(f32x4.extract_lane(s, 0)), s1 = f32x4.splat(f32x4.extract_lane(s, 1));
  const s2 = f32x4.splat(f32x4.extract_lane(s, 2)), s3 = f32x4.splat(f32x4.extract_lane(s, 3));
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    let acc = f32x4.add(f32x4.mul(s0, v128.load(x + o)), f32x4.mul(s1, v128.load(x + stride + o)));
    acc = f32x4.add(acc, f32x4.add(f32x4.mul(s2, v128.load(x + 2 * stride + o)), f32x4.mul(s3, v128.load(x + 3 * stride + o))));
    v128.store(y + o, f32x4.add(v128.load(y + o), acc));
  }
}

/** out (B, T, C) merged heads and att (B, nh, T, T) probabilities from qkvr (B, T, 3C). */
export function attentionForward(out: usize, att: usize, qkvr: usize, T: i32, C: i32, nh: i32, p0: i32, p1: i32): void {
  const hs = C / nh;
  const scale: f32 = <f32>(1.0 / Math.sqrt(<f64>hs));
  const rowBytes = <usize>(3 * C) << 2;
  for (let pair = p0; pair < p1; pair++) {
    const b = pair / nh, h = pair % nh;
    const head = qkvr + <usize>(b * T) * rowBytes + (<usize>(h * 3 * hs) << 2);
    const kBase = head + (<usize>hs << 2), vBase = head + (<usize>(2 * hs) << 2);
    for (let t = 0; t < T; t++) {
      const q = head + <usize>t * rowBytes;
      const arow = att + ((<usize>(pair * T + t) * <usize>T) << 2);
      const n4 = (t + 1) & ~3;
      let vmax = f32x4.splat(-Infinity);
      for (let t2 = 0; t2 < n4; t2 += 4) {
        const s = f32x4.mul(dot4(q, kBase + <usize>t2 * rowBytes, rowBytes, hs), f32x4.splat(scale));
        v128.store(arow + (<usize>t2 << 2), s);
        vmax = f32x4.max(vmax, s);
      }
      let top = max(max(f32x4.extract_lane(vmax, 0), f32x4.extract_lane(vmax, 1)), max(f32x4.extract_lane(vmax, 2), f32x4.extract_lane(vmax, 3)));
      for (let t2 = n4; t2 <= t; t2++) {
        const s = dot(q, kBase + <usize>t2 * rowBytes, hs) * scale;
        store<f32>(arow + (<usize>t2 << 2), s);
        if (s > top) top = s;
      }
      let sum: f32 = 0;
      for (let t2 = 0; t2 <= t; t2++) {
        const e = Mathf.exp(load<f32>(arow + (<usize>t2 << 2)) - top);
        store<f32>(arow + (<usize>t2 << 2), e);
        sum += e;
      }
      const inv: f32 = 1 / sum;
      for (let t2 = 0; t2 <= t; t2++) store<f32>(arow + (<usize>t2 << 2), load<f32>(arow + (<usize>t2 << 2)) * inv);
      if (t + 1 < T) memory.fill(arow + (<usize>(t + 1) << 2), 0, <usize>(T - t - 1) << 2);
      const o = out + ((<usize>(b * T + t) * <usize>C + <usize>(h * hs)) << 2);
      memory.fill(o, 0, <usize>hs << 2);
      for (let t2 = 0; t2 < n4; t2 += 4) axpy4(o, v128.load(arow + (<usize>t2 << 2)), vBase + <usize>t2 * rowBytes, rowBytes, hs);
      for (let t2 = n4; t2 <= t; t2++) axpy(o, load<f32>(arow + (<usize>t2 << 2)), vBase + <usize>t2 * rowBytes, hs);
    }
  }
}

/** dqkvr (B, T, 3C) += gradient given dout (B, T, C); scratch holds T floats for this thread. */
export function attentionBackward(dqkvr: usize, dout: usize, qkvr: usize, att: usize, scratch: usize, T: i32, C: i32, nh: i32, p0: i32, p1: i32): void {
  const hs = C / nh;
  const scale: f32 = <f32>(1.0 / Math.sqrt(<f64>hs));
  const rowBytes = <usize>(3 * C) << 2;
  for (let pair = p0; pair < p1; pair++) {
    const b = pair / nh, h = pair % nh;
    const headOff = <usize>(b * T) * rowBytes + (<usize>(h * 3 * hs) << 2);
    const kOff = headOff + (<usize>hs << 2), vOff = headOff + (<usize>(2 * hs) << 2);
    for (let t = 0; t < T; t++) {
      const qOff = headOff + <usize>t * rowBytes;
      const arow = att + ((<usize>(pair * T + t) * <usize>T) << 2);
      const dorow = dout + ((<usize>(b * T + t) * <usize>C + <usize>(h * hs)) << 2);
      const n4 = (t + 1) & ~3;
      // datt[t2] = dout_t . v_t2 ; dv_t2 += p * dout_t
      let vdp = f32x4.splat(0);
      for (let t2 = 0; t2 < n4; t2 += 4) {
        const d = dot4(dorow, qkvr + vOff + <usize>t2 * rowBytes, rowBytes, hs);
        v128.store(scratch + (<usize>t2 << 2), d);
        vdp = f32x4.add(vdp, f32x4.mul(d, v128.load(arow + (<usize>t2 << 2))));
      }
      let sumDP = hsum(vdp);
      for (let t2 = n4; t2 <= t; t2++) {
        const d = dot(dorow, qkvr + vOff + <usize>t2 * rowBytes, hs);
        store<f32>(scratch + (<usize>t2 << 2), d);
        sumDP += d * load<f32>(arow + (<usize>t2 << 2));
      }
      for (let t2 = 0; t2 <= t; t2++) axpy(dqkvr + vOff + <usize>t2 * rowBytes, load<f32>(arow + (<usize>t2 << 2)), dorow, hs);
      // dpre = p * (datt - sum p datt) * scale ; dq += dpre k ; dk += dpre q
      const sv = f32x4.splat(sumDP), sc = f32x4.splat(scale);
      for (let t2 = 0; t2 < n4; t2 += 4) {
        const dpre = f32x4.mul(f32x4.mul(v128.load(arow + (<usize>t2 << 2)), f32x4.sub(v128.load(scratch + (<usize>t2 << 2)), sv)), sc);
        v128.store(scratch + (<usize>t2 << 2), dpre);
        axpy4(dqkvr + qOff, dpre, qkvr + kOff + <usize>t2 * rowBytes, rowBytes, hs);
      }
      for (let t2 = n4; t2 <= t; t2++) {
        const dpre = load<f32>(arow + (<usize>t2 << 2)) * (load<f32>(scratch + (<usize>t2 << 2)) - sumDP) * scale;
        store<f32>(scratch + (<usize>t2 << 2), dpre);
        axpy(dqkvr + qOff, dpre, qkvr + kOff + <usize>t2 * rowBytes, hs);
      }
      for (let t2 = 0; t2 <= t; t2++) axpy(dqkvr + kOff + <usize>t2 * rowBytes, load<f32>(scratch + (<usize>t2 << 2)), qkvr + qOff, hs);
    }
  }
}
