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
