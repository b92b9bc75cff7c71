/**
 * Latency-aware batching: the same design running the workload at several batch sizes. Per batch
 * size b: latency of the batch, throughput b / latency, energy per inference energy / b. Larger
 * batches reuse weights across more tokens (less off-chip traffic per inference) and fill the units
 * better, at the price of latency; the largest batch whose latency meets the SLO is the answer for a
 * server that batches what arrives.
 */
import type { Design } from "../hardware-models/design.js";
import { buildWorkload } from "../workloads/transformer-builder.js";
import type { WorkloadSpec } from "../workloads/workload-spec.js";
import { simulate } from "./engine.js";

export interface BatchPoint {
  batch: number;
  latencySeconds: number;
  throughputPerSecond: number;
  energyPerInferenceJ: number;
  averagePowerW: number;
  peakMemoryBytes: number;
  meetsSlo: boolean;
  /** Why the design cannot run this batch (then the numbers are NaN). */
  infeasible?: string;
}

export interface BatchingStudy {
  points: BatchPoint[];
  sloSeconds?: number;
  /** The largest batch meeting the SLO. */
  best?: BatchPoint;
  reason?: string;
}

export function batchingStudy(design: Design, workload: WorkloadSpec, batches: readonly number[], sloSeconds?: number): BatchingStudy {
  const points = batches.map((batch): BatchPoint => {
    const spec: WorkloadSpec = workload.operator ? { ...workload, operator: { ...workload.operator, batch } } : { ...workload, batch };
    const outcome = simulate(design, buildWorkload(spec), { perOp: false });
    if (!outcome.ok) {
      return { batch, latencySeconds: NaN, throughputPerSecond: NaN, energyPerInferenceJ: NaN, averagePowerW: NaN, peakMemoryBytes: NaN, meetsSlo: false, infeasible: outcome.infeasible.reasons[0]?.reason ?? "infeasible" };
    }
    const r = outcome.result;
    return {
      batch, latencySeconds: r.latencySeconds, throughputPerSecond: batch / r.latencySeconds, energyPerInferenceJ: r.energyJ / batch,
      averagePowerW: r.averagePowerW, peakMemoryBytes: r.peakMemoryBytes, meetsSlo: sloSeconds === undefined || r.latencySeconds <= sloSeconds,
    };
  });
  const ok = points.filter((p) => p.meetsSlo && !p.infeasible);
  const best = ok.length > 0 ? ok.reduce((a, b) => (b.batch > a.batch ? b : a)) : undefined;
  return {
    points, ...(sloSeconds !== undefined ? { sloSeconds } : {}),
    ...(best ? { best } : { reason: sloSeconds === undefined ? "the design cannot run any of the batch sizes" : `no batch size meets the ${sloSeconds} s target` }),
  };
}
