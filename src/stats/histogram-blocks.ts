// Histogram counts summed over many (key, count) lists, in any key order, held in blocks of
// HISTOGRAM_BLOCK_KEYS counters allocated as keys first fall in them: the analysis's group
// sketches (pipeline/groups.ts) and a large tensor's parts (kernels/packed-sketch.ts). A dense
// array of all HIST_KEY_COUNT counters (512 KB) cost its zeroing and page faults for every group
// and its keys had to be sorted at the end; a group's values span a few dozen exponents, so it
// touches a few dozen 2 KB blocks, read back in key order without a sort. Pure computation.
import { HIST_KEY_COUNT } from "./histogram.js";

/** Keys per block: one sign and two exponents' 128 mantissa buckets each. */
export const HISTOGRAM_BLOCK_KEYS = 256;
const BLOCK_SHIFT = 8;
const BLOCK_MASK = HISTOGRAM_BLOCK_KEYS - 1;
const BLOCK_COUNT = HIST_KEY_COUNT / HISTOGRAM_BLOCK_KEYS;
/**
 * Blocks kept for reuse once read out (2 KB each: 4 MB), so that the next groups and checkpoints
 * take blocks already faulted in instead of fresh zeroed pages; beyond this many they are dropped.
 */
export const HISTOGRAM_BLOCK_POOL = 2048;

/**
 * A counter no key reached holds -0: a key whose counts sum to 0 (a count of 0 given) is still a
 * key of the result, as it is in a sorted merge. Every sum adds +0 last, which turns a -0 sum
 * into +0 and leaves every other value as it is: the counter then equals the sum started from +0.
 */
const ABSENT = -0;
const NO_BLOCK = new Float64Array(0);
const pool: Float64Array[] = [];

function newBlock(): Float64Array {
  return pool.pop() ?? new Float64Array(HISTOGRAM_BLOCK_KEYS).fill(ABSENT);
}

/** Histogram counts summed key by key (keys in [0, HIST_KEY_COUNT), counts any numbers: integers give the same sums in any order). */
export class HistogramBlocks {
  private readonly blocks: Float64Array[] = new Array<Float64Array>(BLOCK_COUNT).fill(NO_BLOCK);
  private released = false;

  /** Adds counts[i] at keys[i] for every i. */
  add(keys: ArrayLike<number>, counts: ArrayLike<number>): void {
    if (this.released) throw new Error("histogram blocks used after they were read out");
    const blocks = this.blocks;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k >>> 0 !== k || k >= HIST_KEY_COUNT) throw new RangeError(`histogram key ${k} is not an integer in [0, ${HIST_KEY_COUNT})`);
      const b = k >> BLOCK_SHIFT;
      let block = blocks[b]!;
      if (block === NO_BLOCK) blocks[b] = block = newBlock();
      const j = k & BLOCK_MASK;
      block[j] = block[j]! + counts[i]! + 0;
    }
  }

  /**
   * The keys reached, ascending, and their sums, in arrays of their own; the blocks go back to
   * the pool (this object is then done with).
   */
  take(): { keys: Int32Array; counts: Float64Array } {
    if (this.released) throw new Error("histogram blocks read out twice");
    this.released = true;
    const n = readBlocks(this.blocks);
    return { keys: scratchKeys.slice(0, n), counts: scratchCounts.slice(0, n) };
  }
}

/** Where take() reads the blocks out (made on the first take, then reused: at most HIST_KEY_COUNT keys; faulted in once). */
let scratchKeys = new Int32Array(0);
let scratchCounts = new Float64Array(0);

/**
 * Reads every block's reached counters into the scratch arrays in key order and returns their
 * number, giving the blocks back to the pool. One loop over all blocks (not a call per block):
 * it is optimised on its own once hot, whatever the number of groups.
 */
function readBlocks(blocks: Float64Array[]): number {
  if (scratchKeys.length === 0) {
    scratchKeys = new Int32Array(HIST_KEY_COUNT);
    scratchCounts = new Float64Array(HIST_KEY_COUNT);
  }
  const keys = scratchKeys, counts = scratchCounts;
  let n = 0;
  for (let b = 0; b < BLOCK_COUNT; b++) {
    const block = blocks[b]!;
    if (block === NO_BLOCK) continue;
    const base = b << BLOCK_SHIFT;
    for (let j = 0; j < HISTOGRAM_BLOCK_KEYS; j++) {
      const c = block[j]!;
      if (c === 0 && 1 / c < 0) continue; // ABSENT (-0): no key reached it
      keys[n] = base + j;
      counts[n++] = c;
    }
    blocks[b] = NO_BLOCK;
    if (pool.length < HISTOGRAM_BLOCK_POOL) {
      block.fill(ABSENT);
      pool.push(block);
    }
  }
  return n;
}
