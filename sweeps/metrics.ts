/** Result fields a sweep constraint or objective may name (besides parameters), in results.csv order. */
export const METRICS = [
  "latencySeconds", "latencyCycles", "energyJ", "averagePowerW", "peakPowerW", "macs", "areaMm2", "peakMemoryBytes",
  "peakActivationBytes", "weightBytes", "leakagePowerW", "utilization", "opsPerByte", "outerBytes", "edpJs",
] as const;
export type Metric = (typeof METRICS)[number];
