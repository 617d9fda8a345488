// The dashboard's side of a watched run: a ReportWatcher over the pipeline's live analysis
// (pipeline/watch.ts). It analyzes nothing itself; it turns what the watcher reports into page
// updates: new data, and the checkpoint failure the page should show now.
import type { CheckpointFailure, RunWatcher, WatchEvent } from "../pipeline/watch.js";
import type { ReportUpdate, ReportWatcher } from "./server.js";

/**
 * The ReportWatcher for startReportServer: tells the server what is wrong now (the run folder's
 * listing error, the newest outstanding checkpoint failure; the server loaded the data itself),
 * starts the watcher, and returns its stop.
 */
export function reportWatcher(watcher: RunWatcher): ReportWatcher {
  return (publish) => {
    const discovery = watcher.discoveryError();
    if (discovery !== null) publish({ kind: "error", message: discovery, file: watcher.runDir });
    publishNewestFailure(watcher, publish);
    watcher.start((event) => { for (const update of reportUpdates(watcher, event)) publish(update); });
    return () => watcher.stop();
  };
}

/** The page updates for one watch event: new data re-shows the newest outstanding failure (a data update clears the page's error). */
export function reportUpdates(watcher: RunWatcher, event: WatchEvent): ReportUpdate[] {
  switch (event.kind) {
    case "stored": {
      const newest = watcher.failures().at(-1);
      return newest === undefined ? [{ kind: "data" }] : [{ kind: "data" }, failureUpdate(newest)];
    }
    case "failed":
      return [failureUpdate(event.failure)];
    case "error":
      return [event.file === undefined ? { kind: "error", message: event.message } : { kind: "error", message: event.message, file: event.file }];
  }
}

function publishNewestFailure(watcher: RunWatcher, publish: (update: ReportUpdate) => void): void {
  const newest = watcher.failures().at(-1);
  if (newest !== undefined) publish(failureUpdate(newest));
}

/** "checkpoint-64 (step 64): <what was wrong>", the file apart (the page names it itself: not repeated in the message). */
export function failureUpdate(failure: CheckpointFailure): ReportUpdate {
  const detail = failure.message.startsWith(`${failure.file}: `) ? failure.message.slice(failure.file.length + 2) : failure.message;
  return { kind: "error", message: `${failure.label} (step ${failure.step}): ${detail}`, file: failure.file };
}
