/**
 * The whole-chip components' constants, each with its value, unit, source and confidence
 * (docs/energy.md lists them with their formulas). On-chip energies are scaled from their reference
 * node and voltage to the design's by the Stillmaker & Baas energy factors, as the energy table is.
 */
import type { Sourced } from "../technology/source.js";
import type { LinkKind } from "./chip-schema.js";

/**
 * A clocked flip-flop, per bit per cycle, at 40 nm (Aladdin's standard-cell library as encoded in
 * Accelergy's aladdin table, `reg`: dynamic energy 9.00e-3 pJ of which internal (clock pin and
 * latch) power 7.94e-3 pJ; Shao et al., "Aladdin", ISCA 2014). A register whose data toggles pays the
 * whole; a clocked register holding its value pays the internal part.
 */
export const FLIP_FLOP_ACTIVE_40NM: Sourced = { value: 9.0e-3, unit: "pJ/bit/cycle", confidence: "medium", source: "Aladdin 40 nm `reg` dynamic energy (Shao et al. ISCA 2014; Accelergy aladdin table)" };
export const FLIP_FLOP_IDLE_40NM: Sourced = { value: 7.94e-3, unit: "pJ/bit/cycle", confidence: "medium", source: "Aladdin 40 nm `reg` internal (clock) energy, data not toggling (Shao et al. ISCA 2014; Accelergy aladdin table)" };
/** Aladdin's library is characterised at 40 nm; taken at 0.9 V, the nominal supply of a 40 nm GP process. */
export const ALADDIN_NODE = { nodeNm: 40, voltageV: 0.9 } as const;

/**
 * Global clock distribution (H-tree and grid above the local clock), capacitance per mm^2 of die:
 * derived from the two chips McPAT's validation gives a published global-clock power for (Li et al.,
 * MICRO 2009, Fig. 3, quoting Leon et al. JSSC 2007 and Nawathe et al. JSSC 2008): Niagara 0.5 W at
 * 1.2 GHz, 1.2 V over 378 mm^2 -> C = P / (V^2 f A) = 0.77 pF/mm^2; Niagara2 1.1 W at 1.4 GHz, 1.1 V
 * over 342 mm^2 -> 1.90 pF/mm^2. Mean of the two. Wire capacitance per mm barely moves with the
 * node, so the figure is not node-scaled.
 */
export const GLOBAL_CLOCK_PF_PER_MM2: Sourced = {
  value: (0.5 / (1.2 ** 2 * 1.2e9 * 378) + 1.1 / (1.1 ** 2 * 1.4e9 * 342)) / 2 * 1e12, unit: "pF/mm^2", confidence: "low",
  source: "derived: mean of Niagara (0.77 pF/mm^2) and Niagara2 (1.90 pF/mm^2) global clock power / (V^2 f area), McPAT MICRO 2009 Fig. 3 published data",
};

/** On-chip wire: Accelergy hwcomponents `Wire` default capacitance 0.2 pF/mm, energy C V^2 per transition; random data toggles half the bits (activity 0.5). */
export const WIRE_PF_PER_MM: Sourced = { value: 0.2, unit: "pF/mm", confidence: "medium", source: "Accelergy hwcomponents-library misc.py Wire (capacitance_per_m 2e-10 F/m)" };
export const WIRE_ACTIVITY = 0.5;

/** A router traversal: ISAAC's router, 20.74 pJ per 256-bit flit at 32 nm (Accelergy library isaac.py, from ISAAC's 42 mW router power; Shafiee et al., ISCA 2016). */
export const ROUTER_32NM: Sourced = { value: 20.74 / 256, unit: "pJ/bit", confidence: "medium", source: "ISAAC router 20.74 pJ per 256-bit transfer at 32 nm (Accelergy hwcomponents-library isaac.py)" };
export const ROUTER_NODE = { nodeNm: 32, voltageV: 0.9 } as const;

/** Phase-locked loop static power: CACTI-IO's PHY PLL, 10 mW (CACTI 7 extio_technology.cc); one for the core clock. */
export const CORE_PLL: Sourced = { value: 0.010, unit: "W", confidence: "medium", source: "CACTI-IO (CACTI 7 extio_technology.cc) DDR PHY PLL static 10 mW" };

/** Placement and routing overhead on logic macros: McPAT's macro_layout_overhead ("placement and routing overhead is 10%", processor.cc; logic.cc). */
export const LAYOUT_OVERHEAD: Sourced = { value: 0.10, unit: "fraction", confidence: "medium", source: "McPAT v1.3 (HewlettPackard/mcpat @ 74d4759f) processor.cc/logic.cc macro_layout_overhead" };

/** Control logic per vector lane (instruction buffer, scheduler, dispatch): LLMCompass cost_model.py, 996,200 transistors per lane (mean of its A100- and MI210-derived figures). */
export const CONTROL_PER_LANE: Sourced = { value: 996_200, unit: "transistors/lane", confidence: "medium", source: "LLMCompass cost_model.py @ 2e015fd2 (control per vector lane)" };

/** On-chip network per core (crossbar port, routers, wiring): LLMCompass cost_model.py, 44.3 M transistors per core. */
export const NETWORK_PER_CORE: Sourced = { value: 44_300_000, unit: "transistors/core", confidence: "medium", source: "LLMCompass cost_model.py @ 2e015fd2 (per_core_comm_transistor_count)" };

/**
 * Power gating: break-even idle time (the gap over which gating saves more leakage than the
 * transition costs) and wake-up latency, in cycles. Hu et al., "Microarchitectural techniques for
 * power gating of execution units", ISLPED 2004, report break-even of about 10-20 cycles for
 * execution units; the upper end is used, and the wake-up is taken as half of it. Transition energy
 * = leakage power x break-even time (the definition of break-even).
 */
export const POWER_GATE_BREAK_EVEN_CYCLES: Sourced = { value: 20, unit: "cycles", confidence: "low", source: "Hu et al. ISLPED 2004 (10-20 cycles for execution units; upper end)" };
export const POWER_GATE_WAKE_CYCLES: Sourced = { value: 10, unit: "cycles", confidence: "low", source: "assumption: half the break-even time (Hu et al. ISLPED 2004)" };

export interface LinkInfo {
  /** Data rate per link (or lane), one direction, bits per second. */
  bitsPerSecond: number;
  /** Links are bidirectional: SerDes count per link = 2 directions. */
  phyAreaMm2: Sourced;
  controllerTransistors: Sourced;
}

const LLMC = "LLMCompass cost_model.py @ 2e015fd2";
/** Off-chip links: LLMCompass's area constants ("PHYs do not scale"); data rates from the standards. */
export const LINKS: Record<LinkKind, LinkInfo> = {
  pcie4: { bitsPerSecond: 16e9, phyAreaMm2: { value: 0.48, unit: "mm^2/lane", confidence: "medium", source: `${LLMC} PCIe4 PHY` }, controllerTransistors: { value: 3_962_500, unit: "transistors/lane", confidence: "medium", source: `${LLMC} PCIe4 controller` } },
  pcie5: { bitsPerSecond: 32e9, phyAreaMm2: { value: 0.64, unit: "mm^2/lane", confidence: "medium", source: `${LLMC} PCIe5 PHY` }, controllerTransistors: { value: 5_372_100, unit: "transistors/lane", confidence: "medium", source: `${LLMC} PCIe5 controller` } },
  nvlink3: { bitsPerSecond: 200e9, phyAreaMm2: { value: 1.888, unit: "mm^2/link", confidence: "medium", source: `${LLMC} NVLink3 PHY` }, controllerTransistors: { value: 74_632_000, unit: "transistors/link", confidence: "medium", source: `${LLMC} NVLink3 controller` } },
  nvlink4: { bitsPerSecond: 200e9, phyAreaMm2: { value: 0.965, unit: "mm^2/link", confidence: "medium", source: `${LLMC} NVLink4 PHY` }, controllerTransistors: { value: 86_628_000, unit: "transistors/link", confidence: "medium", source: `${LLMC} NVLink4 controller` } },
  "infinity-fabric": { bitsPerSecond: 400e9, phyAreaMm2: { value: 5.69, unit: "mm^2/link", confidence: "medium", source: `${LLMC} Infinity Fabric PHY` }, controllerTransistors: { value: 348_148_000, unit: "transistors/link", confidence: "medium", source: `${LLMC} Infinity Fabric controller` } },
};

/**
 * SerDes static power: McPAT's 10 mW per Gb/s at 90 nm (iocontrollers.cc, PCIe 2.0 SerDes; scaled
 * by feature size F/90 nm, as McPAT scales it). A link draws it whether or not it carries data.
 */
export const SERDES_MW_PER_GBPS_90NM: Sourced = { value: 10, unit: "mW/(Gb/s)", confidence: "medium", source: "McPAT v1.3 iocontrollers.cc (PCIe SerDes 10 mW per Gb/s at 90 nm, scaled F/90)" };
