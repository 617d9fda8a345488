export * from "./errors.js";
export * from "./limits.js";
export * from "./assert.js";
export * from "./rng.js";
export * from "./glob.js";
export * from "./special.js";
export * from "./typed.js";
