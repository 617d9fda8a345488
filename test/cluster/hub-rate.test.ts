// The global Hub request limit: a token bucket in a real Redis shared by two clients (two
// "workers"); together they never exceed the rate, and each request still reaches the server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { hubBucketKey, rateLimitedFetch } from "../../src/cluster/queue/hub-rate.js";
import { redisConnection } from "../../src/cluster/queue/connection.js";
import { startRedis } from "../helpers/redis.js";

test("two clients sharing a 20 requests/s bucket (burst 2) make 24 requests in no less than ~1.1 s", async () => {
  const redis = await startRedis();
  const clients = [0, 1].map(() => new Redis(redisConnection(redis.url) as never));
  try {
    const times: number[] = [];
    const inner: typeof fetch = async () => {
      times.push(Date.now());
      return new Response("ok");
    };
    const key = hubBucketKey("rate-test");
    const fetches = clients.map((c) => rateLimitedFetch(c, key, { perSecond: 20, burst: 2 }, inner));
    const started = Date.now();
    await Promise.all(Array.from({ length: 24 }, (_, i) => fetches[i % 2]!("http://hub.invalid/x")));
    const elapsed = Date.now() - started;
    assert.equal(times.length, 24);
    // 2 at once, then 22 more at 20/s: at least 1.1 s; generous upper bound for a loaded machine.
    assert.ok(elapsed >= 1050, `24 requests took ${elapsed} ms, faster than 20/s allows`);
    assert.ok(elapsed < 15_000, `24 requests took ${elapsed} ms`);
    // No window of 1 s holds more than rate + burst requests.
    times.sort((a, b) => a - b);
    for (let i = 0; i < times.length; i++) {
      const inWindow = times.filter((t) => t >= times[i]! && t < times[i]! + 1000).length;
      assert.ok(inWindow <= 22, `${inWindow} requests within 1 s from request ${i}`);
    }
  } finally {
    await Promise.all(clients.map((c) => c.quit()));
    await redis.stop();
  }
});
