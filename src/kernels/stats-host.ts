// Runs several tensors' statistics passes on one StatsKernel: chunks of interleaved jobs are
// accumulated by saving and restoring each job's running totals. Used in workers and in-thread.
import type { Dtype } from "../formats/dtype.js";
import { emptySketch, type TensorSketch } from "../stats/sketch.js";
import { StatsKernel, type StatsKernelSnapshot } from "./stats-wasm.js";

export class StatsJobHost {
  private readonly kernel = StatsKernel.create();
  /** Job whose totals are live in the kernel (null: none). */
  private current: number | null = null;
  private readonly saved = new Map<number, StatsKernelSnapshot>();

  /** Accumulates one chunk of job `job`. */
  chunk(job: number, dtype: Dtype, bytes: Uint8Array): void {
    this.switchTo(job);
    this.kernel.accumulate(dtype, bytes);
  }

  /** The partial sketch of everything this host saw of `job`; forgets the job. */
  finish(job: number): TensorSketch {
    if (this.current !== job && !this.saved.has(job)) return emptySketch();
    this.switchTo(job);
    const s = this.kernel.sketch();
    this.current = null;
    return s;
  }

  /** Forgets a job without producing its sketch (after a failed read). */
  discard(job: number): void {
    this.saved.delete(job);
    if (this.current === job) this.current = null;
  }

  private switchTo(job: number): void {
    if (this.current === job) return;
    if (this.current !== null) this.saved.set(this.current, this.kernel.snapshot());
    const snap = this.saved.get(job);
    if (snap !== undefined) {
      this.kernel.restore(snap);
      this.saved.delete(job);
    } else {
      this.kernel.reset();
    }
    this.current = job;
  }
}
