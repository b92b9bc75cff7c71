/**
 * Running a sweep: one ask/tell loop drives every sampler (grid, random, LHS, NSGA-II): it asks for
 * points, sends them in batches to where they are evaluated (worker processes, this thread with
 * `workers: 0`, or a backend such as Redis); every finished batch is in results.jsonl at once
 * (appended by the worker process that evaluated it, or here as it returns), and the sampler is
 * told the outcomes when it learns from them. A kill (SIGINT, SIGTERM, even
 * SIGKILL) loses at most the points in flight; `resume` skips the keys already recorded, so a
 * resumed sweep ends with every point exactly once. Points in flight are bounded (memory stays
 * flat whatever the sweep's size). A point that throws, kills its worker process or hangs is an
 * error row; the sweep goes on. `shard: i/N` evaluates the points whose index is i mod N (for batch
 * schedulers); `attnsim merge` joins shards.
 *
 * The output folder is locked for the run, sweep.json records the spec's digest (a resume into
 * another spec's folder is refused), and a write that fails (a full disk) stops the sweep with an
 * OutputError: the rows written before it stay, and `--resume` continues from them.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { InputError } from "../common/input-error.js";
import { appendLines, inside, openAppending, OutputError, writeAll } from "../common/output-files.js";
import type { PointTask, Row } from "./evaluate-point.js";
import { aggregate, aggregateSpecOf, Aggregator, openCsv, readLines, readRows, type SweepSummary } from "./aggregate.js";
import { assign, dimensions, pointKey, type ResolvedSweep } from "./spec.js";
import { samplerFor, type Outcome, type Sampler } from "./samplers.js";
import { KeySet } from "./key-set.js";
import { lockFolder, readSweepMeta, sweepMeta, writeSweepMeta, type SweepMeta } from "./sweep-folder.js";
import { appendRows, evaluateBatch, failedBatch, gridTask, type RowSink, type WorkerResult, type WorkerTask } from "./worker.js";
import { BatchFailure, isolating, WorkerPool } from "./worker-pool.js";
import { outputSizes, salvageRows } from "./salvage.js";
import { SweepError } from "./sweep-error.js";
import { BatchSizer, FIRST_BATCH } from "./batch-size.js";

export { failedBatch } from "./worker.js";

export interface Progress {
  done: number;
  total: number;
  skipped: number;
  errors: number;
  ratePerSecond: number;
  etaSeconds: number;
}

export interface SweepOptions {
  outDir: string;
  /**
   * Worker processes; 0 evaluates in this thread (no crash or time containment). Unset: this thread
   * while what is left of the sweep is too small for workers to pay for their start-up, then the
   * available cores (see poolBreakEvenSeconds).
   */
  workers?: number;
  resume?: boolean;
  shard?: { index: number; count: number };
  /**
   * Points per batch (a worker's task). Unset: FIRST_BATCH, then sized to take ~0.2 s where it runs
   * (sweeps/batch-size.ts), for samplers that do not learn; a learning sampler (NSGA-II) batches
   * FIRST_BATCH points.
   */
  batchSize?: number;
  /**
   * Cap on each worker process's V8 old generation, MB (--max-old-space-size; default
   * DEFAULT_WORKER_HEAP_MB, 1 GB, in sweeps/worker-pool.ts: a point holds ~45 MB live). A point that
   * runs out of it becomes an error row, and the sweep goes on.
   */
  workerHeapMb?: number;
  /** A worker that finishes no point for this long is stopped; its point becomes an error row (default 60 s). */
  pointTimeoutSeconds?: number;
  /**
   * Worker processes the caller keeps across sweeps (`new WorkerPool({ processes })`, stopped with its
   * destroy()): the sweep runs its batches there and leaves the processes running, so a later sweep
   * finds them started and their code compiled (docs/sweeps.md, "A pool kept across sweeps").
   * `workers`, if given, must be the pool's size; the heap cap and point time limit are the pool's.
   */
  pool?: WorkerPool;
  onProgress?: (p: Progress) => void;
  /** Stop proposing points; the points in flight are finished and recorded. */
  signal?: AbortSignal;
  /**
   * Evaluate batches somewhere else (sweeps/distributed.ts: a BullMQ queue on Redis) instead of
   * local worker processes; sampling, resume, recording and aggregation stay here.
   */
  backend?: SweepBackend;
}

/** Where batches are evaluated when not in this process's pool. */
export interface SweepBackend {
  /** Batches kept in flight (enough to keep every remote worker busy). */
  maxInFlight: number;
  /** What summary.json says ran the sweep. */
  label: string;
  /** Rows of a batch; rejects with a BatchFailure when the batch failed as a whole (it is then split). */
  evaluate(points: PointTask[], wantRows: boolean): Promise<WorkerResult>;
  close(): Promise<void>;
}

export const MIN_WORKER_HEAP_MB = 64;
const OPTIONS = "<sweep options>";
const RESUME_ADVICE = "the rows written before it are kept: free space and continue with --resume";

/** True when the file is empty or missing, or its last byte is a newline. */
function endsWithNewline(file: string): boolean {
  const size = existsSync(file) ? statSync(file).size : 0;
  if (size === 0) return true;
  const fd = openSync(file, "r");
  try {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * What moving a sweep from this thread to a pool costs, seconds (C): a worker process's start-up
 * before its first result (~0.6-0.9 s of CPU on a quiet machine since 2026-12-01's fourth pass;
 * `node dist/bench/sweep.js`, "worker start-up") and its warm-up, its first ~5,000 points run 2-5x
 * slower while V8 compiles (231 compilations taking 1.2 s in a worker's first 5,000 bench-grid
 * points: docs/sweeps.md, "Sixth pass"). The processes start in parallel, one per core. Measured
 * whole (2026-12-01, 13:34, load 1.5-2.1, 2 cores): 20,000 bench-like points on 2 workers from the
 * first point took 4.1 s against 3.0-3.3 s in this thread, at a warm pool's rate ~1.3x this
 * thread's, so C = 4.1 - 3.15 / 1.3 = 1.7 s.
 */
export const POOL_SWITCH_SECONDS = 1.8;

/**
 * A warm pool's throughput over this thread's, per core. On this project's 2 vCPUs (2026-12-01), 2
 * workers against this thread, both warm (`npm run bench`, a pool kept across sweeps, 10,000
 * points): 1.16x and 1.43x at 13:02, 1.35x and 1.20x at 13:50; with the pool's start included,
 * 100,000 points took 7.8-8.4 s against 9.5-9.7 s (13:37): ~1.3-1.4, 0.65-0.7 a core. Its two
 * vCPUs slow each other on allocating code (docs/sweeps.md, "Sixth pass"); machines whose cores
 * scale better switch a little later than they could (see poolBreakEvenSeconds).
 */
export const POOL_SPEEDUP_PER_CORE = 0.7;

/**
 * This thread's evaluation time before the runner judges whether a pool pays, so that it judges by
 * a rate near the warm one: the bench grid's first ~3,500 points run 2-10x slower than later ones
 * while V8 compiles (CPU per point in 256-point batches, 2026-12-01); this thread's warm-up costs it
 * ~0.6-0.8 s (the 10,000-point grid took 1.46-1.85 s cold and 0.82-1.08 s warm in `npm run bench`,
 * 13:02 and 13:50). With 0.5 s, a 20,000-point sweep (~2.2-3.4 s here) moved to a pool in one run
 * of two on its inflated early rate.
 */
export const IN_THREAD_OBSERVE_SECONDS = 1;

/**
 * With `workers` unset, a sweep starts in this thread, and starts one worker process per core once
 * the points it has left would take longer here than this: with s = POOL_SPEEDUP_PER_CORE x cores
 * the pool's speed-up, C + R / s < R exactly when R > C s / (s - 1). The runner knows R (the points
 * left, at this thread's latest time per point), so a sweep that a pool would not speed up never
 * pays C, and a large one pays it after IN_THREAD_OBSERVE_SECONDS. 2 cores: 6.3 s; 4: 2.8 s; 8:
 * 2.2 s. One core (s <= 1): a pool never pays, Infinity. (Until 2026-12-01 the rule was a fixed
 * 1.8 s of this thread's time, whatever was left: 20,000 points then took 5.0-5.3 s against
 * 3.0-3.3 s in this thread and 4.1 s on 2 workers, on this project's 2 cores.)
 */
export function poolBreakEvenSeconds(cores = availableParallelism()): number {
  const s = POOL_SPEEDUP_PER_CORE * cores;
  return s <= 1 ? Infinity : (POOL_SWITCH_SECONDS * s) / (s - 1);
}

function checkOptions(spec: ResolvedSweep, options: SweepOptions): void {
  const problem = (path: string, expected: string, found: unknown) => new InputError(OPTIONS, { path, expected, found: String(found) });
  if (options.workerHeapMb !== undefined && !(options.workerHeapMb >= MIN_WORKER_HEAP_MB)) {
    throw problem("workerHeapMb", `at least ${MIN_WORKER_HEAP_MB} MB (a worker's heap holds ~45 MB once it has loaded mathjs, ajv and the models and run one point)`, options.workerHeapMb);
  }
  if (options.workers !== undefined && !(Number.isInteger(options.workers) && options.workers >= 0)) throw problem("workers", "a whole number of worker processes, 0 or more", options.workers);
  if (options.batchSize !== undefined && !(Number.isInteger(options.batchSize) && options.batchSize >= 1)) throw problem("batchSize", "a positive whole number", options.batchSize);
  if (options.pool) {
    if (options.backend) throw problem("pool", "a pool or a backend, not both (a backend evaluates the batches elsewhere)", "both");
    if (options.workers !== undefined && options.workers !== options.pool.processes) throw problem("workers", `the pool's size (${options.pool.processes}), or unset`, options.workers);
    for (const key of ["workerHeapMb", "pointTimeoutSeconds"] as const) {
      if (options[key] !== undefined) throw problem(key, "unset with a pool (the pool's own options apply: new WorkerPool({ heapMb, pointTimeoutSeconds }))", options[key]);
    }
  }
  if (options.pointTimeoutSeconds !== undefined && !(options.pointTimeoutSeconds > 0)) throw problem("pointTimeoutSeconds", "a positive number of seconds", options.pointTimeoutSeconds);
  const shard = options.shard;
  if (shard && !(Number.isInteger(shard.index) && Number.isInteger(shard.count) && shard.index >= 0 && shard.index < shard.count)) throw problem("shard", "i/N with 0 <= i < N", `${shard.index}/${shard.count}`);
  if (shard && spec.sampler.kind === "nsga2") throw problem("shard", "no shards with the nsga2 sampler (each generation is bred from the whole previous one)", `${shard.index}/${shard.count}`);
}

/** Objectives of a point told to a learning sampler: the mean over workloads, minimised; Infinity unless ok on every workload. */
function objectivesOf(spec: ResolvedSweep, rows: (Row | undefined)[]): number[] {
  return spec.objectives.map((o) => {
    if (rows.some((r) => !r || r.status !== "ok")) return Infinity;
    const mean = rows.reduce((s, r) => s + (r!.metrics![o.metric] ?? Number(r!.params[o.metric])), 0) / rows.length;
    return o.sense === "minimize" ? mean : -mean;
  });
}

/** For a learning sampler: which proposed points wait for which keys, and the rows that arrived. */
class Outcomes {
  private readonly rows = new Map<string, Row>();
  private readonly waiting = new Map<number, string[]>();
  private readonly byKey = new Map<string, number[]>();

  constructor(private readonly spec: ResolvedSweep) {}

  known(row: Row): void {
    this.rows.set(row.key, row);
  }

  /** A point and its keys; the outcome at once if every key is known. */
  expect(point: number, keys: string[]): Outcome[] {
    const missing = keys.filter((k) => !this.rows.has(k));
    if (missing.length === 0) return [{ point, objectives: objectivesOf(this.spec, keys.map((k) => this.rows.get(k))) }];
    this.waiting.set(point, keys);
    for (const k of missing) this.byKey.set(k, [...(this.byKey.get(k) ?? []), point]);
    return [];
  }

  /** Rows that arrived; the outcomes of the points they complete. */
  arrived(rows: Row[]): Outcome[] {
    const out: Outcome[] = [];
    for (const r of rows) {
      this.rows.set(r.key, r);
      for (const point of this.byKey.get(r.key) ?? []) {
        const keys = this.waiting.get(point);
        if (!keys || keys.some((k) => !this.rows.has(k))) continue;
        this.waiting.delete(point);
        out.push({ point, objectives: objectivesOf(this.spec, keys.map((k) => this.rows.get(k))) });
      }
      this.byKey.delete(r.key);
    }
    return out;
  }
}

/** The output files a local pool's workers append to (worker.ts WorkerTask.out). */
type Out = NonNullable<WorkerTask["out"]>;

/** How a batch evaluated in this thread runs (timed, when the runner may move to workers). */
type Here = <T>(run: () => T) => T;

/** A pool's run whose failures say where the output files ended when the batch was handed over (for salvageRows). */
function appending<T>(out: Out, run: (items: T[]) => Promise<WorkerResult>): (items: T[]) => Promise<WorkerResult> {
  return async (items) => {
    const since = outputSizes(out);
    try {
      return await run(items);
    } catch (err) {
      if (err instanceof BatchFailure) err.since = since;
      throw err;
    }
  };
}

/** The fields of a pool's tasks that name the spec and the run. */
type TaskBase = Pick<WorkerTask, "specFile" | "specHash" | "run">;

/**
 * Where the batches go: this thread, local worker processes (which append their rows to the files
 * named by `out` themselves), or a backend; failed batches are split.
 */
function evaluator(spec: ResolvedSweep, base: TaskBase, options: SweepOptions, wantRows: boolean, pool: WorkerPool | undefined, out: Out, here: Here = (run) => run(), sink?: RowSink): (points: PointTask[]) => Promise<WorkerResult> {
  const backend = options.backend;
  const failed = (part: PointTask[], reason: string) => failedBatch(part, reason, wantRows);
  if (backend) return (points) => isolating(points, wantRows, (part) => backend.evaluate(part, wantRows), failed);
  if (pool) return (points) => isolating(points, wantRows, appending(out, (part) => pool.run({ ...base, points: part, wantRows, out })), failed, (items, failure) => salvageRows(spec, out, items, (p) => p.index, failure, wantRows));
  return async (points) => here(() => evaluateBatch(spec, { points }, wantRows, undefined, sink));
}

/** A grid sweep's batches of row indices: the worker (or this thread) makes their points (worker.ts gridTask). */
function indexEvaluator(spec: ResolvedSweep, base: TaskBase, pool: WorkerPool | undefined, out: Out, here: Here = (run) => run(), sink?: RowSink): (indices: number[]) => Promise<WorkerResult> {
  const failed = (part: number[], reason: string) => failedBatch(part.map((i) => gridTask(spec, i)), reason, false);
  if (pool) return (indices) => isolating(indices, false, appending(out, (part) => pool.run({ ...base, indices: part, wantRows: false, out })), failed, (items, failure) => salvageRows(spec, out, items, (i) => i, failure, false));
  return async (indices) => here(() => evaluateBatch(spec, { indices }, false, undefined, sink));
}

/** Row indices recorded in a grid sweep's results.jsonl, one bit each (a resumed grid skips them). */
class IndexBits {
  private bits = new Uint8Array(1024);

  add(index: number): void {
    const byte = index >>> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, 2 * this.bits.length));
      grown.set(this.bits);
      this.bits = grown;
    }
    this.bits[byte]! |= 1 << (index & 7);
  }

  has(index: number): boolean {
    const byte = index >>> 3;
    return byte < this.bits.length && (this.bits[byte]! & (1 << (index & 7))) !== 0;
  }
}

/**
 * Grids of at most this many rows go by row index (bits of a resume: 1/8 byte per row, 128 MB at
 * most); a larger one, which no machine finishes anyway, keeps the per-point path.
 */
const MAX_INDEXED_ROWS = 2 ** 30;

export async function runSweep(spec: ResolvedSweep, options: SweepOptions): Promise<SweepSummary> {
  const started = performance.now();
  checkOptions(spec, options);
  const release = lockFolder(options.outDir);
  let releasePool: (() => void) | undefined;
  try {
    releasePool = options.pool?.claim(`the sweep ${spec.name} into ${options.outDir}`);
    return await runLocked(spec, options, started);
  } finally {
    releasePool?.();
    release();
  }
}

/** Tells one runSweep call's tasks from another's (a pool kept across sweeps: worker.ts WorkerTask.run). */
let runs = 0;

async function runLocked(spec: ResolvedSweep, options: SweepOptions, started: number): Promise<SweepSummary> {
  const file = inside(options.outDir, "results.jsonl");
  const meta = sweepMeta(spec);
  if (options.resume && existsSync(inside(options.outDir, "sweep.json"))) {
    const recorded = readSweepMeta(options.outDir, "--out");
    if (recorded.specHash !== meta.specHash) {
      throw new InputError("<command line>", { path: "--resume", expected: `an output folder made by this spec (${spec.file})`, found: `${options.outDir} made by another spec (${recorded.file}, sweep ${recorded.name}): use another --out, or drop --resume to start over` });
    }
  }
  const sampler = samplerFor(spec.sampler, dimensions(spec).map((d) => d.values!.length));
  const outcomes = sampler.learns ? new Outcomes(spec) : undefined;
  // A grid sweep on this machine goes by row index: the workers make the points (their parameters,
  // expressions included, and keys); a resume skips recorded indices, which name the same points
  // because sweep.json's digest says the spec is the same.
  const byIndex = !options.backend && spec.sampler.kind === "grid" && sampler.count * spec.workloads.length <= MAX_INDEXED_ROWS
    && (!options.resume || existsSync(inside(options.outDir, "sweep.json")));
  const done = new KeySet();
  const doneIndices = byIndex ? new IndexBits() : undefined;
  if (options.resume) await readRows(file, (r) => {
    if (doneIndices) doneIndices.add(r.index);
    else done.add(r.key);
    outcomes?.known(r);
  });
  // Opened for appending: local worker processes append their own rows to the same file.
  writeSweepMeta(options.outDir, meta);
  const fd = openAppending(file, !options.resume);
  // A kill can tear the last line mid-write: start on a fresh line, or the first new row would be
  // glued to the fragment and lost with it.
  if (options.resume && !endsWithNewline(file)) writeAll(fd, "\n", file, RESUME_ADVICE);
  // A fresh run aggregates as rows arrive (results.csv written as they come, the workers' digests
  // merged): at the end only pareto.csv and summary.json remain to write. A resumed run's file also
  // holds an earlier run's rows, so it is aggregated from the file at the end.
  const aggregateSpec = aggregateSpecOf(spec);
  let csv: ReturnType<typeof openCsv> | undefined;
  let aggregator: Aggregator | undefined;
  if (!options.resume) {
    try {
      csv = openCsv(aggregateSpec, options.outDir);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    aggregator = new Aggregator(aggregateSpec, csv.write);
  }
  // What local worker processes append to themselves (results.csv only on a fresh run).
  const out: Out = { results: file, ...(csv ? { csv: csv.file } : {}) };
  const backend = options.backend;
  // Unset workers: this thread first, the pool once what is left would take longer here than the pool's break-even.
  const auto = !backend && !options.pool && options.workers === undefined;
  let workers = backend ? 0 : (options.pool?.processes ?? options.workers ?? 0);
  const startPool = (processes: number) => new WorkerPool({ processes, heapMb: options.workerHeapMb, pointTimeoutSeconds: options.pointTimeoutSeconds });
  let pool = options.pool ?? (workers > 0 ? startPool(workers) : undefined);
  // What every task to the pool names: the spec (and its digest, which a process checks when it
  // loads the file) and this run.
  const base: TaskBase = { specFile: spec.file, specHash: meta.specHash, run: `${process.pid}.${++runs}.${Date.now()}` };
  let inThreadSeconds = 0;
  const breakEven = auto ? poolBreakEvenSeconds(defaultWorkers()) : Infinity;
  // The points left at this thread's latest time per point (its average until batches are timed).
  const leftHereSeconds = () => (total - evaluated - skipped) * (sizer?.secondsPerPoint ?? inThreadSeconds / Math.max(1, evaluated));
  const timedHere = <T>(run: () => T): T => {
    const t0 = performance.now();
    try {
      return run();
    } finally {
      inThreadSeconds += (performance.now() - t0) / 1000;
      if (auto && !pool && inThreadSeconds >= IN_THREAD_OBSERVE_SECONDS && leftHereSeconds() > breakEven) {
        workers = defaultWorkers();
        pool = startPool(workers);
        [evaluate, evaluateIndices] = [evaluator(spec, base, options, sampler.learns, pool, out), indexEvaluator(spec, base, pool, out)];
      }
    }
  };
  // This thread appends its batches' rows as they are made, as a worker does (a batch does not
  // hold its rows' text): results.jsonl by this process's descriptor, results.csv through its buffer.
  const hereSink: RowSink = {
    append: (lines, csvText, count) => appendRows((f, text) => (f === file ? appendLines(fd, text, file, RESUME_ADVICE) : csv!.write(text)), out, lines, csvText, count),
  };
  let evaluate = evaluator(spec, base, options, sampler.learns, pool, out, timedHere, hereSink);
  let evaluateIndices = indexEvaluator(spec, base, pool, out, timedHere, hereSink);

  const W = spec.workloads.length;
  const shard = options.shard ?? { index: 0, count: 1 };
  const total = Math.ceil((sampler.count * W - shard.index) / shard.count);
  let evaluated = 0, skipped = 0, errors = 0;
  let queued = 0; // rows put in batches (the points path: what remains to send is total - queued - skipped)
  let failed: Error | undefined;
  const report = () => {
    const seconds = (performance.now() - started) / 1000;
    const rate = evaluated / Math.max(seconds, 1e-9);
    options.onProgress?.({ done: evaluated + skipped, total, skipped, errors, ratePerSecond: rate, etaSeconds: rate > 0 ? (total - evaluated - skipped) / rate : Infinity });
  };
  // Rows count as done only once written (by this process, or by the worker that evaluated them).
  // A write that fails (a full disk) is cut back to its last whole row, which the progress counts;
  // nothing more is recorded, and the points not written are evaluated again on resume.
  const record = (result: WorkerResult) => {
    if (result.count === 0 && !result.failure) return;
    if (result.failure) {
      failed ??= new OutputError(result.failure.file, result.failure.code, RESUME_ADVICE);
      evaluated += result.count;
      report();
      return;
    }
    if (failed) {
      // Rows a worker appended itself are recorded, even after the sweep stopped; nothing more is written here.
      if (result.lines === "") {
        evaluated += result.count;
        report();
      }
      return;
    }
    if (result.lines) {
      try {
        appendLines(fd, result.lines, file, RESUME_ADVICE);
      } catch (err) {
        failed = err instanceof Error ? err : new SweepError(String(err));
        if (err instanceof OutputError) {
          evaluated += err.linesKept;
          report();
        }
        return;
      }
    }
    if (aggregator) {
      for (const d of result.digests ?? []) aggregator.addDigest(d);
      if (result.undigested) readLines(result.undigested, (row) => aggregator!.add(row));
    }
    evaluated += result.count;
    errors += result.errors;
    sizer?.observe(result.count, result.evaluationSeconds);
    if (outcomes && result.rows) sampler.tell(outcomes.arrived(result.rows));
    report();
  };

  // Batches sized by time unless the sweep says, or the sampler learns (its asks follow the batch
  // size). A backend's lanes are its batches in flight (its remote workers are not known here).
  const sizer = options.batchSize === undefined && !sampler.learns ? new BatchSizer(() => (backend ? backend.maxInFlight : pool ? workers : 1)) : undefined;
  const batchSize = (remaining: number) => (sizer ? sizer.size(remaining) : (options.batchSize ?? FIRST_BATCH));
  let limit = 0; // the size of the batch being filled, fixed when it starts
  const maxInFlight = () => (backend ? backend.maxInFlight : Math.max(2, 2 * Math.max(1, workers)));
  const inFlight = new Set<Promise<void>>();
  let batch: PointTask[] = [];
  let indexBatch: number[] = [];
  const send = async (job: Promise<WorkerResult>) => {
    const tracked: Promise<void> = job.then(record, (err: unknown) => {
      failed ??= err instanceof Error ? err : new SweepError(String(err));
    }).finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= maxInFlight()) await Promise.race(inFlight);
  };
  const flush = async () => {
    if (indexBatch.length > 0) {
      const indices = indexBatch;
      indexBatch = [];
      await send(evaluateIndices(indices));
    }
    if (batch.length === 0) return;
    const points = batch;
    batch = [];
    await send(evaluate(points));
  };
  const stopped = () => options.signal?.aborted === true || failed !== undefined;
  try {
    if (doneIndices) {
      for (let index = shard.index, rows = sampler.count * W; index < rows; index += shard.count) {
        if (stopped()) break;
        if (doneIndices.has(index)) {
          skipped++;
          continue;
        }
        if (indexBatch.length === 0) limit = batchSize(Math.ceil((rows - index) / shard.count));
        indexBatch.push(index);
        if (indexBatch.length >= limit) await flush();
      }
    }
    let idle = false;
    while (!doneIndices) {
      if (stopped()) break;
      if (batch.length === 0) limit = batchSize(total - queued - skipped);
      const proposals = sampler.ask(limit);
      if (proposals === null) break;
      if (proposals.length === 0) {
        // The sampler waits for outcomes: send what is batched, then wait for a batch to return.
        await flush();
        if (inFlight.size === 0) {
          // Every batch has returned (and was told) while flushing: ask once more; a sampler that
          // still waits with nothing in flight waits for points that were cut short.
          if (idle) break;
          idle = true;
          continue;
        }
        idle = false;
        await Promise.race(inFlight);
        continue;
      }
      idle = false;
      for (const p of proposals) {
        const params = assign(spec, p.indices);
        const keys: string[] = [];
        for (let w = 0; w < W; w++) {
          const index = p.point * W + w;
          if (index % shard.count !== shard.index) continue;
          const key = pointKey(params, w);
          keys.push(key);
          if (done.has(key)) {
            skipped++;
            continue;
          }
          if (batch.length === 0) limit = batchSize(total - queued - skipped);
          batch.push({ index, key, workload: w, params });
          queued++;
          // A sampler that may propose a point twice evaluates it once; a grid never repeats, so its
          // keys are not kept (memory stays flat).
          if (sampler.repeats) done.add(key);
          if (batch.length >= limit) await flush();
        }
        if (outcomes) sampler.tell(outcomes.expect(p.point, keys));
      }
    }
    if (!stopped()) await flush();
    await Promise.all(inFlight);
    report();
  } finally {
    closeSync(fd);
    csv?.close();
    if (pool !== options.pool) await pool?.destroy();
    await backend?.close();
  }
  if (failed) throw failed;
  const wallSeconds = (performance.now() - started) / 1000;
  const extra = {
    wallSeconds, evaluatedThisRun: evaluated, pointsPerSecond: evaluated / Math.max(wallSeconds, 1e-9), workers, ...(backend ? { backend: backend.label } : {}),
    ...(options.shard ? { shard: `${options.shard.index}/${options.shard.count}` } : {}),
  };
  return aggregator ? aggregator.finish(options.outDir, extra) : aggregate(aggregateSpec, options.outDir, extra);
}

/** Join shard outputs of one spec: rows of every results.jsonl, each key once, aggregated again in `outDir`. */
export async function mergeSweeps(dirs: string[], outDir: string): Promise<SweepSummary> {
  const metas = dirs.map((d) => readSweepMeta(d));
  const meta: SweepMeta = metas[0]!;
  metas.forEach((m, i) => {
    if (m.specHash !== meta.specHash) throw new InputError("<command line>", { path: "DIR", expected: `shards of one spec (as ${dirs[0]}: ${meta.file})`, found: `${dirs[i]}: another spec (${m.file})` });
  });
  const release = lockFolder(outDir);
  try {
    writeSweepMeta(outDir, meta);
    const file = inside(outDir, "results.jsonl");
    const fd = openAppending(file, true);
    const seen = new KeySet();
    try {
      for (const dir of dirs) {
        await readRows(inside(dir, "results.jsonl"), (r) => {
          if (seen.add(r.key)) writeAll(fd, `${JSON.stringify(r)}\n`, file);
        });
      }
    } finally {
      closeSync(fd);
    }
    return await aggregate({ name: meta.name, objectives: meta.objectives, parameters: meta.parameters, workloadLabels: meta.workloads ?? [], serving: meta.serving, accuracy: meta.accuracy }, outDir, { shard: `merged from ${dirs.length}` });
  } finally {
    release();
  }
}
