/**
 * Shared memory levels, outermost first (DRAM/HBM/LPDDR or flash -> global SRAM ...). Unit-local
 * buffers (a systolic array's ifmap/filter/ofmap SRAMs, a DSP's local memory) belong to their
 * unit. Every byte an op moves is charged to the level its tensor lives in (see sim/placement.ts)
 * at that level's per-byte energy; time at a level is bytes / bandwidth.
 */
import { MEMORY_KINDS, type MemoryKind } from "./technology/memory-kinds.js";
import { sramAreaMm2, leakagePowerW } from "./technology/area.js";
import { memoryKindKey, type EnergyTable } from "./technology/energy-table.js";

export interface MemoryLevel {
  name: string;
  kind: MemoryKind;
  index: number;
  capacityBytes: number;
  bandwidthBytesPerSecond: number;
  readPjPerByte: number;
  writePjPerByte: number;
  leakagePowerW: number;
  areaMm2: number;
  offChip: boolean;
  /** Run-time tensors (activations, KV cache) may live here; false for flash. */
  writable: boolean;
  /** DRAM row-buffer hit rate per access (design `rowHitRate`); undefined: streaming (one activation per row). */
  rowHitRate?: number;
  /** The file gave this off-chip level's `leakage`: it is the level's background power, and the chip's device model does not add its own. */
  backgroundGiven: boolean;
  sources: { readEnergy: string; writeEnergy: string; leakage: string };
}

export interface MemoryLevelInput {
  name: string;
  kind: MemoryKind;
  capacityBytes: number;
  bandwidthBytesPerSecond: number;
  readPjPerByte?: number;
  writePjPerByte?: number;
  leakagePowerW?: number;
  rowHitRate?: number;
}

/** Fill a level's energies and leakage from the technology tables where the user gave none. */
export function resolveMemoryLevel(input: MemoryLevelInput, index: number, energy: EnergyTable, nodeNm: number, voltageV: number): MemoryLevel {
  const user = "design file";
  if (input.kind === "sram") {
    const pj = energy.sramPjPerByte(input.capacityBytes);
    const areaMm2 = sramAreaMm2(input.capacityBytes, nodeNm);
    return {
      name: input.name, kind: input.kind, index, capacityBytes: input.capacityBytes, bandwidthBytesPerSecond: input.bandwidthBytesPerSecond,
      readPjPerByte: input.readPjPerByte ?? pj,
      writePjPerByte: input.writePjPerByte ?? pj,
      leakagePowerW: input.leakagePowerW ?? leakagePowerW(areaMm2, voltageV),
      areaMm2,
      offChip: false,
      writable: true,
      backgroundGiven: false,
      sources: {
        readEnergy: input.readPjPerByte === undefined ? energy.sramSource(input.capacityBytes) : user,
        writeEnergy: input.writePjPerByte === undefined ? energy.sramSource(input.capacityBytes) : user,
        leakage: input.leakagePowerW === undefined ? "area x leakage density (hardware-models/technology/area.ts)" : user,
      },
    };
  }
  const info = MEMORY_KINDS[input.kind];
  // The kind's pJ/bit from the design's table (a design may override `dram.<kind>` by name).
  const kindEntry = energy.entry(memoryKindKey(input.kind))!;
  const pjPerByte = kindEntry.valuePj * 8;
  return {
    name: input.name, kind: input.kind, index, capacityBytes: input.capacityBytes, bandwidthBytesPerSecond: input.bandwidthBytesPerSecond,
    readPjPerByte: input.readPjPerByte ?? pjPerByte,
    writePjPerByte: input.writePjPerByte ?? pjPerByte,
    // Background power (standby, refresh) is the chip model's dram-background line (hardware-models/chip),
    // from the kind's device currents; a `leakage` in the file replaces it.
    leakagePowerW: input.leakagePowerW ?? 0,
    areaMm2: 0,
    offChip: info.offChip,
    writable: info.writable,
    ...(input.rowHitRate !== undefined ? { rowHitRate: input.rowHitRate } : {}),
    backgroundGiven: input.leakagePowerW !== undefined,
    sources: {
      readEnergy: input.readPjPerByte === undefined ? kindEntry.source : user,
      writeEnergy: input.writePjPerByte === undefined ? kindEntry.source : user,
      leakage: input.leakagePowerW === undefined ? "none: background power is the chip's dram-background line (docs/energy.md)" : user,
    },
  };
}
