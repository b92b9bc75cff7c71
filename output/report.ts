/**
 * report.html: one self-contained file (Chart.js inlined from the installed package, no network)
 * with the charts interactive, the key tables and the inputs echoed. It opens offline.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ChartSpec } from "./charts/chart.js";

export interface ReportSection {
  title: string;
  /** Rows of a table: [label, value] pairs or full rows with a header. */
  table?: { header: string[]; rows: (string | number)[][] };
  text?: string;
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** The installed Chart.js UMD build (beside its CommonJS entry), inlined so the report needs no network. */
function chartJsSource(): string {
  const require = createRequire(import.meta.url);
  return readFileSync(join(dirname(require.resolve("chart.js")), "chart.umd.min.js"), "utf8");
}

export function reportHtml(title: string, charts: ChartSpec[], sections: ReportSection[], inputs: Record<string, string>): string {
  const tables = sections.map((s) => {
    const table = s.table
      ? `<table><thead><tr>${s.table.header.map((h) => `<th>${escape(h)}</th>`).join("")}</tr></thead><tbody>${s.table.rows
        .map((r) => `<tr>${r.map((c) => `<td>${escape(typeof c === "number" ? (Number.isInteger(c) ? String(c) : c.toPrecision(4)) : c)}</td>`).join("")}</tr>`).join("")}</tbody></table>`
      : "";
    return `<section><h2>${escape(s.title)}</h2>${s.text ? `<p>${escape(s.text)}</p>` : ""}${table}</section>`;
  }).join("\n");
  const canvases = charts.map((c, i) => `<figure><canvas id="chart${i}" width="800" height="500" aria-label="${escape(c.title)}"></canvas></figure>`).join("\n");
  const configs = JSON.stringify(charts.map((c) => ({ ...c.config, options: { ...c.config.options, animation: false, responsive: false } })));
  const echoed = Object.entries(inputs).map(([name, text]) => `<details><summary>${escape(name)}</summary><pre>${escape(text)}</pre></details>`).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
figure { margin: 1rem 0; } canvas { border: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: right; } th { background: #f4f4f4; }
td:first-child, th:first-child { text-align: left; }
pre { background: #f8f8f8; padding: 0.75rem; overflow-x: auto; }
</style>
<script>${chartJsSource()}</script>
</head><body>
<h1>${escape(title)}</h1>
${tables}
<h2>Charts</h2>
${canvases}
<h2>Inputs</h2>
${echoed}
<script>
const configs = ${configs.replace(/</g, "\\u003c")};
window.attnsimCharts = configs.map((config, i) => new Chart(document.getElementById("chart" + i), config));
</script>
</body></html>
`;
}
