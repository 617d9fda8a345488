// Typed errors of forking-paths. Every error names what it is about (file, tensor) and says
// what to do next; the CLI prints `message` as one line and exits non-zero.

/** Base class: all errors the library raises on purpose derive from it. */
export class ForkingPathsError extends Error {
  /** Short machine-readable code, e.g. "SAFETENSORS_PARSE". */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    // One line, always: messages quote file names, tensor names and file content.
    super(oneLine(message), options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** `text` with line breaks shown as escapes (`\n`, `\r`, `\u2028`, `\u2029`). */
export function oneLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]/g, (c) => (c === "\n" ? "\\n" : c === "\r" ? "\\r" : `\\u${c.charCodeAt(0).toString(16)}`));
}

/** Bad arguments or options given by the caller. */
export class UsageError extends ForkingPathsError {
  constructor(message: string) {
    super("USAGE", message);
  }
}

/** A file or byte range could not be read (missing file, short read, I/O failure). */
export class ByteSourceError extends ForkingPathsError {
  constructor(readonly source: string, message: string, options?: { cause?: unknown }) {
    super("BYTE_SOURCE", `${source}: ${message}`, options);
  }
}

/** A checkpoint file is malformed or inconsistent. `file` and `tensor` locate the problem. */
export class CheckpointFormatError extends ForkingPathsError {
  constructor(
    code: string,
    readonly file: string,
    readonly tensor: string | undefined,
    problem: string,
    hint?: string,
  ) {
    super(code, `${file}${tensor !== undefined ? `: tensor "${tensor}"` : ""}: ${problem}${hint ? ` ---> HINT: ${hint}` : ""}`);
  }
}

/** safetensors: header, dtype, shape or offsets invalid. */
export class SafetensorsParseError extends CheckpointFormatError {
  constructor(file: string, tensor: string | undefined, problem: string, hint?: string) {
    super("SAFETENSORS_PARSE", file, tensor, problem, hint);
  }
}

/** PyTorch zip archive or pickle malformed. */
export class PytorchFormatError extends CheckpointFormatError {
  constructor(file: string, tensor: string | undefined, problem: string, hint?: string) {
    super("PYTORCH_FORMAT", file, tensor, problem, hint);
  }
}

/** A pickle names a global outside the allow-list: nothing is executed, the file is refused. */
export class PickleSecurityError extends CheckpointFormatError {
  constructor(file: string, readonly global: string) {
    super(
      "PICKLE_SECURITY",
      file,
      undefined,
      `pickle references the global "${global}", which is not on the allow-list of tensor-rebuild functions, storage types and containers; refusing to load`,
      "only load checkpoints you trust with other tools; forking-paths never executes pickled code",
    );
  }
}

/** A run folder holds no recognisable checkpoints, or their steps cannot be determined. */
export class RunDiscoveryError extends ForkingPathsError {
  constructor(readonly path: string, message: string) {
    super("RUN_DISCOVERY", `${path}: ${message}`);
  }
}

/** The results store is unreadable, locked, or of an incompatible schema. */
export class StoreError extends ForkingPathsError {
  constructor(readonly path: string, message: string, options?: { cause?: unknown }) {
    super("STORE", `${path}: ${message}`, options);
  }
}

/** Too few points or otherwise unusable input for a statistical method. */
export class NotEnoughPointsError extends ForkingPathsError {
  constructor(what: string, needed: number, got: number) {
    super("NOT_ENOUGH_POINTS", notEnoughPointsMessage(what, needed, got));
  }
}

/** The message of NotEnoughPointsError, for callers that check counts up front instead of throwing. */
export function notEnoughPointsMessage(what: string, needed: number, got: number): string {
  return `${what}: needs at least ${needed} points, got ${got}`;
}

/** A WASM kernel could not be loaded (usually: kernels not built). */
export class KernelError extends ForkingPathsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("KERNEL", message, options);
  }
}
