// FailureRace: many pieces of work, one after another, each stopped by a failure that may come
// later (or never) from one long-lived promise, without that promise holding on to them.
// Promise.race([never-settling, work]) does not do this: every race adds a reaction to the pending
// promise, and each reaction keeps its race's promise, so its result, until that promise settles.
// An analysis of 154 checkpoints raced each checkpoint against its store's opening this way and so
// held every checkpoint's batch (group histograms: ~1 MB each) to the end of the run (peak RSS
// +150-270 MB, issue 11).

/**
 * Races work against the rejection of `failure`: race(work) settles as work does, or rejects with
 * failure's error once (or if) failure rejects first. Fulfilment of `failure` stops nothing. Work
 * that has settled is no longer referenced here (`racing` counts the work not yet settled).
 */
export class FailureRace {
  /** The rejecters of the races under way; each removes itself once its work settles. */
  private readonly rejecters = new Set<(error: unknown) => void>();
  private failure: { error: unknown } | undefined;

  constructor(failure: Promise<unknown>) {
    failure.then(() => {}, (error: unknown) => {
      this.failure = { error };
      const rejecters = [...this.rejecters];
      this.rejecters.clear();
      for (const reject of rejecters) reject(error);
    });
  }

  /** `work`, or failure's error if that comes first (work then runs on, its outcome handled and dropped). */
  race<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.rejecters.add(reject);
      work.then((value) => {
        this.rejecters.delete(reject);
        resolve(value);
      }, (error: unknown) => {
        this.rejecters.delete(reject);
        reject(error);
      });
      if (this.failure !== undefined) {
        this.rejecters.delete(reject);
        reject(this.failure.error);
      }
    });
  }

  /** Races whose work has not settled yet (and failure has not rejected). */
  get racing(): number {
    return this.rejecters.size;
  }
}
