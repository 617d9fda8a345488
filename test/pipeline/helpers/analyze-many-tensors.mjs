// Child process of the item 6 end-to-end test (issue 13): `analyze` (the built library, as the
// CLI runs it: 2 workers, events on, V8's default heap) of the run folder <run> into <out>,
// printing {cpuSeconds, maxRssMb, liveHeapMb, tensors, analyzed, events, eventSeconds} as JSON.
// Plain node, no tsx: the peak RSS is the product's, not a TypeScript loader's. Run with
// --expose-gc, it also measures the live JS heap once per checkpoint, when 90% of its tensors
// are analyzed (one full GC there, then heapUsed): what the analysis retains while a
// checkpoint's rows accumulate, whatever garbage V8 lets pile up around it.
import { analyzeRun } from "../../../dist/index.js";

const [run, out] = process.argv.slice(2);
const cpu = process.cpuUsage();
let liveHeapMb = null;
const measured = new Set();
const s = await analyzeRun(run, {
  out,
  onProgress: (p) => {
    if (globalThis.gc === undefined || measured.has(p.step) || p.checkpointBytes === 0 || p.checkpointBytesDone < 0.9 * p.checkpointBytes) return;
    measured.add(p.step);
    globalThis.gc();
    liveHeapMb = Math.max(liveHeapMb ?? 0, process.memoryUsage().heapUsed / 2 ** 20);
  },
});
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({
  cpuSeconds: (used.user + used.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024, liveHeapMb,
  tensors: s.tensors, analyzed: s.analyzed, events: s.events, eventSeconds: s.eventSeconds,
}));
