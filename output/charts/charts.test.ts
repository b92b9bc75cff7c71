import { describe, expect, it } from "vitest";
import { renderPng, PNG_HEIGHT, PNG_WIDTH } from "./render.js";
import { energyBreakdownChart, powerChart, rooflineChart, scalingChart } from "./result-charts.js";
import { paretoChart, tornadoChart } from "./sweep-charts.js";
import { simulate } from "../../sim/engine.js";
import { loadDesign } from "../../hardware-models/design-loader.js";
import { buildPresetTrace } from "../../workloads/transformer-builder.js";
import type { Row } from "../../sweeps/evaluate-point.js";
import type { ChartSpec } from "./chart.js";

const outcome = simulate(loadDesign("heterogeneous"), buildPresetTrace("bert-base", { seqLen: 256 }), { keepTimeline: true });
if (!outcome.ok) throw new Error("infeasible");
const r = outcome.result;

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): [number, number] {
  expect(png.subarray(1, 4).toString("ascii")).toBe("PNG");
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

type Dataset = { label?: string; data: unknown[] };
const datasets = (c: ChartSpec) => c.config.data.datasets as unknown as Dataset[];

const rows: Row[] = [8, 16, 32, 64].flatMap((rowsParam, i) => [0.5, 1].map((f, j) => ({
  index: i * 2 + j, key: `k${i}${j}`, workload: 0, status: "ok" as const, params: { rows: rowsParam, f },
  metrics: { energyJ: (i + 1) * f, latencySeconds: 1 / (i + 1) + j, areaMm2: rowsParam },
})));

describe("charts render print-size PNGs", () => {
  const charts: ChartSpec[] = [
    energyBreakdownChart([r], "unit"), energyBreakdownChart([r], "level"), energyBreakdownChart([r], "opKind"), rooflineChart(r), powerChart(r),
    scalingChart([{ variant: "dense", seq: 128, latencySeconds: 1, energyJ: 2 }, { variant: "dense", seq: 256, latencySeconds: 4, energyJ: 8 }], "energyJ"),
    paretoChart(rows, rows.slice(0, 2), "energyJ", "latencySeconds", "rows"), tornadoChart(rows, "energyJ", ["rows", "f"]),
  ];
  for (const c of charts) {
    it(`${c.name}: ${PNG_WIDTH} x ${PNG_HEIGHT}, not blank`, async () => {
      const png = await renderPng(c);
      expect(pngSize(png)).toEqual([PNG_WIDTH, PNG_HEIGHT]);
      expect(png.length).toBeGreaterThan(20_000); // axes, text and data, not a white image
      expect(c.table.rows.length).toBeGreaterThan(0);
    });
  }
});

describe("chart data is the result's numbers", () => {
  it("energy by unit: one stack per unit, in uJ", () => {
    const c = energyBreakdownChart([r], "unit");
    for (const u of r.breakdown.byUnit) expect(datasets(c).find((d) => d.label === u.unit)!.data[0]).toBeCloseTo(u.energyPj * 1e-6, 9);
    const total = datasets(c).reduce((s, d) => s + (d.data[0] as number), 0) + r.breakdown.byLevel.reduce((s, l) => s + l.energyPj * 1e-6, 0);
    expect(total).toBeCloseTo(r.energyPj * 1e-6, 6);
  });
  it("roofline: compute roofs at 2 x peak MACs/s, bandwidth roofs with slope = bandwidth", () => {
    const c = rooflineChart(r);
    for (const u of r.breakdown.byUnit.filter((x) => x.peakMacsPerSecond > 0)) {
      const roof = datasets(c).find((d) => d.label === `${u.unit} compute roof`)!.data as { y: number }[];
      expect(roof[0]!.y).toBe(2 * u.peakMacsPerSecond);
    }
    const dram = datasets(c).find((d) => d.label === "dram bandwidth roof")!.data as { x: number; y: number }[];
    expect(dram[1]!.y / dram[1]!.x).toBeCloseTo(r.breakdown.byLevel[0]!.bandwidthBytesPerSecond, 0);
    const qkv = r.ops.find((o) => o.id === "L0.qkv")!;
    expect(c.table.rows.find((row) => row[0] === "L0.qkv")![3]).toBeCloseTo((2 * qkv.macs) / qkv.latencySeconds, 0);
  });
  it("power: the average and peak lines are the result's", () => {
    const c = powerChart(r);
    expect((datasets(c)[1]!.data[0] as { y: number }).y).toBe(r.averagePowerW);
    expect((datasets(c)[2]!.data[0] as { y: number }).y).toBe(r.peakPowerW);
  });
  it("Pareto: points coloured by a parameter, the front drawn through the front's points", () => {
    const c = paretoChart(rows, rows.slice(0, 2), "energyJ", "latencySeconds", "rows");
    expect(datasets(c).filter((d) => d.label!.startsWith("rows = ")).length).toBe(4);
    expect(datasets(c).find((d) => d.label === "Pareto front")!.data).toEqual([{ x: 0.5, y: 1 }, { x: 1, y: 2 }]);
  });
  it("tornado: the parameter that moves the objective most comes first", () => {
    const c = tornadoChart(rows, "energyJ", ["f", "rows"]);
    expect(c.config.data.labels).toEqual(["rows", "f"]);
    expect(datasets(c)[0]!.data[0]).toEqual([0.75, 3]);
  });
});
