// Worker entry of scripts/fuzz.ts: registers tsx in this thread (loader hooks of the main
// thread do not reach workers in Node 20), then runs the worker half of fuzz.ts.
import { register } from "tsx/esm/api";

register();
await import("./fuzz.ts");
