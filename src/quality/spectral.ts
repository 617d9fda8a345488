export * from "../stats/spectral.js";
