/**
 * Co-design outputs of a sweep folder: the Pareto probability of every ok point under the energy
 * tables' ranges (pareto-probability.csv, and with plots the accuracy-energy front with its bands and
 * knee), and Sobol' indices of the swept parameters (sensitivity.csv and a chart per metric).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { inside, makeFolder } from "../common/output-files.js";
import type { Row } from "../sweeps/evaluate-point.js";
import type { ResolvedSweep } from "../sweeps/spec.js";
import type { ParetoProbability } from "../sweeps/pareto-probability.js";
import type { SensitivityRow } from "../sweeps/sensitivity.js";
import { kneeIndex } from "../sweeps/front-measures.js";
import { RANGE_FACTORS, UNCERTAIN_METRICS, type energyUncertainty } from "../sim/energy-uncertainty.js";
import { table } from "./format.js";
import { formatQuantity, metricStyle } from "./style.js";
import { csvText, type ChartSpec } from "./charts/chart.js";
import { frontWithBandsChart, sensitivityChart, type FrontPoint } from "./charts/co-design-charts.js";
import { writeCharts } from "./plots.js";
import { workloadLabel } from "../sweeps/spec.js";

/** The two objectives a front-with-bands chart draws: an energy-dependent one on x, the other on y. */
function bandAxes(spec: ResolvedSweep): { x: string; y: string } | undefined {
  if (spec.objectives.length !== 2) return undefined;
  const uncertain = spec.objectives.filter((o) => (UNCERTAIN_METRICS as readonly string[]).includes(o.metric));
  if (uncertain.length !== 1) return undefined;
  return { x: uncertain[0]!.metric, y: spec.objectives.find((o) => o !== uncertain[0])!.metric };
}

const pointLabel = (spec: ResolvedSweep, row: Row) => spec.parameters.filter((p) => p.values).map((p) => `${p.name}=${String(row.params[p.name])}`).join(" ");

/** pareto-probability.csv in `dir`; with `plots`, the front with bands per workload in dir/plots. Returns the files written. */
export async function writeParetoProbability(dir: string, spec: ResolvedSweep, rows: readonly Row[], probabilities: readonly ParetoProbability[], plots: boolean): Promise<string[]> {
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const header = ["index", "key", "workload", ...spec.parameters.map((p) => p.name), "pareto_probability", "nominal_front", ...UNCERTAIN_METRICS.flatMap((m) => [m, `${m}_low`, `${m}_median`, `${m}_high`])];
  const lines = probabilities.map((p) => {
    const row = byKey.get(p.key)!;
    return [p.index, p.key, p.workload, ...spec.parameters.map((q) => String(row.params[q.name])), p.probability, p.nominalFront ? 1 : 0, ...UNCERTAIN_METRICS.flatMap((m) => [p.intervals[m].nominal, p.intervals[m].low, p.intervals[m].median, p.intervals[m].high])];
  });
  writeFileSync(inside(dir, "pareto-probability.csv"), csvText({ header, rows: lines }));
  const files = ["pareto-probability.csv"];
  const charts = plots ? frontBandsCharts(spec, rows, probabilities) : [];
  if (charts.length === 0) return files;
  const plotDir = join(dir, "plots");
  makeFolder(plotDir);
  return [...files, ...(await writeCharts(plotDir, charts)).map((f) => `plots/${f}`)];
}

/**
 * Per workload, the front of a two-objective sweep whose one objective depends on the energy table
 * (energy, power, EDP) with that objective's intervals, and the knee; none for other sweeps.
 */
export function frontBandsCharts(spec: ResolvedSweep, rows: readonly Row[], probabilities: readonly ParetoProbability[]): ChartSpec[] {
  const axes = bandAxes(spec);
  if (!axes) return [];
  const byKey = new Map(rows.map((r) => [r.key, r]));
  // Both minimised for the knee: the x objective is energy-like (minimised), y as the spec says.
  const ySign = spec.objectives.find((o) => o.metric === axes.y)!.sense === "minimize" ? 1 : -1;
  return spec.workloads.map((section, w) => {
    const points: FrontPoint[] = probabilities.filter((p) => p.workload === w).map((p) => {
      const row = byKey.get(p.key)!;
      const interval = p.intervals[axes.x as (typeof UNCERTAIN_METRICS)[number]];
      return { key: p.key, label: pointLabel(spec, row), x: interval.nominal, xLow: interval.low, xHigh: interval.high, y: row.metrics![axes.y] ?? Number(row.params[axes.y]), probability: p.probability, onFront: p.nominalFront };
    });
    const front = points.filter((p) => p.onFront);
    const knee = kneeIndex(front.map((p) => [p.x, ySign * p.y] as const));
    const chart = frontWithBandsChart(points, axes.x, axes.y, knee === undefined ? undefined : front[knee]!.key, workloadLabel(section));
    return spec.workloads.length > 1 ? { ...chart, name: `${chart.name}-w${w}` } : chart;
  });
}

/** sensitivity.csv and a chart per workload and metric in `dir`. */
export async function writeSensitivity(dir: string, spec: ResolvedSweep, rows: readonly SensitivityRow[]): Promise<string[]> {
  makeFolder(dir);
  writeFileSync(inside(dir, "sensitivity.csv"), csvText({
    header: ["workload", "workload_label", "metric", "parameter", "first_order", "total", "used_samples", "samples"],
    rows: rows.map((r) => [r.workload, workloadLabel(spec.workloads[r.workload]!), r.metric, r.parameter, r.first, r.total, r.used, r.samples]),
  }));
  const charts = [...new Set(rows.map((r) => `${r.workload}|${r.metric}`))].map((k) => {
    const [w, metric] = k.split("|") as [string, string];
    const chart = sensitivityChart(rows.filter((r) => String(r.workload) === w && r.metric === metric), metric, workloadLabel(spec.workloads[Number(w)]!));
    return spec.workloads.length > 1 ? { ...chart, name: `${chart.name}-w${w}` } : chart;
  });
  return ["sensitivity.csv", ...(await writeCharts(dir, charts))];
}

/** A run's intervals and the uncertain table numbers its energy rests on, largest first. */
export function uncertaintyText(u: ReturnType<typeof energyUncertainty>, samples: number, seed: number): string {
  const q = (metric: string, v: number) => formatQuantity(v, metricStyle(metric));
  const metrics = table(["metric", "nominal", "2.5%", "median", "97.5%"], Object.entries(u.metrics).map(([m, i]) => [m, q(m, i.nominal), q(m, i.low), q(m, i.median), q(m, i.high)]));
  const total = u.groups.reduce((s, g) => s + g.energyJ, 0);
  const groups = table(["energy rests on", "confidence", "range", "share"], u.groups.map((g) => [g.name, g.confidence, `÷${RANGE_FACTORS[g.confidence]} to ×${RANGE_FACTORS[g.confidence]}`, `${((100 * g.energyJ) / total).toFixed(1)}%`]));
  return `Energy uncertainty (${samples} draws of the energy tables' ranges, seed ${seed}; docs/co-design.md)\n${metrics}\n\n${groups}`;
}
