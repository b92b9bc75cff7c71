/**
 * Rows a failed batch left behind. A local pool's worker appends its rows to results.jsonl (and
 * results.csv) itself and only then reports (sweeps/worker.ts); a process that dies between the two
 * (killed from outside, out of memory while replying) has recorded rows the main process never heard
 * of. Before the batch's points are evaluated again one by one, the files are read from where they
 * ended when the batch was handed over: the batch's rows found there are done (counted, aggregated,
 * not evaluated twice), and of those, the ones whose results.csv line is there too are not written
 * again. A torn last line (a death mid-write) is no row and is evaluated again.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { aggregateSpecOf, csvLine, digestRows, readLines } from "./aggregate.js";
import type { Row } from "./evaluate-point.js";
import type { ResolvedSweep } from "./spec.js";
import type { BatchFailure, Salvage } from "./worker-pool.js";
import type { WorkerResult, WorkerTask } from "./worker.js";

type Out = NonNullable<WorkerTask["out"]>;

function sizeOf(file: string): number {
  const fd = openSync(file, "r");
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

/** Where the output files end now (a batch's rows are appended after this). */
export function outputSizes(out: Out): NonNullable<BatchFailure["since"]> {
  return { results: sizeOf(out.results), ...(out.csv ? { csv: sizeOf(out.csv) } : {}) };
}

/** The text of `file` from byte `from` to its end. */
function tail(file: string, from: number): string {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.max(0, size - from));
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, from + read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** The rows of `items` (by row index) that the failed batch's process appended, as a result, and the items left. */
export function salvageRows<T>(spec: ResolvedSweep, out: Out, items: T[], indexOf: (item: T) => number, failure: BatchFailure, wantRows: boolean): Salvage<T> {
  const since = failure.since;
  if (!since) return { result: { lines: "", count: 0, errors: 0 }, rest: items };
  const wanted = new Set(items.map(indexOf));
  const rows: Row[] = [];
  const found = new Set<number>();
  readLines(tail(out.results, since.results), (row) => {
    if (wanted.has(row.index) && !found.has(row.index)) {
      found.add(row.index);
      rows.push(row);
    }
  });
  if (rows.length === 0) return { result: { lines: "", count: 0, errors: 0 }, rest: items };
  // results.csv lines (whole ones: a newline after them) that the process wrote for those rows.
  const inCsv = new Set<number>();
  if (out.csv && since.csv !== undefined) {
    const text = tail(out.csv, since.csv);
    for (const line of text.slice(0, text.lastIndexOf("\n") + 1).split("\n")) {
      const index = Number(line.slice(0, line.indexOf(",")));
      if (found.has(index)) inCsv.add(index);
    }
  }
  const aggregateSpec = aggregateSpecOf(spec);
  const digest = digestRows(aggregateSpec, rows);
  digest.csv = rows.filter((r) => !inCsv.has(r.index)).map((r) => `${csvLine(aggregateSpec, r)}\n`).join("");
  const result: WorkerResult = {
    lines: "", count: rows.length, errors: rows.filter((r) => r.status === "error").length, digests: [digest],
    ...(wantRows ? { rows } : {}),
  };
  return { result, rest: items.filter((item) => !found.has(indexOf(item))) };
}
