/**
 * Per-layer counts in SCALE-Sim's vocabulary, for users comparing with their SCALE-Sim runs. Read
 * from the Result only. `totalCyclesScalesimConvention` is compute cycles - 1 + stalls, because
 * SCALE-Sim reports the index of the last cycle rather than the count; attnsim's stall model
 * (memory time not hidden under compute) differs from SCALE-Sim's cycle-by-cycle buffer replay,
 * so compare stall-free (CALC) runs for cycles. SCALE-Sim's os SRAM ofmap-write count includes an
 * extra folds x (R + C) that attnsim does not reproduce (see docs/scalesim-interop.md).
 */
import type { Result } from "../sim/result.js";

export interface ScalesimLayerReport {
  layer: string;
  computeCycles: number;
  stallCycles: number;
  totalCyclesScalesimConvention: number;
  computeUtilization: number;
  sramIfmapReads: number;
  sramFilterReads: number;
  sramOfmapWrites: number;
  dramIfmapReads: number;
  dramFilterReads: number;
  dramOfmapWrites: number;
}

export function scalesimReport(result: Result): ScalesimLayerReport[] {
  return result.ops.map((op) => {
    const buf = (name: string) => op.bytesByLevel[name] ?? { readBytes: 0, writeBytes: 0 };
    const unit = op.unit;
    return {
      layer: op.id,
      computeCycles: op.computeCycles,
      stallCycles: op.stallCycles,
      totalCyclesScalesimConvention: op.latencyCycles - 1,
      computeUtilization: op.utilization,
      sramIfmapReads: buf(`${unit}.ifmap`).readBytes,
      sramFilterReads: buf(`${unit}.filter`).readBytes,
      sramOfmapWrites: buf(`${unit}.ofmap`).writeBytes,
      dramIfmapReads: buf(`${unit}.ifmap`).writeBytes,
      dramFilterReads: buf(`${unit}.filter`).writeBytes,
      dramOfmapWrites: buf("dram").writeBytes,
    };
  });
}
