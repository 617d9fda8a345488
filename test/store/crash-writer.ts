// Child process for the store's crash and lock tests: writes checkpoints with writeSeries,
// printing "begin <step>" / "committed <step>", then optionally holds the store open.
// Usage: node --import tsx test/store/crash-writer.ts <store.duckdb> <steps,comma,separated> <tensors> [holdMs]
// FP_TEST_INTO_FILE_FROM=<step>: steps from it on commit into the store file (writeSeries).
// (the tests start it with test/helpers/node-child.ts: plain node on its .js in the compiled tree)
import { Store } from "../../src/store/index.js";
import { writeSeries } from "./write-series.js";

const [path, stepList, tensorCount, holdMs] = process.argv.slice(2);
const store = await Store.open(path!);
const intoFileFrom = process.env.FP_TEST_INTO_FILE_FROM === undefined ? Infinity : Number(process.env.FP_TEST_INTO_FILE_FROM);
await writeSeries(store, stepList!.split(",").map(Number), Number(tensorCount), (line) => process.stdout.write(`${line}\n`), intoFileFrom);
if (holdMs !== undefined) {
  process.stdout.write("holding\n");
  await new Promise((r) => setTimeout(r, Number(holdMs)));
}
await store.close();
process.stdout.write("done\n");
