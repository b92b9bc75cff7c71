/**
 * The contract every compute-unit model implements (one file per kind; the registry in
 * `unit-registry.ts` maps kinds to models). A model is pure functions over a resolved spec:
 * `supports(op)`, `check(spec, op, ctx)` (feasibility as a value with a typed reason) and
 * `cost(spec, op, ctx)`, which counts actions (MACs, buffer bytes, instructions) and the bytes it
 * moves at each shared memory level. Prices come from the spec's action table; the engine never
 * looks inside a unit.
 *
 * The seam is typed and named, not positional: a unit's section of a design file has one schema
 * (TypeBox), and its TypeScript type is derived from it (`Static<typeof schema>`), so the two cannot
 * drift; a unit's actions are named records (id, price, source, origin, and for buffer actions the
 * buffer and the direction as data), and the index of each action in a cost's counts is derived from
 * the table itself (`actionTable`), so no list order can misprice an action.
 */
import { Type, type Static, type TObject } from "@sinclair/typebox";
import { QuantityString } from "../common/schema.js";
import { clearNumbers, zeros } from "../common/numbers.js";
import type { Op, OpKind } from "../workloads/trace.js";
import type { Precision } from "../workloads/precision.js";
import type { EnergyTable, EnergyOrigin } from "./technology/energy-table.js";
import type { MemoryLevel } from "./memory-hierarchy.js";
import type { Infeasible } from "./infeasibility.js";

/** Fields every unit section may have, whatever its kind (each kind's schema spreads them). */
export const UNIT_COMMON_PROPERTIES = {
  description: Type.Optional(Type.String()),
  frequency: Type.Optional(QuantityString({ description: "the unit's own clock (default: technology.frequency)" })),
  leakage: Type.Optional(QuantityString({ description: "leakage power of the whole unit (all replicas), overriding the area-based default" })),
  count: Type.Optional(Type.Integer({ minimum: 1, description: "replicas of this unit (cores); ops are split across them" })),
  kernelTiles: Type.Optional(Type.Array(Type.Object({
    rows: Type.Integer({ minimum: 1, description: "output rows per tile" }),
    cols: Type.Integer({ minimum: 1, description: "output columns per tile" }),
  }, { additionalProperties: false }), { minItems: 1, description: "a GPU's GEMM kernels' thread-block tiles: a dense matmul is handed to the replicas in whole output tiles of one of these shapes (the fastest, as a library's kernel selection picks), and a partial tile takes a whole tile's time (hardware-models/replication.ts)" })),
  sharesIssueWith: Type.Optional(Type.String({ description: "a unit whose cores' issue slots this unit's work shares (an SM's CUDA cores beside its tensor cores): the two never run at once" })),
};

/** A countable action a unit performs and its price. */
export interface ActionPrice {
  /** Reported name, unique within the unit: "mac.int8", "ifmap.read", "instruction". */
  name: string;
  energyPj: number;
  /** What one count is. */
  per: "op" | "byte" | "instruction";
  source: string;
  /** Where the price came from: the scaled table, a calibration, or the user (precedence user > calibrated > table). */
  origin: EnergyOrigin;
  /** For byte actions on a unit-local buffer: which buffer (reported as the level "<unit>.<buffer>") and which way. */
  buffer?: { name: string; access: "read" | "write" };
}

/**
 * A unit's priced actions: the list (in the order a Result reports them) and, per action id, the
 * index of its count in a UnitCost. The index is derived from the list, never written by hand.
 */
export interface ActionTable<Id extends string> {
  readonly list: readonly ActionPrice[];
  readonly index: Readonly<Record<Id, number>>;
}

/** Build an action table from named actions (ids are the keys; the list keeps their order). */
export function actionTable<Id extends string>(actions: Readonly<Record<Id, ActionPrice>>): ActionTable<Id> {
  const list: ActionPrice[] = [];
  const index = {} as Record<Id, number>;
  const names = new Set<string>();
  for (const id of Object.keys(actions) as Id[]) {
    const action = actions[id];
    if (names.has(action.name)) throw new Error(`action name ${action.name} used twice in one unit`);
    names.add(action.name);
    index[id] = list.length;
    list.push(Object.freeze({ ...action }));
  }
  return Object.freeze({ list: Object.freeze(list), index: Object.freeze(index) });
}

/** The same table with some prices replaced (overrides and calibration); ids and indices unchanged. */
export function repriced<A extends ActionTable<string>>(table: A, prices: ReadonlyMap<string, Pick<ActionPrice, "energyPj" | "source" | "origin">>): A {
  if (prices.size === 0) return table;
  const list = table.list.map((a) => {
    const p = prices.get(a.name);
    return p ? Object.freeze({ ...a, ...p }) : a;
  });
  return Object.freeze({ ...table, list: Object.freeze(list) });
}

/** Fields every resolved unit spec has, whatever its kind. */
export interface ResolvedUnitBase<Id extends string = string> {
  name: string;
  frequencyHz: number;
  /** Replicas (1 unless the section says `count:`); the figures below are for all of them. */
  count: number;
  /** Priced actions; a cost's `counts` is indexed by `actions.index`. */
  actions: ActionTable<Id>;
  areaMm2: number;
  /** Area by component (e.g. "macs", "buffers"). */
  areaByComponentMm2: Readonly<Record<string, number>>;
  leakagePowerW: number;
  /** Peak MACs per unit-clock cycle (for utilisation and rooflines). */
  peakMacsPerCycle: number;
  /** On-chip buffer the unit's kernels tile into (fused attention's M). */
  localBufferBytes: number;
  /** Replicas take dense matmuls in whole output tiles of one of these shapes (a kernel's thread-block tile); absent: any split. */
  kernelTiles?: readonly { rows: number; cols: number }[];
}

/** Where an operand lives: a shared memory level's index (0 = outermost), or inside the units. */
export const INSIDE_UNITS = -1;

export interface Operand {
  precision: Precision;
  /** Size of the whole tensor (an op may touch less of it). */
  bytes: number;
  /** A resident weight (not computed per input). */
  isWeight: boolean;
  /** Shared level index where the tensor lives, or INSIDE_UNITS (fused attention's scores: no traffic anywhere). */
  level: number;
  /** The tensor's index in the trace (operands of different ops that are the same tensor share it). */
  tensor: number;
}

export interface OpContext {
  inputs: readonly Operand[];
  output: Operand;
  memory: readonly MemoryLevel[];
}

export type Feasibility = { ok: true } | { ok: false; reason: Infeasible };
export const FEASIBLE: Feasibility = Object.freeze({ ok: true });

/**
 * What a unit reports for one op (one execution, before the op's weight): cycles, MACs, action
 * counts (indexed by the spec's `actions.index`) and bytes per shared level. Charge traffic with
 * `read`/`write`: an operand inside the units (INSIDE_UNITS) moves no bytes at any level.
 */
export class UnitCost {
  /** Cycles of the unit's own clock with all operands on hand (fill/drain included). */
  computeCycles = 0;
  /**
   * Cycles of the unit's own clock its private memory interfaces need, when it has them (SCALE-Sim's
   * one DRAM port per operand, `trafficModel: scalesim-v2`): the op takes at least this long. 0: none.
   */
  interfaceCycles = 0;
  macs = 0;
  readonly counts: number[];
  /** Bytes read from / written to each shared memory level (indexed like `ctx.memory`). */
  readonly readBytes: number[];
  readonly writeBytes: number[];

  constructor(levels: number, actions: number) {
    this.counts = zeros(actions);
    this.readBytes = zeros(levels);
    this.writeBytes = zeros(levels);
  }

  read(level: number, bytes: number): void {
    if (level >= 0) this.readBytes[level]! += bytes;
  }

  write(level: number, bytes: number): void {
    if (level >= 0) this.writeBytes[level]! += bytes;
  }

  /** Multiply everything (replicas: r shares of the same work). */
  scale(r: number): void {
    this.macs *= r;
    for (let a = 0; a < this.counts.length; a++) this.counts[a]! *= r;
    for (let l = 0; l < this.readBytes.length; l++) {
      this.readBytes[l]! *= r;
      this.writeBytes[l]! *= r;
    }
  }
}

/** A zeroed cost: `scratch` reset in place when it has the right shape, else a new object. */
export function zeroCost(sharedLevels: number, actions: number, scratch?: UnitCost): UnitCost {
  if (scratch && scratch.readBytes.length === sharedLevels && scratch.counts.length === actions) {
    scratch.computeCycles = 0;
    scratch.interfaceCycles = 0;
    scratch.macs = 0;
    clearNumbers(scratch.counts);
    clearNumbers(scratch.readBytes);
    clearNumbers(scratch.writeBytes);
    return scratch;
  }
  return new UnitCost(sharedLevels, actions);
}

/** An op and its operands, as the engine hands the work mapped to a unit to `bind`. */
export interface AssignedOp {
  op: Op;
  ctx: OpContext;
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

/**
 * A unit kind's model. `T` is its section's schema; the resolver takes exactly the type the schema
 * validates (`Static<T>`), so schema and code cannot disagree and still compile.
 */
export interface UnitModel<T extends TObject, S extends ResolvedUnitBase> {
  /** JSON Schema of this kind's section in a design file (TypeBox: plain JSON Schema at run time). */
  readonly schema: T;
  resolve(user: Static<T>, env: ResolveEnv): S;
  /** Op kinds this unit can run (mapping defaults use it); `supports` may refine per op. */
  readonly kinds: readonly OpKind[];
  supports(op: Op): boolean;
  check(spec: S, op: Op, ctx: OpContext): Feasibility;
  /**
   * Facts of one run that the unit derives from all the work mapped to it (the IMC crossbar: do
   * its weights stay resident). Called once per simulation before any cost; returns the spec to
   * cost with (the same object when nothing depends on the run).
   */
  bind?(spec: S, assigned: readonly AssignedOp[]): S;
  /** `scratch`, when given, is a cost object from an earlier call that may be reset and reused. */
  cost(spec: S, op: Op, ctx: OpContext, scratch?: UnitCost): UnitCost;
}

/**
 * Charge an operand's fetches: its first pass from the level it lives in; re-fetches (tiling passes
 * beyond the first) from the innermost on-chip shared level below it that can hold the whole
 * operand, as an L2 or global buffer would serve them, else from home again. Returns nothing; adds
 * to `cost`. An operand inside the units moves nothing.
 */
export function chargeFetch(cost: UnitCost, ctx: OpContext, level: number, fetchBytes: number, operandBytes: number): void {
  if (level < 0) return;
  const refetch = fetchBytes - operandBytes;
  const inner = refetch > 0 ? innerLevelHolding(ctx.memory, level, operandBytes) : -1;
  if (inner < 0) {
    cost.readBytes[level]! += fetchBytes;
    return;
  }
  cost.readBytes[level]! += operandBytes;
  cost.writeBytes[inner]! += operandBytes;
  cost.readBytes[inner]! += refetch;
}

/**
 * The innermost on-chip writable shared level below `home` with room for `bytes` (-1: none);
 * `bytes` 0 asks for any such level (an L2 that can multicast).
 */
export function innerLevelHolding(memory: OpContext["memory"], home: number, bytes: number): number {
  for (let l = memory.length - 1; l > home; l--) {
    const m = memory[l]!;
    if (!m.offChip && m.writable && m.capacityBytes >= bytes) return l;
  }
  return -1;
}

export interface MatmulOperand {
  /** Shared level the operand lives in (or INSIDE_UNITS). */
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
  const directA = homeOf(a), directB = homeOf(b);
  // The cheapest blocking, as scalars (this runs for every matmul a unit costs: no allocation).
  // An operand that already lives at or inside the blocking level is read there as the unit
  // fetches it, and counts as wholly resident for the other one's blocking (issue 15: requiring
  // both operands outside the level made moving A into the L2 send B's re-fetches back to DRAM).
  let bestLevel = -1, bestA = directA, bestB = directB, bestHome = directA + directB;
  if (bestHome > a.bytes + b.bytes && a.level >= 0 && b.level >= 0) {
    const batch = Math.max(1, shape.batch);
    const eA = a.bytes / batch / (shape.m * shape.k), eB = b.bytes / batch / (shape.k * shape.n);
    for (let l = levels.length - 1; l > Math.min(a.level, b.level); l--) {
      const level = levels[l]!;
      if (level.offChip || !level.writable) continue;
      const aOutside = a.level < l, bOutside = b.level < l;
      const rowsA = aOutside ? Math.floor(level.capacityBytes / (shape.k * eA)) : shape.m;
      if (rowsA >= 1) {
        const homeA = aOutside ? Math.min(a.fetchBytes, a.bytes) : directA;
        const homeB = bOutside ? Math.min(b.fetchBytes, b.bytes * Math.ceil(shape.m / rowsA)) : directB;
        if (homeA + homeB < bestHome) {
          bestLevel = l;
          bestA = homeA;
          bestB = homeB;
          bestHome = homeA + homeB;
        }
      }
      const colsB = bOutside ? Math.floor(level.capacityBytes / (shape.k * eB)) : shape.n;
      if (colsB >= 1) {
        const homeA = aOutside ? Math.min(a.fetchBytes, a.bytes * Math.ceil(shape.n / colsB)) : directA;
        const homeB = bOutside ? Math.min(b.fetchBytes, b.bytes) : directB;
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
  for (const [x, home] of [[a, bestA], [b, bestB]] as const) {
    if (x.level >= bestLevel) {
      chargeFetch(cost, ctx, x.level, x.fetchBytes, x.bytes);
      continue;
    }
    cost.readBytes[x.level]! += home;
    cost.writeBytes[bestLevel]! += home;
    cost.readBytes[bestLevel]! += Math.max(0, x.fetchBytes - home);
  }
}
