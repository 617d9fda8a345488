// The CLI's one table printer: widths from the widest cell, per-column alignment, two spaces
// between columns, trailing spaces trimmed; and the number format of its statistic cells.
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatStat, formatTable } from "../../src/cli/table.js";

test("formatTable pads each column to its widest cell, right-aligns where asked and trims the line end", () => {
  const lines = formatTable([{ header: "tensor" }, { header: "step", align: "right" }, { header: "detail" }], [
    ["a.weight", "7", "x"],
    ["b", "1000", "longer detail"],
  ]);
  assert.deepEqual(lines, [
    "tensor    step  detail",
    "a.weight     7  x",
    "b         1000  longer detail",
  ]);
});

test("formatTable gives a header line alone for no rows, and an empty cell for a short row", () => {
  assert.deepEqual(formatTable([{ header: "run" }, { header: "n", align: "right" }], []), ["run  n"]);
  assert.deepEqual(formatTable([{ header: "run" }, { header: "points", align: "right" }], [["r1"]]), ["run  points", "r1"]);
});

test("formatStat: 4 decimals, exponent form outside [1e-3, 1e4), a dash for a missing value", () => {
  assert.equal(formatStat(0.5), "0.5000");
  assert.equal(formatStat(0), "0.0000");
  assert.equal(formatStat(12340), "1.234e+4");
  assert.equal(formatStat(-0.0001234), "-1.234e-4");
  assert.equal(formatStat(null), "-");
  assert.equal(formatStat(undefined), "-");
});
