// Redis connection settings from a `redis://[user:password@]host:port[/db]` URL, in the form
// BullMQ takes (ioredis options). Workers block on Redis, so requests never time out.
import { UsageError } from "../../util/errors.js";

export const DEFAULT_REDIS_PORT = 6379;
/** Name of the BullMQ queue that holds checkpoint and merge jobs (prefix "bull"). */
export const DEFAULT_QUEUE_NAME = "forking-paths";

/** The TCP connection settings of one Redis server, as both BullMQ and ioredis take them. */
export interface RedisConnection {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: Record<string, never>;
  /** null: commands wait for the connection instead of failing after retries. */
  maxRetriesPerRequest: null;
}

export function redisConnection(url: string): RedisConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--redis: "${url}" is not a URL; expected redis://host:port (e.g. redis://127.0.0.1:6379)`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new UsageError(`--redis: "${url}" must start with redis:// or rediss://`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new UsageError(`--redis: "${url}": the database "${u.pathname.slice(1)}" is not a number`);
  return {
    host: u.hostname || "127.0.0.1",
    port: u.port ? Number(u.port) : DEFAULT_REDIS_PORT,
    db,
    ...(u.username && { username: decodeURIComponent(u.username) }),
    ...(u.password && { password: decodeURIComponent(u.password) }),
    ...(u.protocol === "rediss:" && { tls: {} }),
    maxRetriesPerRequest: null,
  };
}

/** BullMQ, loaded on first use so that other commands do not pay for it. */
export function loadBullmq(): Promise<typeof import("bullmq")> {
  return import("bullmq");
}
