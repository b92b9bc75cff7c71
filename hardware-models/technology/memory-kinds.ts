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
  /** The DRAM device the background power and row activations are priced from (none for flash). */
  device?: DramDevice;
  /** The memory interface (PHY and controller) on the accelerator's die. */
  phy?: MemoryPhy;
  offChip: boolean;
  /** Can hold tensors written at run time (activations, KV cache)? Flash holds weights only. */
  writable: boolean;
}

const ACCELERGY = "Accelergy DRAM table (hwcomponents-cacti, class DRAM)";

/**
 * One DRAM device (a die, or the channel its currents are given for) as DRAMPower prices it
 * (Chandrasekar et al.; tukl-msd/DRAMPower src/MemoryPowerModel.cc @ v4.1, lines 189-195):
 *   E(ACT+PRE) = VDD (IDD0 - IDD3N) tRAS + VDD (IDD0 - IDD2N) (tRC - tRAS)   per row opened
 *   P(standby) = VDD IDD2N (precharge standby)       P(power-down) = VDD IDD2P
 *   P(refresh) = VDD (IDD5 - IDD3N) tRFC / tREFI      (average over the refresh interval)
 * Currents and timings per kind below; the arithmetic is in docs/energy.md.
 */
export interface DramDevice {
  /** Capacity of the device the currents describe, bits. */
  densityBits: number;
  /** Row (page) size opened by one activation, bytes. */
  rowBytes: number;
  /** Bytes one column access (a burst) moves. */
  burstBytes: number;
  /** Energy of one activate + precharge pair, pJ. */
  activatePj: Sourced;
  standbyW: Sourced;
  refreshW: Sourced;
  powerDownW: Sourced;
  /** Time to leave power-down (tXP), seconds. */
  powerDownExitSeconds: number;
}

/**
 * The memory interface on the accelerator's die: one PHY per channel of `bits` data pins at
 * `pinRateBps`. Energy (CACTI-IO, Jouppi et al. 2015, in CACTI 7: HewlettPackard/cacti @ 1ffd8dfb,
 * extio_technology.cc): dynamic pJ/bit and static power per PHY (phase rotator, receivers, PLL),
 * wake-up time from sleep. Area (LLMCompass cost_model.py @ 2e015fd2): PHY mm^2 ("PHYs do not
 * scale with the node") and controller transistors per PHY.
 */
export interface MemoryPhy {
  bits: number;
  pinRateBps: number;
  pjPerBit: Sourced;
  staticW: Sourced;
  wakeSeconds: number;
  areaMm2: Sourced;
  controllerTransistors: Sourced;
}

const DRAMPOWER = "DRAMPower v4.1 formulas (MemoryPowerModel.cc)";
/** DDR4-2400 8 Gb x16, Micron MT40A512M16 as copied by gem5 ddr4.py DDR4_2400_4x16 and DRAMsim3 DDR4_8Gb_x16_2400.ini: VDD 1.2 V, IDD0 80, IDD2N 34, IDD3N 47, IDD5 280, IDD2P 25 mA; VPP 2.5 V, IPP0 4, IPP3N 3 mA; tRAS 32, tRP 14.16, tRFC 350 ns, tREFI 7.8 us; 2 KiB page. */
const DDR4_X16 = "Micron MT40A512M16 (DDR4-2400 8 Gb x16) datasheet currents as copied by gem5 (ddr4.py) and DRAMsim3";
const DDR4_DEVICE: DramDevice = {
  densityBits: 8 * 2 ** 30, rowBytes: 2048, burstBytes: 16,
  activatePj: { value: 2130, unit: "pJ", confidence: "medium", source: `${DRAMPOWER} on ${DDR4_X16}: VDD terms 1.27 + 0.78 nJ, VPP 0.08 nJ` },
  standbyW: { value: 0.0408, unit: "W", confidence: "medium", source: `${DDR4_X16}: IDD2N 34 mA x 1.2 V` },
  refreshW: { value: 0.0126, unit: "W", confidence: "medium", source: `${DDR4_X16}: (IDD5 280 - IDD3N 47 mA) x 1.2 V x tRFC 350 ns / tREFI 7.8 us` },
  powerDownW: { value: 0.030, unit: "W", confidence: "medium", source: `${DDR4_X16}: IDD2P 25 mA x 1.2 V (precharge power-down)` },
  powerDownExitSeconds: 6e-9,
};
/** LPDDR4-3200 8 Gb x16 channel, DRAMSys memspec JEDEC_8Gb_LPDDR4-3200_16bit.json: VDD1 1.8 V, VDD2 1.1 V; IDD2N 2/27, IDD2P 1.2/3, IDD5AB 2.5/30 mA; tRFCab 280 ns, tREFI 3.9 us. */
const LPDDR4_CH = "DRAMSys memspec JEDEC_8Gb_LPDDR4-3200_16bit.json (tukl-msd/DRAMSys @ 2107966, currents per x16 channel; its datasheet is not named)";
const LPDDR4_DEVICE: DramDevice = {
  densityBits: 8 * 2 ** 30, rowBytes: 2048, burstBytes: 32,
  activatePj: { value: 1210, unit: "pJ", confidence: "low", source: `${DRAMPOWER} on ${LPDDR4_CH}, both supplies` },
  standbyW: { value: 0.0333, unit: "W", confidence: "low", source: `${LPDDR4_CH}: IDD2N1 2 mA x 1.8 V + IDD2N2 27 mA x 1.1 V` },
  refreshW: { value: 0.0057, unit: "W", confidence: "low", source: `${LPDDR4_CH}: REFab 22.4 nJ every tREFI 3.9 us` },
  powerDownW: { value: 0.0055, unit: "W", confidence: "low", source: `${LPDDR4_CH}: IDD2P1 1.2 mA x 1.8 V + IDD2P2 3 mA x 1.1 V` },
  powerDownExitSeconds: 7.5e-9,
};
/** GDDR6 8 Gb x16, DRAMsim3 GDDR6_8Gb_x16.ini (uncited): VDD 1.35 V, IDD0 71, IDD2N 60, IDD3N 61, IDD5AB 286, IDD2P 45 mA; tCK 0.66 ns, tRAS 54, tRP 24, tRFC 126, tREFI 11862 ck. */
const GDDR6_X16 = "DRAMsim3 configs/GDDR6_8Gb_x16.ini (umd-memsys/DRAMsim3 @ 29817593; uncited in the file)";
const GDDR6_DEVICE: DramDevice = {
  densityBits: 8 * 2 ** 30, rowBytes: 2048, burstBytes: 32,
  activatePj: { value: 725, unit: "pJ", confidence: "low", source: `DRAMsim3 formula VDD (IDD0 tRC - IDD3N tRAS - IDD2N tRP) on ${GDDR6_X16}` },
  standbyW: { value: 0.081, unit: "W", confidence: "low", source: `${GDDR6_X16}: IDD2N 60 mA x 1.35 V` },
  refreshW: { value: 0.0032, unit: "W", confidence: "low", source: `${GDDR6_X16}: (IDD5AB 286 - IDD3N 61 mA) x 1.35 V x tRFC 126 / tREFI 11862 ck` },
  powerDownW: { value: 0.0608, unit: "W", confidence: "low", source: `${GDDR6_X16}: IDD2P 45 mA x 1.35 V` },
  powerDownExitSeconds: 6e-9,
};
/** HBM2 8 Gb x128 channel, DRAMsim3 HBM2_8Gb_x128.ini (uncited): VDD 1.2 V, IDD0 65, IDD2N 40, IDD3N 55, IDD5AB 250, IDD2P 28 mA; tCK 1 ns, tRAS 34, tRP 14, tRFC 260, tREFI 3900 ck; 1 KiB page. */
const HBM2_CH = "DRAMsim3 configs/HBM2_8Gb_x128.ini (umd-memsys/DRAMsim3 @ 29817593; uncited in the file; no vendor HBM IDD table is public)";
const HBM_DEVICE: DramDevice = {
  densityBits: 8 * 2 ** 30, rowBytes: 1024, burstBytes: 32,
  activatePj: { value: 830, unit: "pJ", confidence: "low", source: `DRAMsim3 formula on ${HBM2_CH}` },
  standbyW: { value: 0.048, unit: "W", confidence: "low", source: `${HBM2_CH}: IDD2N 40 mA x 1.2 V` },
  refreshW: { value: 0.0156, unit: "W", confidence: "low", source: `${HBM2_CH}: (IDD5AB 250 - IDD3N 55 mA) x 1.2 V x tRFC 260 / tREFI 3900 ck` },
  powerDownW: { value: 0.0336, unit: "W", confidence: "low", source: `${HBM2_CH}: IDD2P 28 mA x 1.2 V` },
  powerDownExitSeconds: 6e-9,
};

const CACTI_IO = "CACTI-IO in CACTI 7 (HewlettPackard/cacti @ 1ffd8dfb, extio_technology.cc)";
const LLMC_AREA = "LLMCompass cost_model.py (PrincetonUniversity/LLMCompass @ 2e015fd2)";
const ddrPhy = (bits: number, pinRateBps: number, note: string): MemoryPhy => ({
  bits, pinRateBps,
  pjPerBit: { value: 1.76, unit: "pJ/bit", confidence: "medium", source: `${CACTI_IO}: DDR3/DDR4 PHY dynamic (datapath, rotator, clock tree, RX, DCC, deskew, leveling, PLL) 1.76 mW/Gbps per DQ${note}` },
  staticW: { value: 0.030 * (bits / 64), unit: "W", confidence: "medium", source: `${CACTI_IO}: DDR3/DDR4 PHY static 30 mW (phase rotator, RX, PLL) per 64-bit channel${note}` },
  wakeSeconds: 27.5e-6,
  areaMm2: { value: 1.45 * (bits / 32), unit: "mm^2", confidence: "medium", source: `${LLMC_AREA}: DDR5 PHY 1.45 mm^2 per 32-bit unit${note}` },
  controllerTransistors: { value: 90_446_400 * (bits / 32), unit: "transistors", confidence: "medium", source: `${LLMC_AREA}: DDR5 controller 90,446,400 transistors per 32-bit unit${note}` },
});
const lpddrPhy = (pinRateBps: number, note: string): MemoryPhy => ({
  bits: 32, pinRateBps,
  pjPerBit: { value: 0.96, unit: "pJ/bit", confidence: "medium", source: `${CACTI_IO}: LPDDR2 PHY dynamic 0.96 mW/Gbps per DQ (the LPDDR class CACTI-IO tabulates)${note}` },
  staticW: { value: 0.010, unit: "W", confidence: "medium", source: `${CACTI_IO}: LPDDR2 PHY static 10 mW (rotator 5, RX 3, PLL 2)${note}` },
  wakeSeconds: 27e-6,
  areaMm2: { value: 1.45, unit: "mm^2", confidence: "low", source: `${LLMC_AREA}: DDR5 PHY 1.45 mm^2 per 32-bit unit, assumed for a 32-bit LPDDR PHY` },
  controllerTransistors: { value: 90_446_400, unit: "transistors", confidence: "low", source: `${LLMC_AREA}: DDR5 controller per 32-bit unit, assumed for LPDDR` },
});
const hbmPhy = (pinRateBps: number, note: string): MemoryPhy => ({
  bits: 1024, pinRateBps,
  pjPerBit: { value: 0.61, unit: "pJ/bit", confidence: "low", source: `${CACTI_IO}: Wide I/O PHY dynamic 0.61 mW/Gbps per DQ, the wide, slow, unterminated interface class HBM belongs to${note}` },
  staticW: { value: 0.008, unit: "W", confidence: "low", source: `${CACTI_IO}: Wide I/O PHY static 1 mW per 128-bit channel x 8 channels per stack${note}` },
  wakeSeconds: 10e-6,
  areaMm2: { value: 10.45, unit: "mm^2", confidence: "medium", source: `${LLMC_AREA}: HBM2e PHY 10.45 mm^2 per 1024-bit stack` },
  controllerTransistors: { value: 552_743_000, unit: "transistors", confidence: "medium", source: `${LLMC_AREA}: HBM2e controller 552,743,000 transistors per stack` },
});

export const MEMORY_KINDS = {
  ddr3: {
    energyPjPerBit: {
      value: (1.95e3) / 64, unit: "pJ/bit", confidence: "high",
      source: "Horowitz, ISSCC 2014: DRAM access 1.3-2.6 nJ per 64-bit word (DDR3-era); midpoint 1.95 nJ / 64 bit",
      note: "Accelergy's 70 pJ/bit (Chatterjee et al. MICRO 2017) is a system average including background power, which attnsim charges separately",
    },
    device: { ...DDR4_DEVICE, activatePj: { ...DDR4_DEVICE.activatePj, confidence: "low", source: `assumed as DDR4 (no DDR3 current table read): ${DDR4_DEVICE.activatePj.source}` } },
    phy: ddrPhy(64, 1.6e9, " (DDR3-1600)"),
    offChip: true,
    writable: true,
  },
  ddr4: {
    energyPjPerBit: {
      value: ((1.95e3) / 64) * (1.2 / 1.5) ** 2, unit: "pJ/bit", confidence: "low",
      source: "derived: DDR3 value x (1.2 V / 1.5 V)^2 for DDR4's lower supply (dynamic energy ~ C V^2)",
    },
    device: DDR4_DEVICE,
    phy: ddrPhy(64, 3.2e9, " (DDR4-3200)"),
    offChip: true,
    writable: true,
  },
  lpddr4: {
    energyPjPerBit: { value: 8, unit: "pJ/bit", source: `${ACCELERGY}: LPDDR4 8 pJ/bit ("public data")`, confidence: "medium" },
    device: LPDDR4_DEVICE,
    phy: lpddrPhy(3.2e9, " (LPDDR4-3200)"),
    offChip: true,
    writable: true,
  },
  lpddr4x: {
    energyPjPerBit: {
      value: 8 * 0.8, unit: "pJ/bit", confidence: "low",
      source: "derived: LPDDR4 8 pJ/bit x 0.8 for LPDDR4X's I/O supply cut from 1.1 V to 0.6 V (vendors quote ~20% lower power; not verified against a primary source)",
    },
    device: LPDDR4_DEVICE,
    phy: lpddrPhy(4.266e9, "; LPDDR4X-4266 assumed like LPDDR4"),
    offChip: true,
    writable: true,
  },
  lpddr5: {
    energyPjPerBit: {
      value: 8 * 0.8 * 0.8, unit: "pJ/bit", confidence: "low",
      source: "derived: LPDDR4X value x 0.8 (vendors quote 20-30% lower power than LPDDR4X; not verified against a primary source)",
    },
    device: LPDDR4_DEVICE,
    phy: lpddrPhy(6.4e9, "; LPDDR5-6400 assumed like LPDDR4 (no LPDDR5 current table found)"),
    offChip: true,
    writable: true,
  },
  gddr6: {
    energyPjPerBit: { value: 7.5, unit: "pJ/bit", source: "Micron, Ultra-Bandwidth Solutions memory comparison table, average device power", confidence: "medium" },
    device: GDDR6_DEVICE,
    phy: ddrPhy(32, 16e9, "; GDDR6-16000 x32 assumed like DDR4 (low)"),
    offChip: true,
    writable: true,
  },
  hbm2: {
    energyPjPerBit: {
      value: 3.9, unit: "pJ/bit", confidence: "medium",
      source: "O'Connor et al., Fine-Grained DRAM, MICRO 2017 (HBM2 3.9 pJ/bit), as encoded in the Accelergy DRAM table",
    },
    device: HBM_DEVICE,
    phy: hbmPhy(2.0e9, " (HBM2 2.0 Gb/s/pin)"),
    offChip: true,
    writable: true,
  },
  hbm2e: {
    energyPjPerBit: {
      value: 3.9, unit: "pJ/bit", confidence: "low",
      source: "assumed equal to HBM2 (O'Connor et al. MICRO 2017 accounting); Micron's 6.0 pJ/bit uses a different accounting (device + I/O average)",
    },
    device: HBM_DEVICE,
    phy: hbmPhy(3.2e9, " (HBM2E 3.2 Gb/s/pin)"),
    offChip: true,
    writable: true,
  },
  hbm3: {
    energyPjPerBit: { value: 3.5, unit: "pJ/bit", source: "commonly quoted HBM3 figure; no primary source read", confidence: "low" },
    device: HBM_DEVICE,
    phy: hbmPhy(6.4e9, " (HBM3 6.4 Gb/s/pin)"),
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
    offChip: true,
    writable: false,
  },
} as const satisfies Record<string, MemoryKindInfo>;

export type OffChipKind = keyof typeof MEMORY_KINDS;
export const OFF_CHIP_KINDS = Object.keys(MEMORY_KINDS) as OffChipKind[];
export type MemoryKind = OffChipKind | "sram";
export const MEMORY_KIND_NAMES: readonly MemoryKind[] = [...OFF_CHIP_KINDS, "sram"];

/** A kind's entry under the common interface (the table itself is `as const` for its literal keys). */
export function memoryKindInfo(kind: OffChipKind): MemoryKindInfo {
  return MEMORY_KINDS[kind];
}
