// Reads quality metrics from files and folders: detects the format (lm-eval JSON,
// trainer_state.json, CSV), parses with metrics-parse.ts, and rejects duplicated (step, name).
import { ByteSourceError } from "../util/errors.js";
import { TRAINER_STATE_FILE } from "../formats/hf-files.js";
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import type { MetricInput } from "../store/index.js";
import { MetricsFormatError } from "./errors.js";
import { parseLmEval, parseMetricsCsv, parseTrainerState } from "./metrics-parse.js";

export type MetricsFormat = "lm-eval" | "trainer-state" | "csv";

export interface MetricsFile {
  file: string;
  format: MetricsFormat;
  metrics: MetricInput[];
}

/** Largest metrics file read (lm-eval results are ~100 kB; trainer states a few MB). */
export const MAX_METRICS_FILE_BYTES = 256 * 1024 * 1024;

/** Format of a file from its name and, for JSON, its top-level keys. */
export function detectMetricsFormat(file: string, text: string): MetricsFormat {
  const ext = extname(file).toLowerCase();
  if (ext === ".csv") return "csv";
  if (ext !== ".json") throw new MetricsFormatError(file, undefined, `unknown metrics file type "${ext}"`, "give an lm-eval-harness .json, a trainer_state.json or a .csv with a header");
  if (basename(file) === TRAINER_STATE_FILE || /"log_history"\s*:/.test(text)) return "trainer-state";
  return "lm-eval";
}

/** Parses one metrics file (format detected). */
export async function readMetricsFile(file: string): Promise<MetricsFile> {
  const size = (await stat(file)).size;
  if (size > MAX_METRICS_FILE_BYTES) throw new MetricsFormatError(file, undefined, `${size} bytes is above the ${MAX_METRICS_FILE_BYTES}-byte limit for a metrics file`);
  const text = await readFile(file, "utf8");
  const format = detectMetricsFormat(file, text);
  const metrics = format === "csv" ? parseMetricsCsv(text, file) : format === "trainer-state" ? parseTrainerState(text, file) : parseLmEval(text, file);
  return { file, format, metrics };
}

async function listMetricFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listMetricFiles(full)));
    else if (e.isFile() && /\.(json|csv)$/i.test(e.name)) out.push(full);
  }
  return out;
}

/**
 * Reads a file, or every .json/.csv under a folder (recursive, sorted by path). Two files
 * giving the same (step, name) are an error naming both: store them under different sources.
 */
export async function readMetricsPath(path: string): Promise<{ files: MetricsFile[]; metrics: MetricInput[] }> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ByteSourceError(path, code === "ENOENT" ? "metrics file or folder not found" : `cannot read (${code ?? String(err)})`, { cause: err });
  }
  const paths = isDir ? await listMetricFiles(path) : [path];
  if (paths.length === 0) throw new MetricsFormatError(path, undefined, "no .json or .csv metrics files in this folder");
  const files: MetricsFile[] = [];
  for (const p of paths) files.push(await readMetricsFile(p));
  return { files, metrics: mergeMetricFiles(files) };
}

/** Concatenates files' metrics, sorted by (name, step); throws on a (step, name) given twice. */
export function mergeMetricFiles(files: readonly MetricsFile[]): MetricInput[] {
  const owner = new Map<string, string>();
  const out: MetricInput[] = [];
  for (const f of files) {
    for (const m of f.metrics) {
      const id = `${m.step}\u0000${m.name}`;
      const prev = owner.get(id);
      if (prev !== undefined) throw new MetricsFormatError(f.file, m.name, `step ${m.step} of "${m.name}" is also given by ${prev}`, "add the two files separately with different --source names");
      owner.set(id, f.file);
      out.push(m);
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.step - b.step));
}
