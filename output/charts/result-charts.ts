/** Charts of single runs: energy breakdowns, roofline, power over time. */
import type { Result } from "../../sim/result.js";
import { axisType, baseOptions, color, type ChartSpec } from "./chart.js";

export type BreakdownAxis = "unit" | "level" | "opKind";

/** Stacked energy per unit, memory level or op kind, for one design or several side by side (uJ). */
export function energyBreakdownChart(results: Result[], by: BreakdownAxis): ChartSpec {
  const parts = (r: Result): Record<string, number> => {
    switch (by) {
      case "unit":
        return Object.fromEntries(r.breakdown.byUnit.map((u) => [u.unit, u.energyPj]));
      case "level":
        return Object.fromEntries(r.breakdown.byLevel.map((l) => [l.level, l.energyPj]));
      case "opKind":
        return Object.fromEntries(Object.entries(r.breakdown.byOpKind).map(([k, v]) => [k, v.energyPj]));
      default: {
        const never: never = by;
        throw new Error(String(never));
      }
    }
  };
  const labels = results.map((r) => `${r.design} | ${r.workload}`);
  const keys = [...new Set(results.flatMap((r) => Object.keys(parts(r))))];
  const datasets = keys.map((k, i) => ({ label: k, backgroundColor: color(i), data: results.map((r) => (parts(r)[k] ?? 0) * 1e-6) }));
  const title = `Energy by ${by === "opKind" ? "op kind" : by === "level" ? "memory level" : "unit"}`;
  return {
    name: `energy-by-${by}`,
    title,
    config: { type: "bar", data: { labels, datasets }, options: baseOptions(title, { title: "design | workload", type: "category" }, { title: "energy (uJ)", type: "linear" }, true) },
    table: { header: ["design_workload", ...keys.map((k) => `${k}_energy_uJ`)], rows: results.map((r, j) => [labels[j]!, ...keys.map((k) => (parts(r)[k] ?? 0) * 1e-6)]) },
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
  const datasets: object[] = [];
  r.breakdown.byUnit.filter((u) => u.peakMacsPerSecond > 0).forEach((u, i) => {
    datasets.push({ type: "line", label: `${u.unit} compute roof`, data: [{ x: xMin, y: 2 * u.peakMacsPerSecond }, { x: xMax, y: 2 * u.peakMacsPerSecond }], borderColor: color(i), borderDash: [6, 4], pointRadius: 0, fill: false });
  });
  r.breakdown.byLevel.forEach((l, i) => {
    datasets.push({ type: "line", label: `${l.level} bandwidth roof`, data: [{ x: xMin, y: l.bandwidthBytesPerSecond * xMin }, { x: xMax, y: l.bandwidthBytesPerSecond * xMax }], borderColor: color(i + 4), pointRadius: 0, fill: false });
  });
  const units = [...new Set(points.map((p) => p.unit))];
  units.forEach((u, i) => datasets.push({ type: "scatter", label: `ops on ${u}`, data: points.filter((p) => p.unit === u).map((p) => ({ x: p.x, y: p.y })), backgroundColor: color(i + 2), pointRadius: 4 }));
  const title = `Roofline: ${r.design} | ${r.workload}`;
  const options = baseOptions(title, { title: `operational intensity (ops per ${outer} byte)`, type: "logarithmic" }, { title: "attainable performance (ops/s)", type: "logarithmic" });
  const yMax = Math.max(...r.breakdown.byUnit.map((u) => 2 * u.peakMacsPerSecond), ...points.map((p) => p.y)) * 2;
  (options as { scales: { y: Record<string, unknown> } }).scales.y.max = yMax;
  (options as { scales: { y: Record<string, unknown> } }).scales.y.min = Math.min(...points.map((p) => p.y), yMax / 1e4) / 2;
  return {
    name: "roofline", title,
    config: { type: "scatter", data: { datasets: datasets as never }, options },
    table: { header: ["op", "unit", "ops_per_byte", "ops_per_second"], rows: points.map((p) => [p.id, p.unit, p.x, p.y]) },
  };
}

/** Power over the run's timeline (needs a Result simulated with keepTimeline), average and peak marked. */
export function powerChart(r: Result): ChartSpec {
  const trace = r.powerTrace ?? [];
  const us = (cycles: number) => (cycles / r.frequencyHz) * 1e6;
  const steps = trace.flatMap((p, i) => {
    const end = i + 1 < trace.length ? trace[i + 1]!.startCycles : r.latencyCycles;
    return [{ x: us(p.startCycles), y: p.powerW }, { x: us(end), y: p.powerW }];
  });
  const endUs = us(r.latencyCycles);
  const title = `Power over time: ${r.design} | ${r.workload}`;
  return {
    name: "power",
    title,
    config: {
      type: "line",
      data: {
        datasets: [
          { label: "power", data: steps, borderColor: color(0), pointRadius: 0, borderWidth: 1 },
          { label: `average ${r.averagePowerW.toPrecision(3)} W`, data: [{ x: 0, y: r.averagePowerW }, { x: endUs, y: r.averagePowerW }], borderColor: color(2), borderDash: [6, 4], pointRadius: 0 },
          { label: `peak (${(r.powerWindowSeconds * 1e6).toPrecision(2)} us window) ${r.peakPowerW.toPrecision(3)} W`, data: [{ x: 0, y: r.peakPowerW }, { x: endUs, y: r.peakPowerW }], borderColor: color(3), borderDash: [2, 2], pointRadius: 0 },
        ] as never,
      },
      options: baseOptions(title, { title: "time (us)", type: "linear" }, { title: "power (W)", type: "linear" }),
    },
    table: { header: ["time_us", "power_W"], rows: steps.map((p) => [p.x, p.y]) },
  };
}

/** Latency and energy against sequence length, one line per attention variant (quadratic vs linear). */
export function scalingChart(points: { variant: string; seq: number; latencySeconds: number; energyJ: number }[], metric: "latencySeconds" | "energyJ"): ChartSpec {
  const variants = [...new Set(points.map((p) => p.variant))];
  const values = points.map((p) => p[metric]);
  const unit = metric === "energyJ" ? "energy (J)" : "latency (s)";
  const title = `${metric === "energyJ" ? "Energy" : "Latency"} vs sequence length`;
  return {
    name: `scaling-${metric === "energyJ" ? "energy" : "latency"}`,
    title,
    config: {
      type: "line",
      data: { datasets: variants.map((v, i) => ({ label: v, data: points.filter((p) => p.variant === v).sort((a, b) => a.seq - b.seq).map((p) => ({ x: p.seq, y: p[metric] })), borderColor: color(i), backgroundColor: color(i) })) as never },
      options: baseOptions(title, { title: "sequence length (tokens)", type: axisType(points.map((p) => p.seq)) }, { title: unit, type: axisType(values) }),
    },
    table: { header: ["variant", "seq", metric], rows: points.map((p) => [p.variant, p.seq, p[metric]]) },
  };
}
