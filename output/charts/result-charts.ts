/** Charts of single runs: energy breakdowns, roofline, power over time; sequence-length scaling. */
import type { Result } from "../../sim/result.js";
import { axisTitle, axisType, chartOptions, color, DRAW_ORDER, metricAxis, scaleFor, translucent } from "../style.js";
import type { ChartSpec } from "./chart.js";

export type BreakdownAxis = "unit" | "level" | "opKind" | "component";

const BREAKDOWN_TITLES: Record<BreakdownAxis, string> = { unit: "unit", level: "memory level", opKind: "op kind", component: "component" };

/** Stacked energy per unit, memory level or op kind, for one design or several side by side. */
export function energyBreakdownChart(results: Result[], by: BreakdownAxis): ChartSpec {
  const parts = (r: Result): Record<string, number> => {
    switch (by) {
      case "unit":
        return Object.fromEntries(r.breakdown.byUnit.map((u) => [u.unit, u.energyPj * 1e-12]));
      case "level":
        return Object.fromEntries(r.breakdown.byLevel.map((l) => [l.level, l.energyPj * 1e-12]));
      case "opKind":
        return Object.fromEntries(Object.entries(r.breakdown.byOpKind).map(([k, v]) => [k, v.energyPj * 1e-12]));
      case "component":
        // Where the energy goes on the whole chip: units' and levels' own energy, then the chip's lines.
        return Object.fromEntries([
          ...r.breakdown.byUnit.map((u) => [u.unit, u.energyPj * 1e-12] as const),
          ...r.breakdown.byLevel.map((l) => [l.level, l.energyPj * 1e-12] as const),
          ...Object.entries(r.breakdown.byComponent).map(([k, v]) => [k, v.energyPj * 1e-12] as const),
          ...(r.systemEnergyPj > 0 ? [["system", r.systemEnergyPj * 1e-12] as const] : []),
        ]);
      default: {
        const never: never = by;
        throw new Error(String(never));
      }
    }
  };
  const labels = results.map((r) => (results.length > 1 && new Set(results.map((x) => x.workload)).size === 1 ? r.design : `${r.design} | ${r.workload}`));
  const keys = [...new Set(results.flatMap((r) => Object.keys(parts(r))))];
  const y = metricAxis("energyJ", results.map((r) => Object.values(parts(r)).reduce((a, b) => a + b, 0)));
  const datasets = keys.map((k, i) => ({ label: k, backgroundColor: color(i), data: results.map((r) => (parts(r)[k] ?? 0) / y.factor) }));
  const title = `Energy by ${BREAKDOWN_TITLES[by]}`;
  const options = chartOptions(title, { title: results.length > 1 ? "Design" : "Run", type: "category", stacked: true }, { title: y.title, type: "linear", stacked: true });
  return {
    name: `energy-by-${by}`,
    title,
    config: { type: "bar", data: { labels, datasets }, options },
    table: { header: ["design_workload", ...keys.map((k) => `${k}_energy_J`)], rows: results.map((r, j) => [labels[j]!, ...keys.map((k) => parts(r)[k] ?? 0)]) },
  };
}

/**
 * Roofline (Williams, Waterman & Patterson, CACM 2009): attainable ops/s (2 x MACs/s) against
 * operational intensity (ops per byte moved at the outermost level), with each unit's compute roof
 * and each memory level's bandwidth roof; the matmul ops as points.
 */
export function rooflineChart(r: Result): ChartSpec {
  const outer = r.breakdown.byLevel[0]!.level;
  const points = r.ops.filter((o) => o.macs > 0 && o.latencySeconds > 0).map((o) => {
    const bytes = (o.bytesByLevel[outer]?.readBytes ?? 0) + (o.bytesByLevel[outer]?.writeBytes ?? 0);
    return { id: o.id, unit: o.unit, x: bytes > 0 ? (2 * o.macs) / bytes : NaN, y: (2 * o.macs) / o.latencySeconds };
  }).filter((p) => Number.isFinite(p.x));
  const xs = points.map((p) => p.x);
  const xMin = Math.max(1e-2, Math.min(...xs, 1) / 2), xMax = Math.max(...xs, 10) * 2;
  const roofs = r.breakdown.byUnit.filter((u) => u.peakMacsPerSecond > 0);
  const yMax = Math.max(...roofs.map((u) => 2 * u.peakMacsPerSecond), ...points.map((p) => p.y)) * 2;
  const yMin = Math.min(...points.map((p) => p.y), yMax / 1e4) / 2;
  const y = scaleFor([yMin, yMax], { unit: "OPS", prefixes: "si" }, "logarithmic");
  const datasets: object[] = [];
  roofs.forEach((u, i) => {
    datasets.push({ type: "line", label: `${u.unit} compute roof`, data: [{ x: xMin, y: (2 * u.peakMacsPerSecond) / y.factor }, { x: xMax, y: (2 * u.peakMacsPerSecond) / y.factor }], borderColor: color(i), borderDash: [6, 4], pointRadius: 0, fill: false, order: DRAW_ORDER.lines });
  });
  r.breakdown.byLevel.forEach((l, i) => {
    datasets.push({ type: "line", label: `${l.level} bandwidth roof`, data: [{ x: xMin, y: (l.bandwidthBytesPerSecond * xMin) / y.factor }, { x: xMax, y: (l.bandwidthBytesPerSecond * xMax) / y.factor }], borderColor: color(i + 4), pointRadius: 0, fill: false, order: DRAW_ORDER.lines });
  });
  const units = [...new Set(points.map((p) => p.unit))];
  units.forEach((u, i) => datasets.push({ type: "scatter", label: `ops on ${u}`, data: points.filter((p) => p.unit === u).map((p) => ({ x: p.x, y: p.y / y.factor })), backgroundColor: translucent(i + 2, 0.8), pointRadius: 4, order: DRAW_ORDER.points }));
  const title = `Roofline: ${r.design} | ${r.workload}`;
  const options = chartOptions(title, { title: `Operational intensity (ops per ${outer} byte)`, type: "logarithmic" }, { title: axisTitle("Attainable performance", y.unit), type: "logarithmic" }) as { scales: Record<string, Record<string, unknown>> };
  options.scales.x!.min = xMin;
  options.scales.x!.max = xMax;
  options.scales.y!.min = yMin / y.factor;
  options.scales.y!.max = yMax / y.factor;
  return {
    name: "roofline", title,
    config: { type: "scatter", data: { datasets: datasets as never }, options: options as never },
    table: { header: ["op", "unit", "ops_per_byte", "ops_per_second"], rows: points.map((p) => [p.id, p.unit, p.x, p.y]) },
  };
}

/** Power over the run's timeline (needs a Result simulated with keepTimeline), average and peak marked. */
export function powerChart(r: Result): ChartSpec {
  const trace = r.powerTrace ?? [];
  const seconds = (cycles: number) => cycles / r.frequencyHz;
  const steps = trace.flatMap((p, i) => {
    const end = i + 1 < trace.length ? trace[i + 1]!.startCycles : r.latencyCycles;
    return [{ t: seconds(p.startCycles), w: p.powerW }, { t: seconds(end), w: p.powerW }];
  });
  const end = seconds(r.latencyCycles);
  const x = metricAxis("latencySeconds", [end]);
  const y = scaleFor([r.peakPowerW, ...steps.map((s) => s.w)], { unit: "W", prefixes: "si" });
  const level = (w: number) => [{ x: 0, y: w / y.factor }, { x: end / x.factor, y: w / y.factor }];
  const title = `Power over time: ${r.design} | ${r.workload}`;
  return {
    name: "power",
    title,
    config: {
      type: "line",
      data: {
        datasets: [
          { label: "power", data: steps.map((s) => ({ x: s.t / x.factor, y: s.w / y.factor })), borderColor: color(0), pointRadius: 0, borderWidth: 1, order: DRAW_ORDER.points },
          { label: `average ${(r.averagePowerW / y.factor).toPrecision(3)} ${y.unit}`, data: level(r.averagePowerW), borderColor: color(2), borderDash: [6, 4], pointRadius: 0, order: DRAW_ORDER.lines },
          { label: `peak (${(r.powerWindowSeconds * 1e6).toPrecision(2)} µs window) ${(r.peakPowerW / y.factor).toPrecision(3)} ${y.unit}`, data: level(r.peakPowerW), borderColor: color(3), borderDash: [2, 2], pointRadius: 0, order: DRAW_ORDER.lines },
        ] as never,
      },
      options: chartOptions(title, { title: axisTitle("Time", x.unit), type: "linear" }, { title: axisTitle("Power", y.unit), type: "linear" }),
    },
    table: { header: ["time_s", "power_W"], rows: steps.map((p) => [p.t, p.w]) },
  };
}

export interface ScalingPoint {
  variant: string;
  seq: number;
  latencySeconds: number;
  energyJ: number;
}

/** Latency or energy against sequence length, one line per attention variant (quadratic vs linear). */
export function scalingChart(points: ScalingPoint[], metric: "latencySeconds" | "energyJ"): ChartSpec {
  const variants = [...new Set(points.map((p) => p.variant))];
  const yType = axisType(points.map((p) => p[metric]));
  const y = metricAxis(metric, points.map((p) => p[metric]), yType);
  const title = `${metric === "energyJ" ? "Energy" : "Latency"} vs sequence length`;
  return {
    name: `scaling-${metric === "energyJ" ? "energy" : "latency"}`,
    title,
    config: {
      type: "line",
      data: { datasets: variants.map((v, i) => ({ label: v, data: points.filter((p) => p.variant === v).sort((a, b) => a.seq - b.seq).map((p) => ({ x: p.seq, y: p[metric] / y.factor })), borderColor: color(i), backgroundColor: color(i) })) as never },
      options: chartOptions(title, { title: "Sequence length (tokens)", type: axisType(points.map((p) => p.seq)) }, { title: y.title, type: yType }),
    },
    table: { header: ["variant", "seq", metric], rows: points.map((p) => [p.variant, p.seq, p[metric]]) },
  };
}
