// TensorBoard export: event files (TFRecord + protobuf) of the store's histograms, statistics and events.
export { crc32c, maskCrc, unmaskCrc } from "./crc32c.js";
export { frameRecord, readRecords, TfRecordError, TFRECORD_OVERHEAD_BYTES } from "./tfrecord.js";
export { decodeEvent, encodeEvent, decodePluginVersion, DT_DOUBLE, DT_FLOAT, DT_STRING, DATA_CLASS_SCALAR, DATA_CLASS_TENSOR, type EventMessage, type SummaryValueMessage, type TensorMessage, type SummaryMetadataMessage } from "./protos.js";
export { histogramBuckets, histogramRowsOf, HISTOGRAMS_PLUGIN_NAME, TEXT_PLUGIN_NAME } from "./summaries.js";
export { EventStream, EVENT_FILE_VERSION, EVENT_FILE_WRITER, type SummaryItem } from "./event-stream.js";
export { TENSORBOARD_TAGS, MAX_EVIDENCE_CHARS, statScalars, finiteCountOf, isFloat32Finite, eventStep, eventsMarkdown } from "./content.js";
export { exportTensorBoard, runFolderName, TFEVENTS_SUFFIX, type TensorBoardExportOptions, type TensorBoardRunExport } from "./export.js";
