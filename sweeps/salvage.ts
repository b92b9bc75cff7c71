/**
 * Rows a failed batch left behind. A local pool's worker appends its rows to results.jsonl (and
 * results.csv) itself and only then reports (sweeps/worker.ts); a process that dies between the two
 * (killed from outside, out of memory while replying) has recorded rows the main process never heard
 * of. Before the batch's points are evaluated again one by one, the files are read from where they
 * ended when the batch was handed over: the batch's rows found there are done (counted, aggregated,
 * not evaluated twice), and of those, the ones whose results.csv line is there too are not written
 * again. A torn last line (a death mid-write) is no row and is evaluated again.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { aggregateSpecOf, csvLine, digestRows, rowOf } from "./aggregate.js";
import type { Row } from "./evaluate-point.js";
import type { ResolvedSweep } from "./spec.js";
import type { BatchFailure, Salvage } from "./worker-pool.js";
import type { WorkerResult, WorkerTask } from "./worker.js";

type Out = NonNullable<WorkerTask["out"]>;

/** Where the output files end now (a batch's rows are appended after this). */
export function outputSizes(out: Out): NonNullable<BatchFailure["since"]> {
  return { results: statSync(out.results).size, ...(out.csv ? { csv: statSync(out.csv).size } : {}) };
}

/** Bytes read at a time: a failed batch may have waited (a hang, up to the point time limit) while other workers wrote many rows. */
const CHUNK_BYTES = 1 << 20;

/**
 * The whole lines of `file` from byte `from` to its end, in order, read a chunk at a time (memory
 * stays at a chunk whatever was written meanwhile); a last line without its newline is not given.
 */
function eachLine(file: string, from: number, line: (text: string) => void): void {
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    const decoder = new StringDecoder("utf8"); // a character split between chunks is decoded whole
    let position = from;
    let carry = "";
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, position);
      if (n === 0) break;
      position += n;
      const text = carry + decoder.write(buffer.subarray(0, n));
      const last = text.lastIndexOf("\n");
      if (last < 0) {
        carry = text;
        continue;
      }
      for (const l of text.slice(0, last).split("\n")) line(l);
      carry = text.slice(last + 1);
    }
  } finally {
    closeSync(fd);
  }
}

/** A results.jsonl or results.csv line's row index, read from its start (`{"index":12,` or `12,`) without parsing it; NaN if none. */
function lineIndex(line: string, json: boolean): number {
  const prefix = json ? '{"index":' : "";
  if (!line.startsWith(prefix)) return NaN;
  const comma = line.indexOf(",", prefix.length);
  return comma > prefix.length ? Number(line.slice(prefix.length, comma)) : NaN;
}

/** The rows of `items` (by row index) that the failed batch's process appended, as a result, and the items left. */
export function salvageRows<T>(spec: ResolvedSweep, out: Out, items: T[], indexOf: (item: T) => number, failure: BatchFailure, wantRows: boolean): Salvage<T> {
  const since = failure.since;
  if (!since) return { result: { lines: "", count: 0, errors: 0 }, rest: items };
  const wanted = new Set(items.map(indexOf));
  const rows: Row[] = [];
  const found = new Set<number>();
  // Only the lines whose index is the batch's are parsed.
  eachLine(out.results, since.results, (line) => {
    const index = lineIndex(line, true);
    if (!wanted.has(index) || found.has(index)) return;
    const row = rowOf(line);
    if (row?.index !== index) return;
    found.add(index);
    rows.push(row);
  });
  if (rows.length === 0) return { result: { lines: "", count: 0, errors: 0 }, rest: items };
  // results.csv lines (whole ones: a newline after them) that the process wrote for those rows.
  const inCsv = new Set<number>();
  if (out.csv && since.csv !== undefined) {
    eachLine(out.csv, since.csv, (line) => {
      const index = lineIndex(line, false);
      if (found.has(index)) inCsv.add(index);
    });
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
