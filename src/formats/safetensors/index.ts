// safetensors format: header reader with validation, and in-memory / streaming file writers.
export { readSafetensorsHeader, SAFETENSORS_PREFIX_BYTES, type SafetensorsFile } from "./reader.js";
export { encodeSafetensors, writeSafetensorsFile, type SafetensorsEntry, type SafetensorsData } from "./writer.js";
export { parseSafetensorsHeader, type SafetensorsHeader, type SafetensorsHeaderEntry } from "./validate.js";
