import { describe, expect, it } from "vitest";
import { LAYOUT_HEIGHT, LAYOUT_WIDTH, PDF_SCALE, PNG_HEIGHT, PNG_WIDTH, renderFigure, renderPng } from "./render.js";
import { energyBreakdownChart, powerChart, rooflineChart, scalingChart } from "./result-charts.js";
import { paretoChart, paretoMatrixChart, tornadoChart } from "./sweep-charts.js";
import { dvfsChart } from "./study-charts.js";
import { simulate } from "../../sim/engine.js";
import { loadDesign } from "../../hardware-models/design-loader.js";
import { buildPresetTrace } from "../../workloads/transformer-builder.js";
import type { Row } from "../../sweeps/evaluate-point.js";
import type { ChartSpec } from "./chart.js";
import type { SectionResult } from "../../studies/study.js";

const outcome = simulate(loadDesign("heterogeneous"), buildPresetTrace("bert-base", { seqLen: 256 }), { keepTimeline: true });
if (!outcome.ok) throw new Error("infeasible");
const r = outcome.result;

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): [number, number] {
  expect(png.subarray(1, 4).toString("ascii")).toBe("PNG");
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

type Dataset = { label?: string; data: unknown[]; order?: number; type?: string; xAxisID?: string; yAxisID?: string };
const datasets = (c: ChartSpec) => c.config.data.datasets as unknown as Dataset[];
const scales = (c: ChartSpec) => (c.config.options as { scales: Record<string, { type?: string; title: { text: string } }> }).scales;

const rows: Row[] = [8, 16, 32, 64].flatMap((rowsParam, i) => [0.5, 1].map((f, j) => ({
  index: i * 2 + j, key: `k${i}${j}`, workload: 0, status: "ok" as const, params: { rows: rowsParam, cols: rowsParam, f },
  metrics: { energyJ: (i + 1) * f * 1e-3, latencySeconds: 1 / (i + 1) + j, areaMm2: rowsParam },
})));

describe("charts render print-size PNGs, and SVG and PDF beside them", () => {
  const charts: ChartSpec[] = [
    energyBreakdownChart([r], "unit"), energyBreakdownChart([r], "level"), energyBreakdownChart([r], "opKind"), rooflineChart(r), powerChart(r),
    scalingChart([{ variant: "dense", seq: 128, latencySeconds: 1, energyJ: 2 }, { variant: "dense", seq: 256, latencySeconds: 4, energyJ: 8 }], "energyJ"),
    paretoChart(rows, rows.slice(0, 2), "energyJ", "latencySeconds", "rows"), tornadoChart(rows, "energyJ", ["rows", "f"]),
    paretoMatrixChart(rows, ["energyJ", "latencySeconds", "areaMm2"], "rows"),
  ];
  for (const c of charts) {
    it(`${c.name}: ${PNG_WIDTH} x ${PNG_HEIGHT} PNG, not blank; SVG with text as paths; an 8 x 5 in PDF`, async () => {
      const figure = await renderFigure(c);
      expect(pngSize(figure.png)).toEqual([PNG_WIDTH, PNG_HEIGHT]);
      expect(figure.png.length).toBeGreaterThan(20_000); // axes, text and data, not a white image
      const svg = figure.svg.toString("utf8");
      expect(svg).toMatch(new RegExp(`^<\\?xml[^>]*>\\s*<svg [^>]*width="${LAYOUT_WIDTH}" height="${LAYOUT_HEIGHT}"`));
      expect(svg).not.toContain("<text"); // no font needed to view it
      expect((svg.match(/<path /g) ?? []).length).toBeGreaterThan(20);
      const pdf = figure.pdf.toString("latin1");
      expect(pdf.startsWith("%PDF-")).toBe(true);
      expect(pdf).toMatch(new RegExp(`/MediaBox \\[0 0 ${LAYOUT_WIDTH * PDF_SCALE} ${LAYOUT_HEIGHT * PDF_SCALE}\\]`));
      expect(pdf).toMatch(/\/FontName \/[A-Z]{6}\+Inter/); // the shipped font, embedded (subset)
      expect(c.table.rows.length).toBeGreaterThan(0);
    });
  }
  it("the same chart gives the same bytes every time (the font is the package's, not the machine's)", async () => {
    const c = rooflineChart(r);
    const [a, b] = [await renderFigure(c), await renderFigure(c)];
    expect(a.png.equals(b.png)).toBe(true);
    expect(a.svg.equals(b.svg)).toBe(true);
    expect(a.pdf.equals(b.pdf)).toBe(true);
    expect((await renderPng(c)).equals(a.png)).toBe(true);
  });
});

describe("chart data is the result's numbers, in units with prefixes chosen from the data", () => {
  it("energy by unit: one stack per unit, the axis in mJ for a run of a few mJ; the CSV in joules", () => {
    const c = energyBreakdownChart([r], "unit");
    expect(r.energyJ).toBeGreaterThan(1e-3);
    expect(r.energyJ).toBeLessThan(1);
    expect(scales(c).y!.title.text).toBe("Energy per inference (mJ)");
    for (const u of r.breakdown.byUnit) expect(datasets(c).find((d) => d.label === u.unit)!.data[0]).toBeCloseTo(u.energyPj * 1e-9, 9);
    const total = datasets(c).reduce((s, d) => s + (d.data[0] as number), 0) + r.breakdown.byLevel.reduce((s, l) => s + l.energyPj * 1e-9, 0) + (r.chipEnergyPj + r.systemEnergyPj) * 1e-9;
    expect(total).toBeCloseTo(r.energyJ * 1e3, 6);
    expect(c.table.header[1]).toMatch(/_energy_J$/);
    expect(c.table.rows[0]![1]).toBeCloseTo(r.breakdown.byUnit[0]!.energyPj * 1e-12, 15);
  });
  it("roofline: compute roofs at 2 x peak MACs/s, bandwidth roofs with slope = bandwidth, in the axis' prefixed unit", () => {
    const c = rooflineChart(r);
    const unit = /\((.)OPS\)$/.exec(scales(c).y!.title.text)![1]!;
    const factor = { G: 1e9, T: 1e12, M: 1e6 }[unit]!;
    for (const u of r.breakdown.byUnit.filter((x) => x.peakMacsPerSecond > 0)) {
      const roof = datasets(c).find((d) => d.label === `${u.unit} compute roof`)!.data as { y: number }[];
      expect(roof[0]!.y * factor).toBeCloseTo(2 * u.peakMacsPerSecond, -3);
    }
    const dram = datasets(c).find((d) => d.label === "dram bandwidth roof")!.data as { x: number; y: number }[];
    expect((dram[1]!.y * factor) / dram[1]!.x).toBeCloseTo(r.breakdown.byLevel[0]!.bandwidthBytesPerSecond, 0);
    const qkv = r.ops.find((o) => o.id === "L0.qkv")!;
    expect(c.table.rows.find((row) => row[0] === "L0.qkv")![3]).toBeCloseTo((2 * qkv.macs) / qkv.latencySeconds, 0);
    expect(scales(c).x!.type).toBe("logarithmic");
  });
  it("power: the average and peak lines are the result's, in the prefixed unit of the axis", () => {
    const c = powerChart(r);
    expect(scales(c).y!.title.text).toBe("Power (W)");
    expect((datasets(c)[1]!.data[0] as { y: number }).y).toBe(r.averagePowerW);
    expect((datasets(c)[2]!.data[0] as { y: number }).y).toBe(r.peakPowerW);
    expect(scales(c).x!.title.text).toBe("Time (ms)");
  });
  it("Pareto: human axis titles, groups in numeric order, the front drawn through the front's points above them", () => {
    const c = paretoChart(rows, rows.slice(0, 2), "energyJ", "latencySeconds", "rows");
    expect(scales(c).x!.title.text).toBe("Energy per inference (mJ)");
    expect(scales(c).y!.title.text).toBe("Latency (s)");
    expect(datasets(c).map((d) => d.label)).toEqual(["rows = 8", "rows = 16", "rows = 32", "rows = 64", "Pareto front"]);
    const front = datasets(c).find((d) => d.label === "Pareto front")!;
    expect(front.data).toEqual([{ x: 0.5, y: 1 }, { x: 1, y: 2 }]);
    expect(front.order).toBeLessThan(datasets(c)[0]!.order!);
  });
  it("three objectives: a scatter matrix of the non-dominated points, one panel per pair", () => {
    const c = paretoMatrixChart(rows, ["energyJ", "latencySeconds", "areaMm2"], "rows");
    const panels = new Set(datasets(c).map((d) => `${d.xAxisID}/${d.yAxisID}`));
    expect([...panels].sort()).toEqual(["x0/y0", "x0/y1", "x1/y1"]); // latency-energy, area-energy, area-latency
    expect(scales(c).x0!.title.text).toBe("Energy per inference (mJ)");
    expect(scales(c).y1!.title.text).toBe("Area (mm²)");
    const areaVsLatency = datasets(c).filter((d) => d.xAxisID === "x1" && d.yAxisID === "y1").flatMap((d) => d.data as { x: number; y: number }[]);
    expect(areaVsLatency).toHaveLength(rows.length);
    expect(areaVsLatency).toContainEqual({ x: rows[3]!.metrics!.latencySeconds, y: rows[3]!.metrics!.areaMm2 });
  });
  it("tornado: the parameter that moves the objective most comes first; derived parameters fold into their source", () => {
    const c = tornadoChart(rows, "energyJ", ["f", "rows", "cols"], { rows: ["cols"] });
    expect(c.config.data.labels).toEqual(["rows (with cols)", "f"]);
    expect(datasets(c)[0]!.data[0]).toEqual([0.75, 3]); // mJ
    expect(c.table.rows[0]).toEqual(["rows", "cols", 0.75e-3, 3e-3]);
  });
  it("DVFS: the latency line is drawn above the energy bars", () => {
    const point = (v: number) => ({ voltageV: v, frequencyHz: v * 1e9, latencySeconds: 1e-3 / v, energyJ: v * 1e-3, dynamicEnergyJ: v * 0.8e-3, staticEnergyJ: v * 0.2e-3, averagePowerW: 1, meetsSlo: true });
    const s = { kind: "dvfs", name: "d", design: "x", workload: "w", study: { points: [point(0.6), point(0.8)], best: undefined, sloSeconds: 2e-3 } } as unknown as Extract<SectionResult, { kind: "dvfs" }>;
    const c = dvfsChart(s);
    const line = datasets(c).find((d) => d.type === "line")!, bar = datasets(c).find((d) => d.type === "bar")!;
    expect(line.order).toBeLessThan(bar.order!); // Chart.js draws the highest order first
    expect(scales(c).y!.title.text).toBe("Energy per inference (µJ)");
  });
});
