// The suite's shared fixtures (shared-fixture.ts): built once however many ask at once, rebuilt when
// the builder died mid-build, built once per file when no shared directory is given, and a fixture a
// test wrote into fails the next user.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SHARED_FIXTURES_ENV, sharedFixture } from "./shared-fixture.js";
import { tempDir } from "./temp.js";

async function withSharedDir<T>(body: (root: string) => Promise<T>): Promise<T> {
  const before = process.env[SHARED_FIXTURES_ENV];
  const root = tempDir("fp-shared-fixture-");
  process.env[SHARED_FIXTURES_ENV] = root;
  try {
    return await body(root);
  } finally {
    if (before === undefined) delete process.env[SHARED_FIXTURES_ENV];
    else process.env[SHARED_FIXTURES_ENV] = before;
  }
}

test("callers asking at once: one build, all get the same complete fixture; later callers too", async () => {
  await withSharedDir(async (root) => {
    let builds = 0;
    const build = async (dir: string) => {
      builds++;
      await new Promise((r) => setTimeout(r, 300)); // the others arrive while it builds
      writeFileSync(join(dir, "data.txt"), "built");
    };
    const dirs = await Promise.all([1, 2, 3].map(() => sharedFixture("one", build)));
    assert.equal(builds, 1);
    assert.deepEqual(dirs, [join(root, "one"), join(root, "one"), join(root, "one")]);
    assert.equal(readFileSync(join(root, "one", "data.txt"), "utf8"), "built");
    assert.equal(await sharedFixture("one", build), join(root, "one"));
    assert.equal(builds, 1);
    assert.ok(!existsSync(join(root, "one.lock")), "the lock is released");
  });
});

test("a lock whose holder is gone and its partial fixture: rebuilt", async () => {
  await withSharedDir(async (root) => {
    mkdirSync(join(root, "two.lock"));
    writeFileSync(join(root, "two.lock", "pid"), "2147483646"); // no such process
    mkdirSync(join(root, "two"));
    writeFileSync(join(root, "two", "partial.txt"), "half");
    const dir = await sharedFixture("two", async (d) => writeFileSync(join(d, "data.txt"), "whole"));
    assert.equal(readFileSync(join(dir, "data.txt"), "utf8"), "whole");
    assert.ok(!existsSync(join(dir, "partial.txt")), "the dead builder's files are gone");
  });
});

test("a fixture written into after its build fails the next caller, naming the file", async () => {
  await withSharedDir(async () => {
    const build = async (d: string) => writeFileSync(join(d, "data.txt"), "built");
    const dir = await sharedFixture("three", build);
    writeFileSync(join(dir, "data.txt"), "changed by a test");
    await assert.rejects(sharedFixture("three", build), /three was changed after it was built \(data\.txt\)/);
    writeFileSync(join(dir, "data.txt"), "built");
    writeFileSync(join(dir, "extra.txt"), "a new file");
    await assert.rejects(sharedFixture("three", build), /\(extra\.txt\)/);
  });
});

test("without a shared directory: built once per process in a temp dir of its own, checked on every use", async () => {
  const before = process.env[SHARED_FIXTURES_ENV];
  delete process.env[SHARED_FIXTURES_ENV];
  try {
    let builds = 0;
    const build = async (d: string) => {
      builds++;
      await new Promise((r) => setTimeout(r, 100));
      writeFileSync(join(d, "data.txt"), "built");
    };
    const [a, b] = await Promise.all([sharedFixture("four", build), sharedFixture("four", build)]);
    const c = await sharedFixture("four", build);
    assert.equal(builds, 1);
    assert.deepEqual([b, c], [a, a]);
    assert.equal(readFileSync(join(a, "data.txt"), "utf8"), "built");
    writeFileSync(join(a, "data.txt"), "changed by a test");
    await assert.rejects(sharedFixture("four", build), /four-\w+ was changed after it was built \(data\.txt\)/);
  } finally {
    if (before !== undefined) process.env[SHARED_FIXTURES_ENV] = before;
  }
});
