// The report page's helpers: formatting, the log(1 + step) axis, decoding of packed arrays, the
// viridis colormap and the density atlas. No page state; everything else builds on these.
import type { EncodedArray, EncodedDensity } from "../data.js";
import type { XAXisComponentOption, YAXisComponentOption } from "echarts";

/** Largest quantised cell value of each density cell dtype. */
export const QMAX: Record<string, number> = { u8: 255, u16: 65535 };
const STEP_AXIS_NAME = "training step (log scale: log10(1 + step))";
export const VIRIDIS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"];
const KIND_COLORS: Record<string, string> = { mode_split: "#e8590c", mode_merge: "#7048e8", population_fork: "#d6336c", layer_fork: "#0c8599", change_point: "#5c940d" };
export const BRANCH_COLORS = ["#1c7ed6", "#e8590c", "#2b8a3e", "#ae3ec9", "#f08c00", "#0b7285"];
export const MODE_COLORS = ["#ff8787", "#ffd43b", "#ffffff", "#ff922b"];
export const TRACK_COLORS = ["#ffffff", "#ff6b6b", "#ffd43b", "#74c0fc", "#f783ac", "#ffa94d"];
export const MARK_COLOR = "#ff2d55";
export const VERDICT_COLORS: Record<string, string> = { "supported": "#2b8a3e", "not supported": "#c92a2a", "inconclusive": "#e67700" };

/** A decoded EncodedArray. */
export type DecodedArray = Uint8Array | Uint16Array | Float32Array;

export function xOf(step: number): number { return Math.log10(1 + step); }
export function stepOf(x: number): number { return Math.pow(10, x) - 1; }
export function fmtStep(s: number): string {
  s = Math.round(s);
  if (Math.abs(s) >= 1e6) return trimNum(s / 1e6) + "M";
  if (Math.abs(s) >= 1e3) return trimNum(s / 1e3) + "k";
  return String(s);
}
function trimNum(v: number): string { return String(Number(v.toPrecision(4))); }
export function fmtInt(v: number): string { return Math.round(v).toLocaleString("en-US"); }
export function fmtNum(v: number | null | undefined): string {
  if (v === null || v === undefined || !isFinite(v)) return "n/a";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}
export function fmtPct(v: number): string { return String(Number((v * 100).toPrecision(3))) + "%"; }
const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
/** Text made safe for HTML (element content and quoted attribute values). */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, function (c) { return ESCAPES[c]!; });
}
export function kindColor(kind: string): string { return KIND_COLORS[kind] || "#495057"; }

/** Column edges in x = log10(1 + step): midpoints between neighbours, half-gaps at the ends. */
export function columnEdges(steps: number[]): number[] {
  const xs = steps.map(xOf), n = xs.length, edges: number[] = new Array(n + 1);
  if (n === 0) return [0, 1];
  if (n === 1) return [xs[0]! - 0.5, xs[0]! + 0.5];
  for (let i = 1; i < n; i++) edges[i] = (xs[i - 1]! + xs[i]!) / 2;
  edges[0] = xs[0]! - (xs[1]! - xs[0]!) / 2;
  edges[n] = xs[n - 1]! + (xs[n - 1]! - xs[n - 2]!) / 2;
  return edges;
}
export function columnAt(edges: number[], x: number): number {
  let lo = 0, hi = edges.length - 2;
  if (x < edges[0]! || x > edges[edges.length - 1]!) return -1;
  while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (edges[mid]! <= x) lo = mid; else hi = mid - 1; }
  return lo;
}
export function stepAxis(steps: number[]): XAXisComponentOption {
  const edges = columnEdges(steps), min = edges[0]!, max = edges[edges.length - 1]!;
  const ticks = [0, 1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7].map(xOf).filter(function (x) { return x >= min && x <= max; });
  return {
    type: "value", min: min, max: max, name: STEP_AXIS_NAME, nameLocation: "middle", nameGap: 28,
    nameTextStyle: { color: "#5b6473" },
    axisLabel: { customValues: ticks, formatter: function (v: number) { return fmtStep(stepOf(v)); }, color: "#3d4656" },
    axisTick: { customValues: ticks }, splitLine: { show: false }, axisLine: { onZero: false, lineStyle: { color: "#8a93a3" } },
  };
}
/** Options a value axis may override (grid, gap, range, scale). */
export interface ValueAxisExtra {
  gridIndex?: number;
  nameGap?: number;
  min?: number;
  max?: number;
  scale?: boolean;
  minInterval?: number;
}

export function valueAxis(name: string, extra?: ValueAxisExtra): YAXisComponentOption {
  return { type: "value", name: name, nameLocation: "middle", nameGap: 50, scale: true, nameTextStyle: { color: "#5b6473" }, axisLine: { onZero: false },
    axisLabel: { color: "#3d4656", formatter: function (v: number) { return fmtNum(v); } }, splitLine: { lineStyle: { color: "#eef0f3" } }, ...extra };
}

function b64ToBytes(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s), n = bin.length, out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = bin.charCodeAt(i);
  return out;
}
function gunzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  if (typeof DecompressionStream === "undefined") return Promise.reject(new Error("this browser lacks DecompressionStream (needed to unpack the densities); use a current Chromium, Firefox or Safari"));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).arrayBuffer().then(function (b) { return new Uint8Array(b); });
}
const decodedCache = new WeakMap<EncodedArray, Promise<DecodedArray>>();
/** EncodedArray -> Promise of a typed array (cached per object). */
export function decodeArray(a: EncodedArray): Promise<DecodedArray> {
  const cached = decodedCache.get(a);
  if (cached) return cached;
  const bytes = b64ToBytes(a.data);
  const p = (a.encoding === "gzip-base64" ? gunzip(bytes) : Promise.resolve(bytes)).then(function (b): DecodedArray {
    const buf = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    if (a.dtype === "u8") return new Uint8Array(buf);
    if (a.dtype === "u16") return new Uint16Array(buf);
    return new Float32Array(buf);
  });
  decodedCache.set(a, p);
  return p;
}

function hexRgb(h: string): number[] { return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)]; }
const VIRIDIS_LUT = (function () {
  const stops = VIRIDIS.map(hexRgb), lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255 * (stops.length - 1), j = Math.min(stops.length - 2, Math.floor(t)), f = t - j;
    for (let ch = 0; ch < 3; ch++) lut[i * 3 + ch] = Math.round(stops[j]![ch]! * (1 - f) + stops[j + 1]![ch]! * f);
  }
  return lut;
})();
export function viridisCss(t: number): string {
  const i = Math.max(0, Math.min(255, Math.round(t * 255)));
  return "rgb(" + VIRIDIS_LUT[i * 3] + "," + VIRIDIS_LUT[i * 3 + 1] + "," + VIRIDIS_LUT[i * 3 + 2] + ")";
}

/** One canvas, columns x bins pixels, row 0 = highest value; colour = viridis(sqrt(count / column max)). */
export function densityAtlas(d: EncodedDensity, q: DecodedArray): HTMLCanvasElement {
  const cols = d.columns, bins = d.bins, qmax = QMAX[d.cells.dtype]!;
  const canvas = document.createElement("canvas");
  canvas.width = cols; canvas.height = bins;
  const ctx = canvas.getContext("2d")!, img = ctx.createImageData(cols, bins), px = img.data;
  const gamma = new Uint8Array(qmax + 1);
  for (let g = 0; g <= qmax; g++) gamma[g] = Math.round(Math.sqrt(g / qmax) * 255);
  for (let c = 0; c < cols; c++) {
    if (!(d.colMax[c]! > 0)) continue;
    for (let k = 0; k < bins; k++) {
      const li = gamma[q[c * bins + k]!]! * 3, idx = ((bins - 1 - k) * cols + c) * 4;
      px[idx] = VIRIDIS_LUT[li]!; px[idx + 1] = VIRIDIS_LUT[li + 1]!; px[idx + 2] = VIRIDIS_LUT[li + 2]!; px[idx + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}
/** Per-column PNG data URLs of an atlas (for SVG export, where image cropping is unavailable). */
export function atlasColumnUrls(atlas: HTMLCanvasElement): string[] {
  const urls: string[] = [], c1 = document.createElement("canvas");
  c1.width = 1; c1.height = atlas.height;
  const ctx = c1.getContext("2d")!;
  for (let c = 0; c < atlas.width; c++) {
    ctx.clearRect(0, 0, 1, atlas.height);
    ctx.drawImage(atlas, c, 0, 1, atlas.height, 0, 0, 1, atlas.height);
    urls.push(c1.toDataURL("image/png"));
  }
  return urls;
}
