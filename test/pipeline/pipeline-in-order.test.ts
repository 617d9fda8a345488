// pipelineInOrder (analyzeRun's checkpoint loop): a window of items under way, results used in
// order one at a time, the first failure in order thrown.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pipelineInOrder } from "../../src/pipeline/analyze.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("pipelineInOrder keeps `window` items under way and uses results in the items' order", async () => {
  let running = 0, peak = 0, using = 0;
  const used: number[] = [];
  await pipelineInOrder([30, 5, 20, 1, 10], 2, async (ms) => {
    running++;
    peak = Math.max(peak, running);
    await sleep(ms);
    running--;
    return ms * 10;
  }, async (ms, r) => {
    using++;
    assert.equal(using, 1, "one use at a time");
    await sleep(2);
    used.push(r);
    assert.equal(r, ms * 10);
    using--;
  });
  assert.deepEqual(used, [300, 50, 200, 10, 100]);
  assert.equal(peak, 2, "two items under way at most, and two at once");
});

test("pipelineInOrder throws the first failure in order and starts nothing after it", async () => {
  const startedItems: number[] = [];
  const used: number[] = [];
  await assert.rejects(pipelineInOrder([0, 1, 2, 3, 4, 5], 2, async (i) => {
    startedItems.push(i);
    await sleep(i === 1 ? 10 : 1);
    if (i === 1 || i === 2) throw new Error(`item ${i} failed`);
    return i;
  }, async (i) => {
    used.push(i);
  }), /item 1 failed/);
  assert.deepEqual(used, [0]);
  assert.ok(!startedItems.includes(4) && !startedItems.includes(5), `started ${startedItems.join(", ")}`);
});

test("pipelineInOrder with window 1 runs one item at a time (the next while the previous result is used); a failing use stops it", async () => {
  const order: string[] = [];
  await assert.rejects(pipelineInOrder([1, 2, 3], 1, async (i) => {
    order.push(`run ${i}`);
    return i;
  }, async (i) => {
    order.push(`use ${i}`);
    if (i === 2) throw new Error("write failed");
  }), /write failed/);
  assert.deepEqual(order, ["run 1", "run 2", "use 1", "run 3", "use 2"]);
});

test("pipelineInOrder gated: the next item starts once every item under way declared itself shared; an exclusive one runs and is used alone", async () => {
  const log: string[] = [];
  // item: [declare after ms, exclusive, finish after ms]
  const items: [number, boolean, number][] = [[5, false, 40], [5, false, 30], [5, true, 20], [5, false, 5], [5, false, 5]];
  let running = 0;
  const overlaps: string[] = [];
  await pipelineInOrder(items.map((it, i) => ({ i, it })), { limit: 2, gated: true }, async ({ i, it: [declareMs, exclusive, doneMs] }, { declare }) => {
    log.push(`start ${i}`);
    running++;
    if (exclusive && running > 1) overlaps.push(`exclusive ${i} started with ${running - 1} other(s)`);
    await sleep(declareMs);
    log.push(`declared ${i}`);
    declare(exclusive);
    await sleep(doneMs);
    running--;
    return i;
  }, async ({ i, it: [, exclusive] }) => {
    if (exclusive && running > 0) overlaps.push(`exclusive ${i} used with ${running} under way`);
    log.push(`use ${i}`);
    await sleep(2);
  });
  // 1 starts when 0 has declared (not when 0 is done); 2 only when 1 has declared; 3 waits for 2's use.
  assert.ok(log.indexOf("start 1") > log.indexOf("declared 0") && log.indexOf("start 1") < log.indexOf("use 0"), log.join(", "));
  assert.ok(log.indexOf("start 3") > log.indexOf("use 2"), log.join(", "));
  assert.ok(log.indexOf("start 2") > log.indexOf("declared 1"), log.join(", "));
  assert.deepEqual(log.filter((l) => l.startsWith("use")), ["use 0", "use 1", "use 2", "use 3", "use 4"]);
  // 2 may start while 0 or 1 still run (they are shared); nothing starts while 2 runs or is used.
  const during2 = log.slice(log.indexOf("declared 2"), log.indexOf("use 2") + 1).filter((l) => l.startsWith("start"));
  assert.deepEqual(during2, [], log.join(", "));
  assert.deepEqual(overlaps.filter((o) => o.includes("used")), []);
});

test("pipelineInOrder gated: an item that fails before declaring blocks new starts and its failure is thrown in order", async () => {
  const started: number[] = [];
  await assert.rejects(pipelineInOrder([0, 1, 2, 3], { limit: 2, gated: true }, async (i, { declare }) => {
    started.push(i);
    await sleep(2);
    if (i === 1) throw new Error("open failed");
    declare(false);
    await sleep(10);
    return i;
  }, async () => {}), /open failed/);
  assert.deepEqual(started, [0, 1]);
});

test("pipelineInOrder: a finished item waiting for its turn no longer counts as running (the next starts); at most 2 x window started and not used", async () => {
  const log: string[] = [];
  let running = 0, peakRunning = 0, waiting = 0, peakWaiting = 0;
  await pipelineInOrder([60, 5, 5, 5, 5, 5], 2, async (ms) => {
    log.push(`start ${ms}`);
    peakRunning = Math.max(peakRunning, ++running);
    await sleep(ms);
    running--;
    peakWaiting = Math.max(peakWaiting, ++waiting);
    return ms;
  }, async () => {
    waiting--;
    await sleep(1);
  });
  // items 1, 2, 3 finish (5 ms each) while item 0 (60 ms) runs: results wait, at most 2 x window started and not used
  assert.equal(peakRunning, 2, `peak running ${peakRunning}`);
  assert.ok(peakWaiting >= 3 && peakWaiting <= 4, `peak waiting ${peakWaiting}`);
  assert.deepEqual(log.slice(0, 4), ["start 60", "start 5", "start 5", "start 5"], "the next items start while item 0 still runs");
});

test("pipelineInOrder: an item that released its place no longer counts as running (the next starts before it finishes)", async () => {
  const log: string[] = [];
  await pipelineInOrder([0, 1, 2], 1, async (i, { release }) => {
    log.push(`start ${i}`);
    await sleep(5);
    log.push(`release ${i}`);
    release();
    await sleep(20);
    log.push(`end ${i}`);
    return i;
  }, async () => {});
  assert.ok(log.indexOf("start 1") < log.indexOf("end 0"), log.join(", "));
  assert.ok(log.indexOf("start 1") > log.indexOf("release 0"), log.join(", "));
});
