/**
 * Off-chip memory kinds: access energy per bit (device + interface, per access; background power
 * is separate) with sources. Off-chip energy is not scaled with the logic node: the DRAM has its own
 * process and I/O voltage. Entries with confidence "low" are the best available figure without a
 * primary source we could read; docs/energy.md lists them so a user can override them
 * (`memory[i].readEnergy`, or `energy: { "dram.<kind>": "x pJ/bit" }`).
 */
import type { Sourced } from "./source.js";

export interface MemoryKindInfo {
  energyPjPerBit: Sourced;
  /** Background (refresh + standby) power per GiB of capacity, charged as leakage. */
  backgroundPowerWPerGiB: Sourced;
  offChip: boolean;
  /** Can hold tensors written at run time (activations, KV cache)? Flash holds weights only. */
  writable: boolean;
}

const ACCELERGY = "Accelergy DRAM table (hwcomponents-cacti, class DRAM)";
const BACKGROUND_NOTE =
  "derived: DDR4/LPDDR4 datasheet-class self-refresh/standby currents of tens of mA per 8 Gb die at 1.1-1.2 V -> ~0.02-0.05 W per GiB; 0.03 W/GiB used";

export const MEMORY_KINDS = {
  ddr3: {
    energyPjPerBit: {
      value: (1.95e3) / 64, unit: "pJ/bit", confidence: "high",
      source: "Horowitz, ISSCC 2014: DRAM access 1.3-2.6 nJ per 64-bit word (DDR3-era); midpoint 1.95 nJ / 64 bit",
      note: "Accelergy's 70 pJ/bit (Chatterjee et al. MICRO 2017) is a system average including background power, which attnsim charges separately",
    },
    backgroundPowerWPerGiB: { value: 0.03, unit: "W/GiB", source: BACKGROUND_NOTE, confidence: "low" },
    offChip: true,
    writable: true,
  },
  ddr4: {
    energyPjPerBit: {
      value: ((1.95e3) / 64) * (1.2 / 1.5) ** 2, unit: "pJ/bit", confidence: "low",
      source: "derived: DDR3 value x (1.2 V / 1.5 V)^2 for DDR4's lower supply (dynamic energy ~ C V^2)",
    },
    backgroundPowerWPerGiB: { value: 0.03, unit: "W/GiB", source: BACKGROUND_NOTE, confidence: "low" },
    offChip: true,
    writable: true,
  },
  lpddr4: {
    energyPjPerBit: { value: 8, unit: "pJ/bit", source: `${ACCELERGY}: LPDDR4 8 pJ/bit ("public data")`, confidence: "medium" },
    backgroundPowerWPerGiB: { value: 0.02, unit: "W/GiB", source: BACKGROUND_NOTE, confidence: "low" },
    offChip: true,
    writable: true,
  },
  lpddr4x: {
    energyPjPerBit: {
      value: 8 * 0.8, unit: "pJ/bit", confidence: "low",
      source: "derived: LPDDR4 8 pJ/bit x 0.8 for LPDDR4X's I/O supply cut from 1.1 V to 0.6 V (vendors quote ~20% lower power; not verified against a primary source)",
    },
    backgroundPowerWPerGiB: { value: 0.02, unit: "W/GiB", source: BACKGROUND_NOTE, confidence: "low" },
    offChip: true,
    writable: true,
  },
  lpddr5: {
    energyPjPerBit: {
      value: 8 * 0.8 * 0.8, unit: "pJ/bit", confidence: "low",
      source: "derived: LPDDR4X value x 0.8 (vendors quote 20-30% lower power than LPDDR4X; not verified against a primary source)",
    },
    backgroundPowerWPerGiB: { value: 0.02, unit: "W/GiB", source: BACKGROUND_NOTE, confidence: "low" },
    offChip: true,
    writable: true,
  },
  gddr6: {
    energyPjPerBit: { value: 7.5, unit: "pJ/bit", source: "Micron, Ultra-Bandwidth Solutions memory comparison table, average device power", confidence: "medium" },
    backgroundPowerWPerGiB: { value: 0.03, unit: "W/GiB", source: BACKGROUND_NOTE, confidence: "low" },
    offChip: true,
    writable: true,
  },
  hbm2: {
    energyPjPerBit: {
      value: 3.9, unit: "pJ/bit", confidence: "medium",
      source: "O'Connor et al., Fine-Grained DRAM, MICRO 2017 (HBM2 3.9 pJ/bit), as encoded in the Accelergy DRAM table",
    },
    backgroundPowerWPerGiB: { value: 0.03, unit: "W/GiB", source: BACKGROUND_NOTE, confidence: "low" },
    offChip: true,
    writable: true,
  },
  hbm2e: {
    energyPjPerBit: {
      value: 3.9, unit: "pJ/bit", confidence: "low",
      source: "assumed equal to HBM2 (O'Connor et al. MICRO 2017 accounting); Micron's 6.0 pJ/bit uses a different accounting (device + I/O average)",
    },
    backgroundPowerWPerGiB: { value: 0.03, unit: "W/GiB", source: BACKGROUND_NOTE, confidence: "low" },
    offChip: true,
    writable: true,
  },
  hbm3: {
    energyPjPerBit: { value: 3.5, unit: "pJ/bit", source: "commonly quoted HBM3 figure; no primary source read", confidence: "low" },
    backgroundPowerWPerGiB: { value: 0.03, unit: "W/GiB", source: BACKGROUND_NOTE, confidence: "low" },
    offChip: true,
    writable: true,
  },
  /**
   * Serial NOR flash (QSPI/OSPI) holding an MCU's weights: reads only. Energy per bit from a
   * representative datasheet operating point: ~20 mA at 1.8 V while streaming 8 bits per clock
   * at 133 MHz (octal, ~133 MB/s) -> 36 mW / 1.064 Gbit/s ~ 34 pJ/bit.
   */
  "nor-flash": {
    energyPjPerBit: {
      value: (0.020 * 1.8) / (133e6 * 8) * 1e12, unit: "pJ/bit", confidence: "low",
      source: "derived from a typical octal-SPI NOR flash read current (~20 mA at 1.8 V, 133 MHz, 8 bits/clock); check your part's datasheet",
    },
    backgroundPowerWPerGiB: { value: 0, unit: "W/GiB", source: "non-volatile: no refresh; standby current neglected", confidence: "medium" },
    offChip: true,
    writable: false,
  },
} as const satisfies Record<string, MemoryKindInfo>;

export type OffChipKind = keyof typeof MEMORY_KINDS;
export const OFF_CHIP_KINDS = Object.keys(MEMORY_KINDS) as OffChipKind[];
export type MemoryKind = OffChipKind | "sram";
export const MEMORY_KIND_NAMES: readonly MemoryKind[] = [...OFF_CHIP_KINDS, "sram"];
