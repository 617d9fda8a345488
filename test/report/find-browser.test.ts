// Which browser the browser tests use: CHROME_PATH, then a system Chromium/Chrome on PATH, then the
// Chromium shipped in the npm package; a missing or broken browser fails in seconds with one line.
// The last test runs a browser test file on a fresh machine's terms: no browser on PATH, no
// CHROME_PATH, an empty temporary folder (so the npm browser is unpacked from scratch).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BROWSER_CHOICE_ENV, BrowserNotFoundError, SYSTEM_BROWSER_NAMES, findBrowser, whichOnPath } from "./helpers/find-browser.js";
import { EXPECT_BROWSER_ENV, launchBrowser } from "./helpers/browser.js";
import { loaderArgs, runnable } from "../helpers/node-child.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

function scratch(): string {
  return mkdtempSync(join(tmpdir(), "fp-find-browser-"));
}

function executable(path: string, body = "#!/bin/sh\nexit 0\n"): string {
  writeFileSync(path, body);
  chmodSync(path, 0o755);
  return path;
}

/** PATH with every folder that holds a browser replaced by a copy (symlinks) without the browsers. */
function pathWithoutBrowsers(pathVar: string, shadowRoot: string): string {
  return pathVar.split(delimiter).filter((d) => d !== "").map((dir, i) => {
    if (!SYSTEM_BROWSER_NAMES.some((n) => existsSync(join(dir, n)))) return dir;
    const shadow = join(shadowRoot, `path-${i}`);
    mkdirSync(shadow);
    for (const entry of readdirSync(dir)) {
      if (!(SYSTEM_BROWSER_NAMES as readonly string[]).includes(entry)) symlinkSync(join(dir, entry), join(shadow, entry));
    }
    return shadow;
  }).join(delimiter);
}

test("CHROME_PATH comes first, then chromium, chromium-browser, google-chrome on PATH", () => {
  const dir = scratch();
  try {
    const bin = join(dir, "bin");
    mkdirSync(bin);
    const chrome = executable(join(dir, "my-chrome"));
    const onPath = executable(join(bin, "google-chrome"));
    assert.deepEqual(
      [findBrowser({ CHROME_PATH: chrome, PATH: bin }).source, findBrowser({ CHROME_PATH: chrome, PATH: bin }).executablePath],
      ["CHROME_PATH", chrome],
    );
    const found = findBrowser({ PATH: `/nonexistent${delimiter}${bin}` });
    assert.deepEqual([found.source, found.executablePath], ["PATH", onPath]);
    const earlier = executable(join(bin, "chromium-browser"));
    assert.equal(findBrowser({ PATH: bin }).executablePath, earlier);
    // A file that is not executable is not a browser.
    writeFileSync(join(bin, "chromium"), "not a program");
    assert.equal(whichOnPath("chromium", bin), null);
    assert.equal(findBrowser({ PATH: bin }).executablePath, earlier);
    // FORKING_PATHS_BROWSER=npm skips the system browsers.
    assert.equal(findBrowser({ PATH: bin, CHROME_PATH: chrome, [BROWSER_CHOICE_ENV]: "npm" }).source, "npm");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a wrong CHROME_PATH, a missing system browser or a bad choice fail at once with one line", () => {
  const dir = scratch();
  try {
    const cases: [NodeJS.ProcessEnv, RegExp][] = [
      [{ CHROME_PATH: join(dir, "absent"), PATH: "" }, /CHROME_PATH=".*absent" is not an executable file/],
      [{ CHROME_PATH: dir, PATH: "" }, /is not an executable file/],
      [{ [BROWSER_CHOICE_ENV]: "system", PATH: dir }, /FORKING_PATHS_BROWSER=system but no chromium/],
      [{ [BROWSER_CHOICE_ENV]: "firefox" }, /"firefox" is not one of npm, system/],
    ];
    for (const [env, message] of cases) {
      const t0 = Date.now();
      assert.throws(() => findBrowser(env), (err: unknown) => {
        assert.ok(err instanceof BrowserNotFoundError);
        assert.match(err.message, message);
        assert.ok(!err.message.includes("\n"), err.message);
        return true;
      });
      assert.ok(Date.now() - t0 < 1000);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a browser that cannot start fails in seconds with one line naming it", async () => {
  const dir = scratch();
  // CI sets FORKING_PATHS_BROWSER=npm, which would skip CHROME_PATH: this test sets the variables it needs.
  const names = ["CHROME_PATH", BROWSER_CHOICE_ENV, EXPECT_BROWSER_ENV];
  const saved = names.map((n) => process.env[n]);
  try {
    delete process.env[BROWSER_CHOICE_ENV];
    delete process.env[EXPECT_BROWSER_ENV];
    process.env["CHROME_PATH"] = executable(join(dir, "broken-chrome"), "#!/bin/sh\necho 'cannot open display' >&2\nexit 1\n");
    const t0 = Date.now();
    await assert.rejects(launchBrowser(), (err: Error) => {
      assert.match(err.message, /^headless Chromium .*broken-chrome \(CHROME_PATH\) did not start: .+browser said "cannot open display".*exitCode=1.* ---> HINT: set CHROME_PATH/);
      assert.ok(!err.message.includes("\n"), err.message);
      return true;
    });
    assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
  } finally {
    names.forEach((n, i) => {
      if (saved[i] === undefined) delete process.env[n];
      else process.env[n] = saved[i];
    });
    rmSync(dir, { recursive: true, force: true });
  }
});

test("with no browser on PATH and CHROME_PATH unset, a browser test passes on the npm Chromium unpacked from scratch", async () => {
  const dir = scratch();
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: pathWithoutBrowsers(process.env["PATH"] ?? "", dir) };
    delete env["CHROME_PATH"];
    delete env[BROWSER_CHOICE_ENV];
    delete env["NODE_TEST_CONTEXT"]; // otherwise the child takes itself for a recursive run and skips its files
    for (const name of SYSTEM_BROWSER_NAMES) assert.equal(whichOnPath(name, env["PATH"]), null, `${name} still on PATH`);
    const freshTmp = join(dir, "tmp");
    mkdirSync(freshTmp);
    Object.assign(env, { TMPDIR: freshTmp, [EXPECT_BROWSER_ENV]: "npm", FORCE_COLOR: "0" });
    const file = runnable("test/report/report-browser.test.ts");
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [...loaderArgs(), "--test", "--test-reporter=spec", file], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (c: Buffer) => { out += c.toString(); });
      child.stderr.on("data", (c: Buffer) => { out += c.toString(); });
      child.on("close", (code) => resolve({ code, out }));
    });
    assert.equal(code, 0, out.slice(-3000));
    assert.match(out, /^ℹ pass [1-9]\d*$/m);
    assert.match(out, /^ℹ fail 0$/m);
    assert.match(out, /^ℹ skipped 0$/m);
    // The browser really was unpacked into the fresh temporary folder.
    assert.ok(readdirSync(freshTmp).some((e) => e.startsWith("forking-paths-chromium-")), readdirSync(freshTmp).join(", "));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
