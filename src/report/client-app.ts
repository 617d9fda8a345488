// Browser code of the report, part 3: page state, sections, the tensor picker, lazy chart
// rendering (IntersectionObserver), hover read-outs, SVG export, live updates over SSE and the
// readiness timestamps (window.__reportReady) that the benchmark and tests read.

export const CLIENT_APP_JS = String.raw`
var CFG = JSON.parse(document.getElementById("fp-config").textContent);
var DATA = null;
var PAGE_SIZE = 12;
var state = { run: 0, filter: "", kind: "all", limit: PAGE_SIZE, role: null };
var registry = {};
var ready = window.__reportReady = window.__reportReady || {};
ready.parsed = null; ready.firstChart = null; ready.visibleDrawn = null; ready.charts = 0;
var live = window.__fpLive = { enabled: !!CFG.live, connected: false, updates: 0, errors: [] };
var observer = new IntersectionObserver(onIntersect, { rootMargin: "200px 0px" });
var firstBatch = null;

function run() { return DATA.runs[state.run]; }
function $(id) { return document.getElementById(id); }
function showBanner(msg, info) {
  var b = $("fp-banner");
  b.className = "fp-banner" + (info ? " fp-info" : "");
  b.innerHTML = "<span>" + esc(msg) + "</span><button type=button aria-label=dismiss>dismiss</button>";
  b.hidden = false;
  b.querySelector("button").onclick = function () { b.hidden = true; };
}

/** A chart card: figure[data-chart] holding a lazily rendered .fp-chart and a read-out box. */
function card(key, title, legend, attrs) {
  var extra = "";
  for (var a in attrs || {}) extra += " " + a + "=\"" + esc(attrs[a]) + "\"";
  return "<figure class=fp-card data-chart=\"" + esc(key) + "\"" + extra + "><figcaption><b>" + esc(title) + "</b><span class=fp-legend>" +
    esc(legend) + "</span></figcaption><div class=fp-chart></div><div class=fp-tooltip hidden></div></figure>";
}
/** Registers chart builders for the cards just inserted under root and observes them. */
function mount(root, specs) {
  root.querySelectorAll("figure[data-chart]").forEach(function (fig) {
    var key = fig.getAttribute("data-chart"), spec = specs[key];
    if (!spec) return;
    disposeEntry(key);
    registry[key] = { key: key, fig: fig, el: fig.querySelector(".fp-chart"), spec: spec, chart: null, sig: spec.sig() };
    observer.observe(registry[key].el);
  });
}
function disposeEntry(key) {
  var e = registry[key];
  if (!e) return;
  observer.unobserve(e.el);
  if (e.chart) e.chart.dispose();
  delete registry[key];
}
function disposeUnder(root) {
  Object.keys(registry).forEach(function (k) { if (root.contains(registry[k].fig)) disposeEntry(k); });
}
function entryOf(el) {
  for (var k in registry) if (registry[k].el === el) return registry[k];
  return null;
}
function onIntersect(entries) {
  var batch = [];
  entries.forEach(function (en) {
    if (!en.isIntersecting) return;
    var e = entryOf(en.target);
    if (e && !e.chart && !e.pending) batch.push(renderEntry(e));
  });
  if (firstBatch === null) {
    firstBatch = Promise.all(batch).then(function () {
      requestAnimationFrame(function () { requestAnimationFrame(function () {
        ready.visibleDrawn = performance.now();
        document.body.setAttribute("data-ready", "1");
      }); });
    });
  }
}
function renderEntry(e) {
  e.pending = (e.spec.prepare ? e.spec.prepare() : Promise.resolve(null)).then(function (prep) {
    e.pending = null;
    if (!registry[e.key] || registry[e.key] !== e) return;
    e.prep = prep;
    if (!e.chart) e.chart = echarts.init(e.el, null, { renderer: "canvas" });
    e.chart.setOption(e.spec.build(prep, {}), true);
    if (e.spec.after && !e.hooked) { e.spec.after(e); e.hooked = true; }
    e.el.setAttribute("data-rendered", "1");
    if (e.spec.columns) e.fig.setAttribute("data-columns", String(e.spec.columns()));
    ready.charts++;
    if (ready.firstChart === null) ready.firstChart = performance.now();
  }).catch(function (err) { e.pending = null; showBanner("Chart " + e.key + " failed: " + err.message); });
  return e.pending;
}

function downloadSvg(key) {
  var svg = svgString(key), a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
  a.download = key.replace(/[^A-Za-z0-9._-]+/g, "_") + ".svg";
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(function () { URL.revokeObjectURL(a.href); }, 5000);
}
/** Renders a chart once more with the SVG renderer and returns the SVG text. */
function svgString(key) {
  var e = registry[key];
  if (!e || !e.chart) throw new Error("chart " + key + " is not rendered");
  var w = e.el.clientWidth, h = e.el.clientHeight, div = document.createElement("div");
  div.style.cssText = "position:absolute;left:-20000px;top:0;width:" + w + "px;height:" + h + "px";
  document.body.appendChild(div);
  var c = echarts.init(div, null, { renderer: "svg", width: w, height: h });
  var opt = e.spec.build(e.prep, { svg: true });
  delete opt.toolbox;
  c.setOption(opt);
  var s = c.renderToSVGString();
  c.dispose(); div.remove();
  return s;
}

/** Hover read-out of a bifurcation heatmap: step, value and count of the cell under the mouse. */
function attachReadout(e, t) {
  var tip = e.fig.querySelector(".fp-tooltip");
  e.chart.getZr().on("mousemove", function (ev) {
    var d = t.density, p = [ev.offsetX, ev.offsetY], q = e.prep && e.prep.q;
    if (!q || !e.chart.containPixel({ gridIndex: 0 }, p)) { tip.hidden = true; return; }
    var v = e.chart.convertFromPixel({ gridIndex: 0 }, p), steps = run().steps;
    var c = columnAt(columnEdges(steps), v[0]), w = (d.hi - d.lo) / d.bins, k = Math.floor((v[1] - d.lo) / w);
    if (c < 0 || c >= d.columns || k < 0 || k >= d.bins) { tip.hidden = true; return; }
    var count = q[c * d.bins + k] / QMAX[d.cells.dtype] * d.colMax[c], total = d.colTotal[c] + d.colOutside[c];
    var centre = d.lo + (k + 0.5) * w;
    tip.innerHTML = "<b>step " + fmtInt(steps[c]) + "</b> · value " + fmtNum(centre) + "<br>count ≈ " + fmtNum(count) +
      " · density " + (total > 0 ? fmtNum(count / total / w) : "n/a") + " per unit";
    tip.setAttribute("data-step", String(steps[c]));
    tip.setAttribute("data-value", String(centre));
    tip.hidden = false;
    var box = e.el.getBoundingClientRect(), left = p[0] + 14, top = p[1] + 14;
    if (left + tip.offsetWidth > box.width) left = p[0] - tip.offsetWidth - 10;
    tip.style.left = (left + e.el.offsetLeft) + "px";
    tip.style.top = (top + e.el.offsetTop) + "px";
  });
  e.chart.getZr().on("globalout", function () { tip.hidden = true; });
}

window.addEventListener("resize", function () {
  for (var k in registry) if (registry[k].chart) registry[k].chart.resize();
});

window.__fp = {
  registry: registry,
  svgString: svgString,
  heatmaps: function () {
    return Object.keys(registry).filter(function (k) { return k.indexOf("heat:") === 0 && registry[k].chart; }).map(function (k) {
      var series = registry[k].chart.getOption().series;
      var ids = function (prefix) { return series.filter(function (s) { return String(s.id || "").indexOf(prefix) === 0; }); };
      return { tensor: k.slice(5), densitySeries: series.filter(function (s) { return s.type === "custom" && s.name === "density"; }).length, series: series.length,
        modeTracks: ids("mode:").map(function (s) { return { name: s.name, points: s.data.length }; }), branchTracks: ids("branch:").length,
        modeMarks: ids("mode-marks").reduce(function (n, s) { return n + s.data.length; }, 0) };
    });
  },
  setFilter: function (text) { $("fp-search").value = text; state.filter = text; state.limit = PAGE_SIZE; renderBifurcation(); }
};
`;
