// FailureRace (util/failure-race.ts): work raced against a failure that may come later stops with
// it, and work that has settled is not held by the pending failure (issue 11: the 154-checkpoint
// analysis raced each checkpoint with Promise.race against its store's opening and held every
// batch to the end of the run).
import { test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { FailureRace } from "../../src/util/failure-race.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const never = () => new Promise<never>(() => {});
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

test("race settles as its work does while the failure is pending or fulfilled", async () => {
  const pending = new FailureRace(never());
  assert.equal(await pending.race(Promise.resolve(7)), 7);
  await assert.rejects(pending.race(Promise.reject(new Error("bad checkpoint"))), /bad checkpoint/);
  const fulfilled = new FailureRace(Promise.resolve("store open"));
  await turn();
  assert.equal(await fulfilled.race(turn().then(() => "batch")), "batch");
  assert.equal(pending.racing, 0);
  assert.equal(fulfilled.racing, 0);
});

test("a failure rejects the work under way at once, and later work at once", async () => {
  let fail!: (e: Error) => void;
  const race = new FailureRace(new Promise<never>((_, reject) => { fail = reject; }));
  let finish!: (v: string) => void;
  const work = new Promise<string>((resolve) => { finish = resolve; });
  const raced = race.race(work);
  assert.equal(race.racing, 1);
  fail(new Error("store cannot be opened"));
  await assert.rejects(raced, /store cannot be opened/);
  assert.equal(race.racing, 0);
  finish("too late"); // settles on its own, unobserved
  // work started after the failure, even work already done, gets the failure's error
  await assert.rejects(race.race(Promise.resolve("done")), /store cannot be opened/);
  await assert.rejects(race.race(Promise.reject(new Error("its own"))), /store cannot be opened/);
  await turn(); // no unhandled rejection from the work's own error (the runner would fail the file)
});

/** Whether the results of `n` pieces of work raced by `raceOne` are still reachable once all settled and garbage is collected. */
async function resultsHeld(n: number, raceOne: (work: Promise<object>) => Promise<object>): Promise<number> {
  const refs: WeakRef<object>[] = [];
  await (async () => {
    for (let i = 0; i < n; i++) {
      const result = { batch: new Float64Array(1024), i };
      refs.push(new WeakRef(result));
      assert.equal(await raceOne(Promise.resolve(result)), result);
    }
  })();
  await turn(); // WeakRef targets are kept until the end of the job that made them
  gc();
  return refs.filter((r) => r.deref() !== undefined).length;
}

test("settled work is not held by a failure that never comes", async () => {
  const failure = never();
  const race = new FailureRace(failure);
  assert.equal(await resultsHeld(20, (work) => race.race(work)), 0);
  assert.equal(race.racing, 0);
  // the measure itself: Promise.race against the same pending promise holds every result
  assert.equal(await resultsHeld(20, (work) => Promise.race([failure, work])), 20);
});
