// What the statistics pool (stats-pool.ts) and its workers (stats-worker.ts) say to each other,
// and how either side runs a task: an export of an ES module, imported once per thread. Kept
// apart from the pool so that a worker loads only this, not the pool's own modules (start-up).
import type { Dtype } from "../formats/dtype.js";
import { KernelError } from "../util/errors.js";
import type { ThreadStamp } from "../util/timeline.js";
import type { PackedSketch } from "./packed-sketch.js";

/**
 * Messages to a worker. "tensor": sketch a tensor (or one part of it) from `source` and, with a
 * task, run `fn(sketch, values, ...args)` on it; a `sketch` source skips the sketching. "batch":
 * several "tensor" requests in one message, answered by one "batch" reply.
 */
export type StatsRequest =
  | { type: "call"; job: number; module: string; fn: string; args: readonly unknown[] }
  | TensorRequest
  | { type: "batch"; requests: TensorRequest[] };
/**
 * Whether a request finishes work already done (a task on a sketch made elsewhere: a large
 * tensor's merged parts, a checkpoint's groups, whose rows and store write wait for it): a
 * worker runs it before the requests queued ahead of it (stats-worker.ts).
 */
export function isFinishing(msg: StatsRequest): boolean {
  if (msg.type === "tensor") return "sketch" in msg.source;
  return msg.type === "batch" && msg.requests.every((r) => "sketch" in r.source);
}
/**
 * A "tensor" request (see StatsRequest). `priority`: its place among the requests queued on the
 * worker (lower first, then arrival; absent: 0): an analysis gives each checkpoint's requests its index.
 */
export type TensorRequest = { type: "tensor"; job: number; dtype: Dtype; source: TensorSource; values: TensorValues; task: TensorTask | null; priority?: number };
/** A request's place among those queued on a worker (a batch's: the lowest of its requests'). */
export function priorityOf(msg: StatsRequest): number {
  if (msg.type === "tensor") return msg.priority ?? 0;
  if (msg.type === "batch") return msg.requests.reduce((p, r) => Math.min(p, r.priority ?? 0), Infinity);
  return 0;
}

/**
 * The whole bytes of a tensor for a fused task: a local file range the worker reads itself
 * (through `fd`, a descriptor of `path` the main thread keeps open until the reply, when it has
 * one: no open per tensor), or bytes handed over (transferred).
 */
export type TensorBytes = { path: string; offset: number; length: number; fd?: number } | { bytes: Uint8Array };
/**
 * What a "tensor" request sketches: bytes as above, or nothing (a sketch made elsewhere, packed;
 * `lent`: its histogram arrays go back with the reply, transferred: StatsPool.callOnSketch's lend).
 */
export type TensorSource = TensorBytes | { sketch: PackedSketch; lent?: boolean };
/** A lent sketch's histogram arrays as they come back (TensorReply.lent). */
export interface LentHistogram { histKeys: Int32Array; histCounts: Float64Array }
/** The task a "tensor" request runs: `fn` exported by the ES module at `module`, called as fn(sketch, values, ...args). */
export interface TensorTask { module: string; fn: string; args: readonly unknown[] }
/** What a fused task does with the decoded float32 values: none (not decoded), use them, or also return them (transferred back). */
export type TensorValues = "none" | "use" | "return";
/**
 * What a worker posts back for a "tensor" request: with a task, its result, the sketch (null when
 * the source was a sketch) and the values ("return"), and a lent source sketch's histogram arrays;
 * without one, the packed sketch alone.
 */
export type TensorReply = { sketch: PackedSketch | null; value: unknown; values: Float32Array | null; lent?: LentHistogram } | PackedSketch;
/**
 * Messages from a worker ("ready" once, when its kernel is loaded, with its thread id when FP_LOAD_MS is set; "timeline": its start-up stamps,
 * with FP_TIMELINE=1; "batch": the replies to a "batch" request, in its requests' order).
 */
export type StatsReply =
  | { type: "ready"; tid?: number }
  | { type: "timeline"; stamps: ThreadStamp[] }
  | JobReply
  | { type: "batch"; replies: JobReply[] };
/** The answer to one request: its result, or the message of the error it failed with. */
export type JobReply = { type: "result"; job: number; value: unknown } | { type: "error"; job: number; message: string };

const taskModules = new Map<string, Promise<Record<string, unknown>>>();
/** Key of the task modules a worker preloads in its workerData (StatsPool.create's `preload`). */
export const PRELOAD_KEY = "forkingPathsPreload";

/** Task modules this thread's code already holds (a bundle), by URL: taken from it instead of imported. */
const bundledTaskModules = new Map<string, () => Promise<Record<string, unknown>>>();

/**
 * Makes taskModule(moduleUrl) load `load()` instead of importing moduleUrl: a bundle (scripts/
 * build-bundle.mjs) that holds the module, so it is not loaded a second time from its own file.
 */
export function registerTaskModule(moduleUrl: string, load: () => Promise<Record<string, unknown>>): void {
  bundledTaskModules.set(moduleUrl, load);
}

/** The task module at `moduleUrl`, imported once per thread. */
export function taskModule(moduleUrl: string): Promise<Record<string, unknown>> {
  let mod = taskModules.get(moduleUrl);
  if (mod === undefined) {
    const load = bundledTaskModules.get(moduleUrl);
    taskModules.set(moduleUrl, (mod = (load !== undefined ? load() : import(moduleUrl)) as Promise<Record<string, unknown>>));
    mod.catch(() => {}); // a preload nobody awaits yet: its error comes with the first call
  }
  return mod;
}

/** Calls an export of an ES module (imported once per thread). Also used by the workers. */
export async function callExport(moduleUrl: string, fn: string, args: readonly unknown[]): Promise<unknown> {
  const f = (await taskModule(moduleUrl))[fn];
  if (typeof f !== "function") throw new KernelError(`task module ${moduleUrl} has no function ${fn}`);
  return (f as (...a: readonly unknown[]) => unknown)(...args);
}
