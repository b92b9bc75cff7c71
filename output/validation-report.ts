/**
 * Validation and calibration reports: the per-row table and per-metric summary on screen, CSV
 * (one row per measurement, pandas-ready) and JSON on disk, and the predicted-vs-measured plots.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ValidationReport, MetricSummary, RowOutcome } from "../validation/validate.js";
import type { CalibrationResult } from "../validation/calibrate.js";
import { METRIC_UNITS } from "../validation/measured.js";
import { csvText } from "./charts/chart.js";
import { predictedVsMeasuredChart } from "./charts/validation-charts.js";
import { writeCharts } from "./plots.js";
import { reportHtml } from "./report.js";
import { si, table } from "./format.js";
import { toJson } from "./json.js";

const signed = (e: number) => (Number.isFinite(e) ? `${e >= 0 ? "+" : ""}${(e * 100).toFixed(1)}%` : "-");
const pct = (e: number) => (Number.isFinite(e) ? `${(e * 100).toFixed(1)}%` : "-");
const num = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "-");

export function summaryTable(summaries: readonly MetricSummary[], label = ""): string {
  return table(
    [`${label}metric`, "rows", "MAPE", "median |err|", "bias", "worst", "worst row", "Spearman", "Kendall", "failed"],
    summaries.map((s) => [s.metric, String(s.n), pct(s.mape), pct(s.medianAbs), signed(s.bias), signed(s.worst), s.worstId, num(s.spearman), num(s.kendall), String(s.failed)]),
  );
}

export function validationText(report: ValidationReport, maxRows = Infinity): string {
  const unitOf = (r: RowOutcome) => METRIC_UNITS[r.metric].unit === "1/s" ? "/s" : METRIC_UNITS[r.metric].unit;
  const shown = report.rows.slice(0, maxRows);
  const rows = shown.map((r) => [r.id, r.metric, r.workload, si(r.measured, unitOf(r)), Number.isFinite(r.predicted) ? si(r.predicted, unitOf(r)) : (r.failure ?? "failed"), signed(r.error)]);
  const out = [
    `${report.file}${report.description ? `: ${report.description}` : ""}`,
    "",
    table(["id", "metric", "workload", "measured", "predicted", "error"], rows),
  ];
  if (report.rows.length > shown.length) out.push(`... ${report.rows.length - shown.length} more rows in the CSV`);
  out.push("", summaryTable(report.byMetric));
  return out.join("\n");
}

export function validationCsv(report: ValidationReport): string {
  return csvText({
    header: ["id", "board", "design", "workload", "metric", "unit", "measured", "predicted", "relative_error", "abs_relative_error", "failure", "source"],
    rows: report.rows.map((r) => [r.id, r.board, r.design, r.workload, r.metric, METRIC_UNITS[r.metric].unit, r.measured, Number.isFinite(r.predicted) ? r.predicted : "", Number.isFinite(r.error) ? r.error : "", Number.isFinite(r.error) ? Math.abs(r.error) : "", r.failure ?? "", r.source]),
  });
}

/** validation.csv, validation.json, a predicted-vs-measured PNG (+ CSV) per metric, report.html. */
export async function writeValidation(dir: string, report: ValidationReport, plots: boolean): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "validation.csv"), validationCsv(report));
  writeFileSync(join(dir, "validation.json"), toJson(report));
  const files = ["validation.csv", "validation.json"];
  if (plots) {
    const charts = report.byMetric.map((s) => predictedVsMeasuredChart(report.rows, s.metric));
    files.push(...(await writeCharts(dir, charts)));
    writeFileSync(join(dir, "report.html"), reportHtml(`Validation: ${report.description ?? report.file}`, charts, [
      { title: "Summary by metric", table: { header: ["metric", "rows", "MAPE", "bias", "worst", "worst row", "Spearman", "Kendall"], rows: report.byMetric.map((s) => [s.metric, s.n, s.mape, s.bias, s.worst, s.worstId, s.spearman, s.kendall]) } },
      { title: "Rows", table: { header: ["id", "board", "workload", "metric", "measured", "predicted", "relative error"], rows: report.rows.map((r) => [r.id, r.board, r.workload, r.metric, r.measured, r.predicted, r.error]) } },
    ], { measurements: report.file }));
    files.push("report.html");
  }
  return files;
}

export function calibrationText(result: CalibrationResult): string {
  const out = [
    `fit: ${result.method}${result.coordinates ? ` (affine in: ${Object.entries(result.coordinates).map(([k, t]) => (t === "reciprocal" ? `1/${k}` : k)).join(", ")})` : ""}, ${result.rows} rows, ${result.folds}-fold cross-validation`,
  ];
  const excluded = Object.entries(result.excluded);
  if (excluded.length > 0) out.push(`left out (cannot be simulated): ${excluded.map(([id, why]) => `${id} (${why})`).join("; ")}`);
  out.push("", table(["parameter", "fitted", "+- std. error", "range", "fold values"], result.parameters.map((p) => [
    p.name, `${p.value.toPrecision(4)}${p.unit ? ` ${p.unit}` : ""}`, p.atBound ? "at bound" : Number.isFinite(p.standardError) ? p.standardError.toPrecision(2) : "-",
    `[${p.min}, ${p.max}]`, p.foldValues.map((v) => v.toPrecision(3)).join(" "),
  ])));
  out.push("", summaryTable(result.before, "before: "), "", summaryTable(result.training, "training: "), "", summaryTable(result.crossValidated, "cross-validated: "));
  return out.join("\n");
}

export function calibrationCsv(result: CalibrationResult): string {
  return csvText({
    header: ["id", "metric", "measured", "predicted_before", "predicted_after", "predicted_cross_validated", "error_before", "error_after", "error_cross_validated"],
    rows: result.table.map((t) => [t.id, t.metric, t.measured, t.before, t.after, t.crossValidated, t.before / t.measured - 1, t.after / t.measured - 1, t.crossValidated / t.measured - 1]),
  });
}
