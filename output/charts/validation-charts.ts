/**
 * Validation charts: predicted against measured on log-log axes, one colour per board, with the
 * y = x line (a perfect model) and the +-25% band, one chart per metric.
 */
import type { RowOutcome } from "../../validation/validate.js";
import { METRIC_UNITS, type MetricName } from "../../validation/measured.js";
import { axisTitle, chartOptions, color, DRAW_ORDER, scaleFor, translucent } from "../style.js";
import type { ChartSpec } from "./chart.js";

export function predictedVsMeasuredChart(rows: readonly RowOutcome[], metric: MetricName, title?: string, name?: string): ChartSpec {
  const ok = rows.filter((r) => r.metric === metric && Number.isFinite(r.predicted) && r.predicted > 0 && r.measured > 0);
  const boards = [...new Set(ok.map((r) => r.board))];
  // Axes in a prefixed unit (µs, mJ, ...) chosen from the data, bounded at whole decades, so that
  // tick labels read as plain numbers.
  const raw = ok.flatMap((r) => [r.predicted, r.measured]);
  const rate = METRIC_UNITS[metric].unit === "1/s";
  const { factor: scale, unit: prefixed } = scaleFor(raw, rate ? { unit: "inferences/s", prefixes: "none" } : { unit: METRIC_UNITS[metric].unit, prefixes: "si" }, "logarithmic");
  const values = raw.map((x) => x / scale);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values))), hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const line = (factor: number, label: string, dash: number[]) => ({
    type: "line", label, data: [{ x: lo, y: lo * factor }, { x: hi, y: hi * factor }], borderColor: "#555555", borderDash: dash,
    borderWidth: 1, pointRadius: 0, fill: false, order: DRAW_ORDER.lines,
  });
  const datasets: object[] = boards.map((b, i) => ({
    type: "scatter", label: b, backgroundColor: translucent(i, 0.8), borderColor: color(i), pointRadius: 4, order: DRAW_ORDER.points,
    data: ok.filter((r) => r.board === b).map((r) => ({ x: r.measured / scale, y: r.predicted / scale })),
  }));
  datasets.push(line(1, "y = x", []), line(1.25, "+25%", [6, 4]), line(0.75, "-25%", [6, 4]));
  const quantity = METRIC_UNITS[metric].label.replace(/ \(.*\)$/, "");
  const heading = title ?? `Predicted vs measured ${quantity}`;
  const options = chartOptions(heading, { title: axisTitle(`Measured ${quantity}`, prefixed), type: "logarithmic" }, { title: axisTitle(`Predicted ${quantity}`, prefixed), type: "logarithmic" }) as Record<string, any>;
  options.scales.x.min = lo;
  options.scales.x.max = hi;
  options.scales.y.min = lo;
  options.scales.y.max = hi;
  return {
    name: name ?? `predicted-vs-measured-${metric}`,
    title: heading,
    config: { type: "scatter", data: { datasets: datasets as never }, options: options as never },
    table: { header: ["id", "board", "workload", `measured_${METRIC_UNITS[metric].unit}`, `predicted_${METRIC_UNITS[metric].unit}`, "relative_error"], rows: ok.map((r) => [r.id, r.board, r.workload, r.measured, r.predicted, r.error]) },
  };
}
