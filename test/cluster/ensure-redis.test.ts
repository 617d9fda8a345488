// scripts/ensure-redis.mjs, the test runner's guard for the tests that start their own Redis:
// present -> nothing to do; missing and not root -> one line naming the command, within seconds.
// (The root path runs apt-get: it is what CI on a fresh machine exercises, not this test.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const SCRIPT = join(import.meta.dirname, "..", "..", "scripts", "ensure-redis.mjs");
const NOBODY = 65534;

/** Runs the script as a non-root user: directly when we are not root, else through setpriv as nobody. */
function runAsNonRoot(env: Record<string, string>): { status: number | null; stderr: string; seconds: number } {
  const root = process.getuid?.() === 0;
  const [cmd, args] = root
    ? ["setpriv", [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", process.execPath, SCRIPT]]
    : [process.execPath, [SCRIPT]];
  const started = Date.now();
  const r = spawnSync(cmd, args as string[], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 20_000 });
  return { status: r.status, stderr: r.stderr, seconds: (Date.now() - started) / 1000 };
}

test("ensure-redis: redis-server missing and not root stops within seconds with one line naming the install command", (t) => {
  if (process.getuid?.() === 0 && !existsSync("/usr/bin/setpriv")) {
    // Without setpriv a root runner cannot drop privileges; fail loudly rather than pass silently.
    assert.fail("setpriv (util-linux) is needed to run this test as root");
  }
  const r = runAsNonRoot({ REDIS_SERVER: "/nonexistent/redis-server" });
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /\/nonexistent\/redis-server is missing/);
  assert.match(lines[0]!, /apt-get install -y redis-server/);
  assert.match(lines[0]!, /REDIS_SERVER/);
  assert.ok(r.seconds < 10, `took ${r.seconds} s`);
  t.diagnostic(`non-root, missing: exit 1 in ${r.seconds.toFixed(2)} s`);
});

test("ensure-redis: a runnable redis-server (REDIS_SERVER) passes with nothing printed", () => {
  const which = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  assert.equal(which.status, 0, "redis-server must be installed for the cluster tests (run-tests installs it)");
  const r = runAsNonRoot({ REDIS_SERVER: which.stdout.trim() });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
});
