/**
 * A serving run's outputs: a text summary, serve.json (summary, replicas, time series), requests.csv
 * (one row per request: latencies, preemptions, energy, carbon; loadable by pandas), iterations.csv
 * (one row per iteration), the charts (PNG + CSV; queue-power.csv is the time series) and report.html. A real-time run: the policies side by side, jobs.csv.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ServeReport } from "../serving/serve.js";
import type { ServingResult } from "../serving/simulator.js";
import type { RealtimeResult } from "../serving/realtime.js";
import type { Percentiles } from "../serving/metrics.js";
import { csvText } from "./charts/chart.js";
import { realtimeCharts, servingCharts } from "./charts/serving-charts.js";
import { writeCharts } from "./plots.js";
import { reportHtml, type ReportSection } from "./report.js";
import { percent, si, table } from "./format.js";
import { toJson } from "./json.js";

const ms = (p: Percentiles) => [si(p.p50, "s"), si(p.p90, "s"), si(p.p99, "s"), si(p.mean, "s")];

function servingRows(r: ServingResult): [string, string][] {
  const s = r.summary;
  const rows: [string, string][] = [
    ["requests", `${s.completed} completed, ${s.rejected} rejected (of ${s.requests})`],
    ["iterations", `${s.iterations} (mean ${s.meanBatchSequences.toFixed(2)} sequences)`],
    ["preemptions / swaps", `${s.preemptions} / ${s.swaps}`],
    ["throughput", `${s.throughputRequestsPerSecond.toPrecision(4)} requests/s, ${s.throughputTokensPerSecond.toPrecision(4)} tokens/s`],
    ["goodput", `${s.goodputRequestsPerSecond.toPrecision(4)} requests/s (SLO attainment ${Number.isFinite(s.sloAttainment) ? percent(s.sloAttainment) : "-"})`],
    ["energy", `${si(s.energyJ, "J")} (active ${si(s.activeEnergyJ, "J")}, idle ${si(s.idleEnergyJ, "J")}, links ${si(s.linkEnergyJ, "J")})`],
    ["energy per request / token", `${si(s.energyPerRequestJ, "J")} / ${si(s.energyPerTokenJ, "J")}`],
    ["average power, utilization", `${si(s.averagePowerW, "W")}, ${percent(s.utilization)}`],
    ["Little's law", `L = ${s.littlesLaw.meanInSystem.toPrecision(5)} in system, lambda W = ${(s.littlesLaw.arrivalRatePerSecond * s.littlesLaw.meanSojournSeconds).toPrecision(5)} (relative difference ${s.littlesLaw.relativeError.toExponential(1)})`],
  ];
  if (s.carbon) rows.push(["carbon", `${si(s.carbon.totalG, "g")} CO2e (operational ${si(s.carbon.operationalG, "g")}, embodied ${si(s.carbon.embodiedG, "g")}); ${si(s.carbon.perRequestG, "g")} per request; ${s.carbon.deferred} deferred (mean ${si(s.carbon.meanDeferralSeconds, "s")})`]);
  rows.push(["engine calls", `${s.engineCalls} (layer reuse ${r.replicas.some((x) => x.layerReuse) ? "on" : "off"})`]);
  return rows;
}

export function servingText(r: ServingResult): string {
  const s = r.summary;
  return [
    `serving ${r.name}: ${r.model} on ${r.designs.join(" + ")}, ${si(s.horizonSeconds, "s")} of traffic`,
    table(["", "p50", "p90", "p99", "mean"], [["TTFT", ...ms(s.ttft)], ["TPOT", ...ms(s.tpot)], ["end to end", ...ms(s.e2e)], ["queueing", ...ms(s.queueing)]]),
    "",
    table(["quantity", "value"], servingRows(r)),
    "",
    table(["replica", "role", "design", "iterations", "busy", "KV blocks x tokens", "idle power", "iterations by voltage"], r.replicas.map((x) => [
      String(x.replica), x.role, x.design, String(x.iterations), si(x.busySeconds, "s"), `${x.kvBlocks} x ${x.kvBlockTokens}`, si(x.idlePowerW, "W"),
      Object.entries(x.iterationsByVoltage).map(([v, n]) => `${v} V: ${n}`).join(", "),
    ])),
  ].join("\n");
}

export function realtimeText(r: RealtimeResult): string {
  const out = [`real-time ${r.name} on ${r.design}, ${si(r.durationSeconds, "s")}`];
  out.push(table(["policy", "stream", "inputs", "missed", "miss rate", "p99 latency", "energy/input", "avg power", "energy/frame", "battery life"], r.policies.flatMap((p) => p.streams.map((s, i) => [
    i === 0 ? p.policy : "", s.name, String(s.inputs), String(s.missed), percent(s.missRate), si(s.latency.p99, "s"), si(s.energyPerInputJ, "J"),
    i === 0 ? si(p.averagePowerW, "W") : "", i === 0 && p.energyPerFrameJ !== undefined ? si(p.energyPerFrameJ, "J") : "", i === 0 && p.batteryLifeHours !== undefined ? `${p.batteryLifeHours.toFixed(1)} h` : "",
  ]))));
  out.push("", "one inference at each operating point (engine):");
  out.push(table(["policy", "stream", "voltage", "clock", "latency", "energy"], r.policies.flatMap((p) => p.inferenceCosts.map((c) => [p.policy, c.stream, `${c.voltageV.toFixed(3)} V`, si(c.frequencyHz, "Hz"), si(c.latencySeconds, "s"), si(c.energyJ, "J")]))));
  return out.join("\n");
}

export function serveText(report: ServeReport): string {
  return report.kind === "serving" ? servingText(report.result) : realtimeText(report.result);
}

/** Per-request rows for requests.csv. */
export function requestsTable(r: ServingResult): { header: string[]; rows: (string | number)[][] } {
  return {
    header: ["id", "arrival_s", "prompt_tokens", "output_tokens", "priority", "status", "release_s", "first_scheduled_s", "first_token_s", "completion_s", "ttft_s", "tpot_s", "e2e_s", "preemptions", "swaps", "replica", "energy_J", "carbon_g", "meets_slo", "reason"],
    rows: r.requests.map((q) => [q.id, q.arrivalSeconds, q.promptTokens, q.outputTokens, q.priority, q.status, q.releaseSeconds, q.firstScheduledSeconds, q.firstTokenSeconds, q.completionSeconds, q.ttftSeconds, q.tpotSeconds, q.e2eSeconds, q.preemptions, q.swaps, q.replica, q.energyJ, q.carbonG, q.meetsSlo ? 1 : 0, q.reason ?? ""].map((v) => (typeof v === "number" && !Number.isFinite(v) ? "" : v))),
  };
}

/** Write a run's outputs into `dir`; returns the file names. */
export async function writeServe(dir: string, report: ServeReport, plots: boolean, inputs: Record<string, string>): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  if (report.kind === "serving") {
    const r = report.result;
    const { requests: _requests, iterations, ...rest } = r;
    writeFileSync(join(dir, "serve.json"), toJson(rest));
    writeFileSync(join(dir, "requests.csv"), csvText(requestsTable(r)));
    writeFileSync(join(dir, "iterations.csv"), csvText({
      header: ["replica", "start_s", "latency_s", "energy_J", "sequences", "tokens", "prompt_tokens", "voltage_V"],
      rows: iterations.map((i) => [i.replica, i.startSeconds, i.latencySeconds, i.energyJ, i.sequences, i.tokens, i.promptTokens, i.voltageV]),
    }));
    files.push("serve.json", "requests.csv", "iterations.csv");
    if (plots) {
      const charts = servingCharts(r, r.slo);
      files.push(...(await writeCharts(dir, charts)));
      const sections: ReportSection[] = [
        { title: "Latency", table: { header: ["metric", "p50 (s)", "p90 (s)", "p99 (s)", "mean (s)"], rows: (["ttft", "tpot", "e2e", "queueing"] as const).map((k) => [k, r.summary[k].p50, r.summary[k].p90, r.summary[k].p99, r.summary[k].mean]) } },
        { title: "Summary", table: { header: ["quantity", "value"], rows: servingRows(r) } },
        { title: "Replicas", table: { header: ["replica", "role", "design", "iterations", "busy (s)", "energy (J)", "KV blocks", "idle power (W)"], rows: r.replicas.map((x) => [x.replica, x.role, x.design, x.iterations, x.busySeconds, x.activeEnergyJ, x.kvBlocks, x.idlePowerW]) } },
      ];
      writeFileSync(join(dir, "report.html"), reportHtml(`Serving ${r.name}: ${r.model} on ${r.designs.join(" + ")}`, charts, sections, inputs));
      files.push("report.html");
    }
  } else {
    const r = report.result;
    writeFileSync(join(dir, "realtime.json"), toJson({ ...r, policies: r.policies.map(({ jobs: _jobs, ...p }) => p) }));
    const jobs = r.policies.flatMap((p) => p.jobs.map((j) => [p.policy, j.stream, j.releaseSeconds, j.deadlineSeconds, j.startSeconds, j.finishSeconds, j.latencySeconds, j.voltageV, j.energyJ, j.missed ? 1 : 0, j.dropped ? 1 : 0].map((v) => (typeof v === "number" && !Number.isFinite(v) ? "" : v))));
    writeFileSync(join(dir, "jobs.csv"), csvText({ header: ["policy", "stream", "release_s", "deadline_s", "start_s", "finish_s", "latency_s", "voltage_V", "energy_J", "missed", "dropped"], rows: jobs }));
    files.push("realtime.json", "jobs.csv");
    if (plots) {
      const charts = realtimeCharts(r);
      files.push(...(await writeCharts(dir, charts)));
      const sections: ReportSection[] = [{
        title: "Policies",
        table: { header: ["policy", "stream", "inputs", "missed", "miss rate", "p99 latency (s)", "energy per input (J)", "average power (W)", "battery life (h)"], rows: r.policies.flatMap((p) => p.streams.map((s) => [p.policy, s.name, s.inputs, s.missed, s.missRate, s.latency.p99, s.energyPerInputJ, p.averagePowerW, p.batteryLifeHours ?? ""])) },
      }];
      writeFileSync(join(dir, "report.html"), reportHtml(`Real-time ${r.name} on ${r.design}`, charts, sections, inputs));
      files.push("report.html");
    }
  }
  return files;
}
