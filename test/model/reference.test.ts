// Scalar TypeScript GPT-NeoX against the independent PyTorch reference (test/fixtures/model/):
// logits, loss, every gradient and the losses of 10 AdamW steps with clipping.
import { test } from "node:test";
import assert from "node:assert/strict";
import { scalarKernels } from "../../src/model/kernels.js";
import { loadReferenceCase, compareWithReference } from "./reference-fixture.js";

for (const name of ["neox-parallel", "neox-sequential", "neox-attention-only", "neox-full-rotary", "neox-no-layer-norm", "neox-no-layer-norm-sequential"]) {
  test(`scalar GPT-NeoX matches PyTorch: ${name}`, () => {
    const rc = loadReferenceCase(name);
    const r = compareWithReference(rc, scalarKernels());
    console.log(`${name} scalar: logits max diff ${r.logitsMaxDiff.toExponential(2)}, loss diff ${r.lossDiff.toExponential(2)}, worst grad ${r.worstGrad.name} rel ${r.worstGrad.relDiff.toExponential(2)}, 10-step loss max diff ${r.stepLossMaxDiff.toExponential(2)}, grad-norm rel diff ${r.gradNormMaxRelDiff.toExponential(2)}`);
    assert.ok(r.logitsMaxDiff <= 1e-4, `logits max abs diff ${r.logitsMaxDiff}`);
    assert.ok(r.lossDiff <= 1e-5, `loss diff ${r.lossDiff}`);
    assert.ok(r.worstGrad.relDiff <= 1e-3, `gradient ${r.worstGrad.name} relative diff ${r.worstGrad.relDiff}`);
    assert.ok(r.stepLossMaxDiff <= 1e-4, `AdamW step losses max diff ${r.stepLossMaxDiff}`);
    assert.ok(r.gradNormMaxRelDiff <= 1e-4, `clip_grad_norm_ norms relative diff ${r.gradNormMaxRelDiff}`);
  });
}
