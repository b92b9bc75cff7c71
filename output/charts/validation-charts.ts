/**
 * Validation charts: predicted against measured on log-log axes, one colour per board, with the
 * y = x line (a perfect model) and the +-25% band, one chart per metric.
 */
import type { RowOutcome } from "../../validation/validate.js";
import { METRIC_UNITS, type MetricName } from "../../validation/measured.js";
import { baseOptions, color, type ChartSpec } from "./chart.js";

export function predictedVsMeasuredChart(rows: readonly RowOutcome[], metric: MetricName, title?: string, name?: string): ChartSpec {
  const ok = rows.filter((r) => r.metric === metric && Number.isFinite(r.predicted) && r.predicted > 0 && r.measured > 0);
  const boards = [...new Set(ok.map((r) => r.board))];
  // Axes in a prefixed unit (us, mJ, ...) chosen from the data, bounded at whole decades, so that
  // tick labels read as plain numbers.
  const raw = ok.flatMap((r) => [r.predicted, r.measured]);
  const [scale, prefix] = PREFIXES.find(([p]) => median(raw) >= p) ?? PREFIXES[PREFIXES.length - 1]!;
  const values = raw.map((x) => x / scale);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values))), hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const line = (factor: number, label: string, dash: number[]) => ({
    type: "line", label, data: [{ x: lo, y: lo * factor }, { x: hi, y: hi * factor }], borderColor: "#555555", borderDash: dash,
    borderWidth: 1, pointRadius: 0, fill: false,
  });
  const datasets: object[] = boards.map((b, i) => ({
    type: "scatter", label: b, backgroundColor: `${color(i)}cc`, borderColor: color(i), pointRadius: 4,
    data: ok.filter((r) => r.board === b).map((r) => ({ x: r.measured / scale, y: r.predicted / scale })),
  }));
  datasets.push(line(1, "y = x", []), line(1.25, "+25%", [6, 4]), line(0.75, "-25%", [6, 4]));
  const unit = `${metric} (${prefix}${METRIC_UNITS[metric].unit})`;
  const heading = title ?? `Predicted vs measured ${metric}`;
  const options = baseOptions(heading, { title: `measured ${unit}`, type: "logarithmic" }, { title: `predicted ${unit}`, type: "logarithmic" }) as Record<string, any>;
  options.scales.x.min = lo;
  options.scales.x.max = hi;
  options.scales.y.min = lo;
  options.scales.y.max = hi;
  // Intl number format (serialisable, unlike a tick callback): 0.01, 30, 100000 rather than 100,000.000.
  for (const axis of ["x", "y"]) options.scales[axis].ticks = { format: { maximumSignificantDigits: 3, useGrouping: false } };
  return {
    name: name ?? `predicted-vs-measured-${metric}`,
    title: heading,
    config: { type: "scatter", data: { datasets: datasets as never }, options: options as never },
    table: { header: ["id", "board", "workload", `measured_${METRIC_UNITS[metric].unit}`, `predicted_${METRIC_UNITS[metric].unit}`, "relative_error"], rows: ok.map((r) => [r.id, r.board, r.workload, r.measured, r.predicted, r.error]) },
  };
}

const PREFIXES: [number, string][] = [[1e9, "G"], [1e6, "M"], [1e3, "k"], [1, ""], [1e-3, "m"], [1e-6, "u"], [1e-9, "n"], [1e-12, "p"]];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 1 : s[Math.floor(s.length / 2)]!;
}
