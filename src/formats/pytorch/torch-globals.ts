// The allow-list of Python globals a torch.save pickle may name, and what each becomes: tensor
// descriptors, storage references, dtypes, plain containers. Anything else is refused.
import type { Dtype } from "../dtype.js";
import { PickleSecurityError, PytorchFormatError } from "../../util/errors.js";
import type { PickleHooks } from "./pickle.js";
import { describeValue, PyDict, PyExtension, PyList, PySet, PyTuple, type PickleValue } from "./pickle-values.js";

/** Storage classes torch writes in persistent ids, with our dtype (undefined: not supported). */
const STORAGE_DTYPES: ReadonlyMap<string, Dtype | undefined> = new Map<string, Dtype | undefined>([
  ["FloatStorage", "F32"], ["HalfStorage", "F16"], ["BFloat16Storage", "BF16"], ["DoubleStorage", "F64"],
  ["LongStorage", "I64"], ["IntStorage", "I32"], ["ShortStorage", "I16"], ["CharStorage", "I8"],
  ["ByteStorage", "U8"], ["BoolStorage", "BOOL"], ["UntypedStorage", "U8"],
  ["ComplexFloatStorage", "C64"], ["ComplexDoubleStorage", "C128"], ["QInt8Storage", undefined],
  ["QUInt8Storage", undefined], ["QInt32Storage", undefined], ["QUInt4x2Storage", undefined], ["QUInt2x4Storage", undefined],
]);

/** torch dtype globals (`torch.float32`) that may appear as values (e.g. in a saved config). */
const TORCH_DTYPE_NAMES: ReadonlySet<string> = new Set([
  "float16", "half", "float32", "float", "float64", "double", "bfloat16", "int8", "uint8", "int16", "short",
  "int32", "int", "int64", "long", "bool", "complex64", "complex128", "cfloat", "cdouble",
]);

/** torch quantization schemes (`torch.per_tensor_affine`), the first item of `_rebuild_qtensor`'s quantizer parameters. */
const TORCH_QSCHEME_NAMES: ReadonlySet<string> = new Set([
  "per_tensor_affine", "per_channel_affine", "per_channel_affine_float_qparams", "per_tensor_symmetric", "per_channel_symmetric",
]);

type GlobalRole =
  | "rebuild_tensor_v2" | "rebuild_tensor" | "rebuild_qtensor" | "rebuild_parameter" | "rebuild_parameter_with_state"
  | "rebuild_from_type_v2" | "ordered_dict" | "torch_size" | "set" | "frozenset" | "codecs_encode" | "bytes"
  | "tensor_type" | "storage_type";

const ALLOWED_CALLABLES: ReadonlyMap<string, GlobalRole> = new Map<string, GlobalRole>([
  ["torch._utils._rebuild_tensor_v2", "rebuild_tensor_v2"],
  ["torch._utils._rebuild_tensor", "rebuild_tensor"],
  ["torch._utils._rebuild_qtensor", "rebuild_qtensor"],
  ["torch._utils._rebuild_parameter", "rebuild_parameter"],
  ["torch._utils._rebuild_parameter_with_state", "rebuild_parameter_with_state"],
  ["torch._tensor._rebuild_from_type_v2", "rebuild_from_type_v2"],
  ["collections.OrderedDict", "ordered_dict"],
  ["torch.Size", "torch_size"],
  ["builtins.set", "set"], ["__builtin__.set", "set"],
  ["builtins.frozenset", "frozenset"], ["__builtin__.frozenset", "frozenset"],
  ["_codecs.encode", "codecs_encode"],
  ["builtins.bytes", "bytes"], ["__builtin__.bytes", "bytes"],
  ["torch.Tensor", "tensor_type"], ["torch.nn.parameter.Parameter", "tensor_type"],
]);

/** An allow-listed global as it sits on the pickle stack. */
export class TorchGlobal extends PyExtension {
  constructor(readonly qualifiedName: string, readonly role: GlobalRole, readonly storageDtype?: Dtype) {
    super();
  }
  describe(): string { return `global ${this.qualifiedName}`; }
}

/** A torch dtype object (`torch.float32`) found as a value. */
export class TorchDtypeValue extends PyExtension {
  constructor(readonly name: string) { super(); }
  describe(): string { return `torch.${this.name}`; }
}

/** A torch quantization scheme object (`torch.per_tensor_affine`) found as a value. */
export class TorchQschemeValue extends PyExtension {
  constructor(readonly name: string) { super(); }
  describe(): string { return `torch.${this.name}`; }
}

/** A storage named by a persistent id: zip entry `<archive>/data/<key>`. */
export class StorageRef extends PyExtension {
  constructor(
    readonly storageType: string,
    /** undefined when the storage type has no forking-paths dtype (complex, quantized). */
    readonly dtype: Dtype | undefined,
    readonly key: string,
    readonly location: string,
    /** Number of elements of the storage (bytes for an untyped storage). */
    readonly numel: number,
  ) { super(); }
  describe(): string { return `storage ${this.key} (${this.storageType})`; }
}

/** A tensor as `_rebuild_tensor_v2` would build it: a strided view of a storage. */
export class TensorDescriptor extends PyExtension {
  constructor(
    readonly storage: StorageRef,
    readonly storageOffset: number,
    readonly size: readonly number[],
    readonly stride: readonly number[],
  ) { super(); }
  describe(): string { return "tensor"; }
}

/** Pickle hooks for torch.save archives; `file` names the checkpoint in errors. */
export function torchPickleHooks(file: string): PickleHooks {
  const storages = new Map<string, StorageRef>();
  const fail = (at: number, problem: string): PytorchFormatError =>
    new PytorchFormatError(file, undefined, `pickle (data.pkl) byte ${at}: ${problem}`, "the checkpoint was not written by torch.save, or is damaged");
  return {
    resolveGlobal(module, name) {
      const qualified = `${module}.${name}`;
      const role = ALLOWED_CALLABLES.get(qualified);
      if (role !== undefined) return new TorchGlobal(qualified, role);
      const storageName = storageClassName(module, name);
      if (storageName !== undefined) return new TorchGlobal(qualified, "storage_type", STORAGE_DTYPES.get(storageName));
      if (module === "torch" && TORCH_DTYPE_NAMES.has(name)) return new TorchDtypeValue(name);
      if (module === "torch" && TORCH_QSCHEME_NAMES.has(name)) return new TorchQschemeValue(name);
      throw new PickleSecurityError(file, qualified);
    },
    call(callable, args, at) {
      if (!(callable instanceof TorchGlobal)) throw fail(at, `cannot call a ${describeValue(callable)}`);
      return callAllowed(callable, args, (problem) => fail(at, `${callable.qualifiedName}: ${problem}`));
    },
    build(target, state, at) {
      if (target instanceof PyDict) { target.attributes = state; return target; }
      if (target instanceof TensorDescriptor) return target; // Python attributes of a tensor: not needed
      throw fail(at, `BUILD on a ${describeValue(target)} is not supported`);
    },
    persistentLoad(pid, at) {
      const storage = parseStoragePid(pid, (problem) => fail(at, problem));
      const seen = storages.get(storage.key);
      if (seen === undefined) { storages.set(storage.key, storage); return storage; }
      if (seen.storageType !== storage.storageType) {
        throw fail(at, `storage ${storage.key} is used as both ${seen.storageType} and ${storage.storageType}`);
      }
      return seen;
    },
  };
}

function storageClassName(module: string, name: string): string | undefined {
  if ((module === "torch" || module === "torch.storage") && STORAGE_DTYPES.has(name)) return name;
  return undefined;
}

function parseStoragePid(pid: PickleValue, fail: (p: string) => PytorchFormatError): StorageRef {
  if (!(pid instanceof PyTuple) || pid.items.length !== 5 || pid.items[0] !== "storage") {
    throw fail(`persistent id ${describeValue(pid)} is not a ('storage', type, key, location, numel) tuple`);
  }
  const [, type, key, location, numel] = pid.items;
  if (!(type instanceof TorchGlobal) || type.role !== "storage_type") throw fail(`persistent id names ${describeValue(type!)} instead of a storage type`);
  if (typeof key !== "string" || !/^[A-Za-z0-9_.-]+$/.test(key)) throw fail(`persistent id has an invalid storage key ${JSON.stringify(key)}`);
  if (typeof location !== "string") throw fail(`storage ${key} has no device location`);
  if (typeof numel !== "number" || !Number.isSafeInteger(numel) || numel < 0) throw fail(`storage ${key} has an invalid size ${String(numel)}`);
  const storageType = type.qualifiedName.slice(type.qualifiedName.lastIndexOf(".") + 1);
  return new StorageRef(storageType, type.storageDtype, key, location, numel);
}

function callAllowed(f: TorchGlobal, args: readonly PickleValue[], fail: (p: string) => PytorchFormatError): PickleValue {
  switch (f.role) {
    case "rebuild_tensor_v2":
    case "rebuild_tensor":
      return rebuildTensor(args, fail);
    case "rebuild_qtensor":
      return rebuildQtensor(args, fail);
    case "rebuild_parameter":
    case "rebuild_parameter_with_state":
    case "tensor_type":
      if (!(args[0] instanceof TensorDescriptor)) throw fail(`expected a tensor argument, got ${args[0] === undefined ? "nothing" : describeValue(args[0])}`);
      return args[0];
    case "rebuild_from_type_v2": {
      const [func, newType, inner] = args;
      if (!(func instanceof TorchGlobal) || !(newType instanceof TorchGlobal) || newType.role !== "tensor_type" || !(inner instanceof PyTuple)) {
        throw fail("expected (rebuild function, tensor type, arguments, state)");
      }
      return callAllowed(func, inner.items, fail);
    }
    case "ordered_dict":
      return orderedDict(args, fail);
    case "torch_size":
      return new PyTuple(sequenceItems(args[0] ?? new PyTuple([]), fail));
    case "set":
    case "frozenset":
      return new PySet(args.length === 0 ? [] : sequenceItems(args[0]!, fail), f.role === "frozenset");
    case "codecs_encode":
      return latin1Bytes(args, fail);
    case "bytes": // protocol 2 writes b"" as bytes()
      if (args.length !== 0) throw fail("only bytes() without arguments is supported");
      return new Uint8Array(0);
    case "storage_type":
      throw fail("storage types are not called by torch.save pickles");
  }
}

function rebuildTensor(args: readonly PickleValue[], fail: (p: string) => PytorchFormatError): TensorDescriptor {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) throw fail(`first argument is a ${storage === undefined ? "nothing" : describeValue(storage)}, not a storage`);
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) throw fail(`invalid storage offset ${String(offset)}`);
  const sizes = intTuple(size, "size", fail);
  const strides = intTuple(stride, "stride", fail);
  if (sizes.length !== strides.length) throw fail(`size has ${sizes.length} dimensions but stride has ${strides.length}`);
  return new TensorDescriptor(storage, offset, sizes, strides);
}

/**
 * `_rebuild_qtensor(storage, offset, size, stride, quantizer_params, requires_grad, hooks)`: the
 * codes are a strided view like any tensor; the quantizer parameters (scheme, then scale and zero
 * point, or per-channel scale and zero-point tensors and the axis) are checked for their scheme and
 * dropped: a quantized tensor is listed with the non-parameter tensors, never analyzed.
 */
function rebuildQtensor(args: readonly PickleValue[], fail: (p: string) => PytorchFormatError): TensorDescriptor {
  const params = args[4];
  if (!(params instanceof PyTuple) || !(params.items[0] instanceof TorchQschemeValue)) {
    throw fail(`quantizer parameters are a ${params === undefined ? "nothing" : describeValue(params)}, not a (qscheme, ...) tuple`);
  }
  const tensor = rebuildTensor(args.slice(0, 4), fail);
  if (tensor.storage.dtype !== undefined) throw fail(`a quantized tensor on a ${tensor.storage.storageType}, not a quantized storage`);
  return tensor;
}

function intTuple(v: PickleValue | undefined, what: string, fail: (p: string) => PytorchFormatError): number[] {
  if (!(v instanceof PyTuple) && !(v instanceof PyList)) throw fail(`${what} is not a tuple`);
  return v.items.map((x) => {
    if (typeof x !== "number" || !Number.isSafeInteger(x) || x < 0) throw fail(`${what} has an invalid entry ${String(x)}`);
    return x;
  });
}

function sequenceItems(v: PickleValue, fail: (p: string) => PytorchFormatError): PickleValue[] {
  if (v instanceof PyTuple || v instanceof PyList || v instanceof PySet) return [...v.items];
  throw fail(`expected a sequence, got ${describeValue(v)}`);
}

function orderedDict(args: readonly PickleValue[], fail: (p: string) => PytorchFormatError): PyDict {
  const d = new PyDict();
  if (args.length === 0) return d;
  for (const pair of sequenceItems(args[0]!, fail)) {
    if (!(pair instanceof PyTuple || pair instanceof PyList) || pair.items.length !== 2) throw fail("items are not (key, value) pairs");
    d.set(pair.items[0]!, pair.items[1]!);
  }
  return d;
}

function latin1Bytes(args: readonly PickleValue[], fail: (p: string) => PytorchFormatError): Uint8Array {
  const [text, encoding] = args;
  if (typeof text !== "string" || (encoding !== "latin1" && encoding !== "latin-1")) throw fail("only (str, 'latin1') is supported");
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw fail("character outside latin1");
    out[i] = c;
  }
  return out;
}
