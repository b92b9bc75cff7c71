/**
 * A chart is a Chart.js configuration plus the data behind it as a table (written as CSV next to
 * the PNG so any tool can redraw it). Builders are pure functions of Results and sweep rows; the
 * PNG renderer (render.ts) and the HTML report (../report.ts) take the same configs.
 */
import type { ChartConfiguration } from "chart.js";

export interface ChartSpec {
  /** File stem: <name>.png, <name>.csv. */
  name: string;
  title: string;
  config: ChartConfiguration;
  table: { header: string[]; rows: (string | number)[][] };
}

/** The Okabe-Ito palette: distinguishable with colour-vision deficiencies, prints in greyscale. */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];

export function color(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

/** Logarithmic when the positive data span more than two decades. */
export function axisType(values: number[]): "linear" | "logarithmic" {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  if (positive.length < 2) return "linear";
  return Math.max(...positive) / Math.min(...positive) > 100 ? "logarithmic" : "linear";
}

/** Common options: no animation (server-side rendering), titled axes, a legible font. */
export function baseOptions(title: string, x: { title: string; type: "linear" | "logarithmic" | "category" }, y: { title: string; type: "linear" | "logarithmic"; stacked?: boolean }, stacked = false): ChartConfiguration["options"] {
  return {
    animation: false,
    responsive: false,
    plugins: { title: { display: true, text: title, font: { size: 16 } }, legend: { position: "bottom" } },
    scales: {
      x: { type: x.type, stacked, title: { display: true, text: x.title, font: { size: 13 } } },
      y: { type: y.type, stacked, title: { display: true, text: y.title, font: { size: 13 } } },
    },
  } as ChartConfiguration["options"];
}

export function csvText(table: ChartSpec["table"]): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [table.header.map(cell).join(","), ...table.rows.map((r) => r.map(cell).join(","))].join("\n") + "\n";
}
