/**
 * Aggregation, streamed from results.jsonl (never whole in memory, so it works the same after a
 * resume or a merge): each key once (the first row wins, so a folder two writers filled still
 * aggregates right), results.csv with one column per
 * parameter and metric (loadable by pandas), an incremental Pareto front per workload over the
 * objectives (pareto.csv), and summary.json (counts by status and reason, best point per
 * objective, wall time and rate).
 */
import { closeSync, createReadStream, existsSync, openSync, statSync } from "node:fs";
import { InputError } from "../common/input-error.js";
import { createInterface } from "node:readline";
import { inside, writeAll, writeFailure, writeOutputFile } from "../common/output-files.js";
import type { Row } from "./evaluate-point.js";
import { metricsOf, type ResolvedSweep } from "./spec.js";
import { KeySet } from "./key-set.js";
import { countByClass, type InfeasibleClass } from "../hardware-models/infeasibility.js";

/** What aggregation needs of a spec; `workloadLabels[i]` names workload i in the CSVs. */
export type AggregateSpec = Pick<ResolvedSweep, "name" | "parameters" | "objectives"> & {
  workloadLabels: readonly string[];
  /** A serving sweep (its rows carry the serving metrics too). */
  serving?: unknown;
};

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
  best: Record<string, { value: number; key: string; workload: number; params: Record<string, unknown> } | null>;
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

/** a dominates b over the objectives (sense-adjusted). */
function dominates(a: Row, b: Row, objectives: Objective[]): boolean {
  let better = false;
  for (const o of objectives) {
    const sign = o.sense === "minimize" ? 1 : -1;
    const va = sign * value(a, o.metric), vb = sign * value(b, o.metric);
    if (va > vb) return false;
    if (va < vb) better = true;
  }
  return better;
}

export class ParetoFront {
  private readonly fronts = new Map<number, Row[]>();
  constructor(private readonly objectives: Objective[]) {}
  add(row: Row): void {
    if (row.status !== "ok") return;
    const front = this.fronts.get(row.workload) ?? [];
    if (front.some((f) => dominates(f, row, this.objectives) || this.objectives.every((o) => value(f, o.metric) === value(row, o.metric)))) return;
    this.fronts.set(row.workload, [...front.filter((f) => !dominates(row, f, this.objectives)), row]);
  }
  rows(): Row[] {
    return [...this.fronts.entries()].sort(([a], [b]) => a - b).flatMap(([, f]) => f.sort((x, y) => value(x, this.objectives[0]!.metric) - value(y, this.objectives[0]!.metric)));
  }
}

const csvCell = (v: unknown): string => {
  if (v === undefined || v === null) return "";
  const s = typeof v === "number" ? (Number.isFinite(v) ? String(v) : "") : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function csvHeader(spec: Pick<AggregateSpec, "parameters" | "serving">): string[] {
  return ["index", "key", "workload", "workload_label", "status", "reason", ...spec.parameters.map((p) => p.name), ...metricsOf(spec)];
}

export function csvLine(spec: Pick<AggregateSpec, "parameters" | "workloadLabels" | "serving">, row: Row): string {
  return [row.index, row.key, row.workload, spec.workloadLabels[row.workload], row.status, row.reason, ...spec.parameters.map((p) => row.params[p.name]), ...metricsOf(spec).map((m) => row.metrics?.[m])].map(csvCell).join(",");
}

/** Rows of a results.jsonl (none if it is missing), in file order; a torn line (a kill mid-write) is skipped. */
export async function readRows(file: string, keep: (row: Row) => void): Promise<void> {
  if (!existsSync(file)) return;
  if (!statSync(file).isFile()) throw new InputError(file, { path: "", expected: "a results file (a regular file, written by attnsim sweep)", found: "not a regular file" });
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === "") continue;
    let row: Row;
    try {
      row = JSON.parse(line) as Row;
    } catch {
      continue; // a line torn by a kill mid-write: that point is simply not done
    }
    if (row !== null && typeof row === "object" && typeof row.key === "string") keep(row);
  }
}

/** A file written in ~64 KB writes, with the errors of common/output-files.ts. */
class BufferedFile {
  private readonly fd: number;
  private buffer = "";
  constructor(private readonly file: string) {
    try {
      this.fd = openSync(file, "w");
    } catch (err) {
      throw writeFailure(err, file, "--out");
    }
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
  private flush(): void {
    writeAll(this.fd, this.buffer, this.file, "results.jsonl is complete: free space and run attnsim merge on the folder to aggregate it again");
    this.buffer = "";
  }
}

/** Stream results.jsonl into results.csv, pareto.csv and the summary (returned and written). */
export async function aggregate(spec: AggregateSpec, dir: string, extra: Partial<SweepSummary> = {}): Promise<SweepSummary> {
  const seen = new KeySet();
  let rows = 0;
  const front = new ParetoFront(spec.objectives);
  const counts = { ok: 0, violates: 0, infeasible: 0, error: 0 };
  const infeasibleByClass = countByClass([]);
  const reasons = new Map<string, number>();
  const best: SweepSummary["best"] = Object.fromEntries(spec.objectives.map((o) => [`${o.sense} ${o.metric}`, null]));
  const csv = new BufferedFile(inside(dir, "results.csv"));
  try {
    csv.write(`${csvHeader(spec).join(",")}\n`);
    await readRows(inside(dir, "results.jsonl"), (row) => {
      if (!seen.add(row.key)) return;
      rows++;
      counts[row.status]++;
      if (row.reasonClass) infeasibleByClass[row.reasonClass]++;
      if (row.reason) reasons.set(`${row.status}\u0000${row.reason}`, (reasons.get(`${row.status}\u0000${row.reason}`) ?? 0) + 1);
      front.add(row);
      if (row.status === "ok") {
        for (const o of spec.objectives) {
          const v = value(row, o.metric);
          const k = `${o.sense} ${o.metric}`;
          const cur = best[k];
          if (cur === null || cur === undefined || (o.sense === "minimize" ? v < cur.value : v > cur.value)) best[k] = { value: v, key: row.key, workload: row.workload, params: row.params };
        }
      }
      csv.write(`${csvLine(spec, row)}\n`);
    });
  } finally {
    csv.close();
  }
  const pareto = front.rows();
  writeOutputFile(inside(dir, "pareto.csv"), [csvHeader(spec).join(","), ...pareto.map((r) => csvLine(spec, r))].join("\n") + "\n");
  const summary: SweepSummary = {
    name: spec.name, rows, ok: counts.ok, violates: counts.violates, infeasible: counts.infeasible, infeasibleByClass, errors: counts.error,
    reasons: [...reasons.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([k, count]) => {
      const [status, reason] = k.split("\u0000") as [string, string];
      return { status, reason, count };
    }),
    best, paretoPoints: pareto.length, ...extra,
  };
  writeOutputFile(inside(dir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
