// The pickle reader against Python's own pickle (protocols 2-5, written by
// tools/reference/torch_fixtures.py): every value rebuilt exactly; malformed pickles refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { unpickle, PyDict, PyList, PySet, PyTuple, type PickleValue } from "../../src/formats/pytorch/pickle.js";
import { TensorDescriptor, torchPickleHooks, TorchDtypeValue } from "../../src/formats/pytorch/torch-globals.js";
import { PickleSecurityError, PytorchFormatError } from "../../src/util/errors.js";
import { FIXTURES, PickleBuilder } from "./pytorch-test-helpers.js";

type Tagged = { t: string; v?: unknown };

/** Walks the value and the tagged expectation (tools/reference/torch_fixtures.py `tagged()`) together. */
function check(got: PickleValue, want: Tagged, path: string): void {
  const at = `${path} (${want.t})`;
  switch (want.t) {
    case "none": assert.equal(got, null, at); return;
    case "bool": assert.equal(got, want.v, at); return;
    case "int":
      assert.ok(typeof got === "number" || typeof got === "bigint", at);
      if (typeof got === "number") assert.ok(Number.isSafeInteger(got), `${at}: ${got} not a safe integer`);
      assert.equal(BigInt(got).toString(), want.v, at);
      return;
    case "float": {
      const v = want.v as string;
      const expectedNumber = v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v);
      assert.ok(Object.is(got, expectedNumber), `${at}: got ${String(got)}, want ${v}`);
      return;
    }
    case "str": assert.equal(got, want.v, at); return;
    case "bytes": assert.ok(got instanceof Uint8Array, at); assert.equal(Buffer.from(got).toString("hex"), want.v, at); return;
    case "tuple": case "list": {
      assert.ok(want.t === "tuple" ? got instanceof PyTuple : got instanceof PyList, at);
      const items = (got as PyTuple | PyList).items, wants = want.v as Tagged[];
      assert.equal(items.length, wants.length, at);
      wants.forEach((w, i) => check(items[i]!, w, `${path}[${i}]`));
      return;
    }
    case "dict": {
      assert.ok(got instanceof PyDict, at);
      const entries = [...got.entries], wants = want.v as [Tagged, Tagged][];
      assert.equal(entries.length, wants.length, at);
      wants.forEach(([wk, wv], i) => { check(entries[i]![0], wk, `${path}.key${i}`); check(entries[i]![1], wv, `${path}.${String(entries[i]![0])}`); });
      return;
    }
    case "set": case "frozenset": {
      assert.ok(got instanceof PySet && got.frozen === (want.t === "frozenset"), at);
      // Set order is Python's hash order; the expectation is sorted: compare as sorted JSON of scalars.
      const norm = (x: unknown): string => JSON.stringify(x, (_k, y) => (typeof y === "bigint" ? y.toString() : y));
      const gotItems = got.items.map((x) => norm(typeof x === "number" ? { t: "int", v: String(x) } : { t: "str", v: x })).sort();
      const wantItems = (want.v as Tagged[]).map(norm).sort();
      assert.deepEqual(gotItems, wantItems, at);
      return;
    }
    default: assert.fail(`unknown tag ${want.t}`);
  }
}

const expected = JSON.parse(readFileSync(new URL("plain.expected.json", FIXTURES), "utf8")) as Tagged;

for (const protocol of [2, 3, 4, 5]) {
  test(`protocol ${protocol}: ints, big ints, floats (inf, nan, -0), strings, bytes, containers, sets, memo`, () => {
    const data = new Uint8Array(readFileSync(new URL(`plain_p${protocol}.pkl`, FIXTURES)));
    const value = unpickle(`plain_p${protocol}.pkl`, data, torchPickleHooks("plain.pkl"));
    check(value, expected, "root");
    // Memo: the same list object appears twice (shared reference), as in Python.
    const memo = (value as PyDict).get("memo") as PyList;
    assert.equal(memo.items[0], memo.items[1]);
    assert.equal((memo.items[2] as PyTuple).items[0], memo.items[0]);
  });
}

test("torch dtype globals become dtype values; other torch globals are refused", () => {
  const hooks = torchPickleHooks("f.pt");
  const v = unpickle("f.pt", new PickleBuilder().global("torch", "bfloat16").op(0x2e).build(), hooks);
  assert.ok(v instanceof TorchDtypeValue);
  assert.equal(v.name, "bfloat16");
  assert.throws(() => unpickle("f.pt", new PickleBuilder().global("torch", "load").op(0x2e).build(), hooks),
    (err: unknown) => err instanceof PickleSecurityError && err.global === "torch.load");
  assert.throws(() => unpickle("f.pt", new PickleBuilder().global("torch.serialization", "load").op(0x2e).build(), hooks), PickleSecurityError);
});

test("allowed globals are only called as torch calls them", () => {
  const hooks = torchPickleHooks("f.pt");
  // Calling a storage type is not something torch.save writes.
  const callStorage = new PickleBuilder().global("torch", "FloatStorage").op(0x29, 0x52, 0x2e).build();
  assert.throws(() => unpickle("f.pt", callStorage, hooks), /byte \d+: torch\.FloatStorage: storage types are not called/);
  // _rebuild_tensor_v2 with something other than a storage.
  const notStorage = new PickleBuilder().global("torch._utils", "_rebuild_tensor_v2").op(0x28).int(1).int(0).op(0x29, 0x29, 0x74, 0x52, 0x2e).build();
  assert.throws(() => unpickle("f.pt", notStorage, hooks), /first argument is a int, not a storage/);
  // A persistent id that is not a storage tuple.
  const badPid = new PickleBuilder().str("x").op(0x51, 0x2e).build();
  assert.throws(() => unpickle("f.pt", badPid, hooks), /persistent id str is not a \('storage'/);
});

test("malformed pickles: truncation, stack underflow, missing memo, bad STOP", () => {
  const hooks = torchPickleHooks("f.pt");
  const cases: Array<[Uint8Array, RegExp]> = [
    [new PickleBuilder().op(0x58, 0x10, 0, 0, 0).text("abc").build(), /byte 2: .*truncated data\.pkl/],
    [new PickleBuilder().op(0x61, 0x2e).build(), /byte 2: stack underflow/],
    [new PickleBuilder().op(0x68, 0x05, 0x2e).build(), /memo entry 5 read before it was written/],
    [new PickleBuilder().op(0x4e, 0x4e, 0x2e).build(), /STOP with 2 values/],
    [new PickleBuilder().op(0x74, 0x2e).build(), /no MARK/],
    [new PickleBuilder().op(0x4e).build(), /truncated data\.pkl/],
  ];
  for (const [bytes, pattern] of cases) {
    assert.throws(() => unpickle("f.pt", bytes, hooks), (err: unknown) => {
      assert.ok(err instanceof PytorchFormatError);
      assert.match(err.message, /^f\.pt: pickle \(data\.pkl\) byte \d+: /);
      assert.match(err.message, pattern);
      return true;
    });
  }
});

test("torch 2.x _rebuild_from_type_v2(_rebuild_tensor_v2, Parameter, args, state) yields the tensor", () => {
  // Layout as torch 2.x writes it for a tensor subclass: func, new_type, args tuple, state dict.
  const p = new PickleBuilder().global("torch._tensor", "_rebuild_from_type_v2").op(0x28)
    .global("torch._utils", "_rebuild_tensor_v2").global("torch.nn.parameter", "Parameter")
    .op(0x28).op(0x28).str("storage").global("torch", "HalfStorage").str("7").str("cpu").int(4).op(0x74, 0x51)
    .int(1).op(0x28).int(3).op(0x74).op(0x28).int(1).op(0x74).op(0x89).global("collections", "OrderedDict").op(0x29, 0x52).op(0x74)
    .op(0x7d).op(0x74, 0x52, 0x2e).build();
  const t = unpickle("f.pt", p, torchPickleHooks("f.pt"));
  assert.ok(t instanceof TensorDescriptor);
  assert.equal(t.storage.key, "7");
  assert.equal(t.storage.dtype, "F16");
  assert.equal(t.storageOffset, 1);
  assert.deepEqual(t.size, [3]);
  assert.deepEqual(t.stride, [1]);
  // The new_type must be a tensor type: anything else allow-listed is refused.
  const wrongType = new PickleBuilder().global("torch._tensor", "_rebuild_from_type_v2").op(0x28)
    .global("torch._utils", "_rebuild_tensor_v2").global("collections", "OrderedDict").op(0x29, 0x7d, 0x74, 0x52, 0x2e).build();
  assert.throws(() => unpickle("f.pt", wrongType, torchPickleHooks("f.pt")), /expected \(rebuild function, tensor type, arguments, state\)/);
});
