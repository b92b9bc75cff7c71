import { describe, expect, it } from "vitest";
import { frontWithBandsChart, sensitivityChart, type FrontPoint } from "./co-design-charts.js";
import { renderPng } from "./render.js";

const point = (key: string, x: number, y: number, onFront: boolean): FrontPoint => ({ key, label: key, x, y, xLow: x * 0.8, xHigh: x * 1.3, probability: onFront ? 0.9 : 0.1, onFront });

describe("co-design charts", () => {
  it("the front with bands: one interval segment per front point, the knee in the legend and the table", async () => {
    const points = [point("a", 1e-3, 60, true), point("b", 2e-3, 79, true), point("c", 8e-3, 81, true), point("d", 5e-3, 70, false)];
    const chart = frontWithBandsChart(points, "energyJ", "accuracy", "b", "deit");
    const datasets = chart.config.data.datasets as { label: string; data: unknown[] }[];
    const bars = datasets.find((d) => d.label.startsWith("95% interval"))!;
    expect(bars.data).toHaveLength(3 * 3); // low, high and a gap per front point
    expect(datasets.some((d) => d.label === "knee: b")).toBe(true);
    expect(chart.table.rows.find((r) => r[0] === "b")!.at(-1)).toBe(1);
    expect(chart.table.rows.find((r) => r[0] === "d")![4]).toBeCloseTo(5e-3 * 0.8, 15);
    expect((await renderPng(chart)).length).toBeGreaterThan(1000);
  });

  it("sensitivity: parameters by total index, negative estimates drawn at zero", () => {
    const chart = sensitivityChart([{ parameter: "rows", first: -0.01, total: 0.05 }, { parameter: "width", first: 0.7, total: 0.8 }], "energyJ", "deit");
    expect(chart.config.data.labels).toEqual(["width", "rows"]);
    expect((chart.config.data.datasets[0]!.data as number[])[1]).toBe(0);
    expect(chart.table.rows[1]).toEqual(["rows", -0.01, 0.05]);
  });
});
