import { test } from "node:test";
import { groupSketches } from "../../src/stats/group.js";
import { sketchOfValues } from "../../src/stats/sketch-values.js";
import { Rng } from "../../src/util/rng.js";
import { assertSketchesAgree } from "./sketch-fixtures.js";

test("group sketches equal the sketch of the union of their tensors' values", () => {
  const rng = new Rng(21);
  const tensors = [0, 1, 2].flatMap((layer) => ["attn.weight", "mlp.weight"].map((role) => ({
    name: `layers.${layer}.${role}`, layer, role,
    values: Array.from({ length: 500 + 37 * layer }, () => Math.fround((layer + 1) * 0.01 * rng.normal() + (role === "mlp.weight" ? 0.1 : 0))),
  })));
  tensors.push({ name: "embed", layer: null as unknown as number, role: "embed", values: [1, 2, 3, NaN] });
  const g = groupSketches(tensors.map((t) => ({ ...t, layer: t.name === "embed" ? null : t.layer, sketch: sketchOfValues(t.values) })));
  const union = (pred: (t: (typeof tensors)[number]) => boolean) => sketchOfValues(tensors.filter(pred).flatMap((t) => t.values));
  assertSketchesAgree(g.model, union(() => true), "model");
  assertSketchesAgree(g.byRole.get("mlp.weight")!, union((t) => t.role === "mlp.weight"), "role");
  assertSketchesAgree(g.byLayer.get(2)!, union((t) => t.layer === 2 && t.name !== "embed"), "layer 2");
});
