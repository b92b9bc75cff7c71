/**
 * A Result as CSV tables for pandas and spreadsheets: per layer, per op (with the bytes it reads
 * and writes at every memory level and unit buffer), per unit and per memory level (and per priced
 * action) and per whole-chip component, one row each, SI units named in every column. The energy
 * columns sum to the Result's totals, as the breakdowns do (units + levels + components = total).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Result } from "../sim/result.js";
import { csvText, type ChartSpec } from "./charts/chart.js";

type Table = ChartSpec["table"];

const J = (pj: number) => pj * 1e-12;
const optional = (x: number | undefined) => (x === undefined ? "" : x);

export function resultTables(r: Result): Record<"layers" | "ops" | "units" | "levels" | "actions" | "components", Table> {
  const s = (cycles: number) => cycles / r.frequencyHz;
  // Shared levels, then unit buffers ("npu.ifmap"), as they appear in the ops.
  const shared = r.breakdown.byLevel.map((l) => l.level);
  const levels = [...shared, ...[...new Set(r.ops.flatMap((o) => Object.keys(o.bytesByLevel)))].filter((l) => !shared.includes(l)).sort()];
  return {
    layers: {
      header: ["layer", "latency_s", "latency_cycles", "energy_J", "dynamic_energy_J", "leakage_energy_J", "system_energy_J", "chip_energy_J", "macs", "latency_if_run_s", "energy_if_run_J"],
      rows: r.breakdown.byLayer.map((l) => [l.layer, s(l.latencyCycles), l.latencyCycles, J(l.energyPj), J(l.dynamicEnergyPj), J(l.leakageEnergyPj), J(l.systemEnergyPj ?? 0), J(l.chipEnergyPj ?? 0), l.macs, s(l.latencyCyclesIfRun), J(l.energyPjIfRun)]),
    },
    ops: {
      header: [
        "op", "kind", "layer", "unit", "weight", "count", "start_s", "end_s", "latency_s", "compute_cycles", "stall_cycles", "energy_J", "dynamic_energy_J", "leakage_energy_J",
        "system_energy_J", "chip_energy_J", "macs", "utilization", "bound_by", ...levels.flatMap((l) => [`${l}_read_B`, `${l}_written_B`]),
      ],
      rows: r.ops.map((o) => [
        o.id, o.kind, o.layer, o.unit, o.weight, o.count, s(o.startCycles), s(o.endCycles), o.latencySeconds, o.computeCycles, o.stallCycles, J(o.energyPj), J(o.dynamicEnergyPj),
        J(o.leakageEnergyPj), J(o.systemEnergyPj ?? 0), J(o.chipEnergyPj), o.macs, o.utilization, o.boundBy, ...levels.flatMap((l) => [o.bytesByLevel[l]?.readBytes ?? 0, o.bytesByLevel[l]?.writeBytes ?? 0]),
      ]),
    },
    units: {
      header: ["unit", "kind", "busy_s", "utilization", "macs", "peak_macs_per_s", "energy_J", "dynamic_energy_J", "leakage_energy_J", "area_mm2"],
      rows: r.breakdown.byUnit.map((u) => [u.unit, u.kind, s(u.busyCycles), u.utilization, u.macs, u.peakMacsPerSecond, J(u.energyPj), J(u.dynamicEnergyPj), J(u.leakageEnergyPj), u.areaMm2]),
    },
    levels: {
      header: ["level", "read_B", "written_B", "bandwidth_B_per_s", "average_bandwidth_B_per_s", "peak_bandwidth_B_per_s", "energy_J", "dynamic_energy_J", "leakage_energy_J", "peak_resident_B", "capacity_B"],
      rows: r.breakdown.byLevel.map((l) => [
        l.level, l.readBytes, l.writeBytes, l.bandwidthBytesPerSecond, l.averageBandwidthBytesPerSecond, l.peakBandwidthBytesPerSecond, J(l.energyPj), J(l.dynamicEnergyPj), J(l.leakageEnergyPj),
        optional(l.peakResidentBytes), optional(l.capacityBytes),
      ]),
    },
    actions: {
      header: ["action", "count", "energy_J"],
      rows: Object.entries(r.breakdown.byAction).map(([a, x]) => [a, x.count, J(x.energyPj)]),
    },
    // The whole chip's lines (sim/chip-energy.ts), and the system's static energy: with units and
    // levels these sum to the total.
    components: {
      header: ["component", "energy_J", "source"],
      rows: [
        ...Object.entries(r.breakdown.byComponent).map(([c, x]) => [c, J(x.energyPj), x.source]),
        ...(r.systemEnergyPj > 0 ? [["system", J(r.systemEnergyPj), "design system.staticPower x latency"]] : []),
      ],
    },
  };
}

/** layers.csv, ops.csv, units.csv, levels.csv, actions.csv and components.csv in `dir`; returns the file names. */
export function writeResultCsvs(dir: string, r: Result): string[] {
  mkdirSync(dir, { recursive: true });
  return Object.entries(resultTables(r)).map(([name, table]) => {
    writeFileSync(join(dir, `${name}.csv`), csvText(table));
    return `${name}.csv`;
  });
}
