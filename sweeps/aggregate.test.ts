import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aggregate, Aggregator, digestRows, MAX_DISTINCT_REASONS, OTHER_REASONS, type AggregateSpec } from "./aggregate.js";
import type { Row } from "./evaluate-point.js";

const spec: AggregateSpec = {
  name: "t",
  parameters: [{ name: "a", values: [1, 2, 3] }],
  objectives: [{ metric: "energyJ", sense: "minimize" }, { metric: "utilization", sense: "maximize" }],
  workloadLabels: ["w0", "w1"],
};

/** Rows with few distinct objective values (ties and equal points are common) and every status. */
const rowArb = fc.record({
  workload: fc.integer({ min: 0, max: 1 }),
  status: fc.constantFrom("ok", "ok", "ok", "violates", "infeasible", "error") as fc.Arbitrary<Row["status"]>,
  energy: fc.integer({ min: 1, max: 6 }),
  util: fc.integer({ min: 1, max: 6 }),
  reason: fc.constantFrom("r1", "r2"),
});

type Item = typeof rowArb extends fc.Arbitrary<infer T> ? T : never;

function rows(items: Item[]): Row[] {
  return items.map((x, i) => {
    const row: Row = { index: i, key: i.toString(16).padStart(14, "0"), workload: x.workload, params: { a: i }, status: x.status };
    if (x.status === "ok" || x.status === "violates") row.metrics = { energyJ: x.energy, utilization: x.util / 8 };
    if (x.status !== "ok") row.reason = x.reason;
    if (x.status === "infeasible") row.reasonClass = "capacity";
    return row;
  });
}

/** The rows added one by one: the summary, pareto.csv (written into `dir`) and the CSV lines. */
function oneByOne(all: Row[], dir: string): { summary: ReturnType<Aggregator["finish"]>; pareto: string; csv: string } {
  let csv = "";
  const one = new Aggregator(spec, (t) => (csv += t));
  for (const r of all) one.add(r);
  const summary = one.finish(dir);
  return { summary, pareto: readFileSync(join(dir, "pareto.csv"), "utf8"), csv };
}

describe("aggregation", () => {
  it("batch digests merged in order give the files and summary of the rows added one by one (fast-check)", () => {
    const dir = mkdtempSync(join(tmpdir(), "attnsim-agg-"));
    try {
      fc.assert(fc.property(fc.array(rowArb, { maxLength: 60 }), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 8 }), (items, cuts) => {
        const all = rows(items);
        const { summary: s1, pareto: pareto1, csv: oneCsv } = oneByOne(all, dir);
        let batchCsv = "";
        const merged = new Aggregator(spec, (t) => (batchCsv += t));
        // Batches of the sizes drawn, cycled; JSON round trip as the digests travel between processes.
        for (let i = 0, c = 0; i < all.length; c++) {
          const n = cuts[c % cuts.length]!;
          merged.addDigest(JSON.parse(JSON.stringify(digestRows(spec, all.slice(i, i + n)))));
          i += n;
        }
        const s2 = merged.finish(dir);
        expect(s2).toEqual(s1);
        expect(readFileSync(join(dir, "pareto.csv"), "utf8")).toBe(pareto1);
        expect(batchCsv).toBe(oneCsv);
      }), { numRuns: 200 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("batch digests merged in any order give the summary, front and CSV rows of the rows added in order (fast-check)", () => {
    // Worker processes finish batches in any order: ties (equal fronts, equal best values, equal
    // reason counts) are broken by row index and text, never by arrival. Fails on a first-come rule.
    const dir = mkdtempSync(join(tmpdir(), "attnsim-agg-"));
    try {
      fc.assert(fc.property(fc.array(rowArb, { maxLength: 60 }), fc.integer({ min: 1, max: 9 }), fc.func(fc.integer()), (items, size, order) => {
        const all = rows(items);
        const { summary: s1, pareto: pareto1, csv: oneCsv } = oneByOne(all, dir);
        const batches: Row[][] = [];
        for (let i = 0; i < all.length; i += size) batches.push(all.slice(i, i + size));
        const shuffled = batches.map((b, i) => ({ b, k: order(i) })).sort((x, y) => x.k - y.k).map((x) => x.b);
        let batchCsv = "";
        const merged = new Aggregator(spec, (t) => (batchCsv += t));
        for (const b of shuffled) merged.addDigest(digestRows(spec, b));
        expect(merged.finish(dir)).toEqual(s1);
        expect(readFileSync(join(dir, "pareto.csv"), "utf8")).toBe(pareto1);
        expect(batchCsv.split("\n").sort()).toEqual(oneCsv.split("\n").sort());
      }), { numRuns: 200 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the front by hand: dominated and repeated points dropped, the first of equal points kept, sorted by the first objective", async () => {
    const dir = mkdtempSync(join(tmpdir(), "attnsim-agg-"));
    try {
      // (energy, utilization): b dominates a; c equals b (dropped); d trades energy for utilization.
      const r = rows([
        { workload: 0, status: "ok", energy: 5, util: 2, reason: "r1" },
        { workload: 0, status: "ok", energy: 3, util: 2, reason: "r1" },
        { workload: 0, status: "ok", energy: 3, util: 2, reason: "r1" },
        { workload: 0, status: "ok", energy: 2, util: 1, reason: "r1" },
        { workload: 0, status: "error", energy: 1, util: 8, reason: "r2" },
      ]);
      writeFileSync(join(dir, "results.jsonl"), r.map((x) => JSON.stringify(x)).join("\n") + "\n");
      const s = await aggregate(spec, dir);
      const keys = readFileSync(join(dir, "pareto.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(",")[1]);
      expect(keys).toEqual([r[3]!.key, r[1]!.key]);
      expect(s.paretoPoints).toBe(2);
      expect(s.best["minimize energyJ"]!.key).toBe(r[3]!.key);
      expect(s.best["maximize utilization"]!.key).toBe(r[0]!.key); // the lowest index of the best (a, b and c tie)
      expect(s.errors).toBe(1);
      expect(s.reasons).toEqual([{ status: "error", reason: "r2", count: 1 }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("counts at most MAX_DISTINCT_REASONS reasons one by one, the later new ones together, as rows or as digests", () => {
    const dir = mkdtempSync(join(tmpdir(), "attnsim-agg-"));
    try {
      const n = MAX_DISTINCT_REASONS + 5;
      const all: Row[] = Array.from({ length: n }, (_, i) => ({ index: i, key: i.toString(16).padStart(14, "0"), workload: 0, params: { a: i }, status: "error", reason: `needs ${i} B` }));
      const one = new Aggregator(spec);
      for (const r of all) one.add(r);
      const merged = new Aggregator(spec);
      for (let i = 0; i < n; i += 256) merged.addDigest(digestRows(spec, all.slice(i, i + 256)));
      const a = one.finish(dir), b = merged.finish(dir);
      expect(b).toEqual(a);
      expect(a.errors).toBe(n);
      expect(a.reasons[0]).toEqual({ status: "error", reason: OTHER_REASONS, count: 5 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
