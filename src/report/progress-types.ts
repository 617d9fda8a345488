// What the queue progress page shows, shared by the server side (progress-page.ts, server.ts) and
// the page's script (browser/progress.ts). Types only.

/** The shape of a flow's status (cluster/queue/status.ts), or the error of the last read. */
export interface QueueProgress {
  flowId?: string;
  checkpoints?: number;
  counts?: Record<string, number>;
  failed?: { step: number; error: string; attempts: number }[];
  merge?: { state: string; error?: string };
  error?: string;
}
