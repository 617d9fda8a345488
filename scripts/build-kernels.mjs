// Compiles every AssemblyScript entry file assembly/<name>.ts into build/kernels/<name>.wasm
// with WASM SIMD enabled (model* entries also with threads and a shared, imported memory).
// Files under assembly/lib/ are shared helpers, not entries.
import { readdirSync, mkdirSync, statSync } from "node:fs";
import { join, basename } from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";

const root = fileURLToPath(new URL("..", import.meta.url));
const srcDir = join(root, "assembly");
const outDir = join(root, "build", "kernels");
mkdirSync(outDir, { recursive: true });

const entries = readdirSync(srcDir).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && statSync(join(srcDir, f)).isFile());
if (entries.length === 0) {
  console.error("build-kernels: no AssemblyScript entry files found in assembly/");
  process.exit(1);
}
let failed = false;
for (const file of entries) {
  const name = basename(file, ".ts");
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
console.log(`build-kernels: built ${entries.length} kernel(s) into build/kernels/`);
