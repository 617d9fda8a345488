// What the TensorBoard export writes for each stored row, and under which tag (documented in
// the README): histograms, statistics as scalars, events as Markdown text, metrics. Pure.
import type { EventRecord, GroupKind, StatValues } from "../types.js";
import type { SummaryItem } from "./event-stream.js";
import { histogramBuckets } from "./summaries.js";

/** Tags of everything the export writes. */
export const TENSORBOARD_TAGS = {
  tensorHistogram: (tensor: string) => `hist/${tensor}`,
  tensorStat: (tensor: string, stat: string) => `stats/${tensor}/${stat}`,
  groupHistogram: (kind: GroupKind | string, name: string) => `group_hist/${kind}/${name}`,
  groupStat: (kind: GroupKind | string, name: string, stat: string) => `group_stats/${kind}/${name}/${stat}`,
  events: (kind: string) => `events/${kind}`,
  metric: (source: string, name: string) => `metrics/${source}/${name}`,
} as const;

/** Characters of one event's evidence JSON kept in its text (the store has all of it). */
export const MAX_EVIDENCE_CHARS = 2000;

const PLAIN_STATS = [
  "numel", "finite_count", "nan_count", "posinf_count", "neginf_count", "zero_count",
  "mean", "std", "variance", "skewness", "excess_kurtosis", "min", "max", "l1", "l2", "linf", "quantile_rel_error_bound",
] as const;

/** Scalars taken from `extra` (shape and spectral statistics) when present: [stat name, path]. */
const EXTRA_STATS: readonly (readonly [string, readonly string[]])[] = [
  ["shape/bimodality_coefficient", ["shape", "bimodality", "coefficient"]],
  ["shape/dip", ["shape", "dip", "dip"]],
  ["shape/dip_p_value", ["shape", "dip", "pValue"]],
  ["shape/gmm_best_components", ["shape", "mixtures", "bestComponents"]],
  ["shape/weibull_k", ["shape", "weibull", "k"]],
  ["shape/weibull_lambda", ["shape", "weibull", "lambda"]],
  ["shape/ks_normal_d", ["shape", "ks", "d"]],
  ["spectral/alpha", ["spectral", "alpha"]],
  ["spectral/stable_rank", ["spectral", "stableRank"]],
  ["spectral/spectral_norm", ["spectral", "spectralNorm"]],
];

function at(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/**
 * True for numbers that stay finite as float32, the type of TensorBoard scalars. Null, NaN,
 * Inf, and finite values beyond float32's range (e.g. the variance of a tensor holding 3e38)
 * are not written; the store keeps them.
 */
export function isFloat32Finite(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(Math.fround(value));
}

/** Finite count of a stats row: numel minus NaN and Inf (what its histogram counts). */
export function finiteCountOf(s: StatValues): number {
  return s.numel - s.nan_count - s.posinf_count - s.neginf_count;
}

/**
 * The statistics of a row as named scalars: counts, moments, norms, `quantile/<q>`,
 * `frac_abs_le/<t>`, `frac_abs_le_rel_std/<k>`, shape and spectral values from `extra`, and
 * `kde_modes/<rule>` (number of KDE modes). Values that are not finite float32 are left out.
 */
export function statScalars(s: StatValues): { stat: string; value: number }[] {
  const out: { stat: string; value: number }[] = [];
  const add = (stat: string, value: unknown) => {
    if (isFloat32Finite(value)) out.push({ stat, value });
  };
  const row = { ...s, finite_count: finiteCountOf(s) } as unknown as Record<string, unknown>;
  for (const stat of PLAIN_STATS) add(stat, row[stat]);
  for (const [q, v] of Object.entries(s.quantiles)) add(`quantile/${q}`, v);
  for (const [t, v] of Object.entries(s.frac_abs_le)) add(`frac_abs_le/${t}`, v);
  for (const [k, v] of Object.entries(s.frac_abs_le_rel_std)) add(`frac_abs_le_rel_std/${k}`, v);
  for (const [stat, path] of EXTRA_STATS) add(stat, at(s.extra, path));
  const kde = at(s.extra, ["shape", "kde"]);
  if (Array.isArray(kde)) {
    for (const fit of kde as { rule?: unknown; modes?: unknown }[]) {
      if (typeof fit?.rule === "string" && Array.isArray(fit.modes)) add(`kde_modes/${fit.rule}`, fit.modes.length);
    }
  }
  return out;
}

/** Histogram item plus the scalars of one tensor or group row. */
export function rowItems(
  histogramTag: string, statTag: (stat: string) => string, stats: StatValues, histogram: { keys: ArrayLike<number>; counts: ArrayLike<number> } | undefined,
): SummaryItem[] {
  const items: SummaryItem[] = [];
  if (histogram !== undefined) items.push({ kind: "histogram", tag: histogramTag, rows: histogramBuckets(histogram.keys, histogram.counts) });
  for (const { stat, value } of statScalars(stats)) items.push({ kind: "scalar", tag: statTag(stat), value });
  return items;
}

/** Step an event is shown at: its step, else the low or high end of its interval; null if none. */
export function eventStep(e: Pick<EventRecord, "step" | "step_low" | "step_high">): number | null {
  return e.step ?? e.step_low ?? e.step_high ?? null;
}

function fmt(x: number | null): string {
  return x === null ? "n/a" : Number.isInteger(x) ? String(x) : x.toPrecision(4);
}

/** Markdown text of the events of one kind at one step (one list item each, evidence JSON below). */
export function eventsMarkdown(events: readonly EventRecord[]): string {
  return events
    .map((e) => {
      const where = e.tensor === null ? "" : ` on \`${e.tensor}\``;
      const interval = e.step_low !== null || e.step_high !== null ? ` (interval ${fmt(e.step_low)}..${fmt(e.step_high)})` : "";
      let evidence = JSON.stringify(e.evidence) ?? "null";
      if (evidence.length > MAX_EVIDENCE_CHARS) evidence = `${evidence.slice(0, MAX_EVIDENCE_CHARS)} ... (truncated; full evidence in the store)`;
      return `- **${e.kind}**${where} at step ${fmt(e.step)}${interval}, strength ${fmt(e.strength)}\n\n  \`${evidence.replaceAll("`", "'")}\``;
    })
    .join("\n\n");
}
