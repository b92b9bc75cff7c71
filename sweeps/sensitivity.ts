/**
 * Global sensitivity of a sweep's objectives to its swept parameters: Sobol' indices (sweeps/sobol.ts)
 * over the sweep's discrete parameters, each drawn uniformly from its values (a unit coordinate u picks
 * value floor(u x count)); parameters given by expressions follow the ones they depend on. Points are
 * evaluated in process, n (k + 2) per workload; points without metrics (infeasible, failed) are left
 * out pair by pair, points that violate a constraint are kept (their metrics are real).
 */
import { assign, dimensions, pointKey, type ResolvedSweep } from "./spec.js";
import { evaluatePoint } from "./evaluate-point.js";
import { saltelliPoints, sobolFromValues } from "./sobol.js";

export interface SensitivityRow {
  workload: number;
  metric: string;
  parameter: string;
  first: number;
  total: number;
  /** Base samples the indices used (of `samples`). */
  used: number;
  samples: number;
}

export function sweepSensitivity(spec: ResolvedSweep, options: { samples: number; seed: number; metrics?: string[] }): SensitivityRow[] {
  const dims = dimensions(spec);
  const metrics = options.metrics ?? spec.objectives.map((o) => o.metric);
  const { a, b, ab } = saltelliPoints(dims.length, options.samples, options.seed);
  const out: SensitivityRow[] = [];
  spec.workloads.forEach((_, workload) => {
    const cache = new Map<string, Record<string, number> | undefined>();
    const evaluate = (u: number[]): Record<string, number> | undefined => {
      const indices = u.map((x, d) => Math.min(dims[d]!.values!.length - 1, Math.floor(x * dims[d]!.values!.length)));
      const params = assign(spec, indices);
      const key = pointKey(params, workload);
      if (!cache.has(key)) {
        const row = evaluatePoint(spec, { index: -1, key, workload, params });
        // A point that violates a constraint still has its metrics: sensitivity is about the model, not the budget.
        cache.set(key, row.metrics && (row.status === "ok" || row.status === "violates") ? { ...row.metrics, ...numericParams(params) } : undefined);
      }
      return cache.get(key);
    };
    const fA = a.map(evaluate), fB = b.map(evaluate), fAB = ab.map((m) => m.map(evaluate));
    const value = (r: Record<string, number> | undefined, metric: string) => r?.[metric] ?? NaN;
    for (const metric of metrics) {
      const s = sobolFromValues(fA.map((r) => value(r, metric)), fB.map((r) => value(r, metric)), fAB.map((m) => m.map((r) => value(r, metric))));
      dims.forEach((d, i) => out.push({ workload, metric, parameter: d.name, first: s.first[i]!, total: s.total[i]!, used: s.used[i]!, samples: options.samples }));
    }
  });
  return out;
}

function numericParams(params: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(Object.entries(params).filter((e): e is [string, number] => typeof e[1] === "number"));
}
