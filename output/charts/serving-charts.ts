/**
 * Charts of a serving run: latency CDFs (TTFT, TPOT, end to end) with the SLOs, queue length and
 * power over time; and of a real-time run: each input's latency against its deadline, power over
 * time and the policies side by side. Pure functions of the results (serving/).
 */
import type { ServingResult } from "../../serving/simulator.js";
import type { RealtimeResult } from "../../serving/realtime.js";
import type { ChartSpec } from "./chart.js";
import { axisType, chartOptions, color } from "../style.js";

/** Empirical CDF points of values (sorted), at most `limit` of them (evenly spaced ranks). */
function cdf(values: number[], limit = 400): { x: number; y: number }[] {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const n = sorted.length;
  const step = Math.max(1, Math.floor(n / limit));
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i < n; i += step) out.push({ x: sorted[i]!, y: (i + 1) / n });
  if (n > 0 && out[out.length - 1]!.y !== 1) out.push({ x: sorted[n - 1]!, y: 1 });
  return out;
}

/** Latency CDFs of one or more runs (same traffic on several designs), one chart per metric. */
export function latencyCdfCharts(runs: readonly Pick<ServingResult, "designs" | "requests">[], slo: { ttftSeconds?: number; tpotSeconds?: number; e2eSeconds?: number } = {}): ChartSpec[] {
  const metrics = [
    { key: "ttftSeconds", name: "ttft", label: "time to first token", slo: slo.ttftSeconds },
    { key: "tpotSeconds", name: "tpot", label: "time per output token", slo: slo.tpotSeconds },
    { key: "e2eSeconds", name: "e2e", label: "end-to-end latency", slo: slo.e2eSeconds },
  ] as const;
  return metrics.map((m) => {
    const title = `Latency CDF: ${m.label}${runs.length === 1 ? ` (${runs[0]!.designs.join(" + ")})` : ""}`;
    const curves = runs.map((r) => ({ label: r.designs.join(" + "), points: cdf(r.requests.filter((q) => q.status === "completed").map((q) => q[m.key] * 1e3)) }));
    const datasets: object[] = curves.map((c, i) => ({ label: c.label, data: c.points, borderColor: color(i), backgroundColor: color(i), pointRadius: 0, stepped: true, borderWidth: 2 }));
    if (m.slo !== undefined) datasets.push({ label: `SLO ${(m.slo * 1e3).toPrecision(3)} ms`, data: [{ x: m.slo * 1e3, y: 0 }, { x: m.slo * 1e3, y: 1 }], borderColor: "#000000", borderDash: [6, 4], pointRadius: 0 });
    const xs = curves.flatMap((c) => c.points.map((p) => p.x));
    return {
      name: `latency-cdf-${m.name}`, title,
      config: { type: "line", data: { datasets: datasets as never }, options: chartOptions(title, { title: `${m.label} (ms)`, type: axisType(xs) }, { title: "fraction of requests", type: "linear" }) },
      table: { header: ["design", `${m.name}_ms`, "fraction"], rows: curves.flatMap((c) => c.points.map((p) => [c.label, p.x, p.y])) },
    };
  });
}

/** Queue length (waiting, running) and power over time, on two axes. */
export function servingTimeChart(r: ServingResult): ChartSpec {
  const s = r.series;
  const title = `Queue and power over time (${r.designs.join(" + ")})`;
  const options = chartOptions(title, { title: "time (s)", type: "linear" }, { title: "requests", type: "linear" }) as Record<string, any>;
  options.scales.y2 = { type: "linear", position: "right", title: { display: true, text: "power (W)" }, grid: { drawOnChartArea: false } };
  const xy = (ys: number[]) => s.timeSeconds.map((t, i) => ({ x: t, y: ys[i]! }));
  return {
    name: "queue-power", title,
    config: {
      type: "line",
      data: { datasets: [
        { label: "waiting", data: xy(s.waiting), borderColor: color(1), pointRadius: 0 },
        { label: "running", data: xy(s.running), borderColor: color(0), pointRadius: 0 },
        { label: "power (W)", data: xy(s.powerW), borderColor: color(3), pointRadius: 0, yAxisID: "y2" },
      ] as never },
      options: options as never,
    },
    table: { header: ["time_s", "waiting", "running", "in_system", "power_W", "kv_used_fraction"], rows: s.timeSeconds.map((t, i) => [t, s.waiting[i]!, s.running[i]!, s.inSystem[i]!, s.powerW[i]!, s.kvUsedFraction[i]!]) },
  };
}

export function servingCharts(r: ServingResult, slo: { ttftSeconds?: number; tpotSeconds?: number; e2eSeconds?: number }): ChartSpec[] {
  return [...latencyCdfCharts([r], slo), servingTimeChart(r)];
}

/** Each input's latency against time, per stream and policy, with the deadlines. */
export function realtimeLatencyChart(r: RealtimeResult): ChartSpec {
  const title = `Latency per input vs deadline (${r.design})`;
  const datasets: object[] = [];
  const rows: (string | number)[][] = [];
  let k = 0;
  for (const p of r.policies) {
    for (const s of p.streams) {
      const jobs = p.jobs.filter((j) => j.stream === s.name);
      const step = Math.max(1, Math.floor(jobs.length / 600));
      const pts = jobs.filter((_, i) => i % step === 0).map((j) => ({ x: j.releaseSeconds, y: j.dropped ? null : j.latencySeconds * 1e3 }));
      datasets.push({ type: "scatter", label: `${p.policy}: ${s.name}`, data: pts, backgroundColor: color(k), borderColor: color(k), pointRadius: 2 });
      k++;
      for (const j of jobs) rows.push([p.policy, j.stream, j.releaseSeconds, j.deadlineSeconds - j.releaseSeconds, j.latencySeconds, j.voltageV, j.energyJ, j.missed ? 1 : 0, j.dropped ? 1 : 0]);
    }
  }
  for (const s of r.policies[0]?.streams ?? []) {
    const ms = s.deadlineSeconds * 1e3;
    datasets.push({ type: "line", label: `${s.name} deadline ${ms.toPrecision(3)} ms`, data: [{ x: 0, y: ms }, { x: r.durationSeconds, y: ms }], borderColor: "#000000", borderDash: [6, 4], pointRadius: 0 });
  }
  return {
    name: "realtime-latency", title,
    config: { type: "scatter", data: { datasets: datasets as never }, options: chartOptions(title, { title: "release time (s)", type: "linear" }, { title: "latency (ms)", type: "linear" }) },
    table: { header: ["policy", "stream", "release_s", "deadline_s", "latency_s", "voltage_V", "energy_J", "missed", "dropped"], rows },
  };
}

/** Power over time, one line per policy. */
export function realtimePowerChart(r: RealtimeResult): ChartSpec {
  const title = `Power over time per policy (${r.design})`;
  const first = r.policies[0]!;
  return {
    name: "realtime-power", title,
    config: {
      type: "line",
      data: { datasets: r.policies.map((p, i) => ({ label: `${p.policy} (average ${p.averagePowerW.toPrecision(3)} W)`, data: p.series.timeSeconds.map((t, k) => ({ x: t, y: p.series.powerW[k]! })), borderColor: color(i), pointRadius: 0 })) as never },
      options: chartOptions(title, { title: "time (s)", type: "linear" }, { title: "power (W)", type: "linear" }),
    },
    table: { header: ["time_s", ...r.policies.map((p) => `${p.policy}_W`)], rows: first.series.timeSeconds.map((t, k) => [t, ...r.policies.map((p) => p.series.powerW[k]!)]) },
  };
}

/** Miss rate and battery life per policy. */
export function realtimePolicyChart(r: RealtimeResult): ChartSpec {
  const title = `Deadline misses and battery life per policy (${r.design})`;
  const options = chartOptions(title, { title: "policy", type: "category" }, { title: "deadline miss rate (%)", type: "linear" }) as Record<string, any>;
  options.scales.y2 = { type: "linear", position: "right", title: { display: true, text: "battery life (h)" }, grid: { drawOnChartArea: false } };
  const missPct = (p: RealtimeResult["policies"][number]) => {
    const inputs = p.streams.reduce((a, s) => a + s.inputs, 0);
    return inputs > 0 ? (100 * p.streams.reduce((a, s) => a + s.missed, 0)) / inputs : 0;
  };
  return {
    name: "realtime-policies", title,
    config: {
      type: "bar",
      data: { labels: r.policies.map((p) => p.policy), datasets: [
        { type: "bar", label: "deadline miss rate (%)", data: r.policies.map(missPct), backgroundColor: color(3) },
        { type: "bar", label: "battery life (h)", data: r.policies.map((p) => p.batteryLifeHours ?? 0), backgroundColor: color(2), yAxisID: "y2" },
      ] as never },
      options: options as never,
    },
    table: { header: ["policy", "miss_rate_percent", "average_power_W", "energy_per_frame_J", "battery_life_h"], rows: r.policies.map((p) => [p.policy, missPct(p), p.averagePowerW, p.energyPerFrameJ ?? "", p.batteryLifeHours ?? ""]) },
  };
}

export function realtimeCharts(r: RealtimeResult): ChartSpec[] {
  return [realtimeLatencyChart(r), realtimePowerChart(r), realtimePolicyChart(r)];
}
