// Plain values produced by the pickle reader: Python containers as small classes, scalars as
// JavaScript primitives. Nothing here can run code; torch objects extend PyExtension.

/** Base class of values that a hook builds (torch tensors, storages, dtypes, allowed globals). */
export abstract class PyExtension {
  /** Short description for error messages, e.g. "tensor" or "global torch.FloatStorage". */
  abstract describe(): string;
}

/** A value of the pickled object graph. Python int is number when safe, bigint otherwise. */
export type PickleValue =
  | null | boolean | number | bigint | string | Uint8Array
  | PyTuple | PyList | PyDict | PySet | PyExtension;

export class PyTuple {
  constructor(readonly items: readonly PickleValue[]) {}
}

export class PyList {
  constructor(readonly items: PickleValue[]) {}
}

export class PySet {
  constructor(readonly items: PickleValue[], readonly frozen: boolean) {}
}

/** dict / OrderedDict. Keys keep insertion order; primitive keys compare by value. */
export class PyDict {
  readonly entries = new Map<PickleValue, PickleValue>();
  /** Attributes set by BUILD (an OrderedDict's `_metadata`), kept but not interpreted. */
  attributes: PickleValue = null;

  set(key: PickleValue, value: PickleValue): void {
    this.entries.set(key, value);
  }

  get(key: PickleValue): PickleValue | undefined {
    return this.entries.get(key);
  }
}

/** A short human description of a value's type, for error messages. */
export function describeValue(v: PickleValue): string {
  if (v === null) return "None";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "bigint") return "int";
  if (typeof v === "string") return "str";
  if (v instanceof Uint8Array) return "bytes";
  if (v instanceof PyTuple) return "tuple";
  if (v instanceof PyList) return "list";
  if (v instanceof PyDict) return "dict";
  if (v instanceof PySet) return v.frozen ? "frozenset" : "set";
  return v.describe();
}
