/**
 * What a simulation returns. SI units in names; breakdowns (per op, layer, unit, memory level,
 * action) each add up to the totals (up to floating-point rounding; tests check 1e-9 relative).
 */
import type { OpKind } from "../workloads/trace.js";
import type { CarbonResult } from "./carbon.js";
import type { Infeasible as InfeasibleReason } from "../hardware-models/infeasibility.js";

export interface LevelBytes {
  readBytes: number;
  writeBytes: number;
}

export interface OpResult {
  id: string;
  kind: OpKind;
  layer: number;
  unit: string;
  /** Execution probability the costs below are already multiplied by. */
  weight: number;
  /** Executions (decode steps of a generation); the costs below are summed over them. */
  count: number;
  /** Standalone latency (the op alone on its unit, full bandwidth). */
  latencyCycles: number;
  computeCycles: number;
  stallCycles: number;
  latencySeconds: number;
  /** When the op ran on the timeline (first chunk start, last chunk end; bandwidth shared). */
  startCycles: number;
  endCycles: number;
  energyPj: number;
  dynamicEnergyPj: number;
  /** The op's share of the run's leakage (in proportion to its standalone latency). */
  leakageEnergyPj: number;
  /** Share of the system static power, present when the design has one. */
  systemEnergyPj?: number;
  /** The op's share of the whole chip's components (its bytes, compute cycles and time; sim/chip-energy.ts). */
  chipEnergyPj: number;
  macs: number;
  /** Shared memory levels and unit buffers ("unit.buffer"). */
  bytesByLevel: Record<string, LevelBytes>;
  /** MACs / (peak MACs per cycle x compute cycles of the unit). */
  utilization: number;
  /** Which resource bounds the op: "compute" or a memory level's name. */
  boundBy: string;
}

export interface EnergyBreakdownEntry {
  energyPj: number;
  dynamicEnergyPj: number;
  leakageEnergyPj: number;
  /** Share of the system static power (design `system.staticPower`), present when it is not zero. */
  systemEnergyPj?: number;
  /** Share of the whole chip's components (layers and op kinds; units and levels report theirs in byComponent). */
  chipEnergyPj?: number;
}

export interface LayerResult extends EnergyBreakdownEntry {
  layer: number;
  /** Expected standalone latency of the layer's ops (weighted by execution probability). */
  latencyCycles: number;
  macs: number;
  /** Latency and energy of the layer when it runs (not weighted by early-exit probability). */
  latencyCyclesIfRun: number;
  energyPjIfRun: number;
}

/** Early exit: the cost of an inference that exits after `afterLayer`, and how likely that is. */
export interface ExitPoint {
  afterLayer: number;
  probability: number;
  latencyCycles: number;
  energyPj: number;
}

export interface UnitResult extends EnergyBreakdownEntry {
  unit: string;
  kind: string;
  /** Peak MAC rate of the unit (all replicas), MACs per second: its compute roof. */
  peakMacsPerSecond: number;
  busyCycles: number;
  macs: number;
  utilization: number;
  areaMm2: number;
}

export interface LevelResult extends EnergyBreakdownEntry, LevelBytes {
  level: string;
  /** The level's bandwidth: its roof. */
  bandwidthBytesPerSecond: number;
  /** Bytes moved / total latency. */
  averageBandwidthBytesPerSecond: number;
  /** Largest bytes-per-second of any single op at this level. */
  peakBandwidthBytesPerSecond: number;
  peakResidentBytes?: number;
  capacityBytes?: number;
}

/** One executed piece of an op on the timeline (an op split into chunks for pipelining has several). */
export interface TimelineEntry {
  op: string;
  unit: string;
  chunk: number;
  chunks: number;
  startCycles: number;
  endCycles: number;
}

export interface Result {
  design: string;
  workload: string;
  frequencyHz: number;
  /** Makespan of the timeline: units overlap, bandwidth is shared. */
  latencyCycles: number;
  /** Sum of the ops' standalone latencies (what one-op-at-a-time execution would take). */
  serialLatencyCycles: number;
  latencySeconds: number;
  energyPj: number;
  energyJ: number;
  dynamicEnergyPj: number;
  leakageEnergyPj: number;
  /** System static power (design `system.staticPower`: the rest of the board) x latency. */
  systemEnergyPj: number;
  /** The whole chip's components (breakdown.byComponent). energyPj = dynamic + leakage + system + chip. */
  chipEnergyPj: number;
  /** The part of chipEnergyPj shared among ops by time (clock tree, PHY static, DRAM background, always-on, idle units, gating); the rest follows each op's bytes and cycles. */
  chipStaticEnergyPj: number;
  averagePowerW: number;
  /** Power drawn while running that does not depend on the work: leakage, system, clock tree, PHY static, DRAM background, always-on. */
  staticPowerW: number;
  /** Power with nothing to run: each unit and memory in its idle state (design `chip.idleState`, `chip.memoryIdleState`). */
  idlePowerW: number;
  /** Energy proportionality: power when busy with this workload 10%, 50% and 100% of the time, idle otherwise. */
  powerAtLoadW: { load10: number; load50: number; load100: number };
  /** Largest average power over any window of `powerWindowSeconds` on the timeline. */
  peakPowerW: number;
  powerWindowSeconds: number;
  macs: number;
  /** 2 x MACs / bytes moved at the outermost level. */
  opsPerByte: number;
  bytesByLevel: Record<string, LevelBytes>;
  peakMemoryBytes: number;
  peakActivationBytes: number;
  weightBytes: number;
  areaMm2: number;
  areaByComponentMm2: Record<string, number>;
  /** Die area by block (cores, interconnect, global buffer, memory PHY and control, links, other); sums to areaMm2. */
  dieAreaByBlockMm2: Record<string, number>;
  leakagePowerW: number;
  utilization: number;
  breakdown: {
    byLayer: LayerResult[];
    byUnit: UnitResult[];
    byLevel: LevelResult[];
    byOpKind: Record<string, EnergyBreakdownEntry & { latencyCycles: number }>;
    /** Dynamic energy per priced action ("unit.action" or "level.read"/"level.write"). */
    byAction: Record<string, { count: number; energyPj: number }>;
    /** The whole chip's components (clock.<unit>, clock.global, noc, phy.<level>, dram-activation.<level>, dram-background.<level>, uncore.*, leakage.uncounted, power-gating.<unit>); sum to chipEnergyPj. */
    byComponent: Record<string, { energyPj: number; source: string }>;
  };
  /** Present when the design fuses attention: groups, query block rows (Br), K/V passes (Tr), buffer. */
  attentionFusion?: { groups: number; queryBlockRows: number; kvPasses: number; bufferBytes: number };
  /** Present when the workload has early exits. */
  exitProfile?: ExitPoint[];
  /** Present with SimulateOptions.keepTimeline. */
  timeline?: TimelineEntry[];
  /** Power (dynamic + leakage) from each time to the next, with SimulateOptions.keepTimeline. */
  powerTrace?: { startCycles: number; powerW: number }[];
  /** Operational and embodied carbon, when the design gives a grid intensity (`system.carbon`). */
  carbon?: CarbonResult;
  ops: OpResult[];
}

/** A design point that cannot run the workload: which op, on which unit, why (each reason typed, with a class). */
export interface Infeasible {
  design: string;
  workload: string;
  reasons: InfeasibleReason[];
}

export type SimOutcome = { ok: true; result: Result } | { ok: false; infeasible: Infeasible };

/** The parts of a Result that summary mode leaves out (built by SummaryOutcome.result()). */
export type FullResultField = "bytesByLevel" | "areaByComponentMm2" | "dieAreaByBlockMm2" | "breakdown" | "timeline" | "powerTrace" | "ops";

/** A Result's totals (summary mode, sim/engine.ts simulateSummary): everything but the breakdowns, per-op list and maps. */
export interface ResultSummary extends Omit<Result, FullResultField> {
  /** Bytes read and written at each memory level, in the design's order (outermost first): the Result's bytesByLevel by level name. */
  levelBytes: LevelBytes[];
}

/** Summary mode's outcome: the totals, and the full Result (as simulate's with `perOp: false`) when asked for. */
export type SummaryOutcome = { ok: true; summary: ResultSummary; result: () => Result } | { ok: false; infeasible: Infeasible };
