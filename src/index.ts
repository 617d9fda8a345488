// Public API of forking-paths: everything the CLI does is a typed function exported here.
export * from "./util/index.js";
export * from "./io/index.js";
