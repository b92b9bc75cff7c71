import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { salvageRows } from "./salvage.js";
import { csvLine, aggregateSpecOf } from "./aggregate.js";
import { BatchFailure } from "./worker-pool.js";
import type { Row } from "./evaluate-point.js";
import type { ResolvedSweep } from "./spec.js";

const spec: ResolvedSweep = {
  name: "salvage", file: "<test>", designFile: "<test>", design: {}, workloads: [{ model: "bert-base" }],
  parameters: [{ name: "n", values: [] }], constraints: [], objectives: [{ metric: "energyJ", sense: "minimize" }], sampler: { kind: "grid", seed: 1 },
};

const CHUNK = 2 ** 20; // salvage.ts reads 1 MiB at a time
const line = (r: Row) => `${JSON.stringify(r)}\n`;
const row = (index: number, reason: string): Row => ({ index, key: index.toString(16).padStart(14, "0"), workload: 0, params: { n: index }, status: "error", reason });
/** A batch row whose reason holds two-byte characters. */
const batchRow = (index: number) => row(index, `µ ${"é".repeat(200)} ${index}`);

/**
 * Rows written after the hand-over: other batches' rows (ASCII, to place bytes exactly), with one of
 * this batch's rows across each of the first three chunk boundaries, each boundary falling inside one
 * of its two-byte characters; the batch's last row torn.
 */
function afterHandOver(batch: Row[]): string {
  let text = "";
  let bytes = 0;
  const add = (l: string) => {
    text += l;
    bytes += Buffer.byteLength(l);
  };
  let other = 100_000;
  for (let k = 1; k <= 3; k++) {
    const r = batch[k - 1]!;
    const firstE = Buffer.byteLength(line(r).slice(0, line(r).indexOf("é")));
    const start = k * CHUNK - (firstE + 1); // the boundary splits the first é
    while (start - bytes > 2000) add(line(row(other++, "x".repeat(500))));
    const base = line(row(other, "")).length;
    add(line(row(other++, "x".repeat(start - bytes - base))));
    expect(bytes).toBe(start);
    add(line(r));
  }
  for (const r of batch.slice(3, -1)) text += line(row(other++, "y")) + line(r);
  return text + line(batch.at(-1)!).slice(0, 40);
}

describe("salvageRows", () => {
  it("finds a failed batch's rows written after its hand-over, across read chunks split mid-character, skips a torn line, and knows which CSV lines exist", () => {
    const dir = mkdtempSync(join(tmpdir(), "attnsim-salvage-"));
    try {
      const results = join(dir, "results.jsonl"), csv = join(dir, "results.csv");
      const before = Array.from({ length: 10 }, (_, i) => line(batchRow(i))).join("");
      const batch = Array.from({ length: 8 }, (_, i) => batchRow(5000 + i));
      writeFileSync(results, before + afterHandOver(batch));
      const a = aggregateSpecOf(spec);
      const csvBefore = "header\n";
      // The worker got as far as the CSV lines of 5000-5002, and a torn one for 5003.
      writeFileSync(csv, csvBefore + batch.slice(0, 3).map((r) => `${csvLine(a, r)}\n`).join("") + csvLine(a, batch[3]!).slice(0, 2));
      const failure = new BatchFailure("died");
      failure.since = { results: Buffer.byteLength(before), csv: Buffer.byteLength(csvBefore) };
      const items = [...batch.map((r) => r.index), 4]; // 4 was written before the hand-over: not this batch's
      const saved = salvageRows(spec, { results, csv }, items, (i) => i, failure, true);
      expect(saved.result.rows).toEqual(batch.slice(0, -1));
      expect([saved.result.count, saved.result.errors]).toEqual([7, 7]);
      expect(saved.rest).toEqual([5007, 4]);
      // The CSV lines not found are the main process's to write: 5003-5006.
      expect(saved.result.digests![0]!.csv).toBe(batch.slice(3, -1).map((r) => `${csvLine(a, r)}\n`).join(""));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
