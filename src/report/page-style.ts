// The report page's stylesheet (inlined): system fonts only, dark text on a light page.

export const PAGE_CSS = String.raw`
:root {
  --fg: #1d2330; --muted: #5b6473; --line: #e3e6ec; --bg: #f6f7f9; --card: #ffffff;
  --accent: #3b5bdb; --warn-bg: #fff4e5; --warn-fg: #8a4b00; --err-bg: #fdecec; --err-fg: #9b1c1c;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--fg); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; line-height: 1.45; font-size: 14px; }
header.fp-header { background: var(--card); border-bottom: 1px solid var(--line); padding: 14px 28px 10px; position: sticky; top: 0; z-index: 20; }
.fp-brand { font-size: 12px; letter-spacing: .08em; text-transform: uppercase; color: var(--muted); }
h1 { font-size: 20px; margin: 2px 0 4px; font-weight: 650; }
h2 { font-size: 17px; margin: 0 0 4px; font-weight: 650; }
.fp-sub { color: var(--muted); margin: 0 0 14px; max-width: 72ch; }
nav.fp-nav { display: flex; gap: 16px; flex-wrap: wrap; font-size: 13px; margin-top: 4px; }
nav.fp-nav a { color: var(--accent); text-decoration: none; }
nav.fp-nav a:hover { text-decoration: underline; }
.fp-meta { color: var(--muted); font-size: 13px; display: flex; gap: 14px; flex-wrap: wrap; align-items: center; }
main { padding: 18px 28px 40px; max-width: 1500px; margin: 0 auto; }
section.fp-section { margin: 0 0 34px; scroll-margin-top: 110px; }
.fp-banner { margin: 8px 0 0; padding: 10px 14px; border-radius: 6px; background: var(--err-bg); color: var(--err-fg); border: 1px solid #f3b7b7; display: flex; gap: 12px; align-items: flex-start; }
.fp-banner[hidden] { display: none; }
.fp-banner.fp-info { background: #e8f1ff; color: #1c3d8a; border-color: #b9cff5; }
.fp-banner button { margin-left: auto; }
.fp-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin-bottom: 14px; }
.fp-stat { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.fp-stat b { display: block; font-size: 22px; font-weight: 650; font-variant-numeric: tabular-nums; }
.fp-stat span { color: var(--muted); font-size: 12px; }
.fp-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 14px; }
.fp-grid.fp-small { grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); }
figure.fp-card { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px 6px; position: relative; min-width: 0; }
figure.fp-card figcaption { font-size: 13px; display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
figure.fp-card figcaption b { font-weight: 600; overflow-wrap: anywhere; }
.fp-legend { color: var(--muted); font-size: 12px; }
.fp-chart { width: 100%; height: 320px; }
.fp-small .fp-chart { height: 230px; }
.fp-grid.fp-wide { grid-template-columns: 1fr; }
.fp-wide .fp-chart { height: 240px; }
.fp-wide figure[data-chart="phase"] .fp-chart { height: 520px; }
.fp-leading { border-collapse: collapse; font-size: 13px; margin: 4px 0 10px; }
.fp-leading td, .fp-leading th { padding: 2px 10px 2px 0; text-align: left; }
.fp-chart:not([data-rendered]) { background: repeating-linear-gradient(90deg, #f3f4f7 0 12px, #f7f8fa 12px 24px); border-radius: 4px; }
.fp-tooltip { position: absolute; pointer-events: none; background: rgba(29,35,48,.92); color: #fff; font-size: 12px; padding: 6px 8px; border-radius: 4px; white-space: nowrap; z-index: 5; font-variant-numeric: tabular-nums; }
.fp-tooltip[hidden] { display: none; }
.fp-picker { display: flex; gap: 10px; flex-wrap: wrap; align-items: center; margin: 0 0 12px; }
.fp-picker input, .fp-picker select, .fp-meta select { font: inherit; padding: 5px 8px; border: 1px solid #cfd4dc; border-radius: 6px; background: #fff; color: var(--fg); }
.fp-picker input[type=search] { min-width: 280px; }
.fp-count { color: var(--muted); font-size: 13px; }
button.fp-more { font: inherit; padding: 6px 14px; border-radius: 6px; border: 1px solid #cfd4dc; background: #fff; cursor: pointer; margin-top: 12px; }
.fp-empty { color: var(--muted); font-style: italic; }
table.fp-table { border-collapse: collapse; font-size: 13px; width: 100%; background: var(--card); }
table.fp-table th, table.fp-table td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); }
table.fp-table th { color: var(--muted); font-weight: 600; }
table.fp-table td { vertical-align: top; }
h3 { font-size: 15px; margin: 18px 0 8px; font-weight: 650; }
.fp-q { color: var(--muted); font-size: 12px; max-width: 36ch; }
.fp-est { font-variant-numeric: tabular-nums; white-space: nowrap; }
.fp-badge { display: inline-block; padding: 2px 8px; border-radius: 10px; color: #fff; font-size: 12px; font-weight: 600; white-space: nowrap; }
footer { color: var(--muted); font-size: 12px; padding: 0 28px 28px; text-align: center; }
`;
