// Shared parsing of CLI option values: integers, number lists, repeated globs. Bad values are
// UsageErrors naming the option.
import { UsageError } from "../util/errors.js"; // not index.js: every command parses options, few need the whole API loaded

export function parseIntOption(name: string, min = 0): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`${name}: expected an integer >= ${min}, got "${value}"`);
    return n;
  };
}

export function parseNumberOption(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new UsageError(`${name}: expected a number, got "${value}"`);
    return n;
  };
}

/** A probability threshold strictly between 0 and 1 (significance levels). */
export function parseProbabilityOption(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || n >= 1) throw new UsageError(`${name}: expected a probability strictly between 0 and 1, got "${value}"`);
    return n;
  };
}

export function parseStepList(value: string): number[] {
  const steps = value.split(",").map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (steps.length === 0 || steps.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new UsageError(`--steps: expected a comma-separated list of non-negative integers, got "${value}"`);
  }
  const repeated = steps.find((s, i) => steps.indexOf(s) !== i);
  if (repeated !== undefined) throw new UsageError(`--steps: step ${repeated} is given twice in "${value}"; each checkpoint needs its own step`);
  return steps;
}

/** Commander collector for repeatable options (`--include a --include b`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Prints JSON to stdout, one document, newline-terminated. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
