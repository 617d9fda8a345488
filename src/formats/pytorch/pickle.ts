// A pickle reader that executes nothing: it interprets the opcodes of protocols 2-5 into plain
// values. Globals, calls and persistent ids go through hooks (the torch allow-list); it is not
// a general unpickler: it never imports, never instantiates arbitrary classes.
import { PytorchFormatError } from "../../util/errors.js";
import { MAX_PICKLE_CONTAINERS, MAX_PICKLE_INT_BYTES, MAX_PICKLE_VALUES } from "../../util/limits.js";
import { OPCODE_NAMES } from "./pickle-opcodes.js";
import { PyDict, PyList, PySet, PyTuple, type PickleValue } from "./pickle-values.js";

export * from "./pickle-values.js";

/** What the interpreter cannot decide itself: every global, call and persistent id. */
export interface PickleHooks {
  /** Resolves GLOBAL / STACK_GLOBAL; throws (PickleSecurityError) for anything not allowed. */
  resolveGlobal(module: string, name: string): PickleValue;
  /** REDUCE / NEWOBJ: applies an allowed callable to its arguments. */
  call(callable: PickleValue, args: readonly PickleValue[], at: number): PickleValue;
  /** BUILD: applies `state` to `target`, returning the object left on the stack. */
  build(target: PickleValue, state: PickleValue, at: number): PickleValue;
  /** BINPERSID / PERSID. */
  persistentLoad(pid: PickleValue, at: number): PickleValue;
}

/**
 * Interprets `data` (a whole pickle) and returns the object STOP leaves on the stack. Work and
 * memory are linear in `data`: no recursion, integers decoded in linear time, and at most
 * MAX_PICKLE_VALUES values and MAX_PICKLE_CONTAINERS containers created.
 */
export function unpickle(file: string, data: Uint8Array, hooks: PickleHooks): PickleValue {
  return new Interpreter(file, data, hooks).run();
}

const textDecoder = new TextDecoder("utf-8", { fatal: true });
const latin1Decoder = new TextDecoder("latin1");

class Interpreter {
  private pos = 0;
  private opStart = 0;
  private stack: PickleValue[] = [];
  private readonly marks: PickleValue[][] = [];
  private readonly memo = new Map<number, PickleValue>();
  private readonly view: DataView;
  private values = 0;
  private containers = 0;

  constructor(private readonly file: string, private readonly data: Uint8Array, private readonly hooks: PickleHooks) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  run(): PickleValue {
    for (;;) {
      this.opStart = this.pos;
      const op = this.u8();
      if (op === 0x2e) return this.finish(); // STOP
      if (!this.simpleOp(op) && !this.containerOp(op) && !this.objectOp(op)) {
        const name = OPCODE_NAMES.get(op);
        throw this.fail(`${name !== undefined ? `opcode ${name}` : "unknown opcode"} 0x${op.toString(16).padStart(2, "0")} is not supported`);
      }
    }
  }

  private finish(): PickleValue {
    if (this.stack.length !== 1 || this.marks.length !== 0) throw this.fail(`STOP with ${this.stack.length} values on the stack (expected 1)`);
    return this.stack[0]!;
  }

  fail(problem: string): PytorchFormatError {
    return new PytorchFormatError(this.file, undefined, `pickle (data.pkl) byte ${this.opStart}: ${problem}`,
      "the checkpoint's pickle is damaged or was not written by torch.save");
  }

  /** Scalars, strings, memo, framing. Returns false for opcodes it does not handle. */
  private simpleOp(op: number): boolean {
    switch (op) {
      case 0x80: this.u8(); return true; // PROTO
      case 0x95: this.take(8); return true; // FRAME: the frame length is only a read-ahead hint
      case 0x4e: this.push(null); return true; // NONE
      case 0x88: this.push(true); return true; // NEWTRUE
      case 0x89: this.push(false); return true; // NEWFALSE
      case 0x4b: this.push(this.u8()); return true; // BININT1
      case 0x4d: this.push(this.u16()); return true; // BININT2
      case 0x4a: this.push(this.i32()); return true; // BININT
      case 0x8a: this.push(this.long(this.u8())); return true; // LONG1
      case 0x8b: this.push(this.long(this.intLength(this.length(this.u32())))); return true; // LONG4
      case 0x47: this.push(this.f64()); return true; // BINFLOAT
      case 0x49: this.push(this.textInt(this.line())); return true; // INT
      case 0x4c: this.push(this.textInt(this.line().replace(/L$/, ""))); return true; // LONG
      case 0x46: this.push(this.textFloat(this.line())); return true; // FLOAT
      case 0x8c: this.push(this.utf8(this.u8())); return true; // SHORT_BINUNICODE
      case 0x58: this.push(this.utf8(this.u32())); return true; // BINUNICODE
      case 0x8d: this.push(this.utf8(this.u64())); return true; // BINUNICODE8
      case 0x55: this.push(latin1Decoder.decode(this.take(this.u8()))); return true; // SHORT_BINSTRING
      case 0x54: this.push(latin1Decoder.decode(this.take(this.length(this.i32())))); return true; // BINSTRING
      case 0x43: this.push(this.take(this.u8()).slice()); return true; // SHORT_BINBYTES
      case 0x42: this.push(this.take(this.u32()).slice()); return true; // BINBYTES
      case 0x8e: case 0x96: this.push(this.take(this.u64()).slice()); return true; // BINBYTES8, BYTEARRAY8
      case 0x71: this.memo.set(this.u8(), this.top()); return true; // BINPUT
      case 0x72: this.memo.set(this.u32(), this.top()); return true; // LONG_BINPUT
      case 0x70: this.memo.set(this.textIndex(), this.top()); return true; // PUT
      case 0x94: this.memo.set(this.memo.size, this.top()); return true; // MEMOIZE
      case 0x68: this.push(this.memoGet(this.u8())); return true; // BINGET
      case 0x6a: this.push(this.memoGet(this.u32())); return true; // LONG_BINGET
      case 0x67: this.push(this.memoGet(this.textIndex())); return true; // GET
      case 0x28: this.countContainer(); this.marks.push(this.stack); this.stack = []; return true; // MARK
      case 0x30: this.pop(); return true; // POP
      case 0x31: this.popMark(); return true; // POP_MARK
      case 0x32: this.push(this.top()); return true; // DUP
      default: return false;
    }
  }

  /** Tuples, lists, dicts, sets. */
  private containerOp(op: number): boolean {
    switch (op) {
      case 0x29: this.pushContainer(new PyTuple([])); return true; // EMPTY_TUPLE
      case 0x85: this.pushContainer(new PyTuple(this.popN(1))); return true; // TUPLE1
      case 0x86: this.pushContainer(new PyTuple(this.popN(2))); return true; // TUPLE2
      case 0x87: this.pushContainer(new PyTuple(this.popN(3))); return true; // TUPLE3
      case 0x74: this.pushContainer(new PyTuple(this.popMark())); return true; // TUPLE
      case 0x5d: this.pushContainer(new PyList([])); return true; // EMPTY_LIST
      case 0x6c: this.pushContainer(new PyList(this.popMark())); return true; // LIST
      case 0x61: { const v = this.pop(); this.expectList().items.push(v); return true; } // APPEND
      // APPENDS / ADDITEMS append item by item: spreading 500k items as arguments overflows the call stack.
      case 0x65: { const vs = this.popMark(); appendAll(this.expectList().items, vs); return true; } // APPENDS
      case 0x7d: this.pushContainer(new PyDict()); return true; // EMPTY_DICT
      case 0x64: { const d = new PyDict(); this.setItems(d, this.popMark()); this.pushContainer(d); return true; } // DICT
      case 0x73: { const kv = this.popN(2); this.setItems(this.expectDict(), kv); return true; } // SETITEM
      case 0x75: { const kv = this.popMark(); this.setItems(this.expectDict(), kv); return true; } // SETITEMS
      case 0x8f: this.pushContainer(new PySet([], false)); return true; // EMPTY_SET
      case 0x90: { const vs = this.popMark(); appendAll(this.expectSet().items, vs); return true; } // ADDITEMS
      case 0x91: this.pushContainer(new PySet(this.popMark(), true)); return true; // FROZENSET
      default: return false;
    }
  }

  /** Globals, calls, BUILD, persistent ids: all delegated to the hooks. */
  private objectOp(op: number): boolean {
    switch (op) {
      case 0x63: { const module = this.line(); const name = this.line(); this.push(this.hooks.resolveGlobal(module, name)); return true; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const [module, name] = this.popN(2);
        if (typeof module !== "string" || typeof name !== "string") throw this.fail("STACK_GLOBAL needs two strings");
        this.push(this.hooks.resolveGlobal(module, name));
        return true;
      }
      case 0x52: { const [f, args] = this.popN(2); this.push(this.hooks.call(f!, this.tupleItems(args!), this.opStart)); return true; } // REDUCE
      case 0x81: { const [cls, args] = this.popN(2); this.push(this.hooks.call(cls!, this.tupleItems(args!), this.opStart)); return true; } // NEWOBJ
      case 0x62: { const state = this.pop(); this.push(this.hooks.build(this.pop(), state, this.opStart)); return true; } // BUILD
      case 0x51: this.push(this.hooks.persistentLoad(this.pop(), this.opStart)); return true; // BINPERSID
      case 0x50: this.push(this.hooks.persistentLoad(this.line(), this.opStart)); return true; // PERSID
      default: return false;
    }
  }

  private setItems(dict: PyDict, kv: PickleValue[]): void {
    if (kv.length % 2 !== 0) throw this.fail("odd number of items for a dict");
    for (let i = 0; i < kv.length; i += 2) dict.set(kv[i]!, kv[i + 1]!);
  }

  private tupleItems(v: PickleValue): readonly PickleValue[] {
    if (!(v instanceof PyTuple)) throw this.fail("call arguments are not a tuple");
    return v.items;
  }

  private expectList(): PyList {
    const t = this.top();
    if (!(t instanceof PyList)) throw this.fail("APPEND to something that is not a list");
    return t;
  }

  private expectDict(): PyDict {
    const t = this.top();
    if (!(t instanceof PyDict)) throw this.fail("SETITEM on something that is not a dict");
    return t;
  }

  private expectSet(): PySet {
    const t = this.top();
    if (!(t instanceof PySet) || t.frozen) throw this.fail("ADDITEMS on something that is not a set");
    return t;
  }

  private push(v: PickleValue): void {
    if (++this.values > MAX_PICKLE_VALUES) {
      throw this.fail(`more than ${MAX_PICKLE_VALUES} values (the limit MAX_PICKLE_VALUES); a state dict needs far fewer`);
    }
    this.stack.push(v);
  }

  private pushContainer(v: PickleValue): void {
    this.countContainer();
    this.push(v);
  }

  private countContainer(): void {
    if (++this.containers > MAX_PICKLE_CONTAINERS) {
      throw this.fail(`more than ${MAX_PICKLE_CONTAINERS} containers or MARKs (the limit MAX_PICKLE_CONTAINERS); a state dict needs far fewer`);
    }
  }

  private intLength(n: number): number {
    if (n > MAX_PICKLE_INT_BYTES) throw this.fail(`integer of ${n} bytes is over the ${MAX_PICKLE_INT_BYTES}-byte limit (MAX_PICKLE_INT_BYTES)`);
    return n;
  }

  private top(): PickleValue {
    if (this.stack.length === 0) throw this.fail("stack underflow");
    return this.stack[this.stack.length - 1]!;
  }

  private pop(): PickleValue {
    if (this.stack.length === 0) throw this.fail("stack underflow");
    return this.stack.pop()!;
  }

  private popN(n: number): PickleValue[] {
    if (this.stack.length < n) throw this.fail("stack underflow");
    return this.stack.splice(this.stack.length - n, n);
  }

  private popMark(): PickleValue[] {
    const items = this.stack;
    const previous = this.marks.pop();
    if (previous === undefined) throw this.fail("no MARK to pop to");
    this.stack = previous;
    return items;
  }

  private memoGet(index: number): PickleValue {
    if (!this.memo.has(index)) throw this.fail(`memo entry ${index} read before it was written`);
    return this.memo.get(index)!;
  }

  private take(n: number): Uint8Array {
    if (this.pos + n > this.data.byteLength) throw this.fail("pickle ends in the middle of an opcode (truncated data.pkl)");
    const out = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private u8(): number { const v = this.take(1)[0]!; return v; }
  private u16(): number { this.take(2); return this.view.getUint16(this.pos - 2, true); }
  private u32(): number { this.take(4); return this.view.getUint32(this.pos - 4, true); }
  private i32(): number { this.take(4); return this.view.getInt32(this.pos - 4, true); }
  private f64(): number { this.take(8); return this.view.getFloat64(this.pos - 8, false); }

  private u64(): number {
    this.take(8);
    const v = this.view.getBigUint64(this.pos - 8, true);
    return this.length(v > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(v));
  }

  private length(n: number): number {
    if (n < 0 || n > this.data.byteLength - this.pos) throw this.fail(`length ${n} runs past the end of the pickle`);
    return n;
  }

  private utf8(n: number): string {
    const bytes = this.take(n);
    try {
      return textDecoder.decode(bytes);
    } catch {
      throw this.fail("string is not valid UTF-8");
    }
  }

  /** Little-endian two's complement integer of `n` bytes; a number when safe, else a bigint. Linear in `n`. */
  private long(n: number): number | bigint {
    const bytes = this.take(n);
    if (n === 0) return 0;
    // Hex text parsed once: shifting a BigInt byte by byte is quadratic in n.
    let hex = "";
    for (let i = n - 1; i >= 0; i--) hex += HEX_BYTES[bytes[i]!]!;
    let v = BigInt(`0x${hex}`);
    if (bytes[n - 1]! >= 0x80) v -= 1n << BigInt(8 * n);
    return toNumberIfSafe(v);
  }

  private line(): string {
    const end = this.data.indexOf(0x0a, this.pos);
    if (end < 0) throw this.fail("text argument without a newline (truncated data.pkl)");
    const text = latin1Decoder.decode(this.data.subarray(this.pos, end));
    this.pos = end + 1;
    return text;
  }

  private textInt(text: string): number | bigint | boolean {
    this.intLength(text.length);
    if (text === "00") return false;
    if (text === "01") return true;
    if (!/^[+-]?\d+$/.test(text)) throw this.fail(`bad integer literal ${JSON.stringify(text)}`);
    return toNumberIfSafe(BigInt(text));
  }

  private textFloat(text: string): number {
    const v = Number(text);
    if (Number.isNaN(v) && !/nan/i.test(text)) throw this.fail(`bad float literal ${JSON.stringify(text)}`);
    return v;
  }

  private textIndex(): number {
    const text = this.line();
    if (!/^\d+$/.test(text)) throw this.fail(`bad memo index ${JSON.stringify(text)}`);
    return Number(text);
  }
}

const HEX_BYTES: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** `target.push(...items)` without spreading (no argument-count limit). */
function appendAll(target: PickleValue[], items: readonly PickleValue[]): void {
  for (const v of items) target.push(v);
}

function toNumberIfSafe(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}
