/**
 * Plot sets: the charts of a run, of a sweep folder, and of a scaling study, written as PNG, SVG,
 * PDF and CSV, gathered into report.html (and, for sweeps, explorer.html). Reads Results and sweep
 * outputs only.
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
import { FIGURE_FORMATS, renderFigure } from "./charts/render.js";
import { energyBreakdownChart, powerChart, rooflineChart } from "./charts/result-charts.js";
import { paretoChart, paretoMatrixChart, tornadoChart } from "./charts/sweep-charts.js";
import { reportHtml, type ReportSection } from "./report.js";
import { explorerHtml, EXPLORER_MAX_ROWS } from "./explorer.js";
import { formatMetric, formatQuantity, metricStyle } from "./style.js";
import { derivedParameters, frontKeys, workloadName } from "./sweep-folder.js";
import { bytes, percent } from "./format.js";

/** Write each chart as <name>.png, .svg, .pdf and .csv in `dir`; returns the file names. */
export async function writeCharts(dir: string, charts: ChartSpec[]): Promise<string[]> {
  makeFolder(dir);
  const files: string[] = [];
  for (const c of charts) {
    const figure = await renderFigure(c);
    for (const format of FIGURE_FORMATS) {
      writeFileSync(inside(dir, `${c.name}.${format}`), figure[format]);
      files.push(`${c.name}.${format}`);
    }
    writeFileSync(inside(dir, `${c.name}.csv`), csvText(c.table));
    files.push(`${c.name}.csv`);
  }
  return files;
}

export function runCharts(r: Result): ChartSpec[] {
  const charts = [energyBreakdownChart([r], "unit"), energyBreakdownChart([r], "level"), energyBreakdownChart([r], "opKind"), energyBreakdownChart([r], "component"), rooflineChart(r)];
  if (r.powerTrace?.length) charts.push(powerChart(r));
  return charts;
}

const joules = (pj: number) => formatMetric("energyJ", pj * 1e-12);
const seconds = (s: number) => formatMetric("latencySeconds", s);
const rate = (bytesPerSecond: number) => formatQuantity(bytesPerSecond, { unit: "B/s", prefixes: "si" });

export function runReportSections(r: Result): ReportSection[] {
  return [
    {
      title: "Totals",
      table: {
        header: ["quantity", "value"],
        rows: [
          ["latency", seconds(r.latencySeconds)], ["energy", formatMetric("energyJ", r.energyJ)], ["average power", formatMetric("averagePowerW", r.averagePowerW)],
          ["peak power", formatMetric("peakPowerW", r.peakPowerW)], ["MACs", formatMetric("macs", r.macs)], ["peak memory", bytes(r.peakMemoryBytes)],
          ["area", formatMetric("areaMm2", r.areaMm2)], ["utilization", percent(r.utilization)],
        ],
      },
    },
    { title: "Units", table: { header: ["unit", "kind", "busy", "utilization", "energy", "area"], rows: r.breakdown.byUnit.map((u) => [u.unit, u.kind, seconds(u.busyCycles / r.frequencyHz), percent(u.utilization), joules(u.energyPj), formatMetric("areaMm2", u.areaMm2)]) } },
    { title: "Memory levels", table: { header: ["level", "read", "written", "average bandwidth", "energy"], rows: r.breakdown.byLevel.map((l) => [l.level, bytes(l.readBytes), bytes(l.writeBytes), rate(l.averageBandwidthBytesPerSecond), joules(l.energyPj)]) } },
  ];
}

/** Plots and report.html of one run. */
export async function writeRunPlots(dir: string, r: Result, inputs: Record<string, string>): Promise<string[]> {
  const charts = runCharts(r);
  const files = await writeCharts(dir, charts);
  writeFileSync(join(dir, "report.html"), reportHtml(`${r.design} | ${r.workload}`, charts, runReportSections(r), inputs));
  return [...files, "report.html"];
}

/**
 * Rows of a sweep folder for plotting: ok rows, at most `limit` (the first ones) to bound memory,
 * in point order (results.jsonl is in the order points finished, which depends on the workers'
 * timing): the same sweep draws the same charts, byte for byte, with any number of workers.
 */
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
  return rows.sort((a, b) => a.index - b.index || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Builds the command that reruns one sweep point with `attnsim run` (the CLI knows its syntax). */
export type RerunCommand = (meta: SweepMeta, row: Row) => string | undefined;

/**
 * Pareto scatter(s) of the first two objectives (a scatter matrix of the front for three or more),
 * a tornado per objective, report.html and explorer.html, in `outDir`, for a sweep folder whose
 * sweep.json the caller has read and validated (sweeps/sweep-folder.ts).
 */
export async function writeSweepPlots(dir: string, meta: SweepMeta, outDir = join(dir, "plots"), options: { rerun?: RerunCommand } = {}): Promise<string[]> {
  const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as SweepSummary;
  const rows = await sweepRows(dir);
  const onFront = frontKeys(dir);
  const front = rows.filter((r) => onFront.has(r.key));
  const params = meta.parameters.map((p) => p.name);
  const derived = derivedParameters(meta);
  const folded = new Set(Object.values(derived).flat());
  const varying = params.filter((p) => new Set(rows.map((r) => String(r.params[p]))).size > 1);
  const colorBy = varying.find((p) => !folded.has(p) && new Set(rows.map((r) => String(r.params[p]))).size <= 8);
  const charts: ChartSpec[] = [];
  const objectives = meta.objectives.map((o) => o.metric);
  const [x, y] = objectives.length >= 2 ? [objectives[0]!, objectives[1]!] : [objectives[0]!, "areaMm2"];
  const workloads = [...new Set(rows.map((r) => r.workload))].sort((a, b) => a - b).slice(0, 4);
  for (const w of workloads) {
    const subject = workloads.length > 1 ? workloadName(meta, w) : undefined;
    const suffix = workloads.length > 1 ? `-workload${w}` : "";
    const mine = rows.filter((r) => r.workload === w), myFront = front.filter((r) => r.workload === w);
    const chart = objectives.length >= 3 ? paretoMatrixChart(myFront, objectives.slice(0, 4), colorBy, subject) : paretoChart(mine, myFront, x, y, colorBy, subject);
    chart.name += suffix;
    charts.push(chart);
  }
  for (const o of objectives) charts.push(tornadoChart(rows, o, varying, derived));
  const files = await writeCharts(outDir, charts);
  const paramText = (r: Row) => params.filter((p) => !folded.has(p)).map((p) => `${p}=${String(r.params[p])}`).join(" ");
  const sections: ReportSection[] = [
    { title: "Summary", table: { header: ["quantity", "value"], rows: [["rows", summary.rows], ["ok", summary.ok], ["violate constraints", summary.violates], ["infeasible", summary.infeasible], ["errors", summary.errors], ["Pareto points", summary.paretoPoints]] } },
    {
      title: "Best per objective",
      table: { header: ["objective", "value", "parameters", "workload"], rows: meta.objectives.flatMap((o) => {
        const b = summary.best[`${o.sense} ${o.metric}`];
        return b ? [[`${o.sense} ${metricStyle(o.metric).title.toLowerCase()}`, formatMetric(o.metric, b.value), params.filter((p) => !folded.has(p)).map((p) => `${p}=${String(b.params[p])}`).join(" "), workloadName(meta, b.workload)]] : [];
      }) },
    },
    { title: "Pareto front", table: { header: ["workload", "parameters", ...objectives.map((o) => metricStyle(o).title)], rows: front.map((r) => [workloadName(meta, r.workload), paramText(r), ...objectives.map((o) => formatMetric(o, r.metrics?.[o] ?? NaN))]) } },
  ];
  // The spec's text is the one sweep.json recorded: plot never reads a file sweep.json names.
  writeFileSync(inside(outDir, "report.html"), reportHtml(`Sweep ${meta.name}`, charts, sections, { [meta.file]: meta.specText }));
  const explorerRows = rows.slice(0, EXPLORER_MAX_ROWS);
  writeFileSync(inside(outDir, "explorer.html"), explorerHtml({
    meta, rows: explorerRows, front: onFront, totalOk: summary.ok,
    commands: options.rerun ? explorerRows.map((r) => options.rerun!(meta, r) ?? "") : undefined,
  }));
  return [...files, "report.html", "explorer.html"];
}
