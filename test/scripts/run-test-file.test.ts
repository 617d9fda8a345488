// scripts/run-test-file.mjs: each test file runs in a fresh temp root (TMPDIR/TEMP/TMP) that is
// removed afterwards, and a file that leaves anything there is reported with one line naming the
// leftovers (largest first, the count when there are more than LEFTOVERS_NAMED).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
// @ts-expect-error: a plain .mjs script without type declarations
import * as runFile from "../../scripts/run-test-file.mjs";
import { COMPILED } from "../helpers/node-child.js";

interface Leftover { name: string; bytes: number }
interface FileRun { file: string; code: number | null; output: string; counts: Map<string, number>; leak: string | null }
const { leftoversIn, leftoverLine, makeTempRoot, runTestFile, LEFTOVERS_NAMED } = runFile as {
  leftoversIn(dir: string): Leftover[];
  leftoverLine(file: string, leftovers: Leftover[]): string | null;
  makeTempRoot(parent: string, file: string): string;
  runTestFile(o: { file: string; root: string; tempParent: string; compiledRoot: string | null }): Promise<FileRun>;
  LEFTOVERS_NAMED: number;
};

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The fixtures run as the runner runs a file: compiled (plain node) from its compiled tree, which this file's REPO_ROOT then is, else under tsx. */
const COMPILED_ROOT = COMPILED ? REPO_ROOT : null;
const parent = mkdtempSync(join(tmpdir(), "fp-run-test-file-"));
after(() => rmSync(parent, { recursive: true, force: true }));

test("a fresh root holds only the runner's links to the shared caches, which are not leftovers", () => {
  const dir = makeTempRoot(parent, "test/pipeline/study.test.ts");
  assert.match(dir, /pipeline-study-[^/]+$/);
  const links = readdirSync(dir);
  assert.ok(links.some((n) => /^tsx-/.test(n)), links.join(", "));
  for (const name of links) assert.equal(readlinkSync(join(dir, name)), join(tmpdir(), name));
  assert.deepEqual(leftoversIn(dir), []);
  assert.equal(leftoverLine("test/x.test.ts", []), null);
});

test("leftovers are named largest first with their count and total size", () => {
  const dir = makeTempRoot(parent, "test/x.test.ts");
  mkdirSync(join(dir, "fp-study-abc", "run"), { recursive: true });
  writeFileSync(join(dir, "fp-study-abc", "run", "w.bin"), Buffer.alloc(3_000_000));
  writeFileSync(join(dir, "a.txt"), "12345");
  mkdirSync(join(dir, "fp-redis-x"));
  writeFileSync(join(dir, "fp-redis-x", "dump.rdb"), Buffer.alloc(2000));
  symlinkSync("/nonexistent", join(dir, "tsx-someone-else")); // a link the runner did not make is a leftover
  const left = leftoversIn(dir);
  assert.deepEqual(left.map((l) => l.name), ["fp-study-abc/", "fp-redis-x/", "tsx-someone-else", "a.txt"]);
  assert.equal(left[0]!.bytes, 3_000_000);
  const line = leftoverLine("test/x.test.ts", left)!;
  assert.equal(LEFTOVERS_NAMED, 3);
  assert.match(line, /^run-tests: LEAK: test\/x\.test\.ts left 4 entries \(3\.0 MB\) in its temp dir: fp-study-abc\/, fp-redis-x\/, tsx-someone-else, \.\.\. \(1 more\); /);
});

test("a file that leaves files in os.tmpdir() is reported, and its root is removed anyway", async () => {
  const r = await runTestFile({ file: "test/scripts/fixtures/leaves-temp-files.ts", root: REPO_ROOT, tempParent: parent, compiledRoot: COMPILED_ROOT });
  assert.equal(r.code, 0, r.output.slice(-1500)); // its own test passed: only the leak check fails it
  assert.equal(r.counts.get("pass"), 1);
  assert.match(r.leak ?? "", /^run-tests: LEAK: test\/scripts\/fixtures\/leaves-temp-files\.ts left 2 entries \(200\.\d kB\) in its temp dir: fp-leaky-\w{6}\/, stray\.txt; /);
  assert.deepEqual(readdirSync(parent).filter((n) => n.startsWith("scripts-fixtures-leaves")), []);
});

test("a file that cleans up passes the check, and TMPDIR/TEMP/TMP pointed into its own root", async () => {
  const r = await runTestFile({ file: "test/scripts/fixtures/cleans-up.ts", root: REPO_ROOT, tempParent: parent, compiledRoot: COMPILED_ROOT });
  assert.equal(r.code, 0, r.output.slice(-1500));
  assert.equal(r.counts.get("pass"), 1);
  assert.equal(r.leak, null);
  assert.deepEqual(readdirSync(parent).filter((n) => n.startsWith("scripts-fixtures-cleans")), []);
  assert.ok(existsSync(parent));
});
