// Public surface of stats/: mergeable tensor sketches and their derived summaries.
export * from "./histogram.js";
export * from "./sketch.js";
export * from "./sketch-values.js";
export * from "./quantiles.js";
export * from "./summary.js";
export * from "./group.js";
