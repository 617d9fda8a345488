// Pure parsers of quality metrics per checkpoint step: lm-eval-harness result JSON, HF Trainer
// trainer_state.json (log_history) and CSV (long `step,name,value` or wide `step,m1,m2`).
// Input is text plus the file name used in errors; reading files is metrics-io.ts's job.
import type { MetricInput } from "../store/index.js";
import { MetricsFormatError } from "./errors.js";
import { TASK_METRIC_NAMES } from "./task-metrics.js";

/** Suffix lm-eval-harness gives standard errors; kept as separate metrics `task/acc_stderr`. */
export const STDERR_SUFFIX = "_stderr";

/** True for the standard-error companions of a metric (`lambada_openai/acc_stderr`). */
export function isStderrMetric(name: string): boolean {
  return name.endsWith(STDERR_SUFFIX);
}

/** Keys of the final summary entry HF Trainer appends to log_history; stored as `summary/<key>`. */
const TRAINER_SUMMARY_KEYS = new Set(["train_runtime", "train_samples_per_second", "train_steps_per_second", "total_flos", "train_loss"]);
/** log_history keys that are not metrics. */
const TRAINER_SKIP_KEYS = new Set(["step", "epoch"]);

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new MetricsFormatError(file, undefined, `not valid JSON (${(e as Error).message})`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Step of an lm-eval result: `revision=step<N>` in config.model_args, else `step<N>` ending the file name. */
export function lmEvalStep(config: unknown, file: string): number {
  const args = isRecord(config) ? config["model_args"] : undefined;
  const fromArgs = typeof args === "string" ? /(?:^|,)\s*revision\s*=\s*step(\d+)\s*(?:,|$)/.exec(args) : null;
  const fromName = /step(\d+)(?:\.[a-z]+)?$/i.exec(file.replace(/\\/g, "/").split("/").pop() ?? "");
  const m = fromArgs ?? fromName;
  if (m === null) {
    throw new MetricsFormatError(file, "config.model_args", "cannot tell the checkpoint step: no `revision=step<N>` in model_args and the file name does not end in `step<N>.json`", "rename the file to end in _step<N>.json");
  }
  return Number(m[1]);
}

/** lm-eval-harness result JSON -> metrics `task/metric` (and `task/metric_stderr`) at one step. */
export function parseLmEval(text: string, file: string): MetricInput[] {
  const doc = parseJson(text, file);
  if (!isRecord(doc) || !isRecord(doc["results"])) {
    throw new MetricsFormatError(file, "results", "expected an object with a \"results\" object (lm-eval-harness output)");
  }
  const step = lmEvalStep(doc["config"], file);
  const out: MetricInput[] = [];
  for (const [task, metrics] of Object.entries(doc["results"])) {
    if (!isRecord(metrics)) throw new MetricsFormatError(file, `results.${task}`, "expected an object of metric values");
    for (const [metric, value] of Object.entries(metrics)) {
      if (typeof value === "number") out.push({ step, name: `${task}/${metric}`, value: Number.isFinite(value) ? value : null });
      else if (value === null) out.push({ step, name: `${task}/${metric}`, value: null });
      // strings (e.g. "N/A" stderr in newer harness versions) and nested objects are not metrics.
    }
  }
  if (out.length === 0) throw new MetricsFormatError(file, "results", "no numeric metric found");
  return out;
}

/** HF's end-of-training summary entry (it alone has train_runtime); its train_loss is the run's mean, not a task metric. */
function isSummaryEntry(entry: Record<string, unknown>): boolean {
  return "train_runtime" in entry;
}

function trainerMetricName(key: string, summaryEntry: boolean): string {
  if (!summaryEntry && TASK_METRIC_NAMES.has(key)) return key;
  if (TRAINER_SUMMARY_KEYS.has(key)) return `summary/${key}`;
  if (key.startsWith("eval_")) return `eval/${key.slice(5)}`;
  return `train/${key}`;
}

/**
 * HF trainer_state.json log_history -> `train/loss`, `train/learning_rate`, `eval/loss`, ... by step;
 * the synthetic tasks' metrics (quality/task-metrics.ts: `test_accuracy`, `in_context_score`, ...) verbatim.
 */
export function parseTrainerState(text: string, file: string): MetricInput[] {
  const doc = parseJson(text, file);
  if (!isRecord(doc) || !Array.isArray(doc["log_history"])) {
    throw new MetricsFormatError(file, "log_history", "expected an object with a \"log_history\" array (HF Trainer state)");
  }
  const out: MetricInput[] = [];
  const seen = new Map<string, number>();
  doc["log_history"].forEach((entry: unknown, i: number) => {
    const where = `log_history[${i}]`;
    if (!isRecord(entry)) throw new MetricsFormatError(file, where, "expected an object");
    const step = entry["step"];
    if (typeof step !== "number" || !Number.isInteger(step) || step < 0) throw new MetricsFormatError(file, `${where}.step`, `expected a non-negative integer step, got ${JSON.stringify(step)}`);
    const summaryEntry = isSummaryEntry(entry);
    for (const [key, value] of Object.entries(entry)) {
      if (TRAINER_SKIP_KEYS.has(key) || typeof value !== "number") continue;
      const name = trainerMetricName(key, summaryEntry);
      const id = `${step}\u0000${name}`;
      if (seen.has(id)) throw new MetricsFormatError(file, `${where}.${key}`, `metric "${name}" at step ${step} already given by log_history[${seen.get(id)}]`, "keep one log entry per step (e.g. drop the entries of an abandoned run)");
      seen.set(id, i);
      out.push({ step, name, value: Number.isFinite(value) ? value : null });
    }
  });
  return out;
}

function splitCsvLine(line: string): string[] {
  return line.split(",").map((c) => c.trim().replace(/^"(.*)"$/, "$1"));
}

function csvNumber(cell: string, file: string, where: string): number | null {
  if (cell === "" || /^(nan|null|na)$/i.test(cell)) return null;
  const v = Number(cell);
  if (Number.isNaN(v)) throw new MetricsFormatError(file, where, `"${cell}" is not a number`);
  return Number.isFinite(v) ? v : null;
}

/**
 * CSV with a header. Long format: columns exactly `step,name,value` (any order). Wide format:
 * `step` plus one column per metric. Empty, NaN or NA cells are missing values (null).
 * Quoted cells may not contain commas.
 */
export function parseMetricsCsv(text: string, file: string): MetricInput[] {
  const lines = text.split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? "");
  const stepCol = header.indexOf("step");
  if (stepCol < 0 || header.length < 2) throw new MetricsFormatError(file, "line 1", `header must have a "step" column and at least one more, got "${lines[0] ?? ""}"`);
  const long = header.length === 3 && header.includes("name") && header.includes("value");
  const out: MetricInput[] = [];
  for (let li = 1; li < lines.length; li++) {
    if (lines[li]!.trim() === "") continue;
    const cells = splitCsvLine(lines[li]!);
    const where = `line ${li + 1}`;
    if (cells.length !== header.length) throw new MetricsFormatError(file, where, `${cells.length} cells but the header has ${header.length}`);
    const step = Number(cells[stepCol]);
    if (!Number.isInteger(step) || step < 0) throw new MetricsFormatError(file, where, `step "${cells[stepCol]}" is not a non-negative integer`);
    if (long) {
      const name = cells[header.indexOf("name")]!;
      if (name === "") throw new MetricsFormatError(file, where, "empty metric name");
      out.push({ step, name, value: csvNumber(cells[header.indexOf("value")]!, file, where) });
    } else {
      header.forEach((name, c) => {
        if (c !== stepCol) out.push({ step, name, value: csvNumber(cells[c]!, file, `${where}, column "${name}"`) });
      });
    }
  }
  return out;
}
