/**
 * The contract every compute-unit model implements (one file per kind; the registry in
 * `unit-registry.ts` maps kinds to models). A model is pure functions over a resolved spec:
 * `supports(op)`, `check(spec, op, ctx)` (feasibility as a value with a reason) and
 * `cost(spec, op, ctx)`, which counts actions (MACs, buffer bytes, instructions) and the bytes it
 * moves at each shared memory level. Prices come from the spec's action table; the engine never
 * looks inside a unit.
 */
import type { Op, OpKind } from "../workloads/trace.js";
import type { Precision } from "../workloads/precision.js";
import type { EnergyTable } from "./technology/energy-table.js";
import type { MemoryLevel } from "./memory-hierarchy.js";

/** A countable action a unit performs and its price. */
export interface ActionPrice {
  /** e.g. "mac.int8", "ifmap.read" (bytes), "instruction". */
  name: string;
  energyPj: number;
  /** What one count is: "op", "byte", "instruction". */
  per: "op" | "byte" | "instruction";
  source: string;
  /** For byte actions on a unit-local buffer: the buffer's name, reported as a memory level. */
  bufferName?: string;
}

/** Fields every resolved unit spec has, whatever its kind. */
export interface ResolvedUnitBase {
  name: string;
  kind: string;
  frequencyHz: number;
  /** Action table; a cost's `actionCounts` is aligned with it. */
  actions: readonly ActionPrice[];
  areaMm2: number;
  /** Area by component (e.g. "macs", "buffers"). */
  areaByComponentMm2: Readonly<Record<string, number>>;
  leakagePowerW: number;
  /** Peak MACs per unit-clock cycle (for utilisation and rooflines). */
  peakMacsPerCycle: number;
  /** On-chip buffer the unit's kernels tile into (fused attention's M). */
  localBufferBytes: number;
}

export interface Operand {
  precision: Precision;
  /** Size of the whole tensor (an op may touch less of it). */
  bytes: number;
  /** A resident weight (not computed per input). */
  isWeight: boolean;
  /** Index into the design's shared memory levels (0 = outermost) where the tensor lives. */
  level: number;
}

export interface OpContext {
  inputs: readonly Operand[];
  output: Operand;
  memory: readonly MemoryLevel[];
  /** Bytes of all distinct weight tensors the matmuls mapped to this unit read as B (residency). */
  unitWeightBytes?: number;
}

export type Feasibility = { ok: true } | { ok: false; reason: string };
export const FEASIBLE: Feasibility = Object.freeze({ ok: true });

/** What a unit reports for one op (one execution, before the op's weight). */
export interface UnitCost {
  /** Cycles of the unit's own clock with all operands on hand (fill/drain included). */
  computeCycles: number;
  macs: number;
  /** Aligned with the spec's `actions`. */
  actionCounts: number[];
  /** Bytes read from / written to each shared memory level (indexed like `ctx.memory`), plus one
   *  last slot for tensors that stay inside the units (fused attention's scores): not charged. */
  readBytes: number[];
  writeBytes: number[];
}

export interface UnitModel<S extends ResolvedUnitBase = ResolvedUnitBase> {
  /** JSON Schema (draft 2020-12 subset ajv accepts) of this kind's section in a design file. */
  readonly schema: Record<string, unknown>;
  resolve(user: Record<string, unknown>, env: ResolveEnv): S;
  /** Op kinds this unit can run (mapping defaults use it); `supports` may refine per op. */
  readonly kinds: readonly OpKind[];
  supports(op: Op): boolean;
  check(spec: S, op: Op, ctx: OpContext): Feasibility;
  /** `scratch`, when given, is a cost object from an earlier call that may be reset and reused. */
  cost(spec: S, op: Op, ctx: OpContext, scratch?: UnitCost): UnitCost;
}

/** What a unit's resolver may use: the operating point, the energy table, where errors point. */
export interface ResolveEnv {
  file: string;
  /** JSON path of this unit's section, e.g. "/units/npu". */
  path: string;
  name: string;
  nodeNm: number;
  voltageV: number;
  frequencyHz: number;
  energy: EnergyTable;
}

/** A zeroed cost: `scratch` reset in place when it has the right shape, else a new object. */
export function zeroCost(sharedLevels: number, actions: number, scratch?: UnitCost): UnitCost {
  const levels = sharedLevels + 1;
  if (scratch && scratch.readBytes.length === levels && scratch.actionCounts.length === actions) {
    scratch.computeCycles = 0;
    scratch.macs = 0;
    scratch.actionCounts.fill(0);
    scratch.readBytes.fill(0);
    scratch.writeBytes.fill(0);
    return scratch;
  }
  return {
    computeCycles: 0,
    macs: 0,
    actionCounts: new Array<number>(actions).fill(0),
    readBytes: new Array<number>(levels).fill(0),
    writeBytes: new Array<number>(levels).fill(0),
  };
}

/**
 * Charge an operand's fetches: its first pass from the level it lives in; re-fetches (tiling passes
 * beyond the first) from the innermost on-chip shared level below it that can hold the whole
 * operand, as an L2 or global buffer would serve them, else from home again. Returns nothing; adds
 * to `cost`.
 */
export function chargeFetch(cost: UnitCost, ctx: OpContext, level: number, fetchBytes: number, operandBytes: number): void {
  const refetch = fetchBytes - operandBytes;
  const inner = refetch > 0 && level < ctx.memory.length ? innerLevelHolding(ctx.memory, level, operandBytes) : -1;
  if (inner < 0) {
    cost.readBytes[level]! += fetchBytes;
    return;
  }
  cost.readBytes[level]! += operandBytes;
  cost.writeBytes[inner]! += operandBytes;
  cost.readBytes[inner]! += refetch;
}

/** The innermost on-chip writable shared level below `home` with room for `bytes` (-1: none). */
export function innerLevelHolding(memory: OpContext["memory"], home: number, bytes: number): number {
  for (let l = memory.length - 1; l > home; l--) {
    const m = memory[l]!;
    if (!m.offChip && m.writable && m.capacityBytes >= bytes) return l;
  }
  return -1;
}

export interface MatmulOperand {
  /** Shared level the operand lives in. */
  level: number;
  /** Bytes the unit fetches over the op (all passes, all batch items). */
  fetchBytes: number;
  /** The operand's size (all batch items). */
  bytes: number;
}

/**
 * Charge a matmul's A [m x k] and B [k x n] fetches. Each operand alone goes through chargeFetch
 * (re-fetches served by an inner level that holds it whole). When an operand fits no inner level,
 * its re-fetches would all go back to its home level; a compiler blocks the matmul at an on-chip
 * level instead (the L2 or global-buffer tiling of Timeloop/ZigZag-style multi-level mappings): a
 * block of A's rows stays resident while B streams past it once per block (or the symmetric
 * B-stationary order),
 *
 *   home traffic = |A| + |B| ceil(m / floor(C / (k eA)))    or    |B| + |A| ceil(n / floor(C / (k eB)))
 *
 * per batch item, C the level's capacity, each operand's home traffic capped by what the unit
 * fetches anyway. The cheapest of these and the per-operand rule is charged; the unit's fetches
 * beyond the home traffic are read from the blocking level (which the home traffic is written into).
 * A larger inner level never adds traffic.
 */
export function chargeMatmulFetch(cost: UnitCost, ctx: OpContext, a: MatmulOperand, b: MatmulOperand, shape: { m: number; n: number; k: number; batch: number }): void {
  const levels = ctx.memory;
  const homeOf = (x: MatmulOperand) => (x.fetchBytes > x.bytes && innerLevelHolding(levels, x.level, x.bytes) >= 0 ? x.bytes : x.fetchBytes);
  const directHome = homeOf(a) + homeOf(b);
  // The cheapest blocking, as scalars (this runs for every matmul a unit costs: no allocation).
  let bestLevel = -1, bestA = 0, bestB = 0, bestHome = directHome;
  if (directHome > a.bytes + b.bytes && a.level < levels.length && b.level < levels.length) {
    const batch = Math.max(1, shape.batch);
    const eA = a.bytes / batch / (shape.m * shape.k), eB = b.bytes / batch / (shape.k * shape.n);
    for (let l = levels.length - 1; l > Math.max(a.level, b.level); l--) {
      const level = levels[l]!;
      if (level.offChip || !level.writable) continue;
      const rowsA = Math.floor(level.capacityBytes / (shape.k * eA));
      if (rowsA >= 1) {
        const homeA = Math.min(a.fetchBytes, a.bytes), homeB = Math.min(b.fetchBytes, b.bytes * Math.ceil(shape.m / rowsA));
        if (homeA + homeB < bestHome) {
          bestLevel = l;
          bestA = homeA;
          bestB = homeB;
          bestHome = homeA + homeB;
        }
      }
      const colsB = Math.floor(level.capacityBytes / (shape.k * eB));
      if (colsB >= 1) {
        const homeA = Math.min(a.fetchBytes, a.bytes * Math.ceil(shape.n / colsB)), homeB = Math.min(b.fetchBytes, b.bytes);
        if (homeA + homeB < bestHome) {
          bestLevel = l;
          bestA = homeA;
          bestB = homeB;
          bestHome = homeA + homeB;
        }
      }
    }
  }
  if (bestLevel < 0) {
    chargeFetch(cost, ctx, a.level, a.fetchBytes, a.bytes);
    chargeFetch(cost, ctx, b.level, b.fetchBytes, b.bytes);
    return;
  }
  cost.readBytes[a.level]! += bestA;
  cost.readBytes[b.level]! += bestB;
  cost.writeBytes[bestLevel]! += bestHome;
  cost.readBytes[bestLevel]! += Math.max(0, a.fetchBytes + b.fetchBytes - bestHome);
}
