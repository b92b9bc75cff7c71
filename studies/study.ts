/**
 * Study files (`attnsim study FILE`): energy-aware co-design questions over a design and a workload,
 * in sections, with the source's claims printed next to what attnsim predicts. Schema:
 * studies/schema/study.schema.json; docs/studies.md.
 *
 *   compare   named cases (a design and a workload, or a mix of workloads by share of inferences)
 *   dvfs      operating points (the design's table, or voltages with f from the delay fit); min-energy point for an SLO
 *   batching  batch sizes; the largest meeting an SLO
 *   schedule  carbon-aware scheduling of jobs over an hourly intensity CSV (sim/carbon-schedule.ts)
 *   accuracy  a user accuracy table joined with simulated energy; the accuracy-energy Pareto front
 *   training  a training run (steps, tokens, or examples x epochs) on a design or a system: time,
 *             energy, operational and embodied carbon (sim/training-run.ts); a schedule job can take
 *             a run's energy and duration (`training: section.case`)
 *   serve     a serving file (serving/) run on each case's design: the same requests, latency
 *             percentiles against the SLOs, energy and carbon per request (docs/serving.md)
 *
 * Every section publishes named numbers (`<section>_<case>_<metric>`, `<section>_savedFraction`, ...);
 * a claim's `predicted` is an expression over them (the restricted mathjs of sweep specs).
 */
import { dirname, resolve as resolvePath } from "node:path";
import { readDocument, readTextFile, validateSchema } from "../common/document.js";
import { studySchema, type StudyDocument, type StudyTrainingCase } from "./study-schema.js";
import { InputError } from "../common/input-error.js";
import { parseQuantity, QUANTITY } from "../common/quantity.js";
import { locateDesignFrom, parseSupplyVoltage, resolveCarbon, resolveDesign } from "../hardware-models/design-loader.js";
import type { Design } from "../hardware-models/design.js";
import { parseWorkloadSection } from "../workloads/workload-file.js";
import { buildWorkload } from "../workloads/transformer-builder.js";
import type { WorkloadSpec } from "../workloads/workload-spec.js";
import { simulate } from "../sim/engine.js";
import { carbonOf, type CarbonSetting } from "../sim/carbon.js";
import { dvfsStudy, operatingPoints, type DvfsStudy } from "../sim/dvfs.js";
import { batchingStudy, type BatchingStudy } from "../sim/batching.js";
import { parseIntensityCsv, scheduleJobs, type CarbonJob, type ScheduleResult } from "../sim/carbon-schedule.js";
import { evaluateExpression } from "../sweeps/expressions.js";
import { InfeasibleError, ScheduleError } from "../sim/errors.js";
import { checkPathSegments, withValues } from "../common/set-path.js";
import { resolveSystemFile, singleDeviceSystem, type DeviceSystem } from "../hardware-models/system.js";
import type { Parallelism } from "../workloads/parallel/parallelism.js";
import { simulateSystem, type Schedule } from "../sim/system-sim.js";
import { trainingRun, type RunSize, type TrainingRun } from "../sim/training-run.js";
import { loadServingFile } from "../serving/spec.js";
import { simulateServing, type ServingResult } from "../serving/simulator.js";
import { servingMetrics } from "../serving/serve.js";

export { studySchema };

/** A workload section as written (workloads/workload-file.ts validates it). */
type WorkloadSection = Record<string, unknown>;

export interface CaseResult {
  name: string;
  design: string;
  workload: string;
  /** Per inference, blended over the mix by share of inferences. */
  energyPerInferenceJ: number;
  latencySeconds: number;
  peakMemoryBytes: number;
  /** Peak of live activations (and KV cache): the working set in on-chip SRAM when weights stay in flash or DRAM. */
  peakActivationBytes: number;
  averagePowerW: number;
  areaMm2: number;
  /** With a carbon setting: operational + embodied per inference, g CO2e. */
  carbonPerInferenceG?: number;
  operationalPerInferenceG?: number;
  embodiedPerInferenceG?: number;
}

export type SectionResult =
  | { kind: "compare"; name: string; cases: CaseResult[] }
  | { kind: "dvfs"; name: string; design: string; workload: string; study: DvfsStudy }
  | { kind: "batching"; name: string; design: string; workload: string; study: BatchingStudy }
  | { kind: "schedule"; name: string; result: ScheduleResult; jobs: CarbonJob[]; pue: number; intensityFile: string }
  | { kind: "accuracy"; name: string; source?: string; points: { name: string; accuracy: number; energyPerInferenceJ: number; onFront: boolean }[] }
  | { kind: "training"; name: string; workload: string; run: RunSize; cases: TrainingCase[] }
  | { kind: "serve"; name: string; /** As the study names it (relative to the study). */ servingFile: string; cases: { name: string; result: Omit<ServingResult, "iterations"> }[] };

export interface TrainingCase {
  name: string;
  system: string;
  devices: number;
  parallelism: Parallelism;
  stepSeconds: number;
  tokensPerSecond: number;
  peakMemoryBytes: number;
  memoryCapacityBytes: number;
  run: TrainingRun;
}

export interface ClaimResult {
  name: string;
  /** NaN: a breakdown line the source gives no number for. */
  claimed: number;
  predicted: number;
  unit?: string;
  source?: string;
  expression: string;
}

export interface StudyReport {
  name: string;
  file: string;
  description?: string;
  sources: string[];
  assumptions: string[];
  sections: SectionResult[];
  values: Record<string, number>;
  claims: ClaimResult[];
}

/** A design with values changed at dotted paths (a case's `set:`), resolved again. */
function designWithValues(base: { doc: unknown; file: string }, set: Record<string, string | number | boolean>, file: string, path: string): { doc: unknown; file: string; design: Design } {
  const doc = withValues(base.doc, Object.entries(set).map(([key, value]) => {
    const segments = key.split(".");
    checkPathSegments(segments, file, `${path}/${key}`);
    return [segments, value] as const;
  }));
  try {
    return { doc, file: base.file, design: resolveDesign(doc, base.file) };
  } catch (err) {
    if (err instanceof InputError) throw new InputError(file, { path, expected: "values that keep the design valid", found: err.message });
    throw err;
  }
}

export function runStudyFile(file: string): StudyReport {
  const doc = validateSchema(studySchema, readDocument(file), file);
  return runStudy(doc, file);
}

export function runStudy(doc: StudyDocument, file: string): StudyReport {
  const dir = dirname(resolvePath(file));
  const designs = new Map<string, { doc: unknown; file: string; design: Design }>();
  const loadDesignAt = (arg: string | undefined, path: string) => {
    const name = arg ?? doc.design;
    if (!name) throw new InputError(file, { path, expected: "a design (here or at the top of the study)", found: "nothing" });
    let found = designs.get(name);
    if (!found) {
      const designFile = locateDesignFrom(name, dir, { file, path });
      const designDoc = readDocument(designFile);
      found = { doc: designDoc, file: designFile, design: resolveDesign(designDoc, designFile) };
      designs.set(name, found);
    }
    return found;
  };
  const workloadAt = (raw: WorkloadSection | undefined, path: string): WorkloadSpec => {
    const section = raw ?? doc.workload;
    if (!section) throw new InputError(file, { path, expected: "a workload (here or at the top of the study)", found: "nothing" });
    return parseWorkloadSection(section, file, raw ? path : "/workload");
  };
  const studyCarbon = doc.carbon ? resolveCarbon(doc.carbon, file, "/carbon") : undefined;
  /** A training case's devices: a design (one device) or a system file, with `set` values written into it. */
  const trainingSystem = (c: StudyTrainingCase, path: string): DeviceSystem => {
    if (c.design !== undefined && c.system !== undefined) throw new InputError(file, { path, expected: "a design or a system, not both", found: "both" });
    if (c.system === undefined) {
      const base = loadDesignAt(c.design, `${path}/design`);
      return singleDeviceSystem((c.set ? designWithValues(base, c.set, file, `${path}/set`) : base).design);
    }
    // `set` paths starting with "device." change the device's design; the others the system file.
    const systemFile = resolvePath(dir, c.system);
    const values = Object.entries(c.set ?? {}).map(([key, value]) => {
      const segments = key.split(".");
      checkPathSegments(segments, file, `${path}/set/${key}`);
      return [segments, value] as const;
    });
    const systemDoc = withValues(readDocument(systemFile), values.filter(([path]) => path[0] !== "device"));
    try {
      return resolveSystemFile(systemDoc, systemFile, values.filter(([path]) => path[0] === "device" && path.length > 1).map(([path, value]) => [path.slice(1), value] as const));
    } catch (err) {
      if (err instanceof InputError && c.set) throw new InputError(file, { path: `${path}/set`, expected: "values that keep the system valid", found: err.message });
      throw err;
    }
  };
  const values: Record<string, number> = {};
  const sections: SectionResult[] = [];

  doc.sections.forEach((s, i) => {
    const at = `/sections/${i}`;
    switch (s.kind) {
      case "compare": {
        const cases = s.cases.map((c, k) => {
          const cpath = `${at}/cases/${k}`;
          const base = loadDesignAt(c.design, `${cpath}/design`);
          const d = c.set ? designWithValues(base, c.set, file, `${cpath}/set`) : base;
          const mix: { share: number; workload: WorkloadSection | undefined }[] = c.mix ?? [{ share: 1, workload: c.workload }];
          const total = mix.reduce((a, m) => a + m.share, 0);
          if (Math.abs(total - 1) > 1e-9) throw new InputError(file, { path: `${cpath}/mix`, expected: "shares summing to 1", found: String(total) });
          // The most specific setting wins: the case's, the study's, then the design's system.carbon.
          const carbon: CarbonSetting | undefined = c.carbon ? resolveCarbon(c.carbon, file, `${cpath}/carbon`) : (studyCarbon ?? d.design.system.carbon);
          const r: CaseResult = { name: c.name, design: d.design.name, workload: "", energyPerInferenceJ: 0, latencySeconds: 0, peakMemoryBytes: 0, peakActivationBytes: 0, averagePowerW: 0, areaMm2: d.design.areaMm2 };
          const names: string[] = [];
          let busySeconds = 0; // per inference, blended: average power = energy / time, not a mean of powers
          mix.forEach((m, j) => {
            const spec = workloadAt(m.workload, c.mix ? `${cpath}/mix/${j}/workload` : `${cpath}/workload`);
            const trace = buildWorkload(spec, file);
            const outcome = simulate(d.design, trace, { perOp: false });
            if (!outcome.ok) throw new InputError(file, { path: cpath, expected: `a case the design can run`, found: outcome.infeasible.reasons[0]?.reason ?? "infeasible" });
            const res = outcome.result;
            const batch = trace.model.batch;
            names.push(`${mix.length > 1 ? `${m.share} x ` : ""}${res.workload}`);
            r.energyPerInferenceJ += (m.share * res.energyJ) / batch;
            r.latencySeconds += m.share * res.latencySeconds;
            r.peakMemoryBytes = Math.max(r.peakMemoryBytes, res.peakMemoryBytes);
            r.peakActivationBytes = Math.max(r.peakActivationBytes, res.peakActivationBytes);
            busySeconds += (m.share * res.latencySeconds) / batch;
            if (carbon) {
              const co2 = carbonOf(res, d.design, carbon, batch);
              r.carbonPerInferenceG = (r.carbonPerInferenceG ?? 0) + m.share * co2.perInferenceG;
              r.operationalPerInferenceG = (r.operationalPerInferenceG ?? 0) + (m.share * co2.operationalG) / batch;
              r.embodiedPerInferenceG = (r.embodiedPerInferenceG ?? 0) + (m.share * co2.embodiedG) / batch;
            }
          });
          r.workload = names.join(" + ");
          r.averagePowerW = busySeconds > 0 ? r.energyPerInferenceJ / busySeconds : 0;
          for (const key of ["energyPerInferenceJ", "latencySeconds", "peakMemoryBytes", "peakActivationBytes", "averagePowerW", "areaMm2", "carbonPerInferenceG", "operationalPerInferenceG", "embodiedPerInferenceG"] as const) {
            if (r[key] !== undefined) values[`${s.name}_${r.name}_${key}`] = r[key]!;
          }
          return r;
        });
        sections.push({ kind: "compare", name: s.name, cases });
        break;
      }
      case "dvfs": {
        const d = loadDesignAt(s.design, `${at}/design`);
        const spec = workloadAt(s.workload, `${at}/workload`);
        const voltages = s.voltages?.map((v, k) => parseSupplyVoltage(v, { file, path: `${at}/voltages/${k}` }));
        const slo = s.slo === undefined ? undefined : parseQuantity(s.slo, QUANTITY.timeSeconds, { file, path: `${at}/slo` });
        const trace = buildWorkload(spec, file);
        let study: DvfsStudy;
        try {
          study = dvfsStudy(d.doc, d.file, trace, operatingPoints(d.design, voltages), slo);
        } catch (err) {
          if (!(err instanceof InfeasibleError)) throw err;
          throw new InputError(file, { path: at, expected: "operating points the design can run the workload at", found: err.message });
        }
        if (study.best) {
          values[`${s.name}_bestEnergyJ`] = study.best.energyJ;
          values[`${s.name}_bestVoltageV`] = study.best.voltageV;
          values[`${s.name}_bestFrequencyHz`] = study.best.frequencyHz;
          values[`${s.name}_bestLatencySeconds`] = study.best.latencySeconds;
        }
        sections.push({ kind: "dvfs", name: s.name, design: d.design.name, workload: trace.model.name, study });
        break;
      }
      case "batching": {
        const d = loadDesignAt(s.design, `${at}/design`);
        const spec = workloadAt(s.workload, `${at}/workload`);
        const slo = s.slo === undefined ? undefined : parseQuantity(s.slo, QUANTITY.timeSeconds, { file, path: `${at}/slo` });
        const study = batchingStudy(d.design, spec, s.batches, slo);
        if (study.best) {
          values[`${s.name}_bestBatch`] = study.best.batch;
          values[`${s.name}_bestEnergyPerInferenceJ`] = study.best.energyPerInferenceJ;
        }
        sections.push({ kind: "batching", name: s.name, design: d.design.name, workload: spec.model, study });
        break;
      }
      case "schedule": {
        const intensityFile = resolvePath(dir, s.intensity);
        const series = parseIntensityCsv(readTextFile(intensityFile, "an hourly intensity CSV (time,<region>,...)"), (path, expected, found) => {
          throw new InputError(intensityFile, { path, expected, found });
        });
        const jobs = s.jobs.map((j, k): CarbonJob => {
          const jpath = `${at}/jobs/${k}`;
          let energyKWh: number;
          let runHours: number | undefined;
          if (j.training !== undefined) {
            // "finetune.edge": case "edge" of the earlier training section "finetune".
            const runs = sections.flatMap((x) => (x.kind === "training" ? x.cases.map((c) => ({ id: `${x.name}.${c.name}`, run: c.run })) : []));
            const found = runs.find((x) => x.id === j.training);
            if (!found) throw new InputError(file, { path: `${jpath}/training`, expected: `a case of an earlier training section (${runs.map((x) => x.id).join(", ")})`, found: JSON.stringify(j.training) });
            energyKWh = found.run.energyKWh;
            runHours = found.run.seconds / 3600;
          } else if (j.energy !== undefined) energyKWh = parseQuantity(j.energy, QUANTITY.energyPj, { file, path: `${jpath}/energy` }) * 1e-12 / 3.6e6;
          else if (j.case !== undefined && j.inferences !== undefined) {
            // "cases.optimised": case "optimised" of the earlier compare section "cases".
            const cases = sections.flatMap((x) => (x.kind === "compare" ? x.cases.map((c) => ({ id: `${x.name}.${c.name}`, c })) : []));
            const e = cases.find((x) => x.id === j.case)?.c.energyPerInferenceJ;
            if (e === undefined) throw new InputError(file, { path: `${jpath}/case`, expected: `a case of an earlier compare section (${cases.map((x) => x.id).join(", ")})`, found: JSON.stringify(j.case) });
            energyKWh = (e * j.inferences) / 3.6e6;
          } else throw new InputError(file, { path: jpath, expected: "energy, or case and inferences", found: "neither" });
          if (j.duration === undefined && runHours === undefined) throw new InputError(file, { path: `${jpath}/duration`, expected: "a duration (or a training run to take it from)", found: "nothing" });
          const durationHours = j.duration === undefined ? runHours! : parseQuantity(j.duration, QUANTITY.timeSeconds, { file, path: `${jpath}/duration` }) / 3600;
          if (!(durationHours > 0)) throw new InputError(file, { path: `${jpath}/duration`, expected: "a positive duration", found: String(j.duration) });
          const home = j.home;
          if (!series.regions.includes(home)) throw new InputError(file, { path: `${jpath}/home`, expected: `a region of ${s.intensity} (${series.regions.join(", ")})`, found: JSON.stringify(home) });
          const releaseHour = j.release ?? 0;
          const deadlineHour = j.deadline;
          if (deadlineHour < releaseHour + durationHours) throw new InputError(file, { path: `${jpath}/deadline`, expected: `at least release + duration (${releaseHour + durationHours} h)`, found: String(deadlineHour) });
          const hours = series.hourly[home]!.length;
          if (deadlineHour > hours) throw new InputError(file, { path: `${jpath}/deadline`, expected: `at most the ${hours} hours of ${s.intensity}`, found: String(deadlineHour) });
          for (const [r, region] of (j.regions ?? []).entries()) {
            if (!series.regions.includes(region)) throw new InputError(file, { path: `${jpath}/regions/${r}`, expected: `a region of ${s.intensity} (${series.regions.join(", ")})`, found: JSON.stringify(region) });
          }
          return { id: j.id, energyKWh, durationHours, releaseHour, deadlineHour, deferrable: j.deferrable ?? true, home, ...(j.regions ? { regions: j.regions } : {}) };
        });
        const pue = s.pue ?? studyCarbon?.pue ?? 1;
        let result: ScheduleResult;
        try {
          result = scheduleJobs(jobs, series, { pue, chooseRegion: s.chooseRegion ?? false, ...(s.capacity !== undefined ? { capacity: s.capacity } : {}) });
        } catch (err) {
          if (!(err instanceof ScheduleError)) throw err;
          throw new InputError(file, { path: err.jobId ? `${at}/jobs/${jobs.findIndex((j) => j.id === err.jobId)}` : `${at}/jobs`, expected: "jobs that can be scheduled", found: err.message });
        }
        for (const a of result.assignments) {
          values[`${s.name}_${a.job}_baselineG`] = a.baselineCarbonG;
          values[`${s.name}_${a.job}_scheduledG`] = a.carbonG;
        }
        values[`${s.name}_baselineG`] = result.baselineG;
        values[`${s.name}_scheduledG`] = result.totalG;
        values[`${s.name}_savedFraction`] = result.savedFraction;
        const energy = jobs.reduce((a, j) => a + j.energyKWh, 0);
        values[`${s.name}_baselineGPerKWh`] = result.baselineG / energy;
        values[`${s.name}_scheduledGPerKWh`] = result.totalG / energy;
        sections.push({ kind: "schedule", name: s.name, result, jobs, pue, intensityFile });
        break;
      }
      case "serve": {
        const servingFile = resolvePath(dir, s.serving);
        const cases = s.cases.map((c, k) => {
          const loaded = loadServingFile(servingFile, c.design === undefined ? undefined : locateDesignFrom(c.design, dir, { file, path: `${at}/cases/${k}/design` }));
          if (loaded.kind !== "serving") throw new InputError(file, { path: `${at}/serving`, expected: "a serving file with requests (real-time files run with attnsim serve)", found: "realtime" });
          const { iterations: _iterations, ...result } = simulateServing(loaded.config);
          for (const [metric, value] of Object.entries(servingMetrics(result.summary))) values[`${s.name}_${c.name}_${metric}`] = value;
          return { name: c.name, result };
        });
        sections.push({ kind: "serve", name: s.name, servingFile: s.serving, cases });
        break;
      }
      case "accuracy": {
        const d = loadDesignAt(s.design, `${at}/design`);
        const points = s.settings.map((st, k) => {
          const trace = buildWorkload(workloadAt(st.workload, `${at}/settings/${k}/workload`), file);
          const outcome = simulate(d.design, trace, { perOp: false });
          if (!outcome.ok) throw new InputError(file, { path: `${at}/settings/${k}`, expected: "a setting the design can run", found: outcome.infeasible.reasons[0]?.reason ?? "infeasible" });
          return { name: st.name, accuracy: st.accuracy, energyPerInferenceJ: outcome.result.energyJ / trace.model.batch, onFront: false };
        });
        // Front: no other setting has accuracy >= and energy <= with one strict.
        for (const p of points) {
          p.onFront = !points.some((q) => q !== p && q.accuracy >= p.accuracy && q.energyPerInferenceJ <= p.energyPerInferenceJ && (q.accuracy > p.accuracy || q.energyPerInferenceJ < p.energyPerInferenceJ));
        }
        values[`${s.name}_frontSize`] = points.filter((p) => p.onFront).length;
        sections.push({ kind: "accuracy", name: s.name, ...(s.source ? { source: s.source } : {}), points });
        break;
      }
      case "training": {
        const run: RunSize = s.run;
        if (run.steps === undefined && run.tokens === undefined && run.examples === undefined) {
          throw new InputError(file, { path: `${at}/run`, expected: "steps, tokens, or examples (with epochs)", found: "none" });
        }
        let workloadLabel = "";
        const cases = s.cases.map((c, k): TrainingCase => {
          const cpath = `${at}/cases/${k}`;
          const spec = workloadAt(c.workload ?? s.workload, `${cpath}/workload`);
          if (spec.phase !== "train") throw new InputError(file, { path: `${cpath}/workload`, expected: "a training workload (phase: train)", found: spec.phase ?? "prefill" });
          const system = trainingSystem(c, cpath);
          const carbon = c.carbon ? resolveCarbon(c.carbon, file, `${cpath}/carbon`) : (studyCarbon ?? system.device.system.carbon);
          let outcome;
          try {
            outcome = simulateSystem(system, spec, { parallelism: c.parallelism ?? {}, ...(c.schedule ? { schedule: c.schedule } : {}) }, file);
          } catch (err) {
            if (err instanceof InputError) throw new InputError(file, err.problems.map((p) => ({ ...p, path: `${cpath}${p.path}` })));
            throw err;
          }
          if (!outcome.ok) throw new InputError(file, { path: cpath, expected: "a case the system can run", found: outcome.infeasible.reasons[0]?.reason ?? "infeasible" });
          const step = outcome.result;
          if (k === 0) workloadLabel = step.workload;
          const r: TrainingCase = {
            name: c.name, system: system.name, devices: step.devices, parallelism: step.parallelism, stepSeconds: step.stepSeconds, tokensPerSecond: step.tokensPerSecond,
            peakMemoryBytes: step.peakMemoryBytes, memoryCapacityBytes: step.memoryCapacityBytes, run: trainingRun(step, run, system.device, carbon),
          };
          const v = (key: string, x: number | undefined) => {
            if (x !== undefined) values[`${s.name}_${r.name}_${key}`] = x;
          };
          v("stepSeconds", r.stepSeconds);
          v("tokensPerSecond", r.tokensPerSecond);
          v("devices", r.devices);
          v("peakMemoryBytes", r.peakMemoryBytes);
          v("steps", r.run.steps);
          v("runHours", r.run.seconds / 3600);
          v("energyKWh", r.run.energyKWh);
          v("averagePowerW", r.run.averagePowerW);
          v("operationalG", r.run.carbon?.operationalG);
          v("embodiedG", r.run.carbon?.embodiedG);
          v("carbonG", r.run.carbon?.totalG);
          return r;
        });
        sections.push({ kind: "training", name: s.name, workload: workloadLabel, run, cases });
        break;
      }
    }
  });

  const claims = (doc.claims ?? []).map((c, i): ClaimResult => {
    let predicted: number;
    try {
      const v = evaluateExpression(c.predicted, values);
      predicted = typeof v === "number" ? v : NaN;
    } catch (err) {
      throw new InputError(file, { path: `/claims/${i}/predicted`, expected: `an expression over ${Object.keys(values).join(", ")}`, found: `${JSON.stringify(c.predicted)} (${err instanceof Error ? err.message : String(err)})` });
    }
    return { name: c.name, claimed: c.claimed ?? NaN, predicted, ...(c.unit ? { unit: c.unit } : {}), ...(c.source ? { source: c.source } : {}), expression: c.predicted };
  });
  return { name: doc.name, file, ...(doc.description ? { description: doc.description } : {}), sources: doc.sources ?? [], assumptions: doc.assumptions ?? [], sections, values, claims };
}
