// DNS-rebinding defence of the dashboard (issue 13 item 10): requests whose Host header is not
// localhost, an IP literal or the bound host, with the bound port, get 403; bad ports are usage errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { isAllowedHostHeader, startReportServer } from "../../src/report/server.js";
import { syntheticReportData } from "../../src/report/synthetic.js";
import { UsageError } from "../../src/util/errors.js";

function get(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { Host: host } }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => { body += c.toString(); });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("item 10: a DNS-rebinding Host header gets 403 on every route; loopback names with the bound port are served", async () => {
  const server = await startReportServer({ port: 0, getData: async () => syntheticReportData() });
  try {
    const p = server.port;
    for (const path of ["/data.json", "/", "/events"]) {
      const r = await get(p, path, `attacker.example:${p}`);
      assert.equal(r.status, 403, path);
      assert.ok(!r.body.includes("{"), "no data leaks in the 403 body");
    }
    assert.equal((await get(p, "/data.json", `localhost:${p}`)).status, 200);
    assert.equal((await get(p, "/data.json", `127.0.0.1:${p}`)).status, 200);
    assert.equal((await get(p, "/data.json", `[::1]:${p}`)).status, 200);
    assert.equal((await get(p, "/data.json", `localhost:${p + 1}`)).status, 403, "another port");
    assert.equal((await get(p, "/data.json", "localhost")).status, 403, "no port (80) while bound elsewhere");
    assert.equal((await get(p, "/data.json", `localhost.attacker.example:${p}`)).status, 403);
  } finally {
    await server.close();
  }
});

test("isAllowedHostHeader: names, IP literals, ports", () => {
  assert.equal(isAllowedHostHeader("myhost.lan:8377", "myhost.lan", 8377), true, "the bound host");
  assert.equal(isAllowedHostHeader("192.168.1.5:8377", "0.0.0.0", 8377), true, "an IP literal cannot be rebound");
  assert.equal(isAllowedHostHeader("evil.example:8377", "0.0.0.0", 8377), false);
  assert.equal(isAllowedHostHeader(undefined, "127.0.0.1", 8377), false);
  assert.equal(isAllowedHostHeader("localhost", "127.0.0.1", 80), true);
  assert.equal(isAllowedHostHeader("local host:1", "127.0.0.1", 1), false);
});

test("item 13: a port outside 0..65535 is a usage error, not an internal one", async () => {
  await assert.rejects(startReportServer({ port: 99999, getData: async () => syntheticReportData() }), UsageError);
});
