export * from "../stats/eigen.js";
