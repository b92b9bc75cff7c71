/**
 * A chart is a Chart.js configuration plus the data behind it as a table (written as CSV next to
 * the PNG so any tool can redraw it; in SI base units, the unit in each column's name). Builders
 * are pure functions of Results and sweep rows, styled by ../style.ts; the renderer (render.ts)
 * and the HTML report (../report.ts) take the same configs.
 */
import type { ChartConfiguration } from "chart.js";

export interface ChartSpec {
  /** File stem: <name>.png, <name>.svg, <name>.pdf, <name>.csv. */
  name: string;
  title: string;
  config: ChartConfiguration;
  table: { header: string[]; rows: (string | number)[][] };
}

export function csvText(table: ChartSpec["table"]): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [table.header.map(cell).join(","), ...table.rows.map((r) => r.map(cell).join(","))].join("\n") + "\n";
}
