/**
 * Charts of studies: energy and latency per operating point (DVFS), per batch size (batching),
 * carbon before and after scheduling per job, the accuracy-energy front, a compare section's
 * cases side by side, and a training run's energy and carbon per case.
 */
import type { SectionResult } from "../../studies/study.js";
import { axisTitle, chartOptions, color, DRAW_ORDER, INK, metricAxis, scaleFor, translucent } from "../style.js";
import type { ChartSpec } from "./chart.js";
import { latencyCdfCharts } from "./serving-charts.js";

type Of<K extends SectionResult["kind"]> = Extract<SectionResult, { kind: K }>;

/** Energy (bars, left axis) and latency (line, right axis) at each operating point; the SLO as a line. */
export function dvfsChart(s: Of<"dvfs">): ChartSpec {
  const labels = s.study.points.map((p) => `${p.voltageV.toFixed(2)} V / ${(p.frequencyHz / 1e6).toFixed(0)} MHz`);
  const title = `${s.name}: energy and latency per operating point (${s.design}, ${s.workload})`;
  const e = metricAxis("energyJ", s.study.points.map((p) => p.energyJ));
  const t = metricAxis("latencySeconds", [...s.study.points.map((p) => p.latencySeconds), s.study.sloSeconds ?? 0]);
  const options = chartOptions(title, { title: "Operating point (supply voltage / clock)", type: "category", stacked: true }, { title: e.title, type: "linear", stacked: true }) as Record<string, any>;
  options.scales.y2 = { ...options.scales.y, stacked: false, position: "right", title: { ...options.scales.y.title, text: t.title }, grid: { drawOnChartArea: false } };
  const datasets: object[] = [
    { type: "line", label: `latency (${t.unit})`, data: s.study.points.map((p) => p.latencySeconds / t.factor), borderColor: color(3), backgroundColor: color(3), yAxisID: "y2", order: DRAW_ORDER.lines },
    { type: "bar", label: `dynamic energy (${e.unit})`, data: s.study.points.map((p) => p.dynamicEnergyJ / e.factor), backgroundColor: color(0), stack: "e", order: DRAW_ORDER.bars },
    { type: "bar", label: `static energy (${e.unit})`, data: s.study.points.map((p) => p.staticEnergyJ / e.factor), backgroundColor: color(1), stack: "e", order: DRAW_ORDER.bars },
  ];
  if (s.study.sloSeconds !== undefined) datasets.push({ type: "line", label: `latency target (${t.unit})`, data: s.study.points.map(() => s.study.sloSeconds! / t.factor), borderColor: INK, borderDash: [6, 4], pointRadius: 0, yAxisID: "y2", order: DRAW_ORDER.lines });
  return {
    name: `${s.name}-dvfs`, title,
    config: { type: "bar", data: { labels, datasets: datasets as never }, options: options as never },
    table: { header: ["voltage_V", "frequency_Hz", "latency_s", "energy_J", "dynamic_energy_J", "static_energy_J", "average_power_W", "meets_slo", "best"], rows: s.study.points.map((p) => [p.voltageV, p.frequencyHz, p.latencySeconds, p.energyJ, p.dynamicEnergyJ, p.staticEnergyJ, p.averagePowerW, p.meetsSlo ? 1 : 0, p === s.study.best ? 1 : 0]) },
  };
}

export function batchingChart(s: Of<"batching">): ChartSpec {
  const ok = s.study.points.filter((p) => !p.infeasible);
  const title = `${s.name}: energy per inference and latency per batch size (${s.design}, ${s.workload})`;
  const e = metricAxis("energyJ", ok.map((p) => p.energyPerInferenceJ));
  const t = metricAxis("latencySeconds", [...ok.map((p) => p.latencySeconds), s.study.sloSeconds ?? 0]);
  const options = chartOptions(title, { title: "Batch size", type: "category" }, { title: e.title, type: "linear" }) as Record<string, any>;
  options.scales.y2 = { ...options.scales.y, position: "right", title: { ...options.scales.y.title, text: axisTitle("Latency of the batch", t.unit) }, grid: { drawOnChartArea: false } };
  const datasets: object[] = [
    { type: "line", label: `latency of the batch (${t.unit})`, data: ok.map((p) => p.latencySeconds / t.factor), borderColor: color(3), backgroundColor: color(3), yAxisID: "y2", order: DRAW_ORDER.lines },
    { type: "bar", label: `energy per inference (${e.unit})`, data: ok.map((p) => p.energyPerInferenceJ / e.factor), backgroundColor: color(0), order: DRAW_ORDER.bars },
  ];
  if (s.study.sloSeconds !== undefined) datasets.push({ type: "line", label: `latency target (${t.unit})`, data: ok.map(() => s.study.sloSeconds! / t.factor), borderColor: INK, borderDash: [6, 4], pointRadius: 0, yAxisID: "y2", order: DRAW_ORDER.lines });
  return {
    name: `${s.name}-batching`, title,
    config: { type: "bar", data: { labels: ok.map((p) => String(p.batch)), datasets: datasets as never }, options: options as never },
    table: { header: ["batch", "latency_s", "throughput_per_s", "energy_per_inference_J", "average_power_W", "peak_memory_B", "meets_slo"], rows: s.study.points.map((p) => [p.batch, p.latencySeconds, p.throughputPerSecond, p.energyPerInferenceJ, p.averagePowerW, p.peakMemoryBytes, p.meetsSlo ? 1 : 0]) },
  };
}

/** Carbon per job, run now vs scheduled, and the totals. */
export function scheduleChart(s: Of<"schedule">): ChartSpec {
  const rows = s.result.assignments;
  const labels = [...rows.map((a) => a.job), "total"];
  const title = `${s.name}: carbon before (run now) and after carbon-aware scheduling`;
  const c = scaleFor([s.result.baselineG], { unit: "g", prefixes: "si" });
  const unit = `${c.unit} CO2e`;
  return {
    name: `${s.name}-carbon`, title,
    config: {
      type: "bar",
      data: { labels, datasets: [
        { label: `run now (${unit})`, backgroundColor: color(1), data: [...rows.map((a) => a.baselineCarbonG / c.factor), s.result.baselineG / c.factor] },
        { label: `scheduled (${unit})`, backgroundColor: color(2), data: [...rows.map((a) => a.carbonG / c.factor), s.result.totalG / c.factor] },
      ] as never },
      options: chartOptions(title, { title: "Job", type: "category" }, { title: axisTitle("Carbon", unit), type: "linear" }),
    },
    table: { header: ["job", "region", "start_hour", "baseline_g", "scheduled_g"], rows: rows.map((a) => [a.job, a.region, a.startHour, a.baselineCarbonG, a.carbonG]) },
  };
}

export function accuracyChart(s: Of<"accuracy">): ChartSpec {
  const title = `${s.name}: accuracy vs energy per inference`;
  const front = s.points.filter((p) => p.onFront).sort((a, b) => a.energyPerInferenceJ - b.energyPerInferenceJ);
  const e = metricAxis("energyJ", s.points.map((p) => p.energyPerInferenceJ));
  return {
    name: `${s.name}-accuracy-energy`, title,
    config: {
      type: "scatter",
      data: { datasets: [
        { type: "scatter", label: "settings", backgroundColor: translucent(0, 0.8), pointRadius: 5, data: s.points.map((p) => ({ x: p.energyPerInferenceJ / e.factor, y: p.accuracy })), order: DRAW_ORDER.points },
        { type: "line", label: "Pareto front", borderColor: INK, backgroundColor: INK, pointStyle: "rectRot", pointRadius: 5, fill: false, data: front.map((p) => ({ x: p.energyPerInferenceJ / e.factor, y: p.accuracy })), order: DRAW_ORDER.lines },
      ] as never },
      options: chartOptions(title, { title: e.title, type: "linear" }, { title: "Accuracy", type: "linear" }),
    },
    table: { header: ["setting", "accuracy", "energy_per_inference_J", "on_front"], rows: s.points.map((p) => [p.name, p.accuracy, p.energyPerInferenceJ, p.onFront ? 1 : 0]) },
  };
}

export function compareChart(s: Of<"compare">): ChartSpec {
  const title = `${s.name}: energy per inference by case`;
  const e = metricAxis("energyJ", s.cases.map((c) => c.energyPerInferenceJ));
  return {
    name: `${s.name}-energy`, title,
    config: {
      type: "bar",
      data: { labels: s.cases.map((c) => c.name), datasets: [{ label: `energy per inference (${e.unit})`, backgroundColor: color(0), data: s.cases.map((c) => c.energyPerInferenceJ / e.factor) }] as never },
      options: chartOptions(title, { title: "Case", type: "category" }, { title: e.title, type: "linear" }),
    },
    table: { header: ["case", "design", "workload", "energy_per_inference_J", "latency_s", "peak_memory_B", "carbon_per_inference_g"], rows: s.cases.map((c) => [c.name, c.design, c.workload, c.energyPerInferenceJ, c.latencySeconds, c.peakMemoryBytes, c.carbonPerInferenceG ?? ""]) },
  };
}

/** A training run per case: energy (bars) and carbon, operational and embodied (stacked), with the run's hours. */
export function trainingChart(s: Of<"training">): ChartSpec {
  const title = `${s.name}: energy and carbon of the training run by case (${s.workload})`;
  const options = chartOptions(title, { title: "case", type: "category" }, { title: "carbon (kg CO2e)", type: "linear" }) as Record<string, any>;
  options.scales.y2 = { type: "linear", position: "right", title: { display: true, text: "run time (h)" }, grid: { drawOnChartArea: false } };
  options.scales.x.stacked = true;
  options.scales.y.stacked = true;
  const datasets: object[] = [
    { type: "bar", label: "operational (kg CO2e)", backgroundColor: color(1), stack: "c", data: s.cases.map((c) => (c.run.carbon?.operationalG ?? 0) / 1e3) },
    { type: "bar", label: "embodied share (kg CO2e)", backgroundColor: color(2), stack: "c", data: s.cases.map((c) => (c.run.carbon?.embodiedG ?? 0) / 1e3) },
    { type: "line", label: "run time (h)", borderColor: color(3), backgroundColor: color(3), yAxisID: "y2", data: s.cases.map((c) => c.run.seconds / 3600) },
  ];
  return {
    name: `${s.name}-training`, title,
    config: { type: "bar", data: { labels: s.cases.map((c) => c.name), datasets: datasets as never }, options: options as never },
    table: {
      header: ["case", "system", "devices", "steps", "step_s", "run_s", "energy_kWh", "average_power_W", "operational_g", "embodied_g", "carbon_g"],
      rows: s.cases.map((c) => [c.name, c.system, c.devices, c.run.steps, c.stepSeconds, c.run.seconds, c.run.energyKWh, c.run.averagePowerW, c.run.carbon?.operationalG ?? "", c.run.carbon?.embodiedG ?? "", c.run.carbon?.totalG ?? ""]),
    },
  };
}

/** A serve section: latency CDFs of the cases on one chart per metric, and energy per request with SLO attainment. */
export function serveCharts(s: Of<"serve">): ChartSpec[] {
  const runs = s.cases.map((c) => ({ ...c.result, designs: [c.name] }));
  const cdfs = latencyCdfCharts(runs, s.cases[0]?.result.slo ?? {}).map((c) => ({ ...c, name: `${s.name}-${c.name}`, title: `${s.name}: ${c.title}` }));
  for (const c of cdfs) (c.config.options as { plugins: { title: { text: string } } }).plugins.title.text = c.title;
  const title = `${s.name}: energy per request and SLO attainment by case`;
  const options = chartOptions(title, { title: "case", type: "category" }, { title: "energy per request (J)", type: "linear" }) as Record<string, any>;
  options.scales.y2 = { type: "linear", position: "right", min: 0, max: 100, title: { display: true, text: "requests meeting the SLOs (%)" }, grid: { drawOnChartArea: false } };
  const energy: ChartSpec = {
    name: `${s.name}-energy-slo`, title,
    config: {
      type: "bar",
      data: { labels: s.cases.map((c) => c.name), datasets: [
        { type: "bar", label: "energy per request (J)", data: s.cases.map((c) => c.result.summary.energyPerRequestJ), backgroundColor: color(0) },
        { type: "bar", label: "SLO attainment (%)", data: s.cases.map((c) => 100 * c.result.summary.sloAttainment), backgroundColor: color(2), yAxisID: "y2" },
      ] as never },
      options: options as never,
    },
    table: {
      header: ["case", "design", "ttft_p99_s", "tpot_p99_s", "e2e_p99_s", "throughput_rps", "slo_attainment", "energy_per_request_J", "energy_per_token_J", "average_power_W"],
      rows: s.cases.map((c) => { const m = c.result.summary; return [c.name, c.result.designs.join("+"), m.ttft.p99, m.tpot.p99, m.e2e.p99, m.throughputRequestsPerSecond, m.sloAttainment, m.energyPerRequestJ, m.energyPerTokenJ, m.averagePowerW]; }),
    },
  };
  return [...cdfs, energy];
}

export function studyCharts(sections: readonly SectionResult[]): ChartSpec[] {
  return sections.flatMap((s) => {
    switch (s.kind) {
      case "compare":
        return [compareChart(s)];
      case "dvfs":
        return [dvfsChart(s)];
      case "batching":
        return [batchingChart(s)];
      case "schedule":
        return [scheduleChart(s)];
      case "accuracy":
        return [accuracyChart(s)];
      case "training":
        return [trainingChart(s)];
      case "serve":
        return serveCharts(s);
    }
  });
}
