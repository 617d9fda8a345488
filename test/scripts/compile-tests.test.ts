// scripts/compile-tests.mjs: the suite's compiled tree. Each module becomes a .js beside a link to
// its source, everything else is linked, paths from import.meta.url resolve as in the sources, and a
// module that does not compile is named with its line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
// @ts-expect-error: a plain .mjs script without type declarations
import { CompileError, compileTree } from "../../scripts/compile-tests.mjs";
import { tempDir } from "../helpers/temp.js";

type Compile = (root: string, out: string) => Promise<number>;

/** A small repository: a module, a test reading a fixture beside it and naming its own URL, a JSON file. */
function fakeRepo(root: string, testSource: string): void {
  mkdirSync(join(root, "src", "util"), { recursive: true });
  mkdirSync(join(root, "test", "fixtures"), { recursive: true });
  mkdirSync(join(root, "data"), { recursive: true });
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "fake", type: "module" }));
  writeFileSync(join(root, "tsconfig.json"), JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", strict: true } }));
  writeFileSync(join(root, "data", "x.txt"), "data beside the repository\n");
  writeFileSync(join(root, "test", "fixtures", "f.json"), '{"n": 7}');
  writeFileSync(join(root, "src", "util", "twice.ts"), "export const EXT: string = import.meta.url.slice(-3);\nexport function twice(n: number): number { return 2 * n; }\n");
  writeFileSync(join(root, "test", "a.test.ts"), testSource);
}

const GOOD_TEST = `import { readFileSync } from "node:fs";
import { twice, EXT } from "../src/util/twice.js";
interface Fixture { n: number }
const f = JSON.parse(readFileSync(new URL("./fixtures/f.json", import.meta.url), "utf8")) as Fixture;
const data = readFileSync(new URL("../data/x.txt", import.meta.url), "utf8").trim();
console.log(JSON.stringify({ n: twice(f.n), ext: EXT, data }));
`;

test("the tree: each module compiled beside a link to its source, the rest linked, paths from import.meta.url as in the sources", async () => {
  const dir = tempDir("fp-compile-tests-");
  const root = join(dir, "repo");
  const out = join(dir, "tree");
  fakeRepo(root, GOOD_TEST);
  const n = await (compileTree as Compile)(root, out);
  assert.equal(n, 2);
  assert.ok(lstatSync(join(out, "src", "util", "twice.ts")).isSymbolicLink());
  assert.equal(realpathSync(join(out, "src", "util", "twice.ts")), realpathSync(join(root, "src", "util", "twice.ts")));
  assert.ok(lstatSync(join(out, "test", "fixtures")).isSymbolicLink(), "a folder without modules is linked whole");
  assert.ok(lstatSync(join(out, "package.json")).isSymbolicLink() && lstatSync(join(out, "data")).isSymbolicLink());
  assert.match(readFileSync(join(out, "test", "a.test.js"), "utf8"), /sourceMappingURL=a\.test\.js\.map/);
  assert.ok(existsSync(join(out, "test", "a.test.js.map")));
  const printed = execFileSync(process.execPath, [join(out, "test", "a.test.js")], { encoding: "utf8" });
  assert.deepEqual(JSON.parse(printed), { n: 14, ext: ".js", data: "data beside the repository" });
});

test("a test that does not compile fails the compile, named with its line", async () => {
  const dir = tempDir("fp-compile-tests-");
  const root = join(dir, "repo");
  fakeRepo(root, "export const x = 1;\nconst broken = (;\n");
  await assert.rejects((compileTree as Compile)(root, join(dir, "tree")), (err: unknown) => {
    assert.ok(err instanceof (CompileError as new (...a: unknown[]) => Error));
    assert.match((err as Error).message, /^run-tests: 1 compile error\(s\):\n {2}test\/a\.test\.ts:2:\d+: /);
    return true;
  });
});
