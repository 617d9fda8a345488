// Finds the model's tensors in an unpickled checkpoint: a flat state dict, a nested one
// (`model_state_dict`, `state_dict`, `model`, `module`), or a sub-dict chosen with `key`.
import { PytorchFormatError } from "../../util/errors.js";
import { MAX_STATE_DICT_NESTING, MAX_TENSORS_PER_FILE } from "../../util/limits.js";
import { PyDict, describeValue, type PickleValue } from "./pickle-values.js";
import { TensorDescriptor } from "./torch-globals.js";

export interface NamedTensor {
  readonly name: string;
  readonly tensor: TensorDescriptor;
}

/** Keys that hold the model's weights in common training checkpoints, in order of preference. */
const PREFERRED_KEYS = ["model_state_dict", "state_dict", "model", "module"] as const;
const MAX_DICT_NESTING = MAX_STATE_DICT_NESTING;
const KEY_HINT = "pass --key <name> (a dotted path such as ema.model for nested dicts) to choose the dict of model tensors";

/**
 * Selects the model tensors of `root`; `key` is a top-level key or a dotted path.
 *
 * Pickles build graphs, not trees: a dict may be reached by several paths (`x = {"a": y, "b": y}`
 * nested 40 levels is 2^40 paths in a 1.8 KB file). Every walk here visits each dict once
 * (memoized), so the cost is linear in the pickle. Inside the chosen dict of tensors, a dict
 * reached by two paths would list the same tensors under several names: it is refused with a
 * typed error naming both paths (a tensor object shared by two keys, as tied weights are, is
 * listed under both names: those are two parameters).
 */
export function selectStateDict(file: string, root: PickleValue, key?: string): NamedTensor[] {
  if (root instanceof PyDict) checkNesting(file, root, 0, new Set(), new Map());
  if (key !== undefined) return flattenTensors(file, navigate(file, root, key), key);
  // Tensor names are relative to the selected dict: they are the model's parameter names.
  if (root instanceof TensorDescriptor) return [{ name: "tensor", tensor: root }];
  if (!(root instanceof PyDict)) {
    throw new PytorchFormatError(file, undefined, `the checkpoint holds a ${describeValue(root)}, not a dict of tensors`,
      "save a state dict (model.state_dict()) rather than another object");
  }
  return discover(file, root, "");
}

function discover(file: string, dict: PyDict, path: string): NamedTensor[] {
  const values = [...dict.entries.values()];
  if (values.length > 0 && values.every((v) => v instanceof TensorDescriptor)) return flattenTensors(file, dict, path);
  // `path` locates `dict` for messages; names below are relative to the dict finally chosen.
  for (const preferred of PREFERRED_KEYS) {
    const v = dict.get(preferred);
    if (v instanceof PyDict && containsTensor(v)) return discover(file, v, join(path, preferred));
  }
  if (isTensorTree(dict)) return flattenTensors(file, dict, path);
  const direct = [...dict.entries].filter(([, v]) => v instanceof TensorDescriptor);
  if (direct.length > 0) return direct.map(([k, v]) => ({ name: keyName(k), tensor: v as TensorDescriptor }));
  const candidates = [...dict.entries].filter(([, v]) => v instanceof PyDict && containsTensor(v)) as Array<[PickleValue, PyDict]>;
  const models = candidates.filter(([, v]) => !isOptimizerState(v));
  if (models.length === 1) return discover(file, models[0]![1], join(path, keyName(models[0]![0])));
  const where = path === "" ? "the checkpoint" : `"${path}"`;
  if (models.length === 0) {
    throw new PytorchFormatError(file, undefined, `${where} holds no model tensors (keys: ${listKeys(dict)})`,
      candidates.length > 0 ? KEY_HINT : "is this a checkpoint of model weights?");
  }
  const names = models.map(([k]) => JSON.stringify(join(path, keyName(k)))).join(", ");
  throw new PytorchFormatError(file, undefined, `${where} holds several dicts of tensors (${names}); cannot tell which is the model`, KEY_HINT);
}

/**
 * Refuses dicts nested deeper than MAX_DICT_NESTING along any path, or containing themselves
 * (pickles can build cycles). Memoized by height, so shared dicts are visited once; afterwards
 * every recursive walk from the root is at most MAX_DICT_NESTING calls deep.
 */
function checkNesting(file: string, dict: PyDict, depth: number, onPath: Set<PyDict>, heights: Map<PyDict, number>): number {
  const known = heights.get(dict);
  if (onPath.has(dict) || depth + (known ?? 0) > MAX_DICT_NESTING) {
    throw new PytorchFormatError(file, undefined, `dicts are nested more than ${MAX_DICT_NESTING} levels deep or contain themselves`,
      "this is not a checkpoint layout forking-paths understands");
  }
  if (known !== undefined) return known;
  onPath.add(dict);
  let height = 0;
  for (const v of dict.entries.values()) {
    if (v instanceof PyDict) height = Math.max(height, 1 + checkNesting(file, v, depth + 1, onPath, heights));
  }
  onPath.delete(dict);
  heights.set(dict, height);
  return height;
}

/** Follows a dotted path; a key that itself contains dots is matched whole first. */
function navigate(file: string, root: PickleValue, key: string): PickleValue {
  let node = root;
  let rest = key;
  let walked = "";
  while (rest !== "") {
    if (!(node instanceof PyDict)) {
      throw new PytorchFormatError(file, undefined, `--key "${key}": "${walked}" is a ${describeValue(node)}, not a dict`, KEY_HINT);
    }
    const dict = node;
    const parts = rest.split(".");
    let found = false;
    for (let n = parts.length; n >= 1 && !found; n--) {
      const head = parts.slice(0, n).join(".");
      const v = lookup(dict, head);
      if (v !== undefined) {
        node = v;
        walked = join(walked, head);
        rest = parts.slice(n).join(".");
        found = true;
      }
    }
    if (!found) {
      const where = walked === "" ? "the checkpoint" : `"${walked}"`;
      throw new PytorchFormatError(file, undefined, `--key "${key}": ${where} has no key "${parts[0]}" (available: ${listKeys(node)})`, KEY_HINT);
    }
  }
  return node;
}

function lookup(dict: PyDict, key: string): PickleValue | undefined {
  const v = dict.get(key);
  if (v !== undefined) return v;
  if (/^-?\d+$/.test(key)) return dict.get(Number(key));
  return undefined;
}

/** Names every tensor under `value` ("a.b.c" for nested dicts); non-tensor leaves are skipped. */
function flattenTensors(file: string, value: PickleValue, path: string): NamedTensor[] {
  if (value instanceof TensorDescriptor) return [{ name: path, tensor: value }];
  const out: NamedTensor[] = [];
  if (value instanceof PyDict) collect(file, value, "", out, new Map());
  if (out.length === 0) {
    throw new PytorchFormatError(file, undefined, `"${path}" holds no tensors (it is a ${describeValue(value)})`, KEY_HINT);
  }
  return out;
}

/** Depth is bounded by checkNesting; each dict is entered once (`seen` maps it to its first path). */
function collect(file: string, dict: PyDict, path: string, out: NamedTensor[], seen: Map<PyDict, string>): void {
  const first = seen.get(dict);
  if (first !== undefined) {
    throw new PytorchFormatError(file, undefined,
      `the same dict of tensors is reached as both "${first || "(root)"}" and "${path || "(root)"}"; its tensors would be listed under several names`,
      KEY_HINT);
  }
  seen.set(dict, path);
  for (const [k, v] of dict.entries) {
    if (out.length >= MAX_TENSORS_PER_FILE) {
      throw new PytorchFormatError(file, undefined, `the state dict holds more than ${MAX_TENSORS_PER_FILE} tensors (MAX_TENSORS_PER_FILE)`, "split the checkpoint into shards");
    }
    if (v instanceof TensorDescriptor) out.push({ name: join(path, keyName(k)), tensor: v });
    else if (v instanceof PyDict) collect(file, v, join(path, keyName(k)), out, seen);
  }
}

// Memo tables of the two predicates below: a shared dict is judged once (WeakMap: per pickle graph).
const tensorTreeMemo = new WeakMap<PyDict, boolean>();
const containsTensorMemo = new WeakMap<PyDict, boolean>();

/** Every leaf is a tensor (an empty dict is not a tensor tree). */
function isTensorTree(dict: PyDict): boolean {
  const known = tensorTreeMemo.get(dict);
  if (known !== undefined) return known;
  let result = dict.entries.size > 0;
  for (const v of dict.entries.values()) {
    if (!result) break;
    if (v instanceof PyDict ? !isTensorTree(v) : !(v instanceof TensorDescriptor)) result = false;
  }
  tensorTreeMemo.set(dict, result);
  return result;
}

function containsTensor(dict: PyDict): boolean {
  const known = containsTensorMemo.get(dict);
  if (known !== undefined) return known;
  let result = false;
  for (const v of dict.entries.values()) {
    if (v instanceof TensorDescriptor || (v instanceof PyDict && containsTensor(v))) { result = true; break; }
  }
  containsTensorMemo.set(dict, result);
  return result;
}

function isOptimizerState(dict: PyDict): boolean {
  return dict.get("state") !== undefined && dict.get("param_groups") !== undefined;
}

function keyName(k: PickleValue): string {
  return typeof k === "string" ? k : typeof k === "number" || typeof k === "bigint" ? String(k) : describeValue(k);
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function listKeys(node: PickleValue): string {
  if (!(node instanceof PyDict)) return "none";
  const keys = [...node.entries.keys()].map((k) => JSON.stringify(keyName(k)));
  const shown = keys.slice(0, 20).join(", ");
  return keys.length > 20 ? `${shown}, ... (${keys.length} keys)` : shown || "none";
}
