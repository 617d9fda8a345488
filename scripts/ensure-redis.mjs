// Makes sure `redis-server` exists before the tests that start their own Redis run: present ->
// nothing to do; missing and root -> apt-get update && apt-get install -y redis-server; missing
// and not root -> stop at once with the command to run. Usable alone: node scripts/ensure-redis.mjs
import { spawnSync } from "node:child_process";
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";

const BINARY = process.env.REDIS_SERVER ?? "redis-server";

function present() {
  const r = spawnSync(BINARY, ["--version"], { stdio: "ignore" });
  return r.status === 0;
}

export function ensureRedis() {
  if (present()) return;
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  if (!root) {
    console.error(`run-tests: ${BINARY} is missing (the cluster tests start their own Redis): run \`sudo apt-get install -y redis-server\` (Debian/Ubuntu) or set REDIS_SERVER to its path`);
    process.exit(1);
  }
  console.log("run-tests: redis-server missing; installing it with apt-get (root)");
  for (const args of [["update"], ["install", "-y", "--no-install-recommends", "redis-server"]]) {
    const r = spawnSync("apt-get", args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (r.status !== 0) {
      console.error(`run-tests: \`apt-get ${args.join(" ")}\` failed (exit ${r.status}); install redis-server yourself and re-run`);
      process.exit(1);
    }
  }
  if (!present()) {
    console.error("run-tests: redis-server is still not runnable after apt-get install; install it yourself and re-run");
    process.exit(1);
  }
}

// Run as a script, also through a link (run-tests' compiled tree links scripts/: its URL is the real path).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) ensureRedis();
