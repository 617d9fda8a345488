// WASM pointwise kernels of GPT-NeoX: exact erf GELU (float64 erfc, the same rational
// approximations as src/model/erf.ts), LayerNorm, AdamW, softmax cross-entropy. Ranges
// [i0, i1) let threads split the work.

const ERX: f64 = 8.45062911510467529297e-01;

@inline function pp(z: f64): f64 { return 1.28379167095512558561e-01 + z * (-3.25042107247001499370e-01 + z * (-2.84817495755985104766e-02 + z * (-5.77027029648944159157e-03 + z * -2.37630166566501626084e-05))); }
@inline function qq(z: f64): f64 { return 1 + z * (3.97917223959155352819e-01 + z * (6.50222499887672944485e-02 + z * (5.08130628187576562776e-03 + z * (1.32494738004321644526e-04 + z * -3.96022827877536812320e-06)))); }
@inline function pa(s: f64): f64 { return -2.36211856075265944077e-03 + s * (4.14856118683748331666e-01 + s * (-3.72207876035701323847e-01 + s * (3.18346619901161753674e-01 + s * (-1.10894694282396677476e-01 + s * (3.54783043256182359371e-02 + s * -2.16637559486879084300e-03))))); }
@inline function qa(s: f64): f64 { return 1 + s * (1.06420880400844228286e-01 + s * (5.40397917702171048937e-01 + s * (7.18286544141962662868e-02 + s * (1.26171219808761642112e-01 + s * (1.36370839120290507362e-02 + s * 1.19844998467991074170e-02))))); }
@inline function ra(s: f64): f64 { return -9.86494403484714822705e-03 + s * (-6.93858572707181764372e-01 + s * (-1.05586262253232909814e+01 + s * (-6.23753324503260060396e+01 + s * (-1.62396669462573470355e+02 + s * (-1.84605092906711035994e+02 + s * (-8.12874355063065934246e+01 + s * -9.81432934416914548592e+00)))))); }
@inline function sa(s: f64): f64 { return 1 + s * (1.96512716674392571292e+01 + s * (1.37657754143519042600e+02 + s * (4.34565877475229228821e+02 + s * (6.45387271733267880336e+02 + s * (4.29008140027567833386e+02 + s * (1.08635005541779435134e+02 + s * (6.57024977031928170135e+00 + s * -6.04244152148580987438e-02))))))); }
@inline function rb(s: f64): f64 { return -9.86494292470009928597e-03 + s * (-7.99283237680523006574e-01 + s * (-1.77579549177547519889e+01 + s * (-1.60636384855821916062e+02 + s * (-6.37566443368389627722e+02 + s * (-1.02509513161107724954e+03 + s * -4.83519191608651397019e+02))))); }
@inline function sb(s: f64): f64 { return 1 + s * (3.03380607434824582924e+01 + s * (3.25792512996573918826e+02 + s * (1.53672958608443695994e+03 + s * (3.19985821950859553908e+03 + s * (2.55305040643316442583e+03 + s * (4.74528541206955367215e+02 + s * -2.24409524465858183362e+01)))))); }

/** erfc(x) in float64. */
export function erfc64(x: f64): f64 {
  const a = Math.abs(x);
  if (a < 0.84375) {
    const z = x * x;
    return 1 - (x + x * (pp(z) / qq(z)));
  }
  let t: f64;
  if (a < 1.25) {
    t = 1 - ERX - pa(a - 1) / qa(a - 1);
  } else if (a >= 28) {
    t = 0;
  } else {
    const s = 1 / (a * a);
    const rs = a < 1 / 0.35 ? ra(s) / sa(s) : rb(s) / sb(s);
    t = Math.exp(-a * a - 0.5625 + rs) / a;
  }
  return x < 0 ? 2 - t : t;
}

const INV_SQRT2: f64 = 0.7071067811865476;
const INV_SQRT_2PI: f64 = 0.3989422804014327;

// GELU by cubic Hermite interpolation between exact nodes (f, f') on [GELU_LO, GELU_HI] with
// step h = 1/GELU_PER_UNIT: the error bound h^4/384 * max|f''''| is below 1e-10, far under
// float32 resolution. Below GELU_LO (rare) the exact formula is used; above GELU_HI gelu(x) = x.
const GELU_LO: f64 = -4;
const GELU_HI: f64 = 8;
const GELU_PER_UNIT: f64 = 64;
/** Nodes per table; each node holds two f64 (value, derivative). */
export const GELU_NODES: i32 = <i32>((GELU_HI - GELU_LO) * GELU_PER_UNIT) + 1;

@inline function geluExact(x: f64): f64 { return 0.5 * x * erfc64(-x * INV_SQRT2); }
@inline function geluGradExact(x: f64): f64 { return 0.5 * erfc64(-x * INV_SQRT2) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x); }
@inline function geluCurvExact(x: f64): f64 { return INV_SQRT_2PI * Math.exp(-0.5 * x * x) * (2 - x * x); }

/** Fills the forward table (gelu, gelu') and the backward table (gelu', gelu'') at the nodes. */
export function geluTablesInit(fwd: usize, bwd: usize): void {
  for (let i = 0; i < GELU_NODES; i++) {
    const x = GELU_LO + <f64>i / GELU_PER_UNIT;
    const o = <usize>i << 4;
    const g1 = geluGradExact(x);
    store<f64>(fwd + o, geluExact(x));
    store<f64>(fwd + o, g1, 8);
    store<f64>(bwd + o, g1);
    store<f64>(bwd + o, geluCurvExact(x), 8);
  }
}

// Hermite interpolation of the tabulated function at x in [GELU_LO, GELU_HI).
@inline
function hermite(table: usize, x: f64): f64 {
  const u = (x - GELU_LO) * GELU_PER_UNIT;
  let i = <i32>u;
  if (i >= GELU_NODES - 1) i = GELU_NODES - 2;
  const t = u - <f64>i;
  const p = table + (<usize>i << 4);
  const f0 = load<f64>(p), d0 = load<f64>(p, 8), f1 = load<f64>(p, 16), d1 = load<f64>(p, 24);
  const h: f64 = 1 / GELU_PER_UNIT;
  const t2 = t * t, t3 = t2 * t;
  return (2 * t3 - 3 * t2 + 1) * f0 + (t3 - 2 * t2 + t) * h * d0 + (3 * t2 - 2 * t3) * f1 + (t3 - t2) * h * d1;
}

/** out[i] = gelu(inp[i]) for i in [i0, i1); fwd from geluTablesInit. */
export function geluForward(out: usize, inp: usize, fwd: usize, i0: i32, i1: i32): void {
  for (let i = i0; i < i1; i++) {
    const x = <f64>load<f32>(inp + (<usize>i << 2));
    let y: f64;
    if (x >= GELU_HI) y = x;
    else if (x >= GELU_LO) y = hermite(fwd, x);
    else y = geluExact(x);
    store<f32>(out + (<usize>i << 2), <f32>y);
  }
}

/** dinp[i] += gelu'(inp[i]) * dout[i] for i in [i0, i1); bwd from geluTablesInit. */
export function geluBackward(dinp: usize, inp: usize, dout: usize, bwd: usize, i0: i32, i1: i32): void {
  for (let i = i0; i < i1; i++) {
    const x = <f64>load<f32>(inp + (<usize>i << 2));
    let g: f64;
    if (x >= GELU_HI) g = 1;
    else if (x >= GELU_LO) g = hermite(bwd, x);
    else g = geluGradExact(x);
    const p = dinp + (<usize>i << 2);
    store<f32>(p, load<f32>(p) + <f32>(g * <f64>load<f32>(dout + (<usize>i << 2))));
  }
}

/** LayerNorm forward over rows [n0, n1): out (N, C), mean (N), rstd (N). */
export function layernormForward(out: usize, mean: usize, rstd: usize, inp: usize, weight: usize, bias: usize, C: i32, eps: f32, n0: i32, n1: i32): void {
  for (let n = n0; n < n1; n++) {
    const x = inp + ((<usize>n * <usize>C) << 2);
    const y = out + ((<usize>n * <usize>C) << 2);
    let s: f64 = 0;
    for (let c = 0; c < C; c++) s += <f64>load<f32>(x + (<usize>c << 2));
    const m = s / <f64>C;
    let v: f64 = 0;
    for (let c = 0; c < C; c++) {
      const d = <f64>load<f32>(x + (<usize>c << 2)) - m;
      v += d * d;
    }
    const r = 1 / Math.sqrt(v / <f64>C + <f64>eps);
    const mf = <f32>m, rf = <f32>r;
    for (let c = 0; c < C; c++) {
      const o = <usize>c << 2;
      store<f32>(y + o, (load<f32>(x + o) - mf) * rf * load<f32>(weight + o) + load<f32>(bias + o));
    }
    store<f32>(mean + (<usize>n << 2), mf);
    store<f32>(rstd + (<usize>n << 2), rf);
  }
}

/** LayerNorm backward: dinp (N, C) += for rows [n0, n1); dweight, dbias (C) += over those rows. */
export function layernormBackward(dinp: usize, dweight: usize, dbias: usize, dout: usize, inp: usize, weight: usize, mean: usize, rstd: usize, C: i32, n0: i32, n1: i32): void {
  for (let n = n0; n < n1; n++) {
    const row = (<usize>n * <usize>C) << 2;
    const m = load<f32>(mean + (<usize>n << 2)), r = load<f32>(rstd + (<usize>n << 2));
    let dm: f32 = 0, dnm: f32 = 0;
    for (let c = 0; c < C; c++) {
      const o = <usize>c << 2;
      const norm = (load<f32>(inp + row + o) - m) * r;
      const dnorm = load<f32>(weight + o) * load<f32>(dout + row + o);
      dm += dnorm;
      dnm += dnorm * norm;
    }
    dm /= <f32>C;
    dnm /= <f32>C;
    for (let c = 0; c < C; c++) {
      const o = <usize>c << 2;
      const norm = (load<f32>(inp + row + o) - m) * r;
      const d = load<f32>(dout + row + o);
      const dnorm = load<f32>(weight + o) * d;
      store<f32>(dbias + o, load<f32>(dbias + o) + d);
      store<f32>(dweight + o, load<f32>(dweight + o) + norm * d);
      store<f32>(dinp + row + o, load<f32>(dinp + row + o) + (dnorm - dm - dnm * norm) * r);
    }
  }
}

/** AdamW on [i0, i1): torch.optim.AdamW update with bias correction; decay = 1 - lr*wd. */
export function adamw(param: usize, grad: usize, m: usize, v: usize, beta1: f32, beta2: f32, eps: f32, stepSize: f32, bc2Sqrt: f32, decay: f32, i0: i32, i1: i32): void {
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(grad + o);
    const mi = beta1 * load<f32>(m + o) + (1 - beta1) * g;
    const vi = beta2 * load<f32>(v + o) + (1 - beta2) * g * g;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    const p = load<f32>(param + o) * decay;
    store<f32>(param + o, p - (stepSize * mi) / (Mathf.sqrt(vi) / bc2Sqrt + eps));
  }
}

/** Sum of squares of x[i0, i1) in float64 (gradient norm). */
export function sumSquares(x: usize, i0: i32, i1: i32): f64 {
  let s: f64 = 0;
  for (let i = i0; i < i1; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    s += v * v;
  }
  return s;
}

/** x[i0, i1) *= factor. */
export function scale(x: usize, factor: f32, i0: i32, i1: i32): void {
  for (let i = i0; i < i1; i++) store<f32>(x + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) * factor);
}

/** probs (N, V) = softmax(logits); losses[n] = -log p[target] (0 if target < 0), rows [n0, n1). */
export function softmaxCrossEntropy(losses: usize, probs: usize, logits: usize, targets: usize, V: i32, n0: i32, n1: i32): void {
  for (let n = n0; n < n1; n++) {
    const row = (<usize>n * <usize>V) << 2;
    let top: f32 = -Infinity;
    for (let v = 0; v < V; v++) top = max(top, load<f32>(logits + row + (<usize>v << 2)));
    let sum: f64 = 0;
    for (let v = 0; v < V; v++) sum += <f64>Mathf.exp(load<f32>(logits + row + (<usize>v << 2)) - top);
    const logSum = Math.log(sum) + <f64>top;
    for (let v = 0; v < V; v++) store<f32>(probs + row + (<usize>v << 2), <f32>Math.exp(<f64>load<f32>(logits + row + (<usize>v << 2)) - logSum));
    const target = load<i32>(targets + (<usize>n << 2));
    store<f32>(losses + (<usize>n << 2), target < 0 ? 0 : <f32>(logSum - <f64>load<f32>(logits + row + (<usize>target << 2))));
  }
}

/** dlogits (N, V) += (probs - onehot) * dloss on rows [n0, n1) with target >= 0. */
export function crossEntropyBackward(dlogits: usize, probs: usize, targets: usize, dloss: f32, V: i32, n0: i32, n1: i32): void {
  for (let n = n0; n < n1; n++) {
    const target = load<i32>(targets + (<usize>n << 2));
    if (target < 0) continue;
    const row = (<usize>n * <usize>V) << 2;
    for (let v = 0; v < V; v++) {
      const o = row + (<usize>v << 2);
      store<f32>(dlogits + o, load<f32>(dlogits + o) + (load<f32>(probs + o) - (v == target ? <f32>1 : <f32>0)) * dloss);
    }
  }
}
