/**
 * Charts of sweeps: the Pareto scatter of two objectives, a scatter matrix of the non-dominated
 * points of three or more, and a tornado of sensitivities.
 */
import type { Row } from "../../sweeps/evaluate-point.js";
import { axisOptions, axisType, chartOptions, color, DRAW_ORDER, INK, metricAxis, metricStyle, naturalSort, translucent, type AxisType } from "../style.js";
import type { ChartSpec } from "./chart.js";

function value(r: Row, m: string): number {
  const v = r.metrics?.[m] ?? r.params[m];
  return typeof v === "number" ? v : NaN;
}

/** Points grouped by a parameter's value, groups in natural order ("8" before "16"). */
function groupsOf(rows: Row[], colorBy: string | undefined): { label: string; rows: Row[] }[] {
  if (!colorBy) return [{ label: "design points", rows }];
  const values = naturalSort([...new Set(rows.map((r) => String(r.params[colorBy])))]);
  return values.map((v) => ({ label: `${colorBy} = ${v}`, rows: rows.filter((r) => String(r.params[colorBy]) === v) }));
}

/**
 * Every ok point of two objectives, coloured by a parameter, the front drawn through its points.
 * `subject` names what the points are of (a workload), for the title.
 */
export function paretoChart(rows: Row[], front: Row[], x: string, y: string, colorBy?: string, subject?: string): ChartSpec {
  const ok = rows.filter((r) => r.status === "ok" && Number.isFinite(value(r, x)) && Number.isFinite(value(r, y)));
  const xType = axisType(ok.map((r) => value(r, x))), yType = axisType(ok.map((r) => value(r, y)));
  const xAxis = metricAxis(x, ok.map((r) => value(r, x)), xType), yAxis = metricAxis(y, ok.map((r) => value(r, y)), yType);
  const point = (r: Row) => ({ x: value(r, x) / xAxis.factor, y: value(r, y) / yAxis.factor });
  const datasets: object[] = groupsOf(ok, colorBy).map((g, i) => ({
    type: "scatter", label: g.label, backgroundColor: translucent(i, 0.67), pointRadius: 3, order: DRAW_ORDER.points, data: g.rows.map(point),
  }));
  const frontPoints = front.filter((r) => Number.isFinite(value(r, x)) && Number.isFinite(value(r, y))).sort((a, b) => value(a, x) - value(b, x)).map(point);
  datasets.push({ type: "line", label: "Pareto front", data: frontPoints, borderColor: INK, backgroundColor: INK, pointRadius: 4, pointStyle: "rectRot", fill: false, order: DRAW_ORDER.lines });
  const title = `Pareto front: ${metricStyle(y).title.toLowerCase()} vs ${metricStyle(x).title.toLowerCase()}${subject ? ` (${subject})` : ""}`;
  const options = chartOptions(title, { title: xAxis.title, type: xType }, { title: yAxis.title, type: yType }) as { plugins: { legend: Record<string, unknown> } };
  options.plugins.legend.labels = { ...(options.plugins.legend.labels as object), usePointStyle: true };
  return {
    name: `pareto-${x}-${y}`,
    title,
    config: { type: "scatter", data: { datasets: datasets as never }, options: options as never },
    table: { header: ["key", "workload", x, y, ...(colorBy ? [colorBy] : []), "on_front"], rows: ok.map((r) => [r.key, r.workload, value(r, x), value(r, y), ...(colorBy ? [String(r.params[colorBy])] : []), front.some((f) => f.key === r.key) ? 1 : 0]) },
  };
}

/**
 * Three or more objectives: the non-dominated points as a scatter matrix, one panel per pair of
 * objectives (the lower triangle: objective j against objective i for i < j), in one chart with
 * Chart.js's stacked axes (columns share an x axis, rows a y axis).
 */
export function paretoMatrixChart(front: Row[], objectives: string[], colorBy?: string, subject?: string): ChartSpec {
  const ok = front.filter((r) => r.status === "ok" && objectives.every((o) => Number.isFinite(value(r, o))));
  const axes = objectives.map((o) => {
    const type: AxisType = axisType(ok.map((r) => value(r, o)));
    return { metric: o, type, ...metricAxis(o, ok.map((r) => value(r, o)), type) };
  });
  const columns = axes.slice(0, -1), rowsOfPanels = axes.slice(1);
  const scales: Record<string, object> = {};
  // Each panel's range is its data plus a margin, with ticks only inside it: adjacent panels share
  // an edge, and labels at both ends would collide there.
  const axis = (a: (typeof axes)[number], position: "bottom" | "left") => {
    const values = ok.map((r) => value(r, a.metric) / a.factor);
    const lo = Math.min(...values), hi = Math.max(...values);
    const [min, max] = a.type === "logarithmic" ? [lo / (hi / lo) ** 0.06, hi * (hi / lo) ** 0.06] : [lo - 0.06 * (hi - lo || Math.abs(lo) || 1), hi + 0.06 * (hi - lo || Math.abs(hi) || 1)];
    const options = axisOptions({ title: a.title, type: a.type }) as { ticks: Record<string, unknown> };
    // Chart.js sizes the ticks of side-by-side (stacked) x axes as if each were narrow: the step is given.
    const step = a.type === "linear" ? { stepSize: niceStep((max - min) / 5) } : {};
    return { ...options, position, stack: position, stackWeight: 1, min, max, ticks: { ...options.ticks, ...step, includeBounds: false, maxRotation: 0 } };
  };
  columns.forEach((a, c) => (scales[`x${c}`] = axis(a, "bottom")));
  // Stacked y axes fill from the bottom: the last objective's row first, so the first is on top.
  for (let r = rowsOfPanels.length - 1; r >= 0; r--) scales[`y${r}`] = axis(rowsOfPanels[r]!, "left");
  const groups = groupsOf(ok, colorBy);
  const datasets: object[] = [];
  rowsOfPanels.forEach((ya, r) => columns.forEach((xa, c) => {
    if (c > r) return; // upper triangle: each pair once
    groups.forEach((g, i) => datasets.push({
      type: "scatter", label: g.label, xAxisID: `x${c}`, yAxisID: `y${r}`, backgroundColor: translucent(i, 0.8), pointRadius: 3,
      data: g.rows.map((row) => ({ x: value(row, xa.metric) / xa.factor, y: value(row, ya.metric) / ya.factor })),
    }));
  }));
  const title = `Pareto front of ${objectives.length} objectives${subject ? ` (${subject})` : ""}: non-dominated points by pair`;
  const options = chartOptions(title, { title: "", type: "linear" }, { title: "", type: "linear" }) as { scales: object; plugins: { legend: Record<string, unknown> } };
  options.scales = scales;
  // One legend entry per group (every panel repeats the groups): show the first panel's only.
  options.plugins.legend.labels = { ...(options.plugins.legend.labels as object), usePointStyle: true, attnsimFirstPerLabel: true };
  return {
    name: `pareto-matrix-${objectives.join("-")}`,
    title,
    config: { type: "scatter", data: { datasets: datasets as never }, options: options as never },
    table: { header: ["key", "workload", ...objectives, ...(colorBy ? [colorBy] : [])], rows: ok.map((r) => [r.key, r.workload, ...objectives.map((o) => value(r, o)), ...(colorBy ? [String(r.params[colorBy])] : [])]) },
  };
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const decade = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((m) => m * decade >= raw) ?? 10) * decade;
}

/**
 * Tornado: for each swept parameter, the range of the objective's mean over the points that share
 * each of its values (how much the objective moves when that parameter moves), largest on top.
 * `derived` maps a parameter to the parameters computed from it (`cols: { expr: rows }`): they move
 * with it, so they are folded into its bar instead of repeating it.
 */
export function tornadoChart(rows: Row[], objective: string, parameters: string[], derived: Record<string, string[]> = {}): ChartSpec {
  const folded = new Set(Object.values(derived).flat());
  const ok = rows.filter((r) => r.status === "ok" && Number.isFinite(value(r, objective)));
  const bars = parameters.filter((p) => !folded.has(p)).map((p) => {
    const byValue = new Map<string, number[]>();
    for (const r of ok) {
      const k = String(r.params[p]);
      byValue.set(k, [...(byValue.get(k) ?? []), value(r, objective)]);
    }
    const means = [...byValue.values()].map((vs) => vs.reduce((a, b) => a + b, 0) / vs.length);
    const moves = (derived[p] ?? []).filter((d) => parameters.includes(d));
    return { parameter: p, label: moves.length > 0 ? `${p} (with ${moves.join(", ")})` : p, low: Math.min(...means), high: Math.max(...means) };
  }).filter((b) => Number.isFinite(b.low)).sort((a, b) => b.high - b.low - (a.high - a.low));
  const x = metricAxis(objective, bars.flatMap((b) => [b.low, b.high]));
  const title = `Sensitivity of ${metricStyle(objective).title.toLowerCase()}`;
  const options = chartOptions(title, { title: `${x.title}: range of the mean over each parameter's values`, type: "linear" }, { title: "Parameter", type: "category" }) as { indexAxis?: string; plugins: { legend: Record<string, unknown> } };
  options.indexAxis = "y";
  options.plugins.legend.display = false;
  return {
    name: `tornado-${objective}`,
    title,
    config: { type: "bar", data: { labels: bars.map((b) => b.label), datasets: [{ label: `range of mean ${objective}`, data: bars.map((b) => [b.low / x.factor, b.high / x.factor]) as never, backgroundColor: color(0) }] }, options: options as never },
    table: { header: ["parameter", "moves_with", `${objective}_low`, `${objective}_high`], rows: bars.map((b) => [b.parameter, (derived[b.parameter] ?? []).join(" "), b.low, b.high]) },
  };
}
