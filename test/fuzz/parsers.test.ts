// A short seeded fuzz run of the untrusted-input parsers (safetensors header, pickle machine,
// zip reader, run discovery): every input ends in a valid result or a ForkingPathsError, within
// the per-input budget. `npm run fuzz -- --minutes N` runs the same targets for longer.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { FUZZ_TARGETS, runOne, type FuzzTarget } from "./targets.js";

const SEED = 20261206;
const RUNS: Record<string, number> = { "safetensors-header": 400, "pickle-machine": 400, "zip-reader": 300, "run-discovery": 40 };

for (const target of FUZZ_TARGETS as readonly FuzzTarget<unknown>[]) {
  test(`fuzz ${target.name}: ${RUNS[target.name]} seeded inputs, each a result or a typed error within budget`, async () => {
    let typed = 0, ok = 0;
    await fc.assert(
      fc.asyncProperty(target.arbitrary, async (input) => {
        const outcome = await runOne(target, input);
        if (outcome.kind === "finding") throw new Error(outcome.reason);
        if (outcome.kind === "typed") typed++; else ok++;
      }),
      { seed: SEED, numRuns: RUNS[target.name] ?? 100 },
    );
    // Both branches must be exercised, or the generator only tests one side.
    assert.ok(typed > 0, `${target.name}: no input was refused`);
    assert.ok(ok > 0 || target.name === "zip-reader", `${target.name}: no input was accepted`);
    console.log(`# ${target.name}: ${ok} accepted, ${typed} refused with a typed error`);
  });
}
