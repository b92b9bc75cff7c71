/**
 * What a worker does: one exported function over serialisable tasks. A task names the sweep spec
 * file (loaded once per worker process, with its caches) and a batch of points. A local pool's
 * task also names the output files (`out`): the worker appends its rows to results.jsonl (and
 * their lines to results.csv, on a fresh run) itself and sends back only their counts and digests,
 * so rows never cross the IPC channel and the main process, which shares the cores with the
 * workers, neither receives nor writes them. Without `out` (a Redis worker, an in-thread sweep) the
 * rows come back serialised as results.jsonl lines for the main thread to append. The rows
 * themselves come back too when the sampler learns from them. worker-process.ts runs it in the
 * pool's processes; an in-thread sweep calls evaluateBatch.
 *
 * A grid sweep's task names its rows by index only (`indices`): the worker owns those rows and
 * makes their parameters and keys itself (gridTask, the same assignment and key as the main
 * thread's loop), so the main thread neither evaluates parameter expressions nor sends parameters.
 */
import { appendLines, openAppending, OutputError } from "../common/output-files.js";
import { evaluatePoint, type PointTask, type Row } from "./evaluate-point.js";
import { assign, dimensions, loadSweep, pointKey, type ResolvedSweep } from "./spec.js";
import { aggregateSpecOf, rowDigester, type BatchDigest } from "./aggregate.js";
import { gridSampler, type IndexSampler } from "./samplers.js";
import type { ExprValue } from "./expressions.js";

export interface WorkerTask {
  specFile: string;
  /** The resolved spec itself, when the worker cannot read the file (a remote worker); cached by specId. */
  spec?: ResolvedSweep;
  specId?: string;
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

let current: { id: string; spec: ResolvedSweep } | undefined;

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
 * Rows made into a batch's result, one at a time: each is digested (when `spec` is given) and
 * serialised as it comes, so a batch holds its rows' text and digest, not their Row objects (unless
 * they are wanted). A batch of 256 held until its end was most of what a sweep point's
 * allocations left alive at a young-generation GC.
 */
class BatchResult {
  private lines = "";
  private count = 0;
  private errors = 0;
  private readonly rows: Row[] = [];
  private readonly digester?: ReturnType<typeof rowDigester>;
  constructor(spec: ResolvedSweep | undefined, private readonly wantRows: boolean) {
    if (spec) this.digester = rowDigester(aggregateSpecOf(spec));
  }
  add(row: Row): void {
    this.digester?.add(row);
    this.lines += `${JSON.stringify(row)}\n`;
    this.count++;
    if (row.status === "error") this.errors++;
    if (this.wantRows) this.rows.push(row);
  }
  /** `digest`: include the rows' digest; "if-transportable": only if it survives JSON (see transportable). */
  result(digest: "always" | "if-transportable" = "if-transportable"): WorkerResult {
    const made = this.digester && this.count > 0 ? this.digester.digest() : undefined;
    const digested = made !== undefined && (digest === "always" || transportable(made));
    return {
      lines: this.lines,
      count: this.count,
      errors: this.errors,
      ...(this.wantRows ? { rows: this.rows } : {}),
      ...(digested ? { digests: [made] } : this.count > 0 ? { undigested: this.lines } : {}),
    };
  }
}

/**
 * Evaluate a task's points and serialise them; `onPoint` hears of each finished point (the pool's
 * heartbeat). A grid task's points are made from its row indices one at a time, as they are
 * evaluated, so a batch does not hold them all.
 */
export function evaluateBatch(spec: ResolvedSweep, task: Pick<WorkerTask, "points" | "indices">, wantRows: boolean, onPoint?: (done: number) => void, digest?: "always"): WorkerResult {
  const { points, indices = [] } = task;
  const count = points ? points.length : indices.length;
  const started = performance.now();
  const batch = new BatchResult(spec, wantRows);
  for (let i = 0; i < count; i++) {
    batch.add(evaluatePoint(spec, points ? points[i]! : gridTask(spec, indices[i]!)));
    onPoint?.(i + 1);
  }
  return { ...batch.result(digest), evaluationSeconds: (performance.now() - started) / 1000 };
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

/** Output files this process appends to, by path (opened once per process). */
const appending = new Map<string, number>();

/**
 * Appends a batch's rows to the output files named by the task: its results.jsonl lines, then its
 * results.csv lines (taken out of the digests, which then travel without them). A full disk ends
 * the batch with `failure` and the count of whole rows kept.
 */
function append(result: WorkerResult, out: NonNullable<WorkerTask["out"]>): WorkerResult {
  const write = (file: string, text: string) => {
    let fd = appending.get(file);
    if (fd === undefined) appending.set(file, (fd = openAppending(file, false)));
    appendLines(fd, text, file);
  };
  let file = out.results;
  try {
    if (result.lines) write(file, result.lines);
    const csv = (result.digests ?? []).map((d) => d.csv).join("");
    if (out.csv && csv) {
      file = out.csv;
      write(file, csv);
    }
    // The CSV lines stay here either way: written above, or (a resumed run, which aggregates from
    // results.jsonl at its end) not wanted.
    return { ...result, lines: "", ...(result.digests ? { digests: result.digests.map((d) => ({ ...d, csv: "" })) } : {}) };
  } catch (err) {
    if (!(err instanceof OutputError)) throw err;
    const kept = file === out.results ? err.linesKept : result.count;
    return { lines: "", count: kept, errors: 0, failure: { file: err.file, code: err.code } };
  }
}

export function runTask(task: WorkerTask, onPoint?: (done: number) => void): WorkerResult {
  const id = task.specId ?? task.specFile;
  if (!current || current.id !== id) current = { id, spec: task.spec ?? loadSweep(task.specFile) };
  onPoint?.(0); // loaded: from here a death is the points', not the worker's start-up
  // A local pool's results travel by V8 serialisation, which keeps NaN and Infinity: always a digest.
  const result = evaluateBatch(current.spec, task, task.wantRows, onPoint, task.out ? "always" : undefined);
  if (!task.out) return result;
  // A process whose sweep has gone (the main process was killed) writes nothing: its rows could
  // land beside those of a resumed run. Its points are not recorded, so a resume evaluates them.
  // (A dead parent shows as a new parent process id at once; the IPC channel's state only once
  // this process's event loop has run, after the batch.)
  if (process.connected === false || process.ppid !== parentAtStart) return result;
  return append(result, task.out);
}
