// Compiles every AssemblyScript entry file assembly/<name>.ts into build/kernels/<name>.wasm
// with WASM SIMD enabled (model* entries also with threads and a shared, imported memory).
// Files under assembly/lib/ are shared helpers, not entries.
// A kernel whose .wasm and .wat are newer than every file under assembly/ and this script, made by
// the installed AssemblyScript (its version is kept in build/kernels/assemblyscript-version.txt), is
// up to date and not compiled again (`npm test` after `npm ci`, whose prepare built them: ~11 CPU s
// saved); `--force` compiles every kernel.
import { existsSync, readdirSync, readFileSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join, basename } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const srcDir = join(root, "assembly");
const outDir = join(root, "build", "kernels");
mkdirSync(outDir, { recursive: true });

const entries = readdirSync(srcDir).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && statSync(join(srcDir, f)).isFile());
if (entries.length === 0) {
  console.error("build-kernels: no AssemblyScript entry files found in assembly/");
  process.exit(1);
}
/** Newest modification time (ms) of the files under `dir`. */
function newestUnder(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestUnder(full) : statSync(full).mtimeMs);
  }
  return newest;
}
const force = process.argv.includes("--force");
const newestInput = Math.max(newestUnder(srcDir), statSync(fileURLToPath(import.meta.url)).mtimeMs);
// npm gives installed files a fixed mtime: the compiler's version is recorded beside the kernels instead.
const ascVersion = JSON.parse(readFileSync(join(root, "node_modules", "assemblyscript", "package.json"), "utf8")).version;
const stamp = join(outDir, "assemblyscript-version.txt");
const sameCompiler = existsSync(stamp) && readFileSync(stamp, "utf8") === ascVersion;
/** Whether the kernel `name`'s outputs are newer than every input and made by this AssemblyScript (see above). */
function upToDate(name) {
  const outputs = [`${name}.wasm`, `${name}.wat`].map((f) => join(outDir, f));
  return sameCompiler && outputs.every((f) => existsSync(f) && statSync(f).mtimeMs > newestInput);
}
let failed = false;
let built = 0;
for (const file of entries) {
  const name = basename(file, ".ts");
  if (!force && upToDate(name)) continue;
  built++;
  const { default: asc } = await import("assemblyscript/asc"); // only when a kernel is compiled: loading it costs ~1 CPU s
  const args = [
    join("assembly", file),
    "--outFile", join("build", "kernels", `${name}.wasm`),
    "--textFile", join("build", "kernels", `${name}.wat`),
    "-O3", "--noAssert",
    "--enable", "simd",
    "--runtime", "stub",
    "--exportRuntime",
    "--initialMemory", "1",
    "--maximumMemory", "65536",
    // The model kernels run on worker threads over one shared, imported memory.
    ...(name.startsWith("model") ? ["--enable", "threads", "--sharedMemory", "--importMemory"] : []),
  ];
  const { error, stderr } = await asc.main(args, { stdout: process.stdout, stderr: process.stderr, baseDir: root });
  if (error) {
    console.error(`build-kernels: ${file} failed: ${error.message}\n${stderr.toString()}`);
    failed = true;
  }
}
if (failed) process.exit(1);
if (built > 0) writeFileSync(stamp, ascVersion);
console.log(`build-kernels: built ${built} kernel(s) into build/kernels/${built < entries.length ? `; ${entries.length - built} up to date` : ""}`);
