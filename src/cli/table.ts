// The one table printer of the CLI (`stats`, `events`, `metrics`, `correlate`): columns padded to
// their widest cell, two spaces apart, left- or right-aligned per column, trailing spaces trimmed.
// Presentation only: the rows come from the library, already as strings.
import { say } from "./terminal.js";

export type Align = "left" | "right";

export interface Column {
  header: string;
  /** Default left; numbers read best right-aligned. */
  align?: Align;
}

/** The table's lines: the header, then one line per row (each row has one cell per column). */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string[] {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => cellOf(r, i).length)));
  const line = (cells: readonly string[]): string =>
    columns.map((c, i) => (c.align === "right" ? cellOf(cells, i).padStart(widths[i] ?? 0) : cellOf(cells, i).padEnd(widths[i] ?? 0))).join("  ").trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)];
}

/** Prints formatTable's lines (control characters in cells escaped by `say`). */
export function printTable(columns: readonly Column[], rows: readonly (readonly string[])[]): void {
  for (const l of formatTable(columns, rows)) say(l);
}

/** A statistic in a table cell: 4 decimals, exponent form for large or tiny values, "-" when absent. */
export function formatStat(x: number | null | undefined): string {
  if (x === null || x === undefined) return "-";
  return Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : x.toFixed(4);
}

function cellOf(cells: readonly string[], i: number): string {
  return cells[i] ?? "";
}
