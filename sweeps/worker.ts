/**
 * The piscina worker: one exported function over serialisable tasks. A task names the sweep spec
 * file (loaded once per worker thread, with its caches) and a batch of points; the worker returns
 * the rows already serialised as results.jsonl lines, so the main thread only appends text (it
 * stays free to propose points), and the rows themselves when the sampler needs their metrics.
 */
import { evaluatePoint, type PointTask, type Row } from "./evaluate-point.js";
import { loadSweep, type ResolvedSweep } from "./spec.js";

export interface WorkerTask {
  specFile: string;
  /** The resolved spec itself, when the worker cannot read the file (a remote worker); cached by specId. */
  spec?: ResolvedSweep;
  specId?: string;
  points: PointTask[];
  /** Return the rows too (NSGA-II needs their objectives). */
  wantRows: boolean;
}

export interface WorkerResult {
  lines: string;
  count: number;
  errors: number;
  rows?: Row[];
}

let current: { file: string; spec: ResolvedSweep } | undefined;

/** Evaluate a batch and serialise it (shared by workers and in-thread runs). */
export function evaluateBatch(spec: ResolvedSweep, points: PointTask[], wantRows: boolean): WorkerResult {
  const rows = points.map((p) => evaluatePoint(spec, p));
  return {
    lines: rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length > 0 ? "\n" : ""),
    count: rows.length,
    errors: rows.reduce((n, r) => n + (r.status === "error" ? 1 : 0), 0),
    ...(wantRows ? { rows } : {}),
  };
}

export default function run(task: WorkerTask): WorkerResult {
  const id = task.specId ?? task.specFile;
  if (!current || current.file !== id) current = { file: id, spec: task.spec ?? loadSweep(task.specFile) };
  return evaluateBatch(current.spec, task.points, task.wantRows);
}
