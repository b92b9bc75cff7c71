/**
 * Error bars on a sweep's front: Monte Carlo over the energy tables' ranges (sim/energy-uncertainty.ts).
 * Each ok point is simulated once more to split its energy into uncertain groups; each sample draws
 * one factor per group, shared by every point (the points share one table), reprices every point's
 * energy-dependent metrics, and finds each workload's non-dominated points under the sweep's
 * objectives. A point's Pareto probability is the share of samples in which it is on the front.
 * Objectives that do not depend on the energy table (latency, area, accuracy) keep their nominal
 * values; constraints are taken as the nominal run decided them.
 */
import { withValues } from "../common/set-path.js";
import { resolveDesign } from "../hardware-models/design-loader.js";
import { buildWorkload } from "../workloads/transformer-builder.js";
import { parseWorkloadSection } from "../workloads/workload-file.js";
import { simulate } from "../sim/engine.js";
import { energyGroups, FactorDraws, interval, sampleMetrics, UNCERTAIN_METRICS, type Confidence, type Interval, type UncertainMetric } from "../sim/energy-uncertainty.js";
import { InputError } from "../common/input-error.js";
import type { ResolvedSweep } from "./spec.js";
import type { Row } from "./evaluate-point.js";

export interface ParetoProbability {
  index: number;
  key: string;
  workload: number;
  /** Share of samples in which the point is non-dominated among its workload's points. */
  probability: number;
  /** Whether the nominal run put it on the front. */
  nominalFront: boolean;
  /** Intervals of the energy-dependent metrics. */
  intervals: Record<UncertainMetric, Interval>;
}

/** The design and Result of a recorded point, simulated again (with per-action energies). */
function rerun(spec: ResolvedSweep, row: Row) {
  const values = (root: "design" | "workload") => spec.parameters.filter((p) => p.target?.root === root).map((p) => [p.target!.path, row.params[p.name]] as const);
  const design = resolveDesign(withValues(spec.design, values("design")), spec.designFile);
  const section = withValues(spec.workloads[row.workload]!, values("workload"));
  const trace = buildWorkload(parseWorkloadSection(section, spec.file, `/workloads/${row.workload}`), spec.file);
  const outcome = simulate(design, trace, { perOp: false });
  if (!outcome.ok) throw new Error(`point ${row.index} was ok and is now infeasible: ${outcome.infeasible.reasons[0]!.reason}`);
  return { design, result: outcome.result };
}

/** Indices of the non-dominated vectors (all minimised). */
export function nonDominated(vectors: readonly (readonly number[])[]): boolean[] {
  return vectors.map((v, i) => !vectors.some((w, j) => j !== i && w.every((x, k) => x <= v[k]!) && w.some((x, k) => x < v[k]!)));
}

export function paretoProbability(spec: ResolvedSweep, rows: readonly Row[], options: { samples: number; seed: number; level?: number; ranges?: Record<Confidence, number> }): ParetoProbability[] {
  if (spec.serving) throw new InputError(spec.file, { path: "/serving", expected: "a sweep of single inferences for --uncertainty (serving metrics are not repriced)", found: "a serving sweep" });
  const ok = rows.filter((r) => r.status === "ok" && r.metrics);
  const draws = new FactorDraws(options.samples, options.seed, options.ranges);
  const perPoint = ok.map((row) => {
    const { design, result } = rerun(spec, row);
    return { row, samples: sampleMetrics(energyGroups(design, result), { energyJ: row.metrics!.energyJ!, averagePowerW: row.metrics!.averagePowerW!, latencySeconds: row.metrics!.latencySeconds! }, draws) };
  });
  const sign = spec.objectives.map((o) => (o.sense === "minimize" ? 1 : -1));
  const objective = (p: (typeof perPoint)[number], s: number | undefined): number[] => spec.objectives.map((o, k) => {
    const uncertain = (UNCERTAIN_METRICS as readonly string[]).includes(o.metric);
    const value = uncertain && s !== undefined ? p.samples[o.metric as UncertainMetric][s]! : (p.row.metrics![o.metric] ?? Number(p.row.params[o.metric]));
    return sign[k]! * value;
  });
  const counts = new Float64Array(perPoint.length);
  const nominal = new Array<boolean>(perPoint.length).fill(false);
  const workloads = [...new Set(perPoint.map((p) => p.row.workload))];
  for (const w of workloads) {
    const members = perPoint.map((p, i) => (p.row.workload === w ? i : -1)).filter((i) => i >= 0);
    nonDominated(members.map((i) => objective(perPoint[i]!, undefined))).forEach((front, m) => (nominal[members[m]!] = front));
    for (let s = 0; s < options.samples; s++) {
      nonDominated(members.map((i) => objective(perPoint[i]!, s))).forEach((front, m) => {
        if (front) counts[members[m]!]! += 1;
      });
    }
  }
  return perPoint.map((p, i) => ({
    index: p.row.index, key: p.row.key, workload: p.row.workload, probability: counts[i]! / options.samples, nominalFront: nominal[i]!,
    intervals: Object.fromEntries(UNCERTAIN_METRICS.map((m) => [m, interval(p.row.metrics![m]!, p.samples[m], options.level)])) as Record<UncertainMetric, Interval>,
  }));
}
