/** Charts of sweeps: the Pareto scatter of two objectives, and a tornado of sensitivities. */
import type { Row } from "../../sweeps/evaluate-point.js";
import { axisType, baseOptions, color, type ChartSpec } from "./chart.js";

const metricUnits: Record<string, string> = {
  energyJ: "J", latencySeconds: "s", latencyCycles: "cycles", averagePowerW: "W", peakPowerW: "W", areaMm2: "mm^2",
  peakMemoryBytes: "B", peakActivationBytes: "B", outerBytes: "B", edpJs: "J s", macs: "MAC",
};
const label = (m: string) => (metricUnits[m] ? `${m} (${metricUnits[m]})` : m);

function value(r: Row, m: string): number {
  const v = r.metrics?.[m] ?? r.params[m];
  return typeof v === "number" ? v : NaN;
}

/** Every ok point of two objectives, coloured by a parameter, the front drawn through its points. */
export function paretoChart(rows: Row[], front: Row[], x: string, y: string, colorBy?: string): ChartSpec {
  const ok = rows.filter((r) => r.status === "ok" && Number.isFinite(value(r, x)) && Number.isFinite(value(r, y)));
  const groups = colorBy ? [...new Set(ok.map((r) => String(r.params[colorBy])))] : ["points"];
  const datasets: object[] = groups.map((g, i) => ({
    type: "scatter", label: colorBy ? `${colorBy} = ${g}` : "design points", backgroundColor: `${color(i)}aa`, pointRadius: 3,
    data: ok.filter((r) => !colorBy || String(r.params[colorBy]) === g).map((r) => ({ x: value(r, x), y: value(r, y) })),
  }));
  const frontPoints = front.filter((r) => Number.isFinite(value(r, x))).sort((a, b) => value(a, x) - value(b, x)).map((r) => ({ x: value(r, x), y: value(r, y) }));
  datasets.push({ type: "line", label: "Pareto front", data: frontPoints, borderColor: "#000000", backgroundColor: "#000000", pointRadius: 4, pointStyle: "rectRot", fill: false, stepped: false });
  const title = `Pareto front: ${y} vs ${x}`;
  return {
    name: `pareto-${x}-${y}`,
    title,
    config: { type: "scatter", data: { datasets: datasets as never }, options: baseOptions(title, { title: label(x), type: axisType(ok.map((r) => value(r, x))) }, { title: label(y), type: axisType(ok.map((r) => value(r, y))) }) },
    table: { header: ["key", "workload", x, y, ...(colorBy ? [colorBy] : []), "on_front"], rows: ok.map((r) => [r.key, r.workload, value(r, x), value(r, y), ...(colorBy ? [String(r.params[colorBy])] : []), front.some((f) => f.key === r.key) ? 1 : 0]) },
  };
}

/**
 * Tornado: for each swept parameter, the range of the objective's mean over the points that share
 * each of its values (how much the objective moves when that parameter moves), largest on top.
 */
export function tornadoChart(rows: Row[], objective: string, parameters: string[]): ChartSpec {
  const ok = rows.filter((r) => r.status === "ok" && Number.isFinite(value(r, objective)));
  const bars = parameters.map((p) => {
    const byValue = new Map<string, number[]>();
    for (const r of ok) {
      const k = String(r.params[p]);
      byValue.set(k, [...(byValue.get(k) ?? []), value(r, objective)]);
    }
    const means = [...byValue.values()].map((vs) => vs.reduce((a, b) => a + b, 0) / vs.length);
    return { parameter: p, low: Math.min(...means), high: Math.max(...means) };
  }).filter((b) => Number.isFinite(b.low)).sort((a, b) => b.high - b.low - (a.high - a.low));
  const title = `Sensitivity of ${objective}`;
  const options = baseOptions(title, { title: label(objective), type: "linear" }, { title: "parameter", type: "linear" });
  (options as { indexAxis?: string }).indexAxis = "y";
  (options as { scales: Record<string, Record<string, unknown>> }).scales.y!.type = "category";
  return {
    name: `tornado-${objective}`,
    title,
    config: { type: "bar", data: { labels: bars.map((b) => b.parameter), datasets: [{ label: `range of mean ${objective}`, data: bars.map((b) => [b.low, b.high]) as never, backgroundColor: color(0) }] }, options },
    table: { header: ["parameter", `${objective}_low`, `${objective}_high`], rows: bars.map((b) => [b.parameter, b.low, b.high]) },
  };
}
