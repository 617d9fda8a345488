// erf / erfc / exact GELU against Python's math.erf and math.erfc (fixture test/fixtures/model/erf.json).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { erf, erfc } from "../../src/util/special.js";
import { gelu, geluGrad } from "../../src/model/layers.js";

interface Row { x: number; erf: number; erfc: number; gelu: number; dgelu: number }
const rows = (JSON.parse(readFileSync(new URL("../fixtures/model/erf.json", import.meta.url), "utf8")) as { rows: Row[] }).rows;

const rel = (a: number, b: number): number => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(b), 1e-300));

test("erf and erfc match math.erf / math.erfc to 1e-13 relative", () => {
  let worst = 0;
  for (const r of rows) {
    worst = Math.max(worst, rel(erf(r.x), r.erf), r.erfc > 1e-300 ? rel(erfc(r.x), r.erfc) : Math.abs(erfc(r.x)));
  }
  assert.ok(worst < 1e-13, `worst relative error ${worst}`);
});

test("exact GELU and its derivative match the float64 reference to 1e-12 relative", () => {
  let worst = 0;
  for (const r of rows) {
    if (Math.abs(r.gelu) > 1e-300) worst = Math.max(worst, rel(gelu(r.x), r.gelu));
    worst = Math.max(worst, Math.abs(r.dgelu) > 1e-300 ? rel(geluGrad(r.x), r.dgelu) : Math.abs(geluGrad(r.x)));
  }
  assert.ok(worst < 1e-12, `worst relative error ${worst}`);
});
