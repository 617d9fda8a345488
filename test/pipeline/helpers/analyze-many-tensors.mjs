// Child process of the item 6 end-to-end test (issue 13): `analyze` (the built library, as the
// CLI runs it: 2 workers, events on) of the run folder <run> into <out>, printing
// {cpuSeconds, maxRssMb, tensors, analyzed, events, eventSeconds} as JSON. Plain node, no tsx:
// the peak RSS is the product's, not a TypeScript loader's.
import { analyzeRun } from "../../../dist/index.js";

const [run, out] = process.argv.slice(2);
const cpu = process.cpuUsage();
const s = await analyzeRun(run, { out });
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({
  cpuSeconds: (used.user + used.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024,
  tensors: s.tensors, analyzed: s.analyzed, events: s.events, eventSeconds: s.eventSeconds,
}));
