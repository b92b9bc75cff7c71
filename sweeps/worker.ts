/**
 * What a worker does: one exported function over serialisable tasks. A task names the sweep spec
 * file (loaded once per worker process and spec digest, with its caches) and a batch of points. A
 * local pool's task also names the output files (`out`): the worker appends its rows to
 * results.jsonl (and their lines to results.csv, on a fresh run) itself, a chunk at a time as they
 * are made, and sends back only their counts and digests, so rows never cross the IPC channel and
 * the main process, which shares the cores with the workers, neither receives nor writes them. An
 * in-thread sweep appends through the runner's files the same way (a RowSink). Without either (a
 * Redis worker) the rows come back serialised as results.jsonl lines for the main thread to
 * append. The rows themselves come back too when the sampler learns from them. worker-process.ts
 * runs it in the pool's processes; an in-thread sweep calls evaluateBatch.
 *
 * A grid sweep's task names its rows by index only (`indices`): the worker owns those rows and
 * makes their parameters and keys itself (gridTask, the same assignment and key as the main
 * thread's loop), so the main thread neither evaluates parameter expressions nor sends parameters.
 */
import { closeSync } from "node:fs";
import { appendLines, openAppending, OutputError } from "../common/output-files.js";
import { evaluatePoint, type PointTask, type Row } from "./evaluate-point.js";
import { assign, dimensions, loadSweep, pointKey, specDigest, type ResolvedSweep } from "./spec.js";
import { aggregateSpecOf, rowDigester, type BatchDigest } from "./aggregate.js";
import { gridSampler, type IndexSampler } from "./samplers.js";
import type { ExprValue } from "./expressions.js";

export interface WorkerTask {
  specFile: string;
  /** The resolved spec itself, when the worker cannot read the file (a remote worker); cached by specId. */
  spec?: ResolvedSweep;
  specId?: string;
  /**
   * The digest of the spec the sweep runs (sweep.json's specHash). A process that loads specFile
   * checks it, and loads the file again when it changes: a pool kept across sweeps (the caller's
   * WorkerPool) may run one spec file, edited, in two sweeps.
   */
  specHash?: string;
  /**
   * The sweep run the task belongs to. A process closes the output files it opened for another run:
   * a pool kept across sweeps may be given a folder that was removed and made again under the same
   * path, where a descriptor kept open would append to the removed file.
   */
  run?: string;
  /** The points, or (a grid sweep) the row indices, whose points the worker makes with gridTask. */
  points?: PointTask[];
  indices?: number[];
  /** Return the rows too (a learning sampler needs their objectives). */
  wantRows: boolean;
  /**
   * Append the rows here instead of returning their lines: results.jsonl, and results.csv on a
   * fresh run (a resumed run aggregates from results.jsonl at its end). Absolute paths, opened for
   * appending by the main process already.
   */
  out?: { results: string; csv?: string };
}

export interface WorkerResult {
  /** results.jsonl lines the main process still has to append ("" when the worker appended them). */
  lines: string;
  count: number;
  errors: number;
  rows?: Row[];
  /**
   * What the rows add to the aggregates, one digest per evaluated part (aggregate.ts BatchDigest),
   * so the main process need not parse the lines again; a digest's `csv` is "" when the worker
   * appended those lines to results.csv itself.
   */
  digests?: BatchDigest[];
  /** Lines of the rows no digest covers (a failed batch's error rows), which the main process parses to aggregate them. */
  undigested?: string;
  /** The worker could not append to an output file (a full disk): the sweep stops; `count` rows were kept. */
  failure?: { file: string; code: string };
  /** Wall seconds the batch's points took to evaluate where they ran (the runner sizes later batches by it). */
  evaluationSeconds?: number;
}

/** The spec this process has loaded: by its id (specId or file) and the digest the task gave. */
let current: { id: string; hash: string | undefined; spec: ResolvedSweep } | undefined;
/** The sweep run whose output files this process has open (`appending`). */
let currentRun: string | undefined;

/** A task's spec: the one it carries, else its file, checked against the task's digest when it gives one. */
function specOf(task: WorkerTask): ResolvedSweep {
  if (task.spec) return task.spec;
  const spec = loadSweep(task.specFile);
  if (task.specHash !== undefined && specDigest(spec) !== task.specHash) {
    throw new Error(`${task.specFile} is not the spec this sweep started with (it was changed since): the sweep cannot go on with it`);
  }
  return spec;
}

/** A grid sweep's sampler and its last point's parameters (a point's workloads are consecutive rows). */
const grids = new WeakMap<ResolvedSweep, { grid: IndexSampler; point: number; params?: Record<string, ExprValue> }>();

/** Row `index` of a grid sweep (point index / workloads, workload index % workloads) as a task, as the runner's loop makes it. */
export function gridTask(spec: ResolvedSweep, index: number): PointTask {
  let g = grids.get(spec);
  if (!g) grids.set(spec, (g = { grid: gridSampler(dimensions(spec).map((d) => d.values!.length)), point: -1 }));
  const W = spec.workloads.length;
  const point = Math.floor(index / W), workload = index - point * W;
  if (g.point !== point || !g.params) {
    g.params = assign(spec, g.grid.point(point));
    g.point = point;
  }
  return { index, key: pointKey(g.params, workload), workload, params: g.params };
}


/**
 * A digest the main process reads exactly as it would the rows. A remote worker's result travels as
 * JSON (the Redis backend's jobs), which has no NaN or Infinity: a non-finite objective value goes by the rows.
 */
function transportable(d: BatchDigest): boolean {
  return d.front.every((e) => e.values.every(Number.isFinite)) && Object.values(d.best).every((b) => b === null || Number.isFinite(b.value));
}

/**
 * Where a batch's rows are appended as they are made, a chunk of whole rows at a time: a local
 * pool's worker appends to the output files itself (fileSink), an in-thread sweep through the
 * runner's own files.
 */
export interface RowSink {
  /**
   * Appends `count` whole rows: their results.jsonl lines, then (when results.csv is written) their
   * CSV lines. Returns the rows kept, with the failure when a file could not take them all (a full
   * disk: the rows before the torn one stay), or undefined when this process must not write (its
   * sweep's main process has gone).
   */
  append(lines: string, csv: string, count: number): { kept: number; failure?: NonNullable<WorkerResult["failure"]> } | undefined;
}

/**
 * Text a batch holds before it appends it to a RowSink: ~65-100 rows of 0.65-1 KB, the size of the
 * main process's buffered writes to results.csv (aggregate.ts BufferedFile). A batch used to hold all its
 * rows' text until its end: what stayed alive at each young-generation GC grew with the batch, and
 * V8 copied and promoted it (batches of 1,536 bench-grid points against 256, in this thread:
 * scavenges 311 -> 709 ms per 40,000 points, promoted 0.5% -> 1.6% of what was allocated).
 */
const CHUNK_CHARS = 64 * 1024;

/**
 * Rows made into a batch's result, one at a time: each is digested (when `spec` is given) and
 * serialised as it comes, so a batch holds its rows' text and digest, not their Row objects (unless
 * they are wanted). With a sink the text goes out every CHUNK_CHARS, and the batch ends holding
 * only its digest (its CSV lines went with its rows); without one (a Redis worker's batch, error
 * rows) the text comes back whole.
 */
class BatchResult {
  private lines = "";
  private csv = "";
  private pending = 0;
  private count = 0;
  private errors = 0;
  private kept = 0;
  private failure?: WorkerResult["failure"];
  /** Nothing more may be written (a failed write, or the sweep's main process has gone): the batch stops. */
  stopped = false;
  private readonly rows: Row[] = [];
  private readonly digester?: ReturnType<typeof rowDigester>;
  constructor(spec: ResolvedSweep | undefined, private readonly wantRows: boolean, private readonly sink?: RowSink) {
    if (spec) this.digester = rowDigester(aggregateSpecOf(spec), sink ? (text) => (this.csv += text) : undefined);
  }
  add(row: Row): void {
    this.digester?.add(row);
    this.lines += `${JSON.stringify(row)}\n`;
    this.pending++;
    this.count++;
    if (row.status === "error") this.errors++;
    if (this.wantRows) this.rows.push(row);
    if (this.sink && this.lines.length >= CHUNK_CHARS) this.flush();
  }
  private flush(): void {
    if (!this.sink || this.stopped || this.pending === 0) return;
    const done = this.sink.append(this.lines, this.csv, this.pending);
    this.lines = this.csv = "";
    this.pending = 0;
    if (done === undefined) this.stopped = true;
    else {
      this.kept += done.kept;
      if (done.failure) {
        this.failure = done.failure;
        this.stopped = true;
      }
    }
  }
  /**
   * The batch's rows as a result. With a sink (this machine's files: a result that crosses no JSON)
   * always with their digest, the rows' lines appended ("" here), and after a failed write only the
   * count of rows kept and the failure (the sweep stops; a resume aggregates from results.jsonl).
   * Without one (a Redis worker's batch, error rows), with the digest only if it survives JSON
   * (see transportable).
   */
  result(): WorkerResult {
    this.flush();
    if (this.failure) return { lines: "", count: this.kept, errors: 0, failure: this.failure };
    const made = this.digester && this.count > 0 ? this.digester.digest() : undefined;
    const digested = made !== undefined && (this.sink !== undefined || transportable(made));
    return {
      lines: this.lines,
      count: this.sink ? this.kept : this.count,
      errors: this.errors,
      ...(this.wantRows ? { rows: this.rows } : {}),
      ...(digested ? { digests: [made] } : this.count > 0 ? { undigested: this.lines } : {}),
    };
  }
}

/**
 * Evaluate a task's points and serialise them; `onPoint` hears of each finished point (the pool's
 * heartbeat). A grid task's points are made from its row indices one at a time, as they are
 * evaluated, so a batch does not hold them all. With `sink` the rows are appended there as they
 * come (a batch stops at a failed write).
 */
export function evaluateBatch(spec: ResolvedSweep, task: Pick<WorkerTask, "points" | "indices">, wantRows: boolean, onPoint?: (done: number) => void, sink?: RowSink): WorkerResult {
  const { points, indices = [] } = task;
  const count = points ? points.length : indices.length;
  const started = performance.now();
  const batch = new BatchResult(spec, wantRows, sink);
  for (let i = 0; i < count && !batch.stopped; i++) {
    batch.add(evaluatePoint(spec, points ? points[i]! : gridTask(spec, indices[i]!)));
    onPoint?.(i + 1);
  }
  return { ...batch.result(), evaluationSeconds: (performance.now() - started) / 1000 };
}

/** Error rows for points evaluated as a batch that failed as a whole (each named, with the reason). */
export function failedBatch(points: PointTask[], reason: string, wantRows: boolean): WorkerResult {
  const batch = new BatchResult(undefined, wantRows);
  for (const p of points) batch.add({ index: p.index, key: p.key, workload: p.workload, params: p.params, status: "error", reason });
  return batch.result();
}

/** Results of consecutive parts of a batch, as one. */
export function joinResults(parts: WorkerResult[], wantRows: boolean): WorkerResult {
  const failure = parts.find((p) => p.failure)?.failure;
  const undigested = parts.map((p) => p.undigested ?? "").join("");
  return {
    lines: parts.map((p) => p.lines).join(""),
    count: parts.reduce((n, p) => n + p.count, 0),
    errors: parts.reduce((n, p) => n + p.errors, 0),
    ...(wantRows ? { rows: parts.flatMap((p) => p.rows ?? []) } : {}),
    digests: parts.flatMap((p) => p.digests ?? []),
    ...(undigested ? { undigested } : {}),
    ...(failure ? { failure } : {}),
  };
}

/** The process that started this one: a sweep's main process, for a pool's worker. */
const parentAtStart = process.ppid;

/** Output files this process appends to, by path (opened once per sweep run). */
const appending = new Map<string, number>();

/**
 * Rows appended by `write` (results.jsonl lines, then their results.csv lines when `csv` is
 * given): the rows kept and the failure of a full disk (appendLines cuts the torn line; when
 * results.csv fails, every row is in results.jsonl already).
 */
export function appendRows(write: (file: string, text: string) => void, out: NonNullable<WorkerTask["out"]>, lines: string, csv: string, count: number): ReturnType<RowSink["append"]> {
  let file = out.results;
  try {
    write(file, lines);
    if (out.csv && csv) {
      file = out.csv;
      write(file, csv);
    }
    return { kept: count };
  } catch (err) {
    if (!(err instanceof OutputError)) throw err;
    return { kept: file === out.results ? err.linesKept : count, failure: { file: err.file, code: err.code } };
  }
}

/**
 * A local pool's worker appends to the output files named by its task (opened once per sweep run).
 * A process whose sweep has gone (the main process was killed) writes nothing more: its rows could
 * land beside those of a resumed run; the points it did not write are not recorded, so a resume
 * evaluates them. (A dead parent shows as a new parent process id at once; the IPC channel's state
 * only once this process's event loop has run, after the batch.)
 */
function fileSink(out: NonNullable<WorkerTask["out"]>): RowSink {
  const write = (file: string, text: string) => {
    let fd = appending.get(file);
    if (fd === undefined) appending.set(file, (fd = openAppending(file, false)));
    appendLines(fd, text, file);
  };
  return {
    append: (lines, csv, count) => (process.connected === false || process.ppid !== parentAtStart ? undefined : appendRows(write, out, lines, csv, count)),
  };
}

export function runTask(task: WorkerTask, onPoint?: (done: number) => void): WorkerResult {
  const id = task.specId ?? task.specFile;
  if (!current || current.id !== id || current.hash !== task.specHash) current = { id, hash: task.specHash, spec: specOf(task) };
  if (task.run !== currentRun) {
    for (const fd of appending.values()) closeSync(fd);
    appending.clear();
    currentRun = task.run;
  }
  onPoint?.(0); // loaded: from here a death is the points', not the worker's start-up
  // A local pool's task appends to its files (its result travels by V8 serialisation, which keeps
  // NaN and Infinity: always with its digest); a remote one returns its rows.
  return evaluateBatch(current.spec, task, task.wantRows, onPoint, task.out ? fileSink(task.out) : undefined);
}
