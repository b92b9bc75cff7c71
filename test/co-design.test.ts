/** Hardware x model co-design end to end: accuracy as an objective, NSGA-II over a joint space. */
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSweep } from "../sweeps/spec.js";
import { mergeSweeps, runSweep } from "../sweeps/runner.js";
import { hypervolume2d } from "../sweeps/front-measures.js";
import { paretoProbability } from "../sweeps/pareto-probability.js";
import { sweepSensitivity } from "../sweeps/sensitivity.js";
import { packageRoot } from "../common/package-root.js";

const dir = mkdtempSync(join(tmpdir(), "attnsim-co-design-"));
const ACCURACY = join(packageRoot(), "examples", "accuracy", "deit-imagenet.yaml");

/** A DeiT sweep on the edge NPU (heads = width / 64, FFN 4x, 12 layers, W4A4), accuracy against energy. */
function deitSpec(name: string, widths: string, hardware: string, sampler = "{ kind: grid }"): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `version: 1
name: ${name}
design: edge-npu
accuracy: ${JSON.stringify(ACCURACY)}
workloads: [{ model: deit-tiny, precision: int4 }]
parameters:
  width: { path: workload.dModel, ${widths} }
  heads: { path: workload.heads, expr: "width / 64" }
  ffn: { path: workload.dFF, expr: "4 * width" }
${hardware}
objectives: [{ maximize: accuracy }, { minimize: energyJ }]
sampler: ${sampler}
`);
  return file;
}

// DeiT widths 192..768 x array 4..64 square x GLB: 10 x 5 x 4 = 200 points, small enough to enumerate.
const joint = (name: string, sampler: string) => deitSpec(name, "range: { from: 192, to: 768, step: 64 }", `  rows: { path: design.units.npu.rows, values: [4, 8, 16, 32, 64] }
  cols: { path: design.units.npu.cols, expr: rows }
  glb: { path: design.memory.1.capacity, values: ["64 KiB", "128 KiB", "320 KiB", "1 MiB"] }`, sampler);

/** (-accuracy, energyJ) of every ok row: both minimised. */
function points(out: string): [number, number][] {
  return readFileSync(join(out, "results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { status: string; metrics?: Record<string, number> })
    .filter((r) => r.status === "ok").map((r) => [-r.metrics!.accuracy!, r.metrics!.energyJ!]);
}

describe("co-design: accuracy as an objective over a joint hardware x model space", () => {
  it("NSGA-II finds a front within 5% of the exhaustive front's hypervolume, evaluating under half the space, ahead of random search", async () => {
    await runSweep(loadSweep(joint("brute", "{ kind: grid }")), { outDir: join(dir, "brute"), workers: 0 });
    await runSweep(loadSweep(joint("nsga", "{ kind: nsga2, population: 16, generations: 12, seed: 1 }")), { outDir: join(dir, "nsga"), workers: 0 });
    // The same budget of proposals, drawn at random.
    await runSweep(loadSweep(joint("random", "{ kind: random, samples: 48, seed: 1 }")), { outDir: join(dir, "random"), workers: 0 });
    const all = points(join(dir, "brute")), found = points(join(dir, "nsga")), drawn = points(join(dir, "random"));
    expect(all.length).toBe(200);
    expect(found.length).toBeLessThan(100);
    // Reference: just beyond the exhaustive front's worst point in each objective (its nadir), so
    // the measure weighs the front, not the empty space behind the worst designs.
    const front = all.filter((p) => !all.some((q) => q[0] <= p[0] && q[1] <= p[1] && (q[0] < p[0] || q[1] < p[1])));
    const reference: [number, number] = [Math.max(...front.map((p) => p[0])) + 1, Math.max(...front.map((p) => p[1])) * 1.1];
    const best = hypervolume2d(all, reference), nsga = hypervolume2d(found, reference), random = hypervolume2d(drawn, reference);
    expect(nsga).toBeLessThanOrEqual(best);
    expect(nsga / best).toBeGreaterThan(0.95);
    expect(random / best).toBeLessThan(nsga / best);
    // Accuracy is the published one where the width is published (DeiT-Ti, W4A4: 57.43).
    const ti = JSON.parse(readFileSync(join(dir, "brute", "results.jsonl"), "utf8").split("\n")[0]!) as { params: { width: number }; metrics: { accuracy: number } };
    expect(ti.params.width).toBe(192);
    expect(ti.metrics.accuracy).toBe(57.43);
    // The CSV carries accuracy as a column, and so does a merge of the folder (sweep.json says the spec has an accuracy model).
    expect(readFileSync(join(dir, "brute", "results.csv"), "utf8").split("\n")[0]).toMatch(/,accuracy$/);
    await mergeSweeps([join(dir, "brute")], join(dir, "brute-merged"));
    expect(readFileSync(join(dir, "brute-merged", "results.csv"), "utf8")).toBe(readFileSync(join(dir, "brute", "results.csv"), "utf8"));
  });
});

describe("co-design: error bars on the front and sensitivity", () => {
  const small = (name: string) => deitSpec(name, "values: [192, 384, 768]", `  rows: { path: design.units.npu.rows, values: [8, 32] }
  cols: { path: design.units.npu.cols, expr: rows }
  unused: { values: [1, 2, 3] }`);

  it("Pareto probabilities: 1 and 0 with exact tables, in [0, 1] and at least one front point per draw otherwise", async () => {
    const spec = loadSweep(small("bands"));
    await runSweep(spec, { outDir: join(dir, "bands"), workers: 0 });
    const rows = readFileSync(join(dir, "bands", "results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const exact = paretoProbability(spec, rows, { samples: 20, seed: 1, ranges: { high: 1, medium: 1, low: 1 } });
    expect(exact.length).toBe(18);
    for (const p of exact) expect(p.probability).toBe(p.nominalFront ? 1 : 0);
    const uncertain = paretoProbability(spec, rows, { samples: 200, seed: 1 });
    expect(uncertain.every((p) => p.probability >= 0 && p.probability <= 1)).toBe(true);
    expect(uncertain.reduce((s, p) => s + p.probability, 0)).toBeGreaterThanOrEqual(1);
    // Points that differ only in the unused parameter tie: they share every probability.
    const byDesign = new Map<string, number>();
    for (const p of uncertain) {
      const r = rows.find((x: { index: number }) => x.index === p.index);
      const k = `${r.params.width}/${r.params.rows}`;
      if (byDesign.has(k)) expect(p.probability).toBe(byDesign.get(k));
      byDesign.set(k, p.probability);
    }
    expect(uncertain.some((p) => p.intervals.energyJ.low < p.intervals.energyJ.nominal && p.intervals.energyJ.nominal < p.intervals.energyJ.high)).toBe(true);
  });

  it("Sobol' indices over the swept parameters: width drives accuracy, the unused parameter has none", () => {
    const s = sweepSensitivity(loadSweep(small("sensitivity")), { samples: 64, seed: 2 });
    const at = (metric: string, parameter: string) => s.find((r) => r.metric === metric && r.parameter === parameter)!;
    expect(at("accuracy", "width").first).toBeGreaterThan(0.8);
    expect(at("accuracy", "rows").total).toBe(0);
    expect(at("energyJ", "unused").total).toBe(0);
    expect(at("energyJ", "width").total).toBeGreaterThan(0.1);
  });
});
