// Child process for the store's crash and lock tests: writes checkpoints with writeSeries,
// printing "begin <step>" / "committed <step>", then optionally holds the store open.
// Usage: node --import tsx test/store/crash-writer.ts <store.duckdb> <steps,comma,separated> <tensors> [holdMs]
// (the tests start it with test/helpers/node-child.ts: plain node on its .js in the compiled tree)
import { Store } from "../../src/store/index.js";
import { writeSeries } from "./write-series.js";

const [path, stepList, tensorCount, holdMs] = process.argv.slice(2);
const store = await Store.open(path!);
await writeSeries(store, stepList!.split(",").map(Number), Number(tensorCount), (line) => process.stdout.write(`${line}\n`));
if (holdMs !== undefined) {
  process.stdout.write("holding\n");
  await new Promise((r) => setTimeout(r, Number(holdMs)));
}
await store.close();
process.stdout.write("done\n");
