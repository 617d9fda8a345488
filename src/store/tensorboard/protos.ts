// The few TensorBoard protobuf messages an event file needs, declared from TensorBoard's own
// .proto files (tensorboard/compat/proto/{event,summary,tensor,tensor_shape,types}.proto and
// plugins/{histogram,text}/plugin_data.proto) with their field numbers unchanged; only the
// fields we write or read are declared. Encoded and decoded by protobufjs, loaded on first use
// (only TensorBoard export and its tests need it: every other command starts without it).
import { createRequire } from "node:module";
import type * as Protobuf from "protobufjs";

const TENSORBOARD_PROTO = `
syntax = "proto3";
package tensorboard;

enum DataType {
  DT_INVALID = 0;
  DT_FLOAT = 1;
  DT_DOUBLE = 2;
  DT_STRING = 7;
}

message TensorShapeProto {
  message Dim {
    int64 size = 1;
    string name = 2;
  }
  repeated Dim dim = 2;
  bool unknown_rank = 3;
}

message TensorProto {
  DataType dtype = 1;
  TensorShapeProto tensor_shape = 2;
  int32 version_number = 3;
  bytes tensor_content = 4;
  repeated float float_val = 5 [packed = true];
  repeated double double_val = 6 [packed = true];
  repeated bytes string_val = 8;
}

enum DataClass {
  DATA_CLASS_UNKNOWN = 0;
  DATA_CLASS_SCALAR = 1;
  DATA_CLASS_TENSOR = 2;
  DATA_CLASS_BLOB_SEQUENCE = 3;
}

message SummaryMetadata {
  message PluginData {
    string plugin_name = 1;
    bytes content = 2;
  }
  PluginData plugin_data = 1;
  string display_name = 2;
  string summary_description = 3;
  DataClass data_class = 4;
}

message Summary {
  message Value {
    string tag = 1;
    SummaryMetadata metadata = 9;
    oneof value {
      float simple_value = 2;
      TensorProto tensor = 8;
    }
  }
  repeated Value value = 1;
}

message SourceMetadata {
  string writer = 1;
}

message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    Summary summary = 5;
  }
  SourceMetadata source_metadata = 10;
}

message HistogramPluginData {
  int32 version = 1;
}

message TextPluginData {
  int32 version = 1;
}
`;

/** TensorFlow DataType values used here (types.proto). */
export const DT_FLOAT = 1;
export const DT_DOUBLE = 2;
export const DT_STRING = 7;
/** SummaryMetadata.data_class values (summary.proto). */
export const DATA_CLASS_SCALAR = 1;
export const DATA_CLASS_TENSOR = 2;

export interface TensorShapeMessage {
  dim: { size: number; name?: string }[];
}

export interface TensorMessage {
  dtype: number;
  tensor_shape: TensorShapeMessage;
  tensor_content?: Uint8Array;
  float_val?: number[];
  double_val?: number[];
  string_val?: Uint8Array[];
}

export interface SummaryMetadataMessage {
  plugin_data?: { plugin_name: string; content?: Uint8Array };
  display_name?: string;
  summary_description?: string;
  data_class?: number;
}

export interface SummaryValueMessage {
  tag: string;
  /** Absent (null when decoded) except on the first value of each tag in a file. */
  metadata?: SummaryMetadataMessage | null;
  simple_value?: number;
  tensor?: TensorMessage;
}

export interface EventMessage {
  wall_time: number;
  step: number;
  file_version?: string;
  summary?: { value: SummaryValueMessage[] };
  source_metadata?: { writer: string } | null;
}

let types: { event: Protobuf.Type; pluginVersion: Protobuf.Type } | undefined;

/** The message types, parsed once per process on first use. */
function messageTypes(): { event: Protobuf.Type; pluginVersion: Protobuf.Type } {
  if (types === undefined) {
    const protobuf = createRequire(import.meta.url)("protobufjs") as typeof Protobuf;
    const root = protobuf.parse(TENSORBOARD_PROTO, { keepCase: true }).root;
    types = { event: root.lookupType("tensorboard.Event"), pluginVersion: root.lookupType("tensorboard.HistogramPluginData") };
  }
  return types;
}

/** Serialized tensorboard.Event. */
export function encodeEvent(event: EventMessage): Uint8Array {
  const eventType = messageTypes().event;
  const message = eventType.fromObject(event as unknown as Record<string, unknown>);
  const problem = eventType.verify(message);
  if (problem !== null) throw new Error(`tensorboard.Event: ${problem}`);
  return eventType.encode(message).finish();
}

/** Parsed tensorboard.Event: int64 as number, bytes as Uint8Array, scalars defaulted, absent messages null. */
export function decodeEvent(bytes: Uint8Array): EventMessage {
  const eventType = messageTypes().event;
  const message = eventType.decode(bytes);
  return eventType.toObject(message, { longs: Number, enums: Number, bytes: Uint8Array as unknown as typeof String, defaults: true, arrays: true }) as EventMessage;
}

/** Serialized {Histogram,Text}PluginData { version } (both are one int32 field 1). */
export function encodePluginVersion(version: number): Uint8Array {
  const pluginVersionType = messageTypes().pluginVersion;
  return pluginVersionType.encode(pluginVersionType.fromObject({ version })).finish();
}

/** `version` of a serialized {Histogram,Text}PluginData. */
export function decodePluginVersion(bytes: Uint8Array): number {
  const pluginVersionType = messageTypes().pluginVersion;
  return (pluginVersionType.toObject(pluginVersionType.decode(bytes), { defaults: true }) as { version: number }).version;
}
