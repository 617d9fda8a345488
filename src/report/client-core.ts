// Browser code of the report, part 1 (inlined as text, runs inside one IIFE with the other
// parts): formatting, the log(1 + step) axis, decoding of packed arrays, the viridis colormap
// and the density atlas. Plain ES2020 without template literals, so it can live in String.raw.

export const CLIENT_CORE_JS = String.raw`
var QMAX = { u8: 255, u16: 65535 };
var STEP_AXIS_NAME = "training step (log scale: log10(1 + step))";
var VIRIDIS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"];
var KIND_COLORS = { mode_split: "#e8590c", mode_merge: "#7048e8", population_fork: "#d6336c", layer_fork: "#0c8599", change_point: "#5c940d" };
var BRANCH_COLORS = ["#1c7ed6", "#e8590c", "#2b8a3e", "#ae3ec9", "#f08c00", "#0b7285"];
var MODE_COLORS = ["#ff8787", "#ffd43b", "#ffffff", "#ff922b"];
var TRACK_COLORS = ["#ffffff", "#ff6b6b", "#ffd43b", "#74c0fc", "#f783ac", "#ffa94d"];
var MARK_COLOR = "#ff2d55";
var VERDICT_COLORS = { "supported": "#2b8a3e", "not supported": "#c92a2a", "inconclusive": "#e67700" };

function xOf(step) { return Math.log10(1 + step); }
function stepOf(x) { return Math.pow(10, x) - 1; }
function fmtStep(s) {
  s = Math.round(s);
  if (Math.abs(s) >= 1e6) return trimNum(s / 1e6) + "M";
  if (Math.abs(s) >= 1e3) return trimNum(s / 1e3) + "k";
  return String(s);
}
function trimNum(v) { return String(Number(v.toPrecision(4))); }
function fmtInt(v) { return Math.round(v).toLocaleString("en-US"); }
function fmtNum(v) {
  if (v === null || v === undefined || !isFinite(v)) return "n/a";
  var a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}
function esc(s) {
  return String(s).replace(/[&<>"']/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
  });
}
function kindColor(kind) { return KIND_COLORS[kind] || "#495057"; }

/** Column edges in x = log10(1 + step): midpoints between neighbours, half-gaps at the ends. */
function columnEdges(steps) {
  var xs = steps.map(xOf), n = xs.length, edges = new Array(n + 1);
  if (n === 0) return [0, 1];
  if (n === 1) return [xs[0] - 0.5, xs[0] + 0.5];
  for (var i = 1; i < n; i++) edges[i] = (xs[i - 1] + xs[i]) / 2;
  edges[0] = xs[0] - (xs[1] - xs[0]) / 2;
  edges[n] = xs[n - 1] + (xs[n - 1] - xs[n - 2]) / 2;
  return edges;
}
function columnAt(edges, x) {
  var lo = 0, hi = edges.length - 2;
  if (x < edges[0] || x > edges[edges.length - 1]) return -1;
  while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (edges[mid] <= x) lo = mid; else hi = mid - 1; }
  return lo;
}
function stepAxis(steps) {
  var edges = columnEdges(steps), min = edges[0], max = edges[edges.length - 1];
  var ticks = [0, 1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7].map(xOf).filter(function (x) { return x >= min && x <= max; });
  return {
    type: "value", min: min, max: max, name: STEP_AXIS_NAME, nameLocation: "middle", nameGap: 28,
    nameTextStyle: { color: "#5b6473" },
    axisLabel: { customValues: ticks, formatter: function (v) { return fmtStep(stepOf(v)); }, color: "#3d4656" },
    axisTick: { customValues: ticks }, splitLine: { show: false }, axisLine: { onZero: false, lineStyle: { color: "#8a93a3" } }
  };
}
function valueAxis(name, extra) {
  var a = { type: "value", name: name, nameLocation: "middle", nameGap: 50, scale: true, nameTextStyle: { color: "#5b6473" }, axisLine: { onZero: false },
    axisLabel: { color: "#3d4656", formatter: function (v) { return fmtNum(v); } }, splitLine: { lineStyle: { color: "#eef0f3" } } };
  for (var k in extra || {}) a[k] = extra[k];
  return a;
}

function b64ToBytes(s) {
  var bin = atob(s), n = bin.length, out = new Uint8Array(n);
  for (var i = 0; i < n; i++) out[i] = bin.charCodeAt(i);
  return out;
}
function gunzip(bytes) {
  if (typeof DecompressionStream === "undefined") return Promise.reject(new Error("this browser lacks DecompressionStream (needed to unpack the densities); use a current Chromium, Firefox or Safari"));
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).arrayBuffer().then(function (b) { return new Uint8Array(b); });
}
var decodedCache = new WeakMap();
/** EncodedArray -> Promise of a typed array (cached per object). */
function decodeArray(a) {
  if (decodedCache.has(a)) return decodedCache.get(a);
  var bytes = b64ToBytes(a.data);
  var p = (a.encoding === "gzip-base64" ? gunzip(bytes) : Promise.resolve(bytes)).then(function (b) {
    var buf = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    if (a.dtype === "u8") return new Uint8Array(buf);
    if (a.dtype === "u16") return new Uint16Array(buf);
    return new Float32Array(buf);
  });
  decodedCache.set(a, p);
  return p;
}

function hexRgb(h) { return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)]; }
var VIRIDIS_LUT = (function () {
  var stops = VIRIDIS.map(hexRgb), lut = new Uint8Array(256 * 3);
  for (var i = 0; i < 256; i++) {
    var t = i / 255 * (stops.length - 1), j = Math.min(stops.length - 2, Math.floor(t)), f = t - j;
    for (var ch = 0; ch < 3; ch++) lut[i * 3 + ch] = Math.round(stops[j][ch] * (1 - f) + stops[j + 1][ch] * f);
  }
  return lut;
})();
function viridisCss(t) {
  var i = Math.max(0, Math.min(255, Math.round(t * 255)));
  return "rgb(" + VIRIDIS_LUT[i * 3] + "," + VIRIDIS_LUT[i * 3 + 1] + "," + VIRIDIS_LUT[i * 3 + 2] + ")";
}

/** One canvas, columns x bins pixels, row 0 = highest value; colour = viridis(sqrt(count / column max)). */
function densityAtlas(d, q) {
  var cols = d.columns, bins = d.bins, qmax = QMAX[d.cells.dtype];
  var canvas = document.createElement("canvas");
  canvas.width = cols; canvas.height = bins;
  var ctx = canvas.getContext("2d"), img = ctx.createImageData(cols, bins), px = img.data;
  var gamma = new Uint8Array(qmax + 1);
  for (var g = 0; g <= qmax; g++) gamma[g] = Math.round(Math.sqrt(g / qmax) * 255);
  for (var c = 0; c < cols; c++) {
    if (!(d.colMax[c] > 0)) continue;
    for (var k = 0; k < bins; k++) {
      var li = gamma[q[c * bins + k]] * 3, idx = ((bins - 1 - k) * cols + c) * 4;
      px[idx] = VIRIDIS_LUT[li]; px[idx + 1] = VIRIDIS_LUT[li + 1]; px[idx + 2] = VIRIDIS_LUT[li + 2]; px[idx + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}
/** Per-column PNG data URLs of an atlas (for SVG export, where image cropping is unavailable). */
function atlasColumnUrls(atlas) {
  var urls = [], c1 = document.createElement("canvas");
  c1.width = 1; c1.height = atlas.height;
  var ctx = c1.getContext("2d");
  for (var c = 0; c < atlas.width; c++) {
    ctx.clearRect(0, 0, 1, atlas.height);
    ctx.drawImage(atlas, c, 0, 1, atlas.height, 0, 0, 1, atlas.height);
    urls.push(c1.toDataURL("image/png"));
  }
  return urls;
}
`;
