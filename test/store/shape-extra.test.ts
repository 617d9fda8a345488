// The decoder of stored shape statistics against the encoder: a ShapeSummary written into a row's
// `extra` as the store writes it (encodeJson, NaN kept) and read back (decodeJson) decodes to the
// summary's own dip p-value, mixture BICs, Silverman modes and Weibull k; malformed or absent
// fields decode to null instead of passing through.
import { test } from "node:test";
import assert from "node:assert/strict";
import { shapeSummary } from "../../src/stats/shape/index.js";
import { decodeJson, encodeJson } from "../../src/store/codec.js";
import { decodeShapeExtra } from "../../src/store/shape-extra.js";
import { Rng } from "../../src/util/rng.js";

function bimodal(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1) + 0.3 * rng.normal());
}

function stored(extra: Record<string, unknown>): Record<string, unknown> {
  const back = decodeJson(encodeJson(extra));
  assert.ok(back !== null && typeof back === "object" && !Array.isArray(back));
  return Object.fromEntries(Object.entries(back));
}

test("decodeShapeExtra reads back what shapeSummary stored: dip p-value, BIC of k = 1, 2, Silverman modes, Weibull k, method", () => {
  const summary = shapeSummary(bimodal(2000, 3));
  const decoded = decodeShapeExtra(stored({ shape: summary, shape_method: { method: "exact", n: 2000 }, spectral: { alpha: 2 } }));
  assert.ok(decoded !== null);
  assert.equal(decoded.method, "exact");
  assert.equal(decoded.dipPValue, summary.dip!.pValue);
  assert.equal(decoded.bic1, summary.mixtures!.fits.find((f) => f.components === 1)!.bic);
  assert.equal(decoded.bic2, summary.mixtures!.fits.find((f) => f.components === 2)!.bic);
  const silverman = summary.kde.find((k) => k?.rule === "silverman")!.modes;
  assert.equal(silverman.length, 2, "the bimodal sample has two Silverman modes");
  assert.deepEqual(decoded.silvermanModes, silverman.map(({ location, height, mass, prominence }) => ({ location, height, mass, prominence })));
  assert.equal(decoded.weibullK, summary.weibull!.k);
});

test("decodeShapeExtra: no extra.shape -> null; malformed fields -> null each; an unknown method -> null; NaN Weibull k kept as stored", () => {
  assert.equal(decodeShapeExtra(undefined), null);
  assert.equal(decodeShapeExtra({ spectral: { alpha: 2 } }), null);
  assert.equal(decodeShapeExtra({ shape: [1, 2] }), null);
  const malformed = decodeShapeExtra(stored({
    shape: {
      dip: { pValue: "0.5" },
      mixtures: { fits: [{ components: 1, bic: 10 }, { components: 2, bic: "low" }] },
      kde: [null, { rule: "silverman", modes: [{ location: 0, height: 1, mass: 1, prominence: NaN }] }],
      weibull: { k: NaN },
    },
    shape_method: { method: "sampled" },
  }));
  assert.deepEqual(malformed, { method: null, dipPValue: null, bic1: 10, bic2: null, silvermanModes: null, weibullK: NaN });
  const noModes = decodeShapeExtra({ shape: { kde: [{ rule: "silverman", modes: [] }] }, shape_method: { method: "histogram" } });
  assert.deepEqual(noModes, { method: "histogram", dipPValue: null, bic1: null, bic2: null, silvermanModes: null, weibullK: null });
});
