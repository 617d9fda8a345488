// A one-line progress bar on stderr when it is a terminal; silent otherwise (CI, pipes, --json).
import { terminalSafe } from "./terminal.js";

export interface ProgressBar {
  update(done: number, total: number, detail?: string): void;
  done(message?: string): void;
}

const BAR_WIDTH = 24;

/** Interval between progress lines when stderr is not a terminal ("lines" mode). */
const LINE_INTERVAL_MS = 2000;

/** `enabled`: a bar redrawn in place (true), nothing (false), or a line every LINE_INTERVAL_MS for logs ("lines"). */
export function progressBar(label: string, enabled: boolean | "lines" = process.stderr.isTTY === true): ProgressBar {
  const started = Date.now();
  let lastDraw = 0;
  let lastLine = "";
  if (enabled === "lines") {
    return {
      update(done, total, detail = "") {
        const now = Date.now();
        const line = `${label}: ${(total > 0 ? (100 * Math.min(1, done / total)) : 0).toFixed(0)}% ${detail}`;
        if ((now - lastDraw < LINE_INTERVAL_MS && done < total) || line === lastLine) return;
        lastDraw = now;
        lastLine = line;
        process.stderr.write(`${line}\n`);
      },
      done(message) {
        if (message) process.stderr.write(`${message}\n`);
      },
    };
  }
  return {
    update(done, total, detail = "") {
      if (!enabled) return;
      const now = Date.now();
      if (now - lastDraw < 100 && done < total) return;
      lastDraw = now;
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(frac * BAR_WIDTH);
      const elapsed = (now - started) / 1000;
      const eta = frac > 0 && frac < 1 ? ` eta ${formatSeconds((elapsed * (1 - frac)) / frac)}` : "";
      const bar = "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled);
      process.stderr.write(`\r${label} [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${terminalSafe(detail)}${eta}\x1b[K`);
    },
    done(message) {
      if (!enabled) return;
      process.stderr.write(`\r\x1b[K${terminalSafe(message ?? "")}${message ? "\n" : ""}`);
    },
  };
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, "0")}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
