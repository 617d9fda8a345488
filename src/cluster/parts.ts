// A part: one folder `<dir>/parts/<name>/` holding `analysis.duckdb` (complete checkpoints of a
// subset, no events) and `part.json` (the run it belongs to, every step of that run in discovery
// order, and the steps assigned to this part). Shards and queue jobs both write parts; merge
// reads them. Nothing here analyzes: see unit.ts.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { isHubUrl } from "../runs/hub-url.js";
import { STORE_FILE_NAME } from "../store/store.js";
import { PartMismatchError } from "./errors.js";
import type { PartAnalyzeOptions } from "./unit.js";

export const PARTS_DIR = "parts";
export const PART_MANIFEST = "part.json";
export const PART_FORMAT = "forking-paths-part";
export const PART_VERSION = 1;

export interface PartManifest {
  format: typeof PART_FORMAT;
  version: typeof PART_VERSION;
  /** The run as given to analyze (a resolved folder or an hf:// reference). */
  runPath: string;
  /** Every step of the run, in discovery order. */
  steps: number[];
  /** The steps this part analyzes. */
  assigned: number[];
  /** How they were chosen. */
  assignment: { kind: "shard"; index: number; count: number } | { kind: "checkpoint" };
  analyze: PartAnalyzeOptions;
}

/** The run path as stored: hf:// references as given, folders resolved. */
export function canonicalRunPath(runPath: string): string {
  return isHubUrl(runPath) ? runPath : resolve(runPath);
}

export function partDir(dir: string, name: string): string {
  return join(resolve(dir), PARTS_DIR, name);
}

/**
 * Write `part.json` into `folder`, or check that the one there describes the same part (a re-run
 * with other options into the same folder would mix two analyses).
 */
export function writePartManifest(folder: string, manifest: PartManifest): void {
  mkdirSync(folder, { recursive: true });
  const path = join(folder, PART_MANIFEST);
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  if (existsSync(path)) {
    const old = readFileSync(path, "utf8");
    if (old === text) return;
    throw new PartMismatchError(folder, `holds a part of another analysis (its ${PART_MANIFEST} differs: run, steps or options) ---> HINT: use another --out, or delete ${folder} to redo it`);
  }
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export function readPartManifest(folder: string): PartManifest {
  const path = join(folder, PART_MANIFEST);
  let m: PartManifest;
  try {
    m = JSON.parse(readFileSync(path, "utf8")) as PartManifest;
  } catch (err) {
    throw new PartMismatchError(folder, `no readable ${PART_MANIFEST} (${(err as Error).message.split("\n")[0]}) ---> HINT: pass part folders written by \`analyze --shard\` or \`worker\``);
  }
  if (m.format !== PART_FORMAT || m.version !== PART_VERSION || !Array.isArray(m.steps) || !Array.isArray(m.assigned)) {
    throw new PartMismatchError(folder, `${PART_MANIFEST} is not a version-${PART_VERSION} part manifest`);
  }
  return m;
}

/** Part folders under `<dir>/parts/` that hold a manifest, by name. */
export function listPartDirs(dir: string): string[] {
  const root = join(resolve(dir), PARTS_DIR);
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, PART_MANIFEST)))
    .map((e) => join(root, e.name))
    .sort();
}

export function partStorePath(folder: string): string {
  return join(folder, STORE_FILE_NAME);
}

export function partLabel(folder: string): string {
  return basename(folder);
}
