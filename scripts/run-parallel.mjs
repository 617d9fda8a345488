// Runs npm scripts at the same time: `node scripts/run-parallel.mjs build typecheck` (npm test).
// The build (AssemblyScript, then tsc's emit of dist/, then the bundles) and the type check (tsc over
// src, test, bench and scripts, then the browser code) each keep one core busy and need nothing
// from each other, so on 2 cores they take the time of the longer one instead of the sum (issue 11:
// `npm test` under 8 minutes). Each script's output is printed whole when it ends, so the two do not
// interleave; the run fails when any script fails, naming it.
import { spawn } from "node:child_process";

const names = process.argv.slice(2);
if (names.length === 0) {
  console.error("run-parallel: name the npm scripts to run, e.g. `node scripts/run-parallel.mjs build typecheck`");
  process.exit(2);
}

/** npm as the calling npm runs it (npm_execpath under `npm run`), else the one on PATH. */
function npmCommand(args) {
  const cli = process.env.npm_execpath;
  return cli && /\.(c|m)?js$/.test(cli) ? [process.execPath, [cli, ...args]] : ["npm", args];
}

function run(name) {
  const started = performance.now();
  return new Promise((resolve) => {
    const [command, args] = npmCommand(["run", name]);
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], shell: process.platform === "win32" });
    let output = "";
    child.stdout.on("data", (d) => { output += d; });
    child.stderr.on("data", (d) => { output += d; });
    child.on("error", (err) => resolve({ name, code: null, output: `${output}run-parallel: could not start npm run ${name}: ${err.message}\n`, started }));
    child.on("close", (code, signal) => resolve({ name, code, signal, output, started }));
  }).then((r) => {
    const seconds = ((performance.now() - r.started) / 1000).toFixed(1);
    process.stdout.write(`> npm run ${name} (${seconds} s${r.code === 0 ? "" : `, ${r.signal ? `killed by ${r.signal}` : `exit ${r.code}`}`})\n${r.output}`);
    return r;
  });
}

const results = await Promise.all(names.map(run));
const failed = results.filter((r) => r.code !== 0).map((r) => r.name);
if (failed.length > 0) {
  console.error(`run-parallel: failed: ${failed.map((n) => `npm run ${n}`).join(", ")}`);
  process.exit(1);
}
