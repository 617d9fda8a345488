// A task module for the StatsPool.call tests: pure functions run on the workers.
export function sumOf(values: Float64Array, scale: number): number {
  let s = 0;
  for (const v of values) s += v * scale;
  return s;
}

export function fails(name: string): never {
  throw new Error(`task refused ${name}`);
}
