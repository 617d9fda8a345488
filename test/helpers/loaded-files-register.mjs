// `node --import` this file to log the URL of every module any thread of the process loads (worker
// threads inherit --import) to the file named by FP_TEST_LOADED_LOG, one a line: for tests of what
// a process reads at start-up (test/cli/bundle.test.ts).
import { register } from "node:module";

register(new URL("./loaded-files-hooks.mjs", import.meta.url));
