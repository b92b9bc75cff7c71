/**
 * A design after validation and resolution: every quantity a plain number in the unit its name
 * says, every unit resolved by its model, energies priced at the operating point. Frozen; this is
 * what the engine (and, serialised, a sweep worker) receives.
 */
import type { OpKind } from "../workloads/trace.js";
import type { MemoryLevel } from "./memory-hierarchy.js";
import type { Flavor } from "./technology/node-scaling.js";
import type { EnergyTable } from "./technology/energy-table.js";
import type { ResolvedUnitBase } from "./unit-model.js";

export interface Technology {
  nodeNm: number;
  flavor: Flavor;
  voltageV: number;
  frequencyHz: number;
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

export interface Design {
  name: string;
  /** Where it came from (file path or "preset:NAME"), for messages. */
  origin: string;
  description?: string;
  technology: Technology;
  /** Shared levels, outermost first. */
  memory: MemoryLevel[];
  units: ResolvedUnitBase[];
  mapping: Mapping;
  energy: EnergyTable;
  areaMm2: number;
  leakagePowerW: number;
}
