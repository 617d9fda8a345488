// A global rate limit on Hub HTTP requests shared by every worker: a token bucket held in Redis
// (refilled from Redis's own clock, taken atomically by a Lua script), wrapped around fetch.
import type { Redis } from "ioredis";

/** Redis key of the bucket (one per queue). */
export function hubBucketKey(queue: string): string {
  return `fp:${queue}:hub-tokens`;
}

// Returns 0 when a token was taken, else the milliseconds until one is available.
const TAKE_TOKEN = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local s = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(s[1]) or burst
local ts = tonumber(s[2]) or now
tokens = math.min(burst, tokens + (now - ts) * rate / 1000)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * 1000 / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], 3600000)
return wait`;

export interface HubRateLimit {
  /** Requests per second across all workers. */
  perSecond: number;
  /** Requests that may go at once after a quiet spell (default: perSecond, at least 1). */
  burst?: number;
}

/** `fetch` that first takes a token from the shared bucket (waiting for one if needed). */
export function rateLimitedFetch(redis: Redis, key: string, limit: HubRateLimit, inner: typeof fetch = globalThis.fetch): typeof fetch {
  const burst = limit.burst ?? Math.max(1, limit.perSecond);
  return async (input, init) => {
    for (;;) {
      const wait = Number(await redis.eval(TAKE_TOKEN, 1, key, String(limit.perSecond), String(burst)));
      if (wait <= 0) break;
      await new Promise((r) => setTimeout(r, wait));
    }
    return inner(input, init);
  };
}
