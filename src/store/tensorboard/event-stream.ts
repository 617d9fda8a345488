// The records of one TensorBoard event file: the "brain.Event:2" header, then summary events.
// Plugin metadata is attached to the first value of each tag only, as TensorFlow's writers do
// (TensorBoard keeps the first metadata of a time series). Pure: returns framed bytes.
import { encodeEvent, type EventMessage, type SummaryValueMessage } from "./protos.js";
import { histogramMetadata, histogramTensor, scalarValue, textMetadata, textTensor } from "./summaries.js";
import { frameRecord } from "./tfrecord.js";

/** Version string of the first record; TensorBoard requires the "brain.Event:" prefix. */
export const EVENT_FILE_VERSION = "brain.Event:2";
/** SourceMetadata.writer of the header event. */
export const EVENT_FILE_WRITER = "forking-paths";

/** One value of a summary event, before encoding. */
export type SummaryItem =
  | { kind: "histogram"; tag: string; rows: Float64Array }
  | { kind: "scalar"; tag: string; value: number }
  | { kind: "text"; tag: string; text: string };

export class EventStream {
  private readonly tagsSeen = new Set<string>();

  /** `describe(tag)`: the Markdown description stored in the first value's metadata ("" for none). */
  constructor(private readonly describe: (item: SummaryItem) => string = () => "") {}

  /** The framed header record: file_version and the writer's name. */
  header(wallTime: number): Uint8Array {
    return frameRecord(encodeEvent({ wall_time: wallTime, step: 0, file_version: EVENT_FILE_VERSION, source_metadata: { writer: EVENT_FILE_WRITER } }));
  }

  /** One framed summary event holding `items` at `step`. */
  summary(wallTime: number, step: number, items: readonly SummaryItem[]): Uint8Array {
    const event: EventMessage = { wall_time: wallTime, step, summary: { value: items.map((item) => this.value(item)) } };
    return frameRecord(encodeEvent(event));
  }

  private value(item: SummaryItem): SummaryValueMessage {
    const first = !this.tagsSeen.has(item.tag);
    this.tagsSeen.add(item.tag);
    if (item.kind === "scalar") return scalarValue(item.tag, item.value);
    const value: SummaryValueMessage = {
      tag: item.tag,
      tensor: item.kind === "histogram" ? histogramTensor(item.rows) : textTensor(item.text),
    };
    if (first) {
      const description = this.describe(item);
      value.metadata = item.kind === "histogram" ? histogramMetadata(description) : textMetadata(description);
    }
    return value;
  }
}

