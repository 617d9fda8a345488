// Token streams for training and evaluation, and seeded random training batches: each batch is
// B windows of T+1 consecutive tokens, a pure function of (stream, seed, step), so a resumed run
// draws exactly the batches an uninterrupted run would.
import { Rng } from "../util/rng.js";
import { UsageError } from "../util/errors.js";
import { splitSotu, DEFAULT_SOTU_VALIDATION_DOCUMENTS } from "./corpus.js";
import type { SotuDocument } from "./corpus.js";
import type { TextTokenizer } from "./tokenizer.js";

/** Train and validation token streams. */
export interface TokenStreams {
  readonly train: Int32Array;
  readonly validation: Int32Array;
}

/** Tokenizes documents one by one and concatenates them, with the end-of-text id between them (when the tokenizer has one). */
export function encodeDocuments(docs: readonly SotuDocument[], tokenizer: TextTokenizer): Int32Array {
  const parts = docs.map((d) => tokenizer.encode(d.text.trim()));
  const sep = tokenizer.eosId === undefined ? 0 : 1;
  const total = parts.reduce((n, p) => n + p.length, 0) + sep * Math.max(0, parts.length - 1);
  const out = new Int32Array(total);
  let at = 0;
  parts.forEach((p, i) => {
    if (i > 0 && tokenizer.eosId !== undefined) out[at++] = tokenizer.eosId;
    out.set(p, at);
    at += p.length;
  });
  return out;
}

/** Byte-tokenized SOTU streams per validation split size (the common case; tokenizing takes seconds). */
const byteStreamCache = new Map<number, TokenStreams>();

/** The State of the Union corpus as token streams, split by document (the most recent held out). Do not modify the arrays. */
export function sotuTokenStreams(tokenizer: TextTokenizer, validationDocuments = DEFAULT_SOTU_VALIDATION_DOCUMENTS): TokenStreams {
  const cached = tokenizer.kind === "byte" ? byteStreamCache.get(validationDocuments) : undefined;
  if (cached !== undefined) return cached;
  const split = splitSotu(validationDocuments);
  const streams = { train: encodeDocuments(split.train, tokenizer), validation: encodeDocuments(split.validation, tokenizer) };
  if (tokenizer.kind === "byte") byteStreamCache.set(validationDocuments, streams);
  return streams;
}

/** A training batch: inputs and next-token targets, both (B, T) row-major. */
export interface Batch {
  readonly inputs: Int32Array;
  readonly targets: Int32Array;
}

/** The 32-bit seed of one step's batch: a splitmix-style hash of (seed, step). */
export function batchSeed(seed: number, step: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h = Math.imul((h ^ (step >>> 0) ^ (h >>> 15)) >>> 0, 0xc2b2ae35) >>> 0;
  h = Math.imul((h ^ Math.floor(step / 4294967296) ^ (h >>> 13)) >>> 0, 0x27d4eb2f) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The batch of 0-based training step `step`: B windows of T+1 tokens starting at uniform random
 * offsets (Rng(batchSeed(seed, step))); inputs are the first T tokens, targets the last T.
 */
export function sampleBatch(stream: Int32Array, B: number, T: number, seed: number, step: number): Batch {
  if (stream.length < T + 1) throw new UsageError(`training data: ${stream.length} tokens, a window needs T+1 = ${T + 1} ---> HINT: use more text or a shorter context`);
  const rng = new Rng(batchSeed(seed, step));
  const inputs = new Int32Array(B * T), targets = new Int32Array(B * T);
  const starts = stream.length - T; // window [s, s + T] inclusive
  for (let b = 0; b < B; b++) {
    const s = rng.int(starts);
    inputs.set(stream.subarray(s, s + T), b * T);
    targets.set(stream.subarray(s + 1, s + T + 1), b * T);
  }
  return { inputs, targets };
}

/** Checks that every token id is below the model's vocabulary. */
export function checkTokenRange(tokens: Int32Array, vocabSize: number, what: string): void {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t < 0 || t >= vocabSize) throw new UsageError(`${what}: token ${t} at position ${i} is outside the model's vocabulary [0, ${vocabSize}) ---> HINT: use the tokenizer the model was trained with`);
  }
}
