/**
 * Plot sets: the charts of a run, of a sweep folder, and of a scaling study, written as PNG + CSV
 * pairs and gathered into report.html. Reads Results and sweep outputs only.
 */
import { createReadStream, readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { join } from "node:path";
import type { Result } from "../sim/result.js";
import type { Row } from "../sweeps/evaluate-point.js";
import type { SweepSummary } from "../sweeps/aggregate.js";
import type { SweepMeta } from "../sweeps/sweep-folder.js";
import { inside, makeFolder } from "../common/output-files.js";
import { csvText, type ChartSpec } from "./charts/chart.js";
import { renderPng } from "./charts/render.js";
import { energyBreakdownChart, powerChart, rooflineChart } from "./charts/result-charts.js";
import { paretoChart, tornadoChart } from "./charts/sweep-charts.js";
import { reportHtml, type ReportSection } from "./report.js";

/** Write each chart as <name>.png and <name>.csv in `dir`; returns the file names. */
export async function writeCharts(dir: string, charts: ChartSpec[]): Promise<string[]> {
  makeFolder(dir);
  const files: string[] = [];
  for (const c of charts) {
    writeFileSync(inside(dir, `${c.name}.png`), await renderPng(c));
    writeFileSync(inside(dir, `${c.name}.csv`), csvText(c.table));
    files.push(`${c.name}.png`, `${c.name}.csv`);
  }
  return files;
}

export function runCharts(r: Result): ChartSpec[] {
  const charts = [energyBreakdownChart([r], "unit"), energyBreakdownChart([r], "level"), energyBreakdownChart([r], "opKind"), rooflineChart(r)];
  if (r.powerTrace?.length) charts.push(powerChart(r));
  return charts;
}

export function runReportSections(r: Result): ReportSection[] {
  return [
    {
      title: "Totals",
      table: {
        header: ["quantity", "value"],
        rows: [
          ["latency (s)", r.latencySeconds], ["energy (J)", r.energyJ], ["average power (W)", r.averagePowerW], ["peak power (W)", r.peakPowerW],
          ["MACs", r.macs], ["peak memory (B)", r.peakMemoryBytes], ["area (mm^2)", r.areaMm2], ["utilization", r.utilization],
        ],
      },
    },
    { title: "Units", table: { header: ["unit", "kind", "busy (s)", "utilization", "energy (uJ)", "area (mm^2)"], rows: r.breakdown.byUnit.map((u) => [u.unit, u.kind, u.busyCycles / r.frequencyHz, u.utilization, u.energyPj * 1e-6, u.areaMm2]) } },
    { title: "Memory levels", table: { header: ["level", "read (B)", "written (B)", "avg bandwidth (B/s)", "energy (uJ)"], rows: r.breakdown.byLevel.map((l) => [l.level, l.readBytes, l.writeBytes, l.averageBandwidthBytesPerSecond, l.energyPj * 1e-6]) } },
  ];
}

/** Plots and report.html of one run. */
export async function writeRunPlots(dir: string, r: Result, inputs: Record<string, string>): Promise<string[]> {
  const charts = runCharts(r);
  const files = await writeCharts(dir, charts);
  writeFileSync(join(dir, "report.html"), reportHtml(`${r.design} | ${r.workload}`, charts, runReportSections(r), inputs));
  return [...files, "report.html"];
}

/** Rows of a sweep folder for plotting: ok rows, at most `limit` (the first ones) to bound memory. */
export async function sweepRows(dir: string, limit = 50_000): Promise<Row[]> {
  const rows: Row[] = [];
  const seen = new Set<string>();
  const lines = createInterface({ input: createReadStream(join(dir, "results.jsonl")), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim() || rows.length >= limit) continue;
    try {
      const r = JSON.parse(line) as Row;
      if (r.status === "ok" && !seen.has(r.key)) {
        seen.add(r.key);
        rows.push(r);
      }
    } catch {
      // torn line
    }
  }
  return rows;
}

/** Pareto scatter(s) and a tornado per objective of a sweep folder (its sweep.json read and validated by the caller), and report.html there. */
export async function writeSweepPlots(dir: string, meta: SweepMeta, outDir = join(dir, "plots")): Promise<string[]> {
  const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as SweepSummary;
  const rows = await sweepRows(dir);
  const frontKeys = new Set(readFileSync(join(dir, "pareto.csv"), "utf8").split("\n").slice(1).map((l) => l.split(",")[1]).filter(Boolean));
  const front = rows.filter((r) => frontKeys.has(r.key));
  const params = meta.parameters.map((p) => p.name);
  const colorBy = params.find((p) => new Set(rows.map((r) => String(r.params[p]))).size <= 8);
  const charts: ChartSpec[] = [];
  const objectives = meta.objectives.map((o) => o.metric);
  const [x, y] = objectives.length >= 2 ? [objectives[0]!, objectives[1]!] : [objectives[0]!, "areaMm2"];
  const workloads = [...new Set(rows.map((r) => r.workload))].sort((a, b) => a - b).slice(0, 4);
  for (const w of workloads) {
    const chart = paretoChart(rows.filter((r) => r.workload === w), front.filter((r) => r.workload === w), x, y, colorBy);
    if (workloads.length > 1) {
      chart.name = `${chart.name}-workload${w}`;
      chart.title = `${chart.title} (workload ${w})`;
      (chart.config.options as { plugins: { title: { text: string } } }).plugins.title.text = chart.title;
    }
    charts.push(chart);
  }
  for (const o of objectives) charts.push(tornadoChart(rows, o, params.filter((p) => new Set(rows.map((r) => String(r.params[p]))).size > 1)));
  const files = await writeCharts(outDir, charts);
  const sections: ReportSection[] = [
    { title: "Summary", table: { header: ["quantity", "value"], rows: [["rows", summary.rows], ["ok", summary.ok], ["violate constraints", summary.violates], ["infeasible", summary.infeasible], ["errors", summary.errors], ["Pareto points", summary.paretoPoints]] } },
    { title: "Best per objective", table: { header: ["objective", "value", "parameters", "workload"], rows: Object.entries(summary.best).filter(([, b]) => b).map(([k, b]) => [k, b!.value, JSON.stringify(b!.params), b!.workload]) } },
    { title: "Pareto front", table: { header: ["workload", ...params, ...objectives], rows: front.map((r) => [r.workload, ...params.map((p) => String(r.params[p])), ...objectives.map((o) => r.metrics?.[o] ?? NaN)]) } },
  ];
  writeFileSync(inside(outDir, "report.html"), reportHtml(`Sweep ${meta.name}`, charts, sections, { [meta.file]: meta.specText }));
  return [...files, "report.html"];
}
