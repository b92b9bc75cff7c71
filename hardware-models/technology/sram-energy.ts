/**
 * SRAM access energy as a function of capacity, from the three cache points of Horowitz, ISSCC 2014
 * (45 nm, 0.9 V, 64-bit access): 8 KB 10 pJ, 32 KB 20 pJ, 1 MB 100 pJ. Between the points the
 * curve is interpolated in log-log space (energy ~ capacity^a, a = 0.5 from 8 to 32 KB and 0.39
 * from 32 KB to 1 MB); outside them it is extrapolated with the end slopes. Per-byte energy =
 * access energy / 8 bytes. Writes are charged the read energy (the source gives reads only).
 * Register files use the same curve at their (small) capacity.
 */
import type { Sourced } from "./source.js";

const POINTS: readonly { capacityBytes: number; energyPjPer64Bit: number }[] = [
  { capacityBytes: 8 * 1024, energyPjPer64Bit: 10 },
  { capacityBytes: 32 * 1024, energyPjPer64Bit: 20 },
  { capacityBytes: 1024 * 1024, energyPjPer64Bit: 100 },
];

export const SRAM_CURVE_SOURCE: Sourced = {
  value: 10, unit: "pJ per 64-bit access at 8 KB", confidence: "high",
  source: "Horowitz, ISSCC 2014: 8 KB 10 pJ, 32 KB 20 pJ, 1 MB 100 pJ per 64-bit access at 45 nm (32 KB and 1 MB: medium, from a transcription)",
};

/** SRAM read (= write) energy per byte at 45 nm, 0.9 V, for an array of `capacityBytes`. */
export function sramEnergy45nmPjPerByte(capacityBytes: number): number {
  const c = Math.max(capacityBytes, 64);
  let i = 0;
  while (i < POINTS.length - 2 && c > POINTS[i + 1]!.capacityBytes) i++;
  const a = POINTS[i]!;
  const b = POINTS[i + 1]!;
  const slope = Math.log(b.energyPjPer64Bit / a.energyPjPer64Bit) / Math.log(b.capacityBytes / a.capacityBytes);
  const energy = a.energyPjPer64Bit * (c / a.capacityBytes) ** slope;
  return energy / 8;
}
