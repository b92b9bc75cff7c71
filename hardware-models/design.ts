/**
 * A design after validation and resolution: every quantity a plain number in the unit its name
 * says, every unit resolved by its model, energies priced at the operating point. Frozen; this is
 * what the engine (and, serialised, a sweep worker) receives.
 */
import type { OpKind } from "../workloads/trace.js";
import type { MemoryLevel } from "./memory-hierarchy.js";
import type { Flavor } from "./technology/node-scaling.js";
import type { EnergyTable } from "./technology/energy-table.js";
import type { UnitSpec } from "./unit-registry.js";
import type { ChipModel } from "./chip/chip.js";

export interface Technology {
  nodeNm: number;
  flavor: Flavor;
  voltageV: number;
  frequencyHz: number;
  /** Operating points the chip supports (design `technology.dvfs`), when given. */
  dvfs?: readonly { voltageV: number; frequencyHz: number }[];
}

export interface Mapping {
  /** Unit index per op kind. */
  unitByKind: Record<OpKind, number>;
  /** Unit for matmuls whose B operand is not a weight (QK^T, AV). */
  dynamicMatmulUnit: number;
  /** Memory level index holding the weights. */
  weightsLevel: number;
  /** Fuse QK^T -> softmax -> AV (FlashAttention): scores stay inside the units. */
  fusedAttention: boolean;
}

/**
 * What the hardware model does not see (design `system:` section): the software stack's fixed time
 * per op execution, the fraction of the modelled rate each op kind achieves, and the static power of
 * the rest of the board. Defaults (0 s, 1, 0 W) leave the hardware model's numbers unchanged.
 */
export interface SystemModel {
  opOverheadSeconds: Record<OpKind, number>;
  opEfficiency: Record<OpKind, number>;
  staticPowerW: number;
  /** Where the chip runs (design `system.carbon`): Results then carry carbon (sim/carbon.ts). */
  carbon?: {
    gridIntensityGPerKWh: number;
    pue: number;
    fabIntensityGPerKWh: number;
    abatement: 95 | 97 | 99;
    lifetimeSeconds: number;
    dutyCycle: number;
  };
}

export interface Design {
  name: string;
  /** Where it came from (file path or "preset:NAME"), for messages. */
  origin: string;
  description?: string;
  technology: Technology;
  /** Shared levels, outermost first. */
  memory: MemoryLevel[];
  units: UnitSpec[];
  mapping: Mapping;
  energy: EnergyTable;
  system: SystemModel;
  /** The whole chip around units and levels: die area by block, clock, network, PHYs, DRAM devices, power states (hardware-models/chip). */
  chip: ChipModel;
  /** Die area (the chip model's sum of blocks), mm^2. */
  areaMm2: number;
  /** Leakage of the units and SRAM levels (the rest of the die: the chip's leakage.uncounted line). */
  leakagePowerW: number;
  /**
   * Per unit, the unit whose issue slots its work takes (`sharesIssueWith`; itself otherwise): ops
   * of units with the same entry run one at a time on the timeline. Absent: every unit its own.
   */
  issueGroup?: readonly number[];
}
