/** A study's report: each section as a table, then the claims next to what attnsim predicts. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { StudyReport } from "../studies/study.js";
import { studyCharts } from "./charts/study-charts.js";
import { writeCharts } from "./plots.js";
import { reportHtml } from "./report.js";
import { bytes, si, table } from "./format.js";
import { toJson } from "./json.js";

const mark = (yes: boolean) => (yes ? "*" : "");

export function studyText(r: StudyReport): string {
  const out: string[] = [`study ${r.name}${r.description ? `: ${r.description}` : ""}`];
  for (const s of r.sections) {
    out.push("", `## ${s.name} (${s.kind})`);
    switch (s.kind) {
      case "compare":
        out.push(table(["case", "design", "energy/inference", "latency", "peak memory", "peak activations", "carbon/inference"], s.cases.map((c) => [
          c.name, c.design, si(c.energyPerInferenceJ, "J"), si(c.latencySeconds, "s"), bytes(c.peakMemoryBytes), bytes(c.peakActivationBytes), c.carbonPerInferenceG === undefined ? "-" : `${si(c.carbonPerInferenceG, "g")} CO2e`,
        ])));
        for (const c of s.cases) out.push(`  ${c.name}: ${c.workload}`);
        break;
      case "dvfs":
        out.push(`${s.design}, ${s.workload}${s.study.sloSeconds !== undefined ? `, latency target ${si(s.study.sloSeconds, "s")}` : ""}`);
        out.push(table(["voltage", "clock", "latency", "energy", "dynamic", "static", "avg power", "meets target", "min energy"], s.study.points.map((p) => [
          `${p.voltageV.toFixed(3)} V`, si(p.frequencyHz, "Hz"), si(p.latencySeconds, "s"), si(p.energyJ, "J"), si(p.dynamicEnergyJ, "J"), si(p.staticEnergyJ, "J"), si(p.averagePowerW, "W"), p.meetsSlo ? "yes" : "no", mark(p === s.study.best),
        ])));
        if (s.study.reason) out.push(s.study.reason);
        break;
      case "batching":
        out.push(`${s.design}, ${s.workload}${s.study.sloSeconds !== undefined ? `, latency target ${si(s.study.sloSeconds, "s")}` : ""}`);
        out.push(table(["batch", "latency", "throughput", "energy/inference", "avg power", "peak memory", "meets target", "largest"], s.study.points.map((p) => p.infeasible
          ? [String(p.batch), p.infeasible, "", "", "", "", "no", ""]
          : [String(p.batch), si(p.latencySeconds, "s"), `${p.throughputPerSecond.toFixed(1)} /s`, si(p.energyPerInferenceJ, "J"), si(p.averagePowerW, "W"), bytes(p.peakMemoryBytes), p.meetsSlo ? "yes" : "no", mark(p === s.study.best)])));
        if (s.study.reason) out.push(s.study.reason);
        break;
      case "schedule":
        out.push(`PUE ${s.pue}; ${s.result.method}${s.result.optimal ? " (optimal)" : " (not proven optimal)"}`);
        out.push(table(["job", "energy", "region", "start (h)", "run now", "scheduled"], s.result.assignments.map((a, i) => [
          a.job, `${s.jobs[i]!.energyKWh.toPrecision(3)} kWh`, a.region, String(a.startHour), `${si(a.baselineCarbonG, "g")}`, `${si(a.carbonG, "g")}`,
        ])));
        out.push(`total: ${si(s.result.baselineG, "g")} CO2e run now -> ${si(s.result.totalG, "g")} scheduled (${(s.result.savedFraction * 100).toFixed(1)}% less)`);
        break;
      case "serve":
        out.push(`${s.servingFile}: the same requests on each case's design`);
        out.push(table(["case", "design", "p99 TTFT", "p99 TPOT", "p99 e2e", "throughput", "SLO met", "energy/request", "energy/token", "avg power"], s.cases.map((c) => {
          const m = c.result.summary;
          return [c.name, c.result.designs.join(" + "), si(m.ttft.p99, "s"), si(m.tpot.p99, "s"), si(m.e2e.p99, "s"), `${m.throughputRequestsPerSecond.toPrecision(3)} /s`, Number.isFinite(m.sloAttainment) ? `${(100 * m.sloAttainment).toFixed(1)}%` : "-", si(m.energyPerRequestJ, "J"), si(m.energyPerTokenJ, "J"), si(m.averagePowerW, "W")];
        })));
        break;
      case "accuracy":
        out.push(table(["setting", "accuracy", "energy/inference", "on front"], s.points.map((p) => [p.name, String(p.accuracy), si(p.energyPerInferenceJ, "J"), mark(p.onFront)])));
        if (s.source) out.push(`accuracy from: ${s.source}`);
        break;
      case "training":
        out.push(`${s.workload}; run: ${Object.entries(s.run).map(([k, v]) => `${v} ${k}`).join(", ")}`);
        out.push(table(["case", "system", "devices", "step", "steps", "run", "energy", "avg power", "peak memory", "operational", "embodied", "carbon"], s.cases.map((c) => [
          c.name, c.system, String(c.devices), si(c.stepSeconds, "s"), c.run.steps.toLocaleString("en-US"), `${(c.run.seconds / 3600).toPrecision(3)} h`, `${c.run.energyKWh.toPrecision(3)} kWh`,
          si(c.run.averagePowerW, "W"), `${bytes(c.peakMemoryBytes)} / ${bytes(c.memoryCapacityBytes)}`,
          c.run.carbon ? si(c.run.carbon.operationalG, "g") : "-", c.run.carbon ? si(c.run.carbon.embodiedG, "g") : "-", c.run.carbon ? `${si(c.run.carbon.totalG, "g")} CO2e` : "-",
        ])));
        break;
    }
  }
  if (r.claims.length > 0) {
    out.push("", "## claims: what the source says vs what attnsim predicts");
    out.push(table(["claim", "source says", "attnsim predicts", "source"], r.claims.map((c) => [
      c.name, Number.isFinite(c.claimed) ? `${fmt(c.claimed)}${c.unit ?? ""}` : "-", `${fmt(c.predicted)}${c.unit ?? ""}`, c.source ?? "",
    ])));
  }
  if (r.assumptions.length > 0) out.push("", "assumptions:", ...r.assumptions.map((a) => `  - ${a}`));
  return out.join("\n");
}

function fmt(x: number): string {
  return Number.isFinite(x) ? Number(x.toPrecision(3)).toString() : String(x);
}

/** study.json, a PNG + CSV per section, report.html. */
export async function writeStudy(dir: string, r: StudyReport, plots: boolean): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "study.json"), toJson(r));
  const files = ["study.json"];
  if (plots) {
    const charts = studyCharts(r.sections);
    files.push(...(await writeCharts(dir, charts)));
    writeFileSync(join(dir, "report.html"), reportHtml(`Study: ${r.name}`, charts, [
      ...(r.claims.length > 0 ? [{ title: "Claims: the source vs attnsim", table: { header: ["claim", "source says", "attnsim predicts", "unit", "source"], rows: r.claims.map((c) => [c.name, c.claimed, c.predicted, c.unit ?? "", c.source ?? ""]) } }] : []),
      { title: "Values", table: { header: ["name", "value"], rows: Object.entries(r.values).map(([k, v]) => [k, v]) } },
    ], { study: r.file, ...(r.assumptions.length > 0 ? { assumptions: r.assumptions.join("\n") } : {}) }));
    files.push("report.html");
  }
  return files;
}
