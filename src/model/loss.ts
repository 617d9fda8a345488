// Scalar reference of the language-model loss: softmax cross-entropy over the vocabulary with
// an ignore index, mean over the counted positions (as torch.nn.CrossEntropyLoss / HF).
// Shapes: N = B*T positions, V vocabulary (padded rows are not used).

/** Targets equal to this value are not counted (Hugging Face's ignore_index). */
export const IGNORE_INDEX = -100;

/**
 * probs (N, V) = softmax(logits (N, V)); losses (N) = -log p[target] (0 where ignored).
 * Returns the mean loss over counted positions and their count.
 */
export function crossEntropyForward(losses: Float32Array, probs: Float32Array, logits: Float32Array, targets: Int32Array, N: number, V: number): { loss: number; count: number } {
  let total = 0, count = 0;
  for (let n = 0; n < N; n++) {
    const x = n * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) if (logits[x + v]! > max) max = logits[x + v]!;
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(logits[x + v]! - max);
    const logSum = Math.log(sum) + max;
    for (let v = 0; v < V; v++) probs[x + v] = Math.exp(logits[x + v]! - logSum);
    const target = targets[n]!;
    if (target === IGNORE_INDEX) {
      losses[n] = 0;
      continue;
    }
    const l = logSum - logits[x + target]!;
    losses[n] = l;
    total += l;
    count++;
  }
  return { loss: count > 0 ? total / count : NaN, count };
}

/** dlogits (N, V) += (probs - onehot(target)) * dloss on counted rows (dloss = 1/count for the mean). */
export function crossEntropyBackward(dlogits: Float32Array, probs: Float32Array, targets: Int32Array, dloss: number, N: number, V: number): void {
  for (let n = 0; n < N; n++) {
    const target = targets[n]!;
    if (target === IGNORE_INDEX) continue;
    const x = n * V;
    for (let v = 0; v < V; v++) dlogits[x + v]! += (probs[x + v]! - (v === target ? 1 : 0)) * dloss;
  }
}

/** Next-token targets for Hugging Face `labels=input_ids`: targets[b,t] = tokens[b,t+1], last = ignored. */
export function shiftedTargets(tokens: Int32Array, B: number, T: number): Int32Array {
  const targets = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) targets[b * T + t] = t + 1 < T ? tokens[b * T + t + 1]! : IGNORE_INDEX;
  }
  return targets;
}
