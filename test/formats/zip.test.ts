// Zip reader: classic and zip64 directories, comments, data ranges from local headers, reads
// bounded to the directory and the needed headers, and refusal of inconsistent archives.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ZipArchive } from "../../src/formats/pytorch/zip.js";
import type { ByteSource } from "../../src/io/byte-source.js";
import { MemorySource } from "../../src/io/memory-source.js";
import { PytorchFormatError } from "../../src/util/errors.js";
import { fixtureSource, writeZip } from "./pytorch-test-helpers.js";

const enc = new TextEncoder();
const ENTRIES = [
  { name: "a/data.pkl", data: enc.encode("pickle bytes") },
  { name: "a/data/0", data: Uint8Array.from({ length: 300 }, (_, i) => i & 0xff) },
  { name: "a/ünïcode", data: new Uint8Array(0) },
];

/** Records every read, to check that the reader never loads the whole file. */
class RecordingSource implements ByteSource {
  readonly reads: Array<[number, number]> = [];
  constructor(private readonly inner: ByteSource) {}
  get name(): string { return this.inner.name; }
  get size(): number { return this.inner.size; }
  read(offset: number, length: number): Promise<Uint8Array> { this.reads.push([offset, length]); return this.inner.read(offset, length); }
  close(): Promise<void> { return this.inner.close(); }
}

for (const [zip64, comment] of [[false, ""], [true, ""], [false, "PK\x05\x06 fake"], [true, `${"c".repeat(2000)}PK\x05\x06`]] as const) {
  test(`${zip64 ? "zip64" : "classic"} archive, ${comment.length}-byte comment${comment.includes("PK") ? " holding a fake EOCD signature" : ""}: entries and data ranges`, async () => {
    const bytes = writeZip(ENTRIES, { zip64, comment });
    const zip = await ZipArchive.open(new MemorySource(bytes, "t.zip"));
    assert.deepEqual([...zip.entries.keys()], ENTRIES.map((e) => e.name));
    for (const e of ENTRIES) {
      const entry = zip.entry(e.name);
      assert.equal(entry.uncompressedSize, e.data.byteLength);
      const range = await zip.storedRange(entry);
      assert.deepEqual(bytes.subarray(range.offset, range.offset + range.length), e.data);
      assert.deepEqual(await zip.readSmallEntry(entry, 1000), e.data);
    }
  });
}

test("opening a torch archive reads only the tail and the central directory", async () => {
  const src = new RecordingSource(fixtureSource("pythia_small.pt"));
  const zip = await ZipArchive.open(src);
  assert.ok(zip.entries.size > 40);
  const total = src.reads.reduce((a, [, n]) => a + n, 0);
  assert.ok(total < src.size / 2, `read ${total} of ${src.size} bytes`);
  assert.ok(src.reads.every(([o, n]) => o + n <= src.size));
});

test("torch aligns entry data to 64 bytes with local extra fields; ranges come from local headers", async () => {
  const zip = await ZipArchive.open(fixtureSource("pythia_small.pt"));
  for (const entry of zip.entries.values()) {
    const range = await zip.storedRange(entry);
    assert.equal(range.offset % 64, 0, entry.name);
  }
});

test("readSmallEntry enforces its size limit; missing entries are named", async () => {
  const zip = await ZipArchive.open(new MemorySource(writeZip(ENTRIES), "t.zip"));
  await assert.rejects(zip.readSmallEntry(zip.entry("a/data/0"), 100), /"a\/data\/0" is 300 bytes, over the 100-byte limit/);
  assert.throws(() => zip.entry("a/nope", "w"), (err: unknown) => err instanceof PytorchFormatError && err.tensor === "w" && /"a\/nope" is missing/.test(err.message));
});

test("entries outside the data area, duplicate names and wrong local headers are refused", async () => {
  const base = writeZip(ENTRIES);
  const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const cdStart = view(base).getUint32(base.byteLength - 22 + 16, true);
  const second = cdStart + 46 + "a/data.pkl".length; // central header of "a/data/0"
  const cases: Array<[string, (b: Uint8Array) => void, RegExp, boolean]> = [
    ["size past the directory", (b) => view(b).setUint32(second + 20, 100000, true), /lies outside the data area/, false],
    ["local header offset wrong", (b) => view(b).setUint32(second + 42, 3, true), /no local header at offset 3/, true],
    ["central header signature", (b) => view(b).setUint32(second, 0, true), /central directory entry 1 .* malformed/, false],
  ];
  const twins = writeZip([{ name: "x/1", data: enc.encode("a") }, { name: "x/2", data: enc.encode("b") }]);
  twins.set(enc.encode("x/1"), view(twins).getUint32(twins.byteLength - 22 + 16, true) + 46 + 3 + 46);
  await assert.rejects(ZipArchive.open(new MemorySource(twins, "t.zip")), /zip entry "x\/1" appears twice/);
  for (const [what, corrupt, pattern, atDataRead] of cases) {
    const b = base.slice();
    corrupt(b);
    const opening = ZipArchive.open(new MemorySource(b, "t.zip"));
    if (!atDataRead) {
      await assert.rejects(opening, (err: unknown) => err instanceof PytorchFormatError && pattern.test(err.message) && err.message.startsWith("t.zip: "), what);
    } else {
      const zip = await opening;
      await assert.rejects(zip.storedRange(zip.entry("a/data/0")), pattern, what);
    }
  }
});
