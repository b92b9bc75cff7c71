/**
 * Aggregation, streamed from results.jsonl (never whole in memory, so it works the same after a
 * resume or a merge): each key once (the first row wins, so a folder two writers filled still
 * aggregates right), results.csv with one column per
 * parameter and metric (loadable by pandas), an incremental Pareto front per workload over the
 * objectives (pareto.csv), and summary.json (counts by status and reason, best point per
 * objective, wall time and rate).
 */
import { closeSync, createReadStream, existsSync, statSync } from "node:fs";
import { InputError } from "../common/input-error.js";
import { createInterface } from "node:readline";
import { inside, openAppending, writeAll, writeOutputFile } from "../common/output-files.js";
import type { Row } from "./evaluate-point.js";
import { metricsOf, workloadLabel, type ResolvedSweep } from "./spec.js";
import { KeySet } from "./key-set.js";
import { countByClass, type InfeasibleClass } from "../hardware-models/infeasibility.js";

/** What aggregation needs of a spec; `workloadLabels[i]` names workload i in the CSVs. */
export type AggregateSpec = Pick<ResolvedSweep, "name" | "parameters" | "objectives"> & {
  workloadLabels: readonly string[];
  /** A serving sweep (its rows carry the serving metrics too). */
  serving?: unknown;
  /** An accuracy model (its rows carry `accuracy` too). */
  accuracy?: unknown;
};

const aggregateSpecs = new WeakMap<ResolvedSweep, AggregateSpec>();

/** A sweep's spec as aggregation reads it (its workload labels made once per spec). */
export function aggregateSpecOf(spec: ResolvedSweep): AggregateSpec {
  let a = aggregateSpecs.get(spec);
  if (!a) aggregateSpecs.set(spec, (a = { ...spec, workloadLabels: spec.workloads.map(workloadLabel) }));
  return a;
}

export interface Objective {
  metric: string;
  sense: "minimize" | "maximize";
}

export interface SweepSummary {
  name: string;
  rows: number;
  ok: number;
  violates: number;
  infeasible: number;
  /** Infeasible points counted by the class of their reason. */
  infeasibleByClass: Record<InfeasibleClass, number>;
  errors: number;
  /** Most frequent reasons (infeasible, violated constraint, error) with their counts. */
  reasons: { status: string; reason: string; count: number }[];
  /** Best point per objective; of equal values, the lowest row index (the same whatever the workers or batches). */
  best: Record<string, { value: number; index: number; key: string; workload: number; params: Record<string, unknown> } | null>;
  paretoPoints: number;
  wallSeconds?: number;
  pointsPerSecond?: number;
  evaluatedThisRun?: number;
  workers?: number;
  /** Where the points were evaluated when not in local threads (e.g. "redis://host:6379, queue attnsim-..."). */
  backend?: string;
  shard?: string;
}

function value(row: Row, metric: string): number {
  const m = row.metrics?.[metric];
  if (m !== undefined) return m;
  const p = row.params[metric];
  return typeof p === "number" ? p : NaN;
}

/** A front candidate: an ok row's objective values (sense-adjusted: smaller is better), its index, workload and CSV line. */
export interface FrontEntry {
  index: number;
  workload: number;
  values: number[];
  line: string;
}

/** The sense-adjusted objective values of an ok row (smaller is better in each). */
function objectiveValues(row: Row, objectives: readonly Objective[]): number[] {
  return objectives.map((o) => (o.sense === "minimize" ? 1 : -1) * value(row, o.metric));
}

/** a dominates b: no worse in every objective, better in one. */
function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false;
    if (a[i]! < b[i]!) better = true;
  }
  return better;
}

const same = (a: readonly number[], b: readonly number[]) => a.every((v, i) => v === b[i]);

/**
 * The non-dominated rows per workload, kept as rows arrive: a row is dropped when a kept one
 * dominates it or equals it with a lower row index, and drops the kept ones it dominates or equals
 * with a higher one. Of equal rows the lowest index stays, so the outcome depends neither on how
 * rows are grouped nor on the order they arrive in (worker processes finish batches in any order):
 * a row a batch drops is dominated, or equalled with a lower index, by one it keeps.
 */
export class ParetoFront {
  private readonly fronts = new Map<number, FrontEntry[]>();
  constructor(private readonly objectives: readonly Objective[]) {}
  add(row: Row, line: () => string): void {
    if (row.status !== "ok") return;
    const values = objectiveValues(row, this.objectives);
    if (this.admits(row.workload, values, row.index)) this.insert({ index: row.index, workload: row.workload, values, line: line() });
  }
  /** Adds an entry made elsewhere (a worker's batch front). */
  addEntry(entry: FrontEntry): void {
    if (this.admits(entry.workload, entry.values, entry.index)) this.insert(entry);
  }
  entries(): FrontEntry[] {
    return [...this.fronts.entries()].sort(([a], [b]) => a - b).flatMap(([, f]) => f);
  }
  /** CSV lines of the front: by workload, then by the first objective, then by row index. */
  lines(): string[] {
    const sign = this.objectives[0]?.sense === "maximize" ? -1 : 1; // by the first objective's own value, ascending
    return [...this.fronts.entries()].sort(([a], [b]) => a - b).flatMap(([, f]) => [...f].sort((x, y) => sign * (x.values[0]! - y.values[0]!) || x.index - y.index).map((e) => e.line));
  }
  private admits(workload: number, values: number[], index: number): boolean {
    const front = this.fronts.get(workload);
    return !front || !front.some((f) => dominates(f.values, values) || (same(f.values, values) && f.index <= index));
  }
  private insert(entry: FrontEntry): void {
    const front = this.fronts.get(entry.workload) ?? [];
    this.fronts.set(entry.workload, [...front.filter((f) => !dominates(entry.values, f.values) && !same(entry.values, f.values)), entry]);
  }
}

const csvCell = (v: unknown): string => {
  if (v === undefined || v === null) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : ""; // digits, sign, ".", "e": never quoted
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function csvHeader(spec: Pick<AggregateSpec, "parameters" | "serving" | "accuracy">): string[] {
  return ["index", "key", "workload", "workload_label", "status", "reason", ...spec.parameters.map((p) => p.name), ...metricsOf(spec)];
}

export function csvLine(spec: Pick<AggregateSpec, "parameters" | "workloadLabels" | "serving" | "accuracy">, row: Row): string {
  return [row.index, row.key, row.workload, spec.workloadLabels[row.workload], row.status, row.reason, ...spec.parameters.map((p) => row.params[p.name]), ...metricsOf(spec).map((m) => row.metrics?.[m])].map(csvCell).join(",");
}

/** Rows of a results.jsonl (none if it is missing), in file order; a torn line (a kill mid-write) is skipped. */
export async function readRows(file: string, keep: (row: Row) => void): Promise<void> {
  if (!existsSync(file)) return;
  if (!statSync(file).isFile()) throw new InputError(file, { path: "", expected: "a results file (a regular file, written by attnsim sweep)", found: "not a regular file" });
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    const row = rowOf(line);
    if (row) keep(row);
  }
}

/** Rows of results.jsonl text (a batch's lines), as readRows gives a file's. */
export function readLines(text: string, keep: (row: Row) => void): void {
  for (const line of text.split("\n")) {
    const row = rowOf(line);
    if (row) keep(row);
  }
}

/** A results.jsonl line's row; undefined for a blank line or one torn by a kill mid-write (that point is simply not done). */
export function rowOf(line: string): Row | undefined {
  if (line.trim() === "") return undefined;
  let row: Row;
  try {
    row = JSON.parse(line) as Row;
  } catch {
    return undefined;
  }
  return row !== null && typeof row === "object" && typeof row.key === "string" ? row : undefined;
}

/**
 * A file written in ~64 KB writes of whole lines, with the errors of common/output-files.ts; opened
 * for appending, so a sweep's workers can append their own lines beside it (sweeps/worker.ts).
 */
class BufferedFile {
  private readonly fd: number;
  private buffer = "";
  constructor(private readonly file: string) {
    this.fd = openAppending(file, true);
  }
  write(text: string): void {
    this.buffer += text;
    if (this.buffer.length >= 65536) this.flush();
  }
  close(): void {
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
  }
  flush(): void {
    if (this.buffer === "") return;
    writeAll(this.fd, this.buffer, this.file, "results.jsonl is complete: free space and run attnsim merge on the folder to aggregate it again");
    this.buffer = "";
  }
}

/**
 * What a batch of rows adds to the aggregates, made where the rows were made (a worker), so the
 * main process merges small digests instead of parsing every row again: the rows' CSV lines, counts
 * by status, class and reason, the batch's best point per objective and its Pareto front.
 */
export interface BatchDigest {
  csv: string;
  counts: Record<Row["status"], number>;
  infeasibleByClass: Partial<Record<InfeasibleClass, number>>;
  /** `status \u0000 reason` and its count. */
  reasons: [string, number][];
  best: SweepSummary["best"];
  front: FrontEntry[];
}

/**
 * Distinct reasons counted one by one; later new ones are counted together under OTHER_REASONS
 * (per status), so the counts stay bounded whatever the sweep's size. The first ones in row order
 * are kept, whether rows come one by one or as digests (each digest lists its reasons in row order).
 * A bound, not a measurement: ten thousand reasons of ~100 characters hold ~2 MB, and the summary
 * shows the 20 most frequent.
 */
export const MAX_DISTINCT_REASONS = 10_000;
export const OTHER_REASONS = `other reasons (after the first ${MAX_DISTINCT_REASONS.toLocaleString("en-US")} distinct ones)`;

/** The aggregates of rows, added one by one or as batch digests; `finish` writes pareto.csv and summary.json. */
export class Aggregator {
  rows = 0;
  private readonly counts = { ok: 0, violates: 0, infeasible: 0, error: 0 };
  private readonly infeasibleByClass = countByClass([]);
  private readonly reasons = new Map<string, number>();
  private readonly best: SweepSummary["best"];
  private readonly front: ParetoFront;

  /** `csv` receives the rows' results.csv lines (none: not written). */
  constructor(private readonly spec: AggregateSpec, private readonly csv?: (text: string) => void) {
    this.best = Object.fromEntries(spec.objectives.map((o) => [`${o.sense} ${o.metric}`, null]));
    this.front = new ParetoFront(spec.objectives);
  }

  add(row: Row): void {
    this.rows++;
    this.counts[row.status]++;
    if (row.reasonClass) this.infeasibleByClass[row.reasonClass]++;
    if (row.reason) this.countReason(`${row.status}\u0000${row.reason}`, 1);
    let line: string | undefined;
    const lineOf = () => (line ??= csvLine(this.spec, row));
    this.front.add(row, lineOf);
    if (row.status === "ok") {
      for (const o of this.spec.objectives) this.offerBest(o, { value: value(row, o.metric), index: row.index, key: row.key, workload: row.workload, params: row.params });
    }
    this.csv?.(`${lineOf()}\n`);
  }

  addDigest(d: BatchDigest): void {
    for (const status of ["ok", "violates", "infeasible", "error"] as const) {
      this.counts[status] += d.counts[status];
      this.rows += d.counts[status];
    }
    for (const [c, n] of Object.entries(d.infeasibleByClass)) this.infeasibleByClass[c as InfeasibleClass] += n!;
    for (const [k, n] of d.reasons) this.countReason(k, n);
    for (const o of this.spec.objectives) {
      const cand = d.best[`${o.sense} ${o.metric}`];
      if (cand) this.offerBest(o, cand);
    }
    for (const e of d.front) this.front.addEntry(e);
    this.csv?.(d.csv);
  }

  /** The digest of the rows added so far (a worker's batch). */
  digest(csv: string): BatchDigest {
    const infeasibleByClass: BatchDigest["infeasibleByClass"] = {};
    for (const [c, n] of Object.entries(this.infeasibleByClass)) if (n > 0) infeasibleByClass[c as InfeasibleClass] = n;
    return { csv, counts: { ...this.counts }, infeasibleByClass, reasons: [...this.reasons], best: this.best, front: this.front.entries() };
  }

  /** Writes pareto.csv and summary.json into `dir`; returns the summary. */
  finish(dir: string, extra: Partial<SweepSummary> = {}): SweepSummary {
    const pareto = this.front.lines();
    writeOutputFile(inside(dir, "pareto.csv"), [csvHeader(this.spec).join(","), ...pareto].join("\n") + "\n");
    const summary: SweepSummary = {
      name: this.spec.name, rows: this.rows, ok: this.counts.ok, violates: this.counts.violates, infeasible: this.counts.infeasible,
      infeasibleByClass: this.infeasibleByClass, errors: this.counts.error,
      reasons: [...this.reasons.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, 20).map(([k, count]) => {
        const [status, reason] = k.split("\u0000") as [string, string];
        return { status, reason, count };
      }),
      best: this.best, paretoPoints: pareto.length, ...extra,
    };
    writeOutputFile(inside(dir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  }

  /** The best point of an objective so far; of equal values, the lowest row index. */
  private offerBest(o: Objective, cand: NonNullable<SweepSummary["best"][string]>): void {
    const k = `${o.sense} ${o.metric}`;
    const cur = this.best[k];
    if (cur === null || cur === undefined || (o.sense === "minimize" ? cand.value < cur.value : cand.value > cur.value) || (cand.value === cur.value && cand.index < cur.index)) this.best[k] = cand;
  }

  private countReason(key: string, n: number): void {
    const known = this.reasons.get(key);
    if (known !== undefined) this.reasons.set(key, known + n);
    else if (this.reasons.size < MAX_DISTINCT_REASONS) this.reasons.set(key, n);
    else {
      // Reasons that carry a point's own numbers can be as many as the rows: past the cap, new ones are counted together.
      const other = `${key.slice(0, key.indexOf("\u0000"))}\u0000${OTHER_REASONS}`;
      this.reasons.set(other, (this.reasons.get(other) ?? 0) + n);
    }
  }
}

/** A batch's digest made as its rows come (a worker's, sent with the rows' lines); with `csvSink` the rows' CSV lines go there, not into the digest. */
export function rowDigester(spec: AggregateSpec, csvSink?: (text: string) => void): { add: (row: Row) => void; digest: () => BatchDigest } {
  let csv = "";
  const a = new Aggregator(spec, csvSink ?? ((text) => (csv += text)));
  return { add: (row) => a.add(row), digest: () => a.digest(csv) };
}

/** The digest of a batch's rows, all at once. */
export function digestRows(spec: AggregateSpec, rows: readonly Row[]): BatchDigest {
  const d = rowDigester(spec);
  for (const r of rows) d.add(r);
  return d.digest();
}

/**
 * results.csv written as rows arrive (a fresh sweep's main process), in ~64 KB writes; the header is
 * written at once, before any worker appends rows (`file` is the path they append to).
 */
export function openCsv(spec: AggregateSpec, dir: string): { file: string; write: (text: string) => void; close: () => void } {
  const file = inside(dir, "results.csv");
  const csv = new BufferedFile(file);
  csv.write(`${csvHeader(spec).join(",")}\n`);
  csv.flush();
  return { file, write: (text) => csv.write(text), close: () => csv.close() };
}

/** Stream results.jsonl into results.csv, pareto.csv and the summary (returned and written); each key once, the first row wins. */
export async function aggregate(spec: AggregateSpec, dir: string, extra: Partial<SweepSummary> = {}): Promise<SweepSummary> {
  const seen = new KeySet();
  const csv = openCsv(spec, dir);
  const a = new Aggregator(spec, csv.write);
  try {
    await readRows(inside(dir, "results.jsonl"), (row) => {
      if (seen.add(row.key)) a.add(row);
    });
  } finally {
    csv.close();
  }
  return a.finish(dir, extra);
}
