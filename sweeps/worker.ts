/**
 * What a worker does: one exported function over serialisable tasks. A task names the sweep spec
 * file (loaded once per worker process, with its caches) and a batch of points; the worker returns
 * the rows already serialised as results.jsonl lines, so the main thread only appends text (it
 * stays free to propose points), and the rows themselves when the sampler learns from them.
 * worker-process.ts runs it in the pool's processes; an in-thread sweep calls evaluateBatch.
 *
 * A grid sweep's task names its rows by index only (`indices`): the worker owns those rows and
 * makes their parameters and keys itself (gridTask, the same assignment and key as the main
 * thread's loop), so the main thread neither evaluates parameter expressions nor sends parameters.
 */
import { evaluatePoint, type PointTask, type Row } from "./evaluate-point.js";
import { assign, dimensions, loadSweep, pointKey, type ResolvedSweep } from "./spec.js";
import { aggregateSpecOf, digestRows, type BatchDigest } from "./aggregate.js";
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
}

export interface WorkerResult {
  lines: string;
  count: number;
  errors: number;
  rows?: Row[];
  /**
   * What the rows add to the aggregates, one digest per evaluated part (aggregate.ts BatchDigest),
   * so the main process need not parse the lines again; absent for rows made elsewhere (a failed
   * batch's error rows), whose lines the main process reads instead.
   */
  digests?: BatchDigest[];
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

/** The points of a task: given, or made from the row indices of a grid sweep. */
export function taskPoints(spec: ResolvedSweep, task: Pick<WorkerTask, "points" | "indices">): PointTask[] {
  return task.points ?? (task.indices ?? []).map((i) => gridTask(spec, i));
}

/**
 * A digest the main process reads exactly as it would the rows. A remote worker's result travels as
 * JSON (the Redis backend's jobs), which has no NaN or Infinity: a non-finite objective value goes by the rows.
 */
function transportable(d: BatchDigest): boolean {
  return d.front.every((e) => e.values.every(Number.isFinite)) && Object.values(d.best).every((b) => b === null || Number.isFinite(b.value));
}

function serialise(rows: Row[], wantRows: boolean, spec?: ResolvedSweep): WorkerResult {
  const digest = spec && rows.length > 0 ? digestRows(aggregateSpecOf(spec), rows) : undefined;
  return {
    lines: rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length > 0 ? "\n" : ""),
    count: rows.length,
    errors: rows.reduce((n, r) => n + (r.status === "error" ? 1 : 0), 0),
    ...(wantRows ? { rows } : {}),
    ...(digest && transportable(digest) ? { digests: [digest] } : {}),
  };
}

/** Evaluate a batch and serialise it; `onPoint` hears of each finished point (the pool's heartbeat). */
export function evaluateBatch(spec: ResolvedSweep, points: PointTask[], wantRows: boolean, onPoint?: (done: number) => void): WorkerResult {
  const rows = points.map((p, i) => {
    const row = evaluatePoint(spec, p);
    onPoint?.(i + 1);
    return row;
  });
  return serialise(rows, wantRows, spec);
}

/** Error rows for points evaluated as a batch that failed as a whole (each named, with the reason). */
export function failedBatch(points: PointTask[], reason: string, wantRows: boolean): WorkerResult {
  return serialise(points.map((p) => ({ index: p.index, key: p.key, workload: p.workload, params: p.params, status: "error", reason })), wantRows);
}

/** Results of consecutive parts of a batch, as one. */
export function joinResults(parts: WorkerResult[], wantRows: boolean): WorkerResult {
  return {
    lines: parts.map((p) => p.lines).join(""),
    count: parts.reduce((n, p) => n + p.count, 0),
    errors: parts.reduce((n, p) => n + p.errors, 0),
    ...(wantRows ? { rows: parts.flatMap((p) => p.rows ?? []) } : {}),
    ...(parts.every((p) => p.digests || p.count === 0) ? { digests: parts.flatMap((p) => p.digests ?? []) } : {}),
  };
}

export function runTask(task: WorkerTask, onPoint?: (done: number) => void): WorkerResult {
  const id = task.specId ?? task.specFile;
  if (!current || current.id !== id) current = { id, spec: task.spec ?? loadSweep(task.specFile) };
  onPoint?.(0); // loaded: from here a death is the points', not the worker's start-up
  return evaluateBatch(current.spec, taskPoints(current.spec, task), task.wantRows, onPoint);
}
