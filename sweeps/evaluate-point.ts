/**
 * One sweep point: parameters applied to the base design document and the workload section, the
 * design resolved, the trace built, simulated, metrics and constraints recorded. Pure and
 * serialisable in and out (workers run it). Expensive steps are cached per worker: resolved designs
 * by their design parameters, traces by their workload section.
 */
import { withValues, withValuesShared } from "../common/set-path.js";
import { patchedDesignValidator, resolveDesign } from "../hardware-models/design-loader.js";
import type { DesignDocument } from "../hardware-models/design-schema.js";
import type { Design } from "../hardware-models/design.js";
import { buildWorkload } from "../workloads/transformer-builder.js";
import { parseWorkloadSection } from "../workloads/workload-file.js";
import type { Trace } from "../workloads/trace.js";
import { simulateSummary } from "../sim/engine.js";
import { InputError } from "../common/input-error.js";
import { evaluateExpression, type ExprValue } from "./expressions.js";
import type { ResolvedSweep } from "./spec.js";
import { METRICS } from "./metrics.js";
import type { InfeasibleClass } from "../hardware-models/infeasibility.js";
import { dirname, resolve as resolvePath } from "node:path";
import { parseServedModel, servingConfig } from "../serving/spec.js";
import { simulateServing } from "../serving/simulator.js";
import { servingMetrics } from "../serving/serve.js";
import { InfeasibleIteration } from "../serving/iteration-cost.js";
import { accuracyAt, accuracyScope } from "./accuracy-model.js";

export type RowStatus = "ok" | "violates" | "infeasible" | "error";

/** One line of results.jsonl. */
export interface Row {
  index: number;
  key: string;
  workload: number;
  params: Record<string, ExprValue>;
  status: RowStatus;
  /** Why a point is infeasible, violates a constraint, or failed. */
  reason?: string;
  /** For an infeasible point: the class of its first reason (capacity, precision, ...), for counting. */
  reasonClass?: InfeasibleClass;
  metrics?: Record<string, number>;
}

export interface PointTask {
  index: number;
  key: string;
  workload: number;
  params: Record<string, ExprValue>;
}

interface Caches {
  designs: Map<string, Design | Error>;
  traces: Map<string, Trace | Error>;
  /** The spec's parameters that set a design value, and those that set a workload value. */
  designParams: ResolvedSweep["parameters"];
  workloadParams: ResolvedSweep["parameters"];
  /** Validates a point's design document in the sections its parameters touch (patchedDesignValidator), when it can. */
  validateDesign?: (data: unknown) => DesignDocument;
}

const cachesBySpec = new WeakMap<ResolvedSweep, Caches>();


export function evaluatePoint(spec: ResolvedSweep, task: PointTask): Row {
  let caches = cachesBySpec.get(spec);
  if (!caches) {
    const designParams = spec.parameters.filter((p) => p.target?.root === "design");
    const workloadParams = spec.parameters.filter((p) => p.target?.root === "workload");
    const validateDesign = patchedDesignValidator(spec.design, spec.designFile, designParams.map((p) => p.target!.path));
    cachesBySpec.set(spec, (caches = { designs: new Map(), traces: new Map(), designParams, workloadParams, ...(validateDesign ? { validateDesign } : {}) }));
  }
  const row: Row = { index: task.index, key: task.key, workload: task.workload, params: task.params, status: "ok" };
  try {
    const { designParams, workloadParams } = caches;
    const designKey = JSON.stringify(designParams.map((p) => task.params[p.name]));
    const designValues = designParams.map((p) => [p.target!.path, task.params[p.name]] as const);
    let design = caches.designs.get(designKey);
    if (!design) {
      // Only the objects along the parameters' paths are copied: resolution reads the document, never writes it.
      const doc = withValuesShared(spec.design, designValues);
      try {
        design = resolveDesign(doc, spec.designFile, { reuseParts: true, ...(caches.validateDesign ? { validate: caches.validateDesign } : {}) });
      } catch (err) {
        design = err instanceof Error ? err : new Error(String(err));
      }
      if (caches.designs.size > 64) caches.designs.clear(); // points sharing a design come together
      caches.designs.set(designKey, design);
    }
    if (design instanceof Error) throw design;
    // No workload parameter: the spec's own section, known by its index; readers get their own copy
    // of it (one per trace built, not one per point).
    const fixed = workloadParams.length === 0;
    const section = fixed ? spec.workloads[task.workload]! : withValues(spec.workloads[task.workload]!, workloadParams.map((p) => [p.target!.path, task.params[p.name]] as const));
    const own = () => (fixed ? structuredClone(section) : section);
    if (spec.serving) return serve(spec, task, row, design, designValues, own());
    const traceKey = fixed ? `#${task.workload}` : JSON.stringify(section);
    let trace = caches.traces.get(traceKey);
    if (!trace) {
      try {
        trace = buildWorkload(parseWorkloadSection(own(), spec.file, `/workloads/${task.workload}`), spec.file);
      } catch (err) {
        trace = err instanceof Error ? err : new Error(String(err));
      }
      if (caches.traces.size > 256) caches.traces.clear();
      caches.traces.set(traceKey, trace);
    }
    if (trace instanceof Error) throw trace;
    // Summary mode: the totals a row records, without the Result's breakdowns (equal bit for bit).
    // A point's design is evaluated once per workload: its op-cost table is not remembered, and its
    // sums are made in reused arrays (summaryOnly: a row never asks for the full Result).
    const outcome = simulateSummary(design, trace, { remember: false, summaryOnly: true });
    if (!outcome.ok) {
      row.status = "infeasible";
      row.reason = outcome.infeasible.reasons[0]!.reason;
      row.reasonClass = outcome.infeasible.reasons[0]!.class;
      return row;
    }
    const r = outcome.summary;
    const outer = r.levelBytes[0]!;
    const metrics: Record<string, number> = {
      latencySeconds: r.latencySeconds, latencyCycles: r.latencyCycles, energyJ: r.energyJ, averagePowerW: r.averagePowerW,
      peakPowerW: r.peakPowerW, macs: r.macs, areaMm2: r.areaMm2, peakMemoryBytes: r.peakMemoryBytes, peakActivationBytes: r.peakActivationBytes,
      weightBytes: r.weightBytes, leakagePowerW: r.leakagePowerW, utilization: r.utilization, opsPerByte: Number.isFinite(r.opsPerByte) ? r.opsPerByte : 0,
      outerBytes: outer.readBytes + outer.writeBytes, edpJs: r.energyJ * r.latencySeconds,
    };
    // A non-finite metric (an overflow from absurd sizes) would poison the front and the best point.
    for (const name in metrics) {
      if (Number.isFinite(metrics[name])) continue;
      row.status = "error";
      row.reason = `${name} is ${metrics[name]}: the point's sizes overflow double precision`;
      return row;
    }
    if (spec.accuracy) {
      const accuracy = accuracyAt(spec.accuracy, accuracyScope(trace.model, section, task.params));
      if ("reason" in accuracy) {
        row.status = "error";
        row.reason = accuracy.reason;
        return row;
      }
      metrics.accuracy = accuracy.value;
    }
    constrain(spec, task, row, metrics);
  } catch (err) {
    row.status = "error";
    row.reason = err instanceof InputError ? err.message : err instanceof Error ? err.message : String(err);
  }
  return row;
}

/** Record the metrics and check the constraints over them and the parameters. */
function constrain(spec: ResolvedSweep, task: PointTask, row: Row, metrics: Record<string, number>): void {
  row.metrics = metrics;
  if (spec.constraints.length === 0) return;
  const scope: Record<string, ExprValue> = { ...task.params, ...metrics };
  for (const c of spec.constraints) {
    if (evaluateExpression(c, scope, { remember: false }) !== true) {
      row.status = "violates";
      row.reason = c;
      break;
    }
  }
}

/**
 * A serving sweep's point: the requests served on the point's design by the workload's model
 * (serving/); the serving metrics, plus the design's own (area, leakage). Metrics of a single
 * inference are not computed (NaN).
 */
function serve(spec: ResolvedSweep, task: PointTask, row: Row, design: Design, designValues: Parameters<typeof withValues>[1], section: Record<string, unknown>): Row {
  const where = { file: spec.file, path: `/workloads/${task.workload}` };
  const model = parseServedModel(section, where);
  const device = { design, doc: withValues(spec.design, designValues), file: spec.designFile };
  try {
    const result = simulateServing(servingConfig(spec.name, spec.serving!, model, device, dirname(resolvePath(spec.file)), { file: spec.file, path: "/serving" }));
    const metrics: Record<string, number> = Object.fromEntries(METRICS.map((m) => [m, NaN]));
    Object.assign(metrics, { areaMm2: design.areaMm2, leakagePowerW: design.leakagePowerW }, servingMetrics(result.summary));
    constrain(spec, task, row, metrics);
  } catch (err) {
    if (!(err instanceof InfeasibleIteration)) throw err;
    row.status = "infeasible";
    row.reason = err.reason;
  }
  return row;
}

export { METRICS };
