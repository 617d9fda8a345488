// Module hooks of loaded-files-register.mjs: appends each module's URL to FP_TEST_LOADED_LOG.
import { appendFileSync } from "node:fs";

export async function load(url, context, nextLoad) {
  appendFileSync(process.env.FP_TEST_LOADED_LOG, `${url}\n`);
  return nextLoad(url, context);
}
