/**
 * report.html: one self-contained file (Chart.js and the font inlined from the installed packages,
 * no network) with the charts interactive, the key tables and the inputs echoed. It opens offline
 * and fills the window: charts in a grid that reflows with its width.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ChartSpec } from "./charts/chart.js";
import { CSS_FONT_STACK, FONT_FAMILY, fontFaceCss, hydrateChartConfig } from "./style.js";

export interface ReportSection {
  title: string;
  /** A table: numbers are shown with 4 significant digits ("-" when not finite); give text for units. */
  table?: { header: string[]; rows: (string | number)[][] };
  text?: string;
}

export const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** An installed package's file, read to be inlined into a page. */
export function packageFile(specifier: string, file: string): string {
  const require = createRequire(import.meta.url);
  return readFileSync(join(dirname(require.resolve(specifier)), file), "utf8");
}

/** The installed Chart.js UMD build (beside its CommonJS entry). */
export function chartJsSource(): string {
  return packageFile("chart.js", "chart.umd.min.js");
}

/** A JSON value safe inside a <script> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

export function cellText(c: string | number): string {
  if (typeof c === "string") return c;
  if (!Number.isFinite(c)) return "-";
  return Number.isInteger(c) ? c.toLocaleString("en-US") : String(Number(c.toPrecision(4)));
}

export function tableHtml(table: NonNullable<ReportSection["table"]>): string {
  return `<table><thead><tr>${table.header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>${table.rows
    .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(cellText(c))}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

/** The page style shared by report.html and the sweep explorer. */
export function pageCss(): string {
  return `${fontFaceCss()}
:root { color-scheme: light; }
body { font-family: ${CSS_FONT_STACK}; margin: 1.5rem clamp(1rem, 3vw, 3rem); color: #222; line-height: 1.4; }
h1 { font-weight: 600; font-size: 1.5rem; margin: 0 0 1rem; } h2 { font-weight: 600; font-size: 1.15rem; margin: 1.5rem 0 0.5rem; }
.tables { display: flex; flex-wrap: wrap; gap: 0 2.5rem; align-items: flex-start; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 560px), 1fr)); gap: 1rem; }
figure { margin: 0; border: 1px solid #ddd; padding: 0.5rem; background: #fff; } canvas { width: 100% !important; height: auto !important; }
table { border-collapse: collapse; margin: 0.25rem 0 1rem; font-size: 0.875rem; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d4d4d4; padding: 0.2rem 0.55rem; text-align: right; } th { background: #f4f4f4; font-weight: 600; }
td:first-child, th:first-child { text-align: left; }
pre { background: #f8f8f8; padding: 0.75rem; overflow-x: auto; }`;
}

export function reportHtml(title: string, charts: ChartSpec[], sections: ReportSection[], inputs: Record<string, string>): string {
  const tables = sections.map((s) => `<section><h2>${escapeHtml(s.title)}</h2>${s.text ? `<p>${escapeHtml(s.text)}</p>` : ""}${s.table ? tableHtml(s.table) : ""}</section>`).join("\n");
  const canvases = charts.map((c, i) => `<figure><canvas id="chart${i}" width="800" height="500" aria-label="${escapeHtml(c.title)}"></canvas></figure>`).join("\n");
  const configs = charts.map((c) => ({ ...c.config, options: { ...c.config.options, animation: false, responsive: true, maintainAspectRatio: true, aspectRatio: 1.6 } }));
  const echoed = Object.entries(inputs).map(([name, text]) => `<details><summary>${escapeHtml(name)}</summary><pre>${escapeHtml(text)}</pre></details>`).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>
${pageCss()}
</style>
<script>${chartJsSource()}</script>
</head><body>
<h1>${escapeHtml(title)}</h1>
<div class="tables">
${tables}
</div>
<h2>Charts</h2>
<div class="charts">
${canvases}
</div>
<h2>Inputs</h2>
${echoed}
<script>
const hydrate = ${hydrateChartConfig.toString()};
Chart.defaults.font.family = ${JSON.stringify(FONT_FAMILY)};
const configs = ${scriptJson(configs)};
document.fonts.load("400 12px \\"${FONT_FAMILY}\\"").then(() => document.fonts.load("600 12px \\"${FONT_FAMILY}\\"")).finally(() => {
  window.attnsimCharts = configs.map((config, i) => new Chart(document.getElementById("chart" + i), hydrate(config)));
});
</script>
</body></html>
`;
}
