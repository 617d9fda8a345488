// The shape statistics' reference tests (scikit-learn, scipy, R fixtures) again, with the WASM
// shape kernels installed in this thread as the statistics workers have them: the same stated
// bounds must hold for the kernels' results (each test's title is that of the file it comes from).
import assert from "node:assert/strict";
import { installShapeKernels } from "../../src/kernels/shape-wasm.js";
import { shapeKernels } from "../../src/stats/shape/kernels.js";

assert.equal(installShapeKernels(), true, "the shape kernel is built (npm run build:kernels)");
assert.notEqual(shapeKernels(), null);
await import("../stats/shape/bandwidth.test.js");
await import("../stats/shape/gmm.test.js");
await import("../stats/shape/gmm-refined.test.js");
await import("../stats/shape/kde.test.js");
await import("../stats/shape/summary.test.js");
await import("../stats/shape/histogram-shape.test.js");
