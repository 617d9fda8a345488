// Dashboard server over plain HTTP: loopback binding, refusal of public hosts, read-only methods,
// traversal and unknown routes -> 404, SSE updates and errors while the server keeps serving.
import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { startReportServer, routeOf, type ReportServer } from "../../src/report/server.js";
import { syntheticReportData } from "../../src/report/synthetic.js";
import type { ReportData } from "../../src/report/data.js";

const small = (checkpoints: number): ReportData => syntheticReportData({ checkpoints, layers: 1, roles: ["attention.dense.weight"], bins: 32 });

/** Sends a raw request path (no client-side normalisation) and returns status, headers, body. */
function raw(server: ReportServer, path: string, method = "GET"): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, path, method }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Opens /events and collects parsed SSE messages until `until` returns true. */
function collectEvents(server: ReportServer, until: (events: Array<{ event: string; data: unknown }>) => boolean) {
  const events: Array<{ event: string; data: unknown }> = [];
  let close = (): void => {};
  const done = new Promise<Array<{ event: string; data: unknown }>>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, path: "/events" }, (res) => {
      assert.equal(res.headers["content-type"], "text/event-stream; charset=utf-8");
      let buf = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block), data = /^data: (.*)$/m.exec(block);
          if (ev && data) events.push({ event: ev[1]!, data: JSON.parse(data[1]!) });
        }
        if (until(events)) { req.destroy(); resolve(events); }
      });
    });
    req.on("error", (e) => { if (!until(events)) reject(e); });
    req.end();
    close = () => req.destroy();
  });
  return { done, close: () => close() };
}

test("binds 127.0.0.1 by default and refuses public hosts without the explicit flag", async () => {
  const server = await startReportServer({ port: 0, getData: async () => small(5) });
  try {
    assert.equal(server.host, "127.0.0.1");
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await raw(server, "/");
    assert.equal(page.status, 200);
    assert.match(page.body, /^<!doctype html>/);
    assert.match(String(page.headers["content-security-policy"]), /default-src 'none'/);
    assert.match(page.body, /"live":true/);
  } finally {
    await server.close();
  }
  await assert.rejects(startReportServer({ port: 0, host: "0.0.0.0", getData: async () => small(5) }), /refusing to serve the dashboard on 0\.0\.0\.0/);
  await assert.rejects(startReportServer({ port: 0, host: "192.168.1.10", getData: async () => small(5) }), /allowPublicHost/);
  const pub = await startReportServer({ port: 0, host: "0.0.0.0", allowPublicHost: true, getData: async () => small(5) });
  assert.equal(pub.host, "0.0.0.0");
  await pub.close();
});

test("only exact routes answer; traversal, encoded tricks and unknown routes get 404; writes get 405", async () => {
  const server = await startReportServer({ port: 0, getData: async () => small(5) });
  try {
    const data = await raw(server, "/data.json");
    assert.equal(data.status, 200);
    assert.equal((JSON.parse(data.body) as ReportData).runs[0]!.steps.length, 5);
    assert.equal((await raw(server, "/index.html")).status, 200);
    const head = await raw(server, "/data.json", "HEAD");
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
    for (const path of [
      "/../etc/passwd", "/..%2fetc%2fpasswd", "/%2e%2e/etc/passwd", "/%2E%2E%2Fpackage.json", "/data.json/..",
      "/..\\package.json", "/%5c..%5cpackage.json", "/data.json%00", "/%00", "/./data.json", "//etc/passwd",
      "/package.json", "/src/report/server.ts", "/nope", "/events/x", "/data.json/",
    ]) {
      assert.equal((await raw(server, path)).status, 404, path);
    }
    assert.equal(routeOf("/data.json?x=1"), "/data.json");
    assert.equal(routeOf("http://evil/"), null);
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const r = await raw(server, "/data.json", method);
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.allow, "GET, HEAD");
    }
  } finally {
    await server.close();
  }
});

test("a published update reaches SSE clients and /data.json; a watcher error arrives as an error event and serving goes on", async () => {
  let publishFromWatcher: ((u: { kind: "error"; message: string; file?: string }) => void) | null = null;
  let stopped = false;
  let checkpoints = 5;
  const server = await startReportServer({
    port: 0,
    getData: async () => small(checkpoints),
    watch: (publish) => { publishFromWatcher = publish; return () => { stopped = true; }; },
  });
  try {
    const stream = collectEvents(server, (evs) => evs.some((e) => e.event === "error"));
    // Wait for the hello event before publishing, so the client is subscribed.
    await new Promise((r) => setTimeout(r, 100));
    checkpoints = 7;
    await server.publish({ kind: "data" });
    publishFromWatcher!({ kind: "error", message: "step700/model.safetensors: header length beyond the file", file: "step700/model.safetensors" });
    const events = await stream.done;
    assert.deepEqual(events.map((e) => e.event), ["hello", "update", "error"]);
    assert.deepEqual(events[0]!.data, { version: 1 });
    assert.deepEqual(events[1]!.data, { version: 2 });
    assert.match((events[2]!.data as { message: string }).message, /header length/);
    const data = await raw(server, "/data.json");
    assert.equal(data.status, 200);
    assert.equal((JSON.parse(data.body) as ReportData).runs[0]!.steps.length, 7);
    assert.equal((await raw(server, "/")).status, 200);
    // A client connecting after the error is told about it, after hello.
    const late = collectEvents(server, (evs) => evs.length >= 2);
    const lateEvents = await late.done;
    assert.deepEqual(lateEvents.map((e) => e.event), ["hello", "error"]);
  } finally {
    await server.close();
  }
  assert.equal(stopped, true, "close() stops the watcher");
});

test("a failing getData during an update becomes an error event, the last good data is kept", async () => {
  let fail = false;
  const server = await startReportServer({ port: 0, getData: async () => { if (fail) throw new Error("store locked"); return small(4); } });
  try {
    const stream = collectEvents(server, (evs) => evs.some((e) => e.event === "error"));
    await new Promise((r) => setTimeout(r, 100));
    fail = true;
    await server.publish({ kind: "data" });
    const events = await stream.done;
    assert.match((events.find((e) => e.event === "error")!.data as { message: string }).message, /store locked/);
    const data = await raw(server, "/data.json");
    assert.equal((JSON.parse(data.body) as ReportData).runs[0]!.steps.length, 4);
  } finally {
    await server.close();
  }
});
