// A real redis-server for tests: on a free loopback port, in a temporary directory, without
// snapshots (or with an append-only file when a test restarts it), stopped afterwards with its
// directory removed.
// scripts/ensure-redis.mjs makes sure the binary exists before the suite runs.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REDIS_SERVER = process.env.REDIS_SERVER ?? "redis-server";
const READY_TIMEOUT_MS = 10_000;

export interface TestRedis {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Stop (SIGTERM, waiting for the exit) and start again on the same port and directory. */
  restart(): Promise<void>;
  /** Stop it and remove its directory. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    socket.once("error", () => resolve(false));
    socket.on("data", (d) => {
      answer += d.toString();
      if (answer.includes("\r\n")) {
        socket.destroy();
        resolve(answer.startsWith("+PONG"));
      }
    });
    socket.once("connect", () => socket.write("PING\r\n"));
  });
}

export async function startRedis(options: { persistent?: boolean } = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "fp-redis-"));
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--daemonize", "no", "--loglevel", "warning",
    ...(options.persistent === true ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"])];
  let child: ChildProcess | null = null;
  const launch = async () => {
    const proc = spawn(REDIS_SERVER, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    proc.stderr!.on("data", (d) => (stderr += d));
    const failed = new Promise<never>((_, reject) => proc.once("error", (e) => reject(new Error(`${REDIS_SERVER}: ${e.message} (run: node scripts/ensure-redis.mjs)`))));
    child = proc;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const ok = await Promise.race([ping(port), failed]);
      if (ok) return;
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start: ${stderr.trim()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const halt = async () => {
    const proc = child as ChildProcess | null;
    child = null;
    if (proc === null || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once("exit", () => resolve());
      proc.kill("SIGTERM");
    });
  };
  const stop = async () => {
    await halt();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await launch();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `redis://127.0.0.1:${port}`, port, dir,
    restart: async () => {
      await halt();
      await launch();
    },
    stop,
  };
}
