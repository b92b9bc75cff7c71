/**
 * Charts of co-design sweeps: the accuracy-energy front with each front point's energy interval
 * (Monte Carlo over the energy tables' ranges) and Pareto probability, its knee marked; and the
 * Sobol' indices of each swept parameter.
 */
import { axisOptions, chartOptions, color, DRAW_ORDER, INK, metricAxis, translucent } from "../style.js";
import type { ChartSpec } from "./chart.js";

export interface FrontPoint {
  key: string;
  label: string;
  /** The objective on the y axis (accuracy) and the energy-like one on the x axis. */
  y: number;
  x: number;
  /** The x metric's interval under the energy tables' ranges. */
  xLow: number;
  xHigh: number;
  probability: number;
  onFront: boolean;
}

/** Every point, the nominal front with horizontal error bars, and the knee. */
export function frontWithBandsChart(points: FrontPoint[], xMetric: string, yMetric: string, knee: string | undefined, subject: string): ChartSpec {
  const xAxis = metricAxis(xMetric, points.flatMap((p) => [p.xLow, p.xHigh])), yAxis = metricAxis(yMetric, points.map((p) => p.y));
  const at = (x: number, y: number) => ({ x: x / xAxis.factor, y: y / yAxis.factor });
  const front = points.filter((p) => p.onFront).sort((a, b) => a.x - b.x);
  const datasets: object[] = [
    { type: "scatter", label: "design points", data: points.filter((p) => !p.onFront).map((p) => at(p.x, p.y)), backgroundColor: translucent(0, 0.35), pointRadius: 2.5, order: DRAW_ORDER.points },
    { type: "line", label: "Pareto front (nominal tables)", data: front.map((p) => at(p.x, p.y)), borderColor: INK, backgroundColor: INK, pointRadius: 3.5, pointStyle: "rectRot", fill: false, order: DRAW_ORDER.lines },
    // One dataset of segments separated by gaps: each front point's interval as a horizontal bar.
    {
      type: "line", label: "95% interval of energy (energy-table ranges)", data: front.flatMap((p) => [at(p.xLow, p.y), at(p.xHigh, p.y), { x: NaN, y: NaN }]),
      borderColor: color(1), backgroundColor: color(1), borderWidth: 2, pointRadius: 0, spanGaps: false, fill: false, order: DRAW_ORDER.lines,
    },
  ];
  const kneePoint = points.find((p) => p.key === knee);
  if (kneePoint) datasets.push({ type: "scatter", label: `knee: ${kneePoint.label}`, data: [at(kneePoint.x, kneePoint.y)], backgroundColor: color(3), borderColor: INK, pointRadius: 7, pointStyle: "star", order: DRAW_ORDER.points });
  const title = `Accuracy-energy front with energy-table uncertainty (${subject})`;
  const options = chartOptions(title, { title: xAxis.title, type: "linear" }, { title: yAxis.title, type: "linear" }) as { plugins: { legend: { labels?: object; [k: string]: unknown } } };
  options.plugins.legend.labels = { ...(options.plugins.legend.labels ?? {}), usePointStyle: true };
  return {
    name: `front-bands-${xMetric}-${yMetric}`,
    title,
    config: { type: "scatter", data: { datasets: datasets as never }, options: options as never },
    table: {
      header: ["key", "label", yMetric, xMetric, `${xMetric}_low`, `${xMetric}_high`, "pareto_probability", "on_front", "knee"],
      rows: points.map((p) => [p.key, p.label, p.y, p.x, p.xLow, p.xHigh, p.probability, p.onFront ? 1 : 0, p.key === knee ? 1 : 0]),
    },
  };
}

/** Sobol' first-order and total indices per parameter for one metric, largest total first. */
export function sensitivityChart(rows: { parameter: string; first: number; total: number }[], metric: string, subject: string): ChartSpec {
  const sorted = [...rows].sort((a, b) => b.total - a.total);
  const title = `Sobol' sensitivity of ${metric} (${subject})`;
  const options = chartOptions(title, { title: "Share of the variance", type: "linear" }, { title: "Parameter", type: "category" }) as { indexAxis?: string; scales: Record<string, object> };
  options.indexAxis = "y";
  options.scales.x = { ...axisOptions({ title: "Share of the variance", type: "linear" }), min: 0, max: 1 };
  return {
    name: `sensitivity-${metric}`,
    title,
    config: {
      type: "bar",
      data: {
        labels: sorted.map((r) => r.parameter),
        datasets: [
          { label: "first order S_i", data: sorted.map((r) => Math.max(0, r.first)), backgroundColor: color(0) },
          { label: "total ST_i", data: sorted.map((r) => Math.max(0, r.total)), backgroundColor: color(1) },
        ],
      },
      options: options as never,
    },
    table: { header: ["parameter", "first_order", "total"], rows: sorted.map((r) => [r.parameter, r.first, r.total]) },
  };
}
