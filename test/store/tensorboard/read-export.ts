// Reads an export folder back with our own decoder (TFRecord CRCs checked, protobufjs) into the
// same JSON shape tools/reference/tensorboard_reader.py writes, so the two readers compare.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { decodeEvent, decodePluginVersion, DATA_CLASS_TENSOR, type SummaryValueMessage } from "../../../src/store/tensorboard/protos.js";
import { histogramRowsOf } from "../../../src/store/tensorboard/summaries.js";
import { readRecords } from "../../../src/store/tensorboard/tfrecord.js";

export interface ReadRun {
  file: string;
  records: number;
  file_version: string;
  writer: string;
  steps: number[];
  /** Wall time of every record, in file order. */
  wall_times: number[];
  histograms: Record<string, { step: number; rows: number[][] }[]>;
  scalars: Record<string, [number, number][]>;
  texts: Record<string, [number, string][]>;
  metadata: Record<string, { plugin_name: string; data_class: string; content_version: number }>;
}

const DATA_CLASS_NAMES: Record<number, string> = { 0: "DATA_CLASS_UNKNOWN", 1: "DATA_CLASS_SCALAR", [DATA_CLASS_TENSOR]: "DATA_CLASS_TENSOR", 3: "DATA_CLASS_BLOB_SEQUENCE" };

function push<T>(map: Record<string, T[]>, key: string, item: T): void {
  (map[key] ??= []).push(item);
}

function readValue(out: ReadRun, step: number, v: SummaryValueMessage): void {
  if (v.tensor === undefined || v.tensor === null) {
    push(out.scalars, v.tag, [step, v.simple_value!]);
    return;
  }
  if (v.metadata) {
    if (out.metadata[v.tag] !== undefined) throw new Error(`${v.tag}: metadata repeated`);
    out.metadata[v.tag] = {
      plugin_name: v.metadata.plugin_data!.plugin_name,
      data_class: DATA_CLASS_NAMES[v.metadata.data_class ?? 0]!,
      content_version: decodePluginVersion(v.metadata.plugin_data!.content ?? new Uint8Array(0)),
    };
  }
  const plugin = out.metadata[v.tag]?.plugin_name;
  if (plugin === "histograms") {
    const flat = histogramRowsOf(v.tensor);
    push(out.histograms, v.tag, { step, rows: Array.from({ length: flat.length / 3 }, (_, i) => [flat[3 * i]!, flat[3 * i + 1]!, flat[3 * i + 2]!]) });
  } else if (plugin === "text") {
    push(out.texts, v.tag, [step, new TextDecoder().decode(v.tensor.string_val![0])]);
  } else {
    throw new Error(`${v.tag}: tensor value without known plugin metadata`);
  }
}

export function readEventFile(path: string): ReadRun {
  const payloads = readRecords(readFileSync(path), path);
  const header = decodeEvent(payloads[0]!);
  const out: ReadRun = {
    file: path.split("/").pop()!, records: payloads.length, file_version: header.file_version ?? "", writer: header.source_metadata?.writer ?? "",
    steps: [], wall_times: [header.wall_time], histograms: {}, scalars: {}, texts: {}, metadata: {},
  };
  for (const payload of payloads.slice(1)) {
    const event = decodeEvent(payload);
    out.wall_times.push(event.wall_time);
    if (out.steps.at(-1) !== event.step) out.steps.push(event.step);
    for (const v of event.summary?.value ?? []) readValue(out, event.step, v);
  }
  return out;
}

/** Every run folder of an export: its single event file, decoded. */
export function readExport(dir: string): Record<string, ReadRun> {
  const runs: Record<string, ReadRun> = {};
  for (const run of readdirSync(dir).sort()) {
    if (!statSync(join(dir, run)).isDirectory()) continue;
    const files = readdirSync(join(dir, run)).filter((f) => f.includes("tfevents"));
    if (files.length !== 1) throw new Error(`${join(dir, run)}: ${files.length} event files`);
    runs[run] = readEventFile(join(dir, run, files[0]!));
  }
  return runs;
}
