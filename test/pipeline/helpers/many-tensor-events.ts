// Child process of the item 6 test (issue 13): recomputes the events of run `run` in the store
// at <dir> and prints {seconds, cpuSeconds, maxRssMb, events} as JSON, so the parent can hold event detection
// to a time and peak-memory budget measured apart from the test runner's own heap.
import { Store } from "../../../src/store/store.js";
import { recomputeRunEvents } from "../../../src/pipeline/events.js";

const [dir, run] = process.argv.slice(2);
const started = performance.now();
const cpu = process.cpuUsage();
const store = await Store.openDir(dir!);
try {
  const events = await recomputeRunEvents(store, run!);
  const used = process.cpuUsage(cpu);
  process.stdout.write(JSON.stringify({ seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024, events: events.length }));
} finally {
  await store.close();
}
