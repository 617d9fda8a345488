// Bulk appends (store/append.ts): DOUBLE, BIGINT, INTEGER and VARCHAR columns are written straight
// into the data chunk's vectors, other kinds through node-api's conversions. Either way the table
// holds exactly the values handed over, NULLs where a cell is null or undefined, across chunks
// (the one native chunk is reused: a NULL of one chunk must not stay in the next), and a value of
// the wrong kind is refused with the same error as before.
import { test } from "node:test";
import assert from "node:assert/strict";
import { duckdb, type DuckDBConnection } from "../../src/store/duckdb.js";
import { APPEND_CHUNK_ROWS, appendRows, NumberList } from "../../src/store/append.js";
import { schemaStatements } from "../../src/store/schema.js";

async function memoryStore(): Promise<{ connection: DuckDBConnection; close(): void }> {
  const instance = await duckdb().DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  for (const sql of schemaStatements()) await connection.run(sql);
  return { connection, close: () => { connection.closeSync(); instance.closeSync(); } };
}

async function rowsOf(c: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await c.runAndReadAll(sql)).getRowObjectsJS();
}

/** Same value, bit for bit where it is a double (NaN, -0, subnormals), bigint read back as number. */
function assertSameCell(actual: unknown, expected: unknown, where: string): void {
  const a = typeof actual === "bigint" ? Number(actual) : actual;
  const e = expected === undefined ? null : expected;
  if (typeof e === "number" && typeof a === "number") {
    const bits = (x: number) => Buffer.from(new Float64Array([x]).buffer).toString("hex");
    assert.equal(bits(a), bits(e), `${where}: ${a} vs ${e}`);
  } else {
    assert.deepEqual(a, e, where);
  }
}

test("DOUBLE, BIGINT and VARCHAR cells come back exactly, NULLs where null or undefined, across chunk boundaries", async () => {
  const { connection: c, close } = await memoryStore();
  try {
    const doubles = [0, -0, NaN, Infinity, -Infinity, 5e-324, -1.7976931348623157e308, 0.1 + 0.2, null, undefined];
    const ints = [0, -1, 1, -(2 ** 53 - 1), 2 ** 53 - 1, 2 ** 32, -(2 ** 32) - 1, 4294967295, -2147483649, null];
    const texts = ["", "a", "αβγ ✓", "x".repeat(5000), '{"q":[1,2]}', null, undefined, "tab\there", "null", "NaN"];
    // more than one chunk; NULLs only in the first one, at positions on both sides of 64-bit mask words
    const n = APPEND_CHUNK_ROWS + 77;
    const events = Array.from({ length: n }, (_, i) => {
      const inFirst = i < APPEND_CHUNK_ROWS;
      const pick = <T>(xs: readonly T[]) => {
        const v = xs[(i * 7 + 3) % xs.length]!;
        return !inFirst && (v === null || v === undefined) ? xs[0]! : v;
      };
      return {
        run_id: "r", kind: i % 3 === 0 ? "change_point" : "mode_split", tensor: pick(texts), step: pick(ints), step_low: i - 1000, step_high: inFirst && i % 65 === 63 ? null : i,
        strength: pick(doubles), evidence_json: `{"i":${i}}`, detector_json: "{}", artefact: inFirst && i % 64 === 0 ? null : `rule-${i % 5}`,
      };
    });
    await appendRows(c, "events", events);
    const back = await rowsOf(c, "SELECT * FROM events");
    assert.equal(back.length, n);
    for (let i = 0; i < n; i++) {
      for (const [key, expected] of Object.entries(events[i]!)) assertSameCell(back[i]![key], expected, `row ${i} ${key}`);
    }
    assert.ok(back.slice(APPEND_CHUNK_ROWS).every((r) => r.tensor !== null && r.step !== null && r.strength !== null && r.step_high !== null && r.artefact !== null), "no NULL carried into the second chunk");
    assert.ok(back.slice(0, APPEND_CHUNK_ROWS).some((r) => r.strength === null) && back.some((r) => r.tensor === null), "the first chunk has NULLs");
  } finally {
    close();
  }
});

test("INTEGER cells (with NULLs), BOOLEAN and TIMESTAMP (node-api's path) come back exactly", async () => {
  const { connection: c, close } = await memoryStore();
  try {
    const at = new Date("2026-01-02T03:04:05.678Z");
    const checkpoints = [-2147483648, 2147483647, 0, -7, 12].map((n, i) => ({
      run_id: "r", step: i, label: `s${i}`, path: `/p/${i}`, format: "safetensors", n_tensors: n, total_bytes: 2 ** 40 + i, complete: i % 2 === 0, analyzed_at: i === 3 ? null : at,
    }));
    await appendRows(c, "checkpoints", checkpoints);
    const back = await rowsOf(c, "SELECT step, n_tensors, complete, epoch_ms(analyzed_at) AS ms, total_bytes FROM checkpoints ORDER BY step");
    assert.deepEqual(back.map((r) => [Number(r.step), r.n_tensors, r.complete, r.ms === null ? null : Number(r.ms), Number(r.total_bytes)]),
      checkpoints.map((r) => [r.step, r.n_tensors, r.complete, r.analyzed_at === null ? null : at.getTime(), r.total_bytes]));
    const layers = [null, 0, -3, 11, undefined];
    await appendRows(c, "buffers", layers.map((_, i) => ({ run_id: "r", step: 1, tensor: `b${i}`, dtype: "f32", shape_json: "[1]", numel: i, role: "other" })));
    const metrics = [1.5, null, -0].map((value, i) => ({ run_id: "r", step: i, source: "s", name: `m${i}`, value }));
    await appendRows(c, "metrics", metrics);
    assert.deepEqual((await rowsOf(c, "SELECT value FROM metrics ORDER BY step")).map((r) => (r.value === null ? null : Object.is(r.value, -0) ? "-0" : r.value)), [1.5, null, "-0"]);
    assert.equal((await rowsOf(c, "SELECT count(*) AS n FROM buffers"))[0]!.n, 5n);
  } finally {
    close();
  }
});

test("a cell of the wrong kind is refused as before: a non-integer BIGINT names its column; bigint cells still go in", async () => {
  const { connection: c, close } = await memoryStore();
  try {
    await assert.rejects(appendRows(c, "metrics", [{ run_id: "r", step: 1.5, source: "s", name: "m", value: 1 }]), /metrics\.step: 1\.5 is not an integer/);
    await appendRows(c, "metrics", [{ run_id: "r", step: 2n ** 60n, source: "s", name: "big", value: 2 }]);
    assert.deepEqual(await rowsOf(c, "SELECT step, name FROM metrics"), [{ step: 2n ** 60n, name: "big" }]);
  } finally {
    close();
  }
});

test("LIST(INTEGER) and LIST(BIGINT) lists come back exactly: reused row scratch and entries leave nothing of an earlier row or chunk", async () => {
  const { connection: c, close } = await memoryStore();
  try {
    // first append: long rows, counts with high 32-bit halves set, keys in plain arrays (the
    // scratch path) and in Int32Array views at a byte offset; more rows than one chunk
    const big = (i: number, n: number) => Array.from({ length: n }, (_, j) => 2 ** 52 + 2 ** 33 * j + i + 1);
    const first = Array.from({ length: APPEND_CHUNK_ROWS + 5 }, (_, i) => {
      const n = i % 7 === 3 ? 0 : 300 + (i % 11) * 37;
      const keys = Array.from({ length: n }, (_, j) => -2147483648 + 1000 * j + i);
      const backing = new Int32Array(n + 3);
      backing.set(keys, 3);
      return { run_id: "r", step: 0, tensor: `t${i}`, keys: new NumberList(i % 2 === 0 ? keys : backing.subarray(3)), counts: new NumberList(i % 3 === 0 ? big(i, n) : Float64Array.from(big(i, n))), expected: { keys, counts: big(i, n) } };
    });
    // second append: short rows of small counts and keys, written over the scratch the long rows grew
    const second = Array.from({ length: 40 }, (_, i) => {
      const n = 1 + (i % 5);
      const keys = Array.from({ length: n }, (_, j) => 2147483647 - j * 3 - i);
      const counts = Array.from({ length: n }, (_, j) => j + i);
      return { run_id: "r", step: 1, tensor: `t${i}`, keys: new NumberList(i % 2 === 0 ? keys : Int32Array.from(keys)), counts: new NumberList(Float64Array.from(counts)), expected: { keys, counts } };
    });
    for (const rows of [first, second]) await appendRows(c, "histograms", rows.map(({ expected: _e, ...r }) => r));
    const back = await rowsOf(c, "SELECT step, tensor, keys, counts FROM histograms");
    assert.equal(back.length, first.length + second.length);
    const got = new Map(back.map((r) => [`${Number(r.step)}/${r.tensor as string}`, r]));
    for (const r of [...first, ...second]) {
      const b = got.get(`${r.step}/${r.tensor}`)!;
      assert.deepEqual(b.keys, r.expected.keys, `${r.step}/${r.tensor} keys`);
      assert.deepEqual((b.counts as unknown[]).map((v) => Number(v)), r.expected.counts, `${r.step}/${r.tensor} counts`);
    }
  } finally {
    close();
  }
});
