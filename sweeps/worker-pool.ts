/**
 * Sweep worker processes (workerpool, `workerType: "process"`): a point that kills its worker (a
 * V8 fatal error, the heap cap of --worker-heap, a native crash) or hangs (no point finished for
 * `pointTimeoutSeconds`) takes one child process with it, never the sweep. Worker threads could not
 * give that: a fatal error in any thread ends the whole process.
 *
 * A batch that fails as a whole is evaluated again point by point (`isolating`), so only the
 * points that fail on their own become error rows, with the reason (the signal or exit code and
 * the process's last words on stderr, or the time limit); every other point of the batch is
 * evaluated normally. Processes that keep dying before they have loaded the spec (a heap cap too
 * small to load, a broken install) stop the sweep with a SweepError instead of marking every point
 * as an error.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { availableParallelism } from "node:os";
import workerpool from "workerpool";
import { packageRoot } from "../common/package-root.js";
import { SweepError } from "./sweep-error.js";
import { joinResults, type WorkerResult, type WorkerTask } from "./worker.js";

/** A batch that failed as a whole: its worker died, hung, or the remote job failed. */
export class BatchFailure extends Error {
  /** Sizes of the output files when the batch was handed over (a worker that appends its own rows may have written some before it failed). */
  since?: { results: number; csv?: number };
  constructor(message: string) {
    super(message);
    this.name = "BatchFailure";
  }
}

/** Rows of a failed batch that its process had appended already, and the batch's items that remain. */
export interface Salvage<T> {
  result: WorkerResult;
  rest: T[];
}

export interface WorkerPoolOptions {
  processes: number;
  /** --max-old-space-size of each process, MB (default DEFAULT_WORKER_HEAP_MB). */
  heapMb?: number;
  /** A process that finishes no point for this long is killed and its point made an error row (default 60). */
  pointTimeoutSeconds?: number;
}

/**
 * V8 flags of the worker processes. With a process per core or more, each runs `--single-threaded`:
 * V8's own helper threads (concurrent marking and scavenging, background compilation) keep ~0.25
 * core busy beside each process's main thread, and there is no idle core for them; they only take
 * time from the other workers. Measured side by side on this project's 2 cores (bench grid,
 * 2026-12-01): 2 workers, 10,000 points 5.42/5.33 s -> 4.33/4.48 s and 100,000 points 14.65 ->
 * 13.06 s; 1 worker, where a core is free for them, 19.5 s with the helper threads and 20.4 s without,
 * so fewer processes than cores keep them.
 */
export function workerFlags(processes: number, heapMb: number | undefined, cores = availableParallelism()): string[] {
  return [...(processes >= cores ? ["--single-threaded"] : []), `--max-old-space-size=${heapMb ?? DEFAULT_WORKER_HEAP_MB}`];
}

/**
 * A worker's V8 old-generation limit when none is given, MB. V8 sizes a process's heap and how far
 * it lets garbage grow from that limit, and the default limit follows the machine's memory (4,144 MB
 * on this project's 24 GB machines): a worker then held ~220 MB at its peak, ~130 MB with any
 * explicit limit from 128 MB to 1 GB, at the same speed (100,000-point bench grid on 2 workers,
 * 2026-12-01: 13.34 s and a 623 MB process tree without; 13.28 s and 453 MB with 1024; 12.94 s and
 * 420 MB with 128). 1 GB is far above what a point needs (~45 MB live), so no point the default
 * limit let through fails under it; `--worker-heap` sets another.
 */
export const DEFAULT_WORKER_HEAP_MB = 1024;

/** The worker process's compiled modules' entry, and the bundle made of them (scripts/bundle-worker.ts). */
export function workerFiles(): { modules: string; bundle: string } {
  const dir = join(packageRoot(), "dist", "sweeps");
  return { modules: join(dir, "worker-process.js"), bundle: join(dir, "worker-process.bundle.js") };
}

/**
 * The worker processes' entry: the one-module bundle `npm run build` makes of worker-process.js
 * (scripts/bundle-worker.ts; a worker loads it in a third of the time) when it is at least as new
 * as the modules it was made from, else the modules themselves (tsc run alone leaves a bundle older
 * than what it compiled).
 */
export function workerEntry(): string {
  const { modules, bundle } = workerFiles();
  try {
    if (statSync(bundle).mtimeMs >= statSync(modules).mtimeMs) return bundle;
  } catch {
    // no bundle (a build without its last step)
  }
  return modules;
}

/** Default time limit of one point: the largest presets with long generation take seconds, not a minute. */
export const DEFAULT_POINT_TIMEOUT_SECONDS = 60;
/** Time a process may take to start and load the spec before its first heartbeat (~0.7 s idle; loaded machines take seconds). */
const STARTUP_ALLOWANCE_MS = 60_000;
/** Tasks in a row whose process died before it had loaded the spec: the pool itself is broken. */
const BROKEN_AFTER = 3;

/** The last words of a dead process: V8's fatal line if there is one, else its last line. */
function lastWords(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.replace(/^#\s*/, "").trim()).filter((l) => l !== "");
  const fatal = lines.find((l) => /fatal|heap out of memory|invalid size|out of memory|Segmentation/i.test(l));
  return (fatal ?? lines[lines.length - 1] ?? "").slice(0, 300);
}

/**
 * Worker processes for sweeps. runSweep starts one for a sweep and stops it at the sweep's end; a
 * caller that runs sweep after sweep (a script, a notebook, a service) can keep one instead
 * (`runSweep(spec, { pool })`, then `destroy()`), so that only its first sweep pays for the
 * processes' start-up and V8's compilation of the hot code (docs/sweeps.md, "A pool kept across
 * sweeps"). One sweep at a time uses a pool.
 */
export class WorkerPool {
  readonly processes: number;
  private readonly pool: workerpool.Pool;
  private readonly timeoutMs: number;
  private startupFailures = 0;
  /** Tasks handed to workerpool at once: one per process, so a task starts when it is handed over. */
  private free: number;
  private readonly waiting: (() => void)[] = [];
  /** The sweep using the pool now (claim), if any. */
  private user: string | undefined;
  private destroyed = false;

  constructor(options: WorkerPoolOptions) {
    this.processes = options.processes;
    this.timeoutMs = (options.pointTimeoutSeconds ?? DEFAULT_POINT_TIMEOUT_SECONDS) * 1000;
    this.free = options.processes;
    this.pool = workerpool.pool(workerEntry(), {
      workerType: "process",
      minWorkers: options.processes,
      maxWorkers: options.processes,
      emitStdStreams: true, // a dying process's stderr becomes its points' reason, not noise on ours
      // V8's structured clone on the IPC channel, not JSON: a batch's rows travel as strings, which
      // JSON escapes and parses again (main process CPU per point on a 100,000-point grid, 1 worker,
      // side by side: 32.8 / 24.6 us with JSON, 26.4 / 17.2 us with this).
      forkOpts: { execArgv: workerFlags(options.processes, options.heapMb), serialization: "advanced" },
    });
  }

  /** One task in one process; a death or a hang rejects with a BatchFailure. */
  async run(task: WorkerTask): Promise<WorkerResult> {
    if (this.free === 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.free--;
    try {
      return await this.runNow(task);
    } finally {
      this.free++;
      this.waiting.shift()?.();
    }
  }

  /**
   * The time limit runs between heartbeats, and from the hand-over (a process is free for it) to
   * the first one with a start-up allowance: a process that hangs, even before the task, is stopped.
   */
  private async runNow(task: WorkerTask): Promise<WorkerResult> {
    let stderr = "";
    let timedOut = false;
    let started = false;
    let timer: NodeJS.Timeout | undefined;
    const promise = this.pool.exec("run", [task], {
      on: (payload: { stderr?: string; alive?: number }) => {
        if (payload.stderr !== undefined) stderr = (stderr + payload.stderr).slice(-4000);
        else if (payload.alive !== undefined) {
          started = true;
          arm(this.timeoutMs);
        }
      },
    });
    const arm = (ms: number): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        promise.cancel();
      }, ms);
    };
    arm(this.timeoutMs + STARTUP_ALLOWANCE_MS);
    try {
      const result = (await promise) as WorkerResult;
      this.startupFailures = 0;
      return result;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const reason = timedOut
        ? started
          ? `no point finished within ${this.timeoutMs / 1000} s (the point time limit); the worker process was stopped`
          : `the worker process did not start within ${(this.timeoutMs + STARTUP_ALLOWANCE_MS) / 1000} s; it was stopped`
        : /terminated Unexpectedly/.test(message)
          ? `the worker process died (${/signalCode: `(\w+)`/.exec(message)?.[1] ?? `exit code ${/exitCode: `(\w+)`/.exec(message)?.[1] ?? "?"}`})${lastWords(stderr) ? `: ${lastWords(stderr)}` : ""}`
          : message;
      this.startupFailures = started ? 0 : this.startupFailures + 1;
      if (this.startupFailures >= BROKEN_AFTER) {
        throw new SweepError(`the sweep's worker processes fail before finishing any batch: ${reason}`);
      }
      throw new BatchFailure(reason);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reserve the pool for one sweep (`who` names it); throws if another sweep has it or it was destroyed. Returns the release. */
  claim(who: string): () => void {
    if (this.destroyed) throw new Error(`this worker pool was destroyed; ${who} needs a new one`);
    if (this.user !== undefined) throw new Error(`this worker pool runs ${this.user}; ${who} must wait for it to end (one sweep at a time uses a pool)`);
    this.user = who;
    return () => {
      if (this.user === who) this.user = undefined;
    };
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    await this.pool.terminate(true);
  }
}

/**
 * Evaluate a batch with `run`; if it fails as a whole, evaluate each of its points on its own, so
 * that only the points that fail alone become error rows (with the reason), in the batch's order.
 * The batch's items are points or (a grid sweep) row indices; `failed` makes a lone item's error row.
 * `salvage` finds the rows a failed batch's process appended to the output files before it failed
 * (workers that write their own rows); those items are done and are not evaluated again.
 */
export async function isolating<T>(items: T[], wantRows: boolean, run: (items: T[]) => Promise<WorkerResult>, failed: (items: T[], reason: string) => WorkerResult, salvage?: (items: T[], failure: BatchFailure) => Salvage<T>): Promise<WorkerResult> {
  try {
    return await run(items);
  } catch (err) {
    if (!(err instanceof BatchFailure)) throw err;
    const saved = salvage?.(items, err);
    const rest = saved?.rest ?? items;
    const parts = saved && saved.result.count > 0 ? [saved.result] : [];
    if (rest.length === 0) return joinResults(parts, wantRows);
    if (items.length === 1) return joinResults([...parts, failed(rest, err.message)], wantRows);
    return joinResults([...parts, ...(await Promise.all(rest.map((p) => isolating([p], wantRows, run, failed, salvage))))], wantRows);
  }
}