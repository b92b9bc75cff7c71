/**
 * The serving library API: run a serving file (requests or real-time streams) and the flat serving
 * metrics that sweeps and studies use as objectives, constraints and claim values.
 */
import { loadServingFile, type ServingFile } from "./spec.js";
import { simulateServing, type ServingResult, type ServingSummary } from "./simulator.js";
import { simulateRealtime, type RealtimeResult } from "./realtime.js";

export type ServeReport =
  | { kind: "serving"; name: string; description?: string; file: string; result: ServingResult }
  | { kind: "realtime"; name: string; description?: string; file: string; result: RealtimeResult };

export function runServing(loaded: ServingFile): ServeReport {
  const { config, ...head } = loaded;
  return loaded.kind === "serving"
    ? { ...head, kind: "serving", result: simulateServing(loaded.config) }
    : { ...head, kind: "realtime", result: simulateRealtime(loaded.config) };
}

/** Run a serving file; `designOverride` serves the same traffic on another design. */
export function runServingFile(file: string, designOverride?: string): ServeReport {
  return runServing(loadServingFile(file, designOverride));
}

/** Serving metrics a sweep can minimise, maximise or constrain (SI units in the names). */
export const SERVING_METRICS = [
  "ttftP50Seconds", "ttftP90Seconds", "ttftP99Seconds", "tpotP50Seconds", "tpotP99Seconds", "e2eP50Seconds", "e2eP99Seconds",
  "throughputRequestsPerSecond", "throughputTokensPerSecond", "goodputRequestsPerSecond", "sloAttainment",
  "energyPerRequestJ", "energyPerTokenJ", "servingAveragePowerW", "servingUtilization", "preemptions", "rejectedRequests", "carbonPerRequestG",
] as const;
export type ServingMetric = (typeof SERVING_METRICS)[number];

export function servingMetrics(s: ServingSummary): Record<ServingMetric, number> {
  return {
    ttftP50Seconds: s.ttft.p50, ttftP90Seconds: s.ttft.p90, ttftP99Seconds: s.ttft.p99, tpotP50Seconds: s.tpot.p50, tpotP99Seconds: s.tpot.p99,
    e2eP50Seconds: s.e2e.p50, e2eP99Seconds: s.e2e.p99,
    throughputRequestsPerSecond: s.throughputRequestsPerSecond, throughputTokensPerSecond: s.throughputTokensPerSecond,
    goodputRequestsPerSecond: s.goodputRequestsPerSecond, sloAttainment: s.sloAttainment,
    energyPerRequestJ: s.energyPerRequestJ, energyPerTokenJ: s.energyPerTokenJ, servingAveragePowerW: s.averagePowerW, servingUtilization: s.utilization,
    preemptions: s.preemptions, rejectedRequests: s.rejected, carbonPerRequestG: s.carbon?.perRequestG ?? NaN,
  };
}
