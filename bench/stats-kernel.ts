// Benchmark: kernel-only throughput of the statistics pass (assembly/stats.ts) in this thread,
// no I/O and no copies: the data sits in wasm memory and `accumulate` runs over it repeatedly.
// GB/s is reported per CPU second of this process (process.cpuUsage) for the best of the reps,
// so a busy shared machine slows the wall clock but not the figure much; wall GB/s is the mean.
// Run: node --import tsx bench/stats-kernel.ts [--mib 64] [--reps 8]
import { DTYPE_ITEMSIZE, encodeFloats, type Dtype } from "../src/formats/dtype.js";
import { instantiateKernel } from "../src/kernels/load.js";
import { Rng } from "../src/util/rng.js";

interface Exports {
  memory: WebAssembly.Memory;
  reserveInput(bytes: number): number;
  reset(): void;
  accumulate(dtype: number, ptr: number, count: number): void;
}

const CODE: Partial<Record<Dtype, number>> = { F32: 0, F16: 1, BF16: 2, F64: 3 };
/** Values per kernel call (the pool's 4 MiB f32 chunk). */
const CALL_VALUES = 1 << 20;

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Weight-like values: N(0.001, 0.02) with a few exact zeros (no NaN/Inf: the SIMD path). */
function weights(n: number): Float32Array {
  const rng = new Rng(7);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = i % 1000 === 0 ? 0 : 0.02 * rng.normal() + 0.001;
  return v;
}

function measure(ex: Exports, dtype: Dtype, data: Uint8Array, reps: number): { cpuGBs: number; wallGBs: number } {
  const itemsize = DTYPE_ITEMSIZE[dtype];
  const ptr = ex.reserveInput(data.byteLength);
  new Uint8Array(ex.memory.buffer, ptr, data.byteLength).set(data);
  const count = data.byteLength / itemsize;
  const run = () => {
    ex.reset();
    for (let at = 0; at < count; at += CALL_VALUES) ex.accumulate(CODE[dtype]!, ptr + at * itemsize, Math.min(CALL_VALUES, count - at));
  };
  run(); // warm-up (tier-up, page faults)
  let best = Infinity;
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    run();
    const cpu = process.cpuUsage(c0);
    best = Math.min(best, (cpu.user + cpu.system) / 1e6);
  }
  const wall = (performance.now() - t0) / 1000;
  return { cpuGBs: data.byteLength / 1e9 / best, wallGBs: (data.byteLength * reps) / 1e9 / wall };
}

function main(): void {
  const mib = argValue("--mib", 64), reps = argValue("--reps", 8);
  const values = weights((mib * 2 ** 20) / 4);
  const ex = instantiateKernel("stats").exports as unknown as Exports;
  console.log(`statistics kernel, in-thread, ${mib} MiB of f32-equivalent values x ${reps} reps`);
  for (const dtype of ["F32", "F16", "BF16"] as Dtype[]) {
    const data = dtype === "F32" ? new Uint8Array(values.buffer) : encodeFloats(dtype, values);
    const r = measure(ex, dtype, data, reps);
    console.log(`  ${dtype.padEnd(4)}  ${r.cpuGBs.toFixed(2)} GB/s per CPU second   (wall ${r.wallGBs.toFixed(2)} GB/s)`);
  }
}

main();
