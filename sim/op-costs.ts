/**
 * Op costs: what a unit charges for one op of a trace (summed over a generation's growing steps),
 * priced and timed, before the op's weight and repeat. The engine adds these up into a Result.
 *
 * The compiled path remembers them per (design, placement): a trace's ops hold few distinct shapes
 * (bert-base: 144 ops, 10-17 shapes), so each distinct (unit, op signature, operands) is checked
 * and costed once per design, and a design evaluated again (a sweep's unchanged point, a benchmark,
 * a serving loop) costs nothing per op. An op's signature is everything a unit model may read:
 * the op without its identity (id, layer, tensor names, weight, pass) and its operands without
 * their tensor index (precision, size, weight or not, level). A unit that binds to the run (the IMC
 * crossbar's weight residency) is bound once per table, from the same work as the plain path.
 *
 * Both paths call `costOp`, so a remembered cost is the cost; tests compare whole Results of the
 * two bit for bit (sim/op-costs.test.ts).
 */
import { OP_KINDS, opAtStep, opCount, type Op, type Trace } from "../workloads/trace.js";
import type { Design } from "../hardware-models/design.js";
import { unitBind, unitBinds, unitCheck, unitCost, unitSupports, type UnitSpec } from "../hardware-models/unit-registry.js";
import type { AssignedOp, OpContext, Operand, UnitCost } from "../hardware-models/unit-model.js";
import { objectMemo, ownedMemo } from "../common/memo.js";
import { sameNumbers, zeroedOrNew, zeros } from "../common/numbers.js";
import type { Placement } from "./placement.js";
import type { MemoryLevel } from "../hardware-models/memory-hierarchy.js";

/** One op on its unit: sums over its steps (one unless the op grows), before weight and repeat. */
export interface OpCost {
  /** Reference-clock cycles, op overhead and efficiency included. */
  cycles: number;
  computeCycles: number;
  dynamicPj: number;
  /** The unit's share of dynamicPj (its priced actions; the rest is shared-level traffic). */
  unitDynamicPj: number;
  macs: number;
  /** Compute time on the unit's own clock, seconds. */
  unitBusySeconds: number;
  /** "compute" or the level that bounds the (last bound) step. */
  boundBy: string;
  /** Action counts (indexed like the unit's action list), bytes per shared level. */
  counts: number[];
  /** Indices of the actions with a count (most of a DSP's lane-op actions have none for a given op). */
  countedActions: number[];
  readBytes: number[];
  writeBytes: number[];
  /** Largest (bytes / latency) of any step at each level, bytes per second (0 when none moved). */
  peakBandwidthBytesPerSecond: number[];
}

/** The unit an op runs on: the mapping's unit for its kind; matmuls whose B is not a weight (QK^T, AV) may go to their own. */
export function unitOfOp(design: Design, trace: Trace, placement: Placement, i: number): number {
  const op = trace.ops[i]!;
  if (op.kind === "matmul" && !placement.operands[i]!.inputs[1]!.isWeight) return design.mapping.dynamicMatmulUnit;
  return design.mapping.unitByKind[op.kind];
}

/**
 * The units to cost with: a unit that derives facts of the run from all the work mapped to it (the
 * IMC's weight residency) sees that work once, before any cost; the others as resolved.
 */
export function boundUnits(design: Design, trace: Trace, placement: Placement): UnitSpec[] {
  return design.units.map((unit, u) => {
    if (!unitBinds(unit)) return unit;
    const assigned: AssignedOp[] = [];
    trace.ops.forEach((op, i) => {
      if (unitOfOp(design, trace, placement, i) !== u) return;
      const operands = placement.operands[i]!;
      assigned.push({ op, ctx: { inputs: operands.inputs, output: operands.output, memory: design.memory } });
    });
    return unitBind(unit, assigned);
  });
}

/**
 * Cost one op on unit `u` (every step of a growing op), price its actions and traffic, time it:
 * latency = max(compute cycles / unit clock, bytes / bandwidth at each level), then the design's
 * per-kind overhead and efficiency. `scratch[u]` is reused for the unit's cost object; `into`,
 * when given, is filled instead of a new OpCost (its arrays reused where their lengths fit).
 */
export function costOp(design: Design, unit: UnitSpec, op: Op, ctx: OpContext, scratch: (UnitCost | undefined)[], u: number, into?: OpCost): OpCost {
  const memory = design.memory;
  const nLevels = memory.length;
  const fRef = design.technology.frequencyHz;
  // A fused group is one kernel: its launch overhead is charged on the op that opens it.
  const overheadCycles = (op.fusion && !op.fusion.opensKernel ? 0 : design.system.opOverheadSeconds[op.kind]) * fRef;
  const slowdown = 1 / design.system.opEfficiency[op.kind];
  const actions = unit.actions.list;
  const out: OpCost = into ? resetCost(into, actions.length, nLevels) : {
    cycles: 0, computeCycles: 0, dynamicPj: 0, unitDynamicPj: 0, macs: 0, unitBusySeconds: 0, boundBy: "compute",
    counts: zeros(actions.length),
    readBytes: zeros(nLevels),
    writeBytes: zeros(nLevels),
    peakBandwidthBytesPerSecond: zeros(nLevels),
    countedActions: [],
  };
  const steps = op.repeat?.grow ? opCount(op) : 1;
  for (let s = 0; s < steps; s++) {
    const cost = unitCost(unit, s === 0 ? op : opAtStep(op, s), ctx, scratch[u]);
    scratch[u] = cost;
    // Time in reference-clock cycles (the design's technology frequency); a unit on its own clock
    // converts by the clock ratio (exactly 1 for single-clock designs, so cycles stay integers).
    const computeCycles = cost.computeCycles * (fRef / unit.frequencyHz);
    let latencyCycles = computeCycles;
    let boundBy = "compute";
    // A unit with its own memory interfaces (SCALE-Sim's per-operand DRAM ports, issue 15) bounds
    // the op's time itself.
    if (cost.interfaceCycles > cost.computeCycles) {
      latencyCycles = cost.interfaceCycles * (fRef / unit.frequencyHz);
      boundBy = `${unit.name} interfaces`;
    }
    for (let l = 0; l < nLevels; l++) {
      const bytes = cost.readBytes[l]! + cost.writeBytes[l]!;
      if (bytes === 0) continue;
      const cycles = (bytes / memory[l]!.bandwidthBytesPerSecond) * fRef;
      if (cycles > latencyCycles) {
        latencyCycles = cycles;
        boundBy = memory[l]!.name;
      }
    }
    let unitDynamic = 0;
    for (let a = 0; a < actions.length; a++) {
      const n = cost.counts[a]!;
      if (n === 0) continue;
      unitDynamic += n * actions[a]!.energyPj;
      out.counts[a]! += n;
    }
    let dynamic = unitDynamic;
    for (let l = 0; l < nLevels; l++) {
      const r = cost.readBytes[l]!, w = cost.writeBytes[l]!;
      dynamic += r * memory[l]!.readPjPerByte + w * memory[l]!.writePjPerByte;
      if (r === 0 && w === 0) continue;
      out.readBytes[l]! += r;
      out.writeBytes[l]! += w;
      if (latencyCycles > 0) out.peakBandwidthBytesPerSecond[l] = Math.max(out.peakBandwidthBytesPerSecond[l]!, ((r + w) * fRef) / latencyCycles);
    }
    out.cycles += overheadCycles + latencyCycles * slowdown;
    out.computeCycles += computeCycles;
    out.dynamicPj += dynamic;
    out.unitDynamicPj += unitDynamic;
    out.macs += cost.macs;
    out.unitBusySeconds += cost.computeCycles / unit.frequencyHz;
    if (boundBy !== "compute") out.boundBy = boundBy;
  }
  for (let a = 0; a < actions.length; a++) if (out.counts[a] !== 0) out.countedActions.push(a);
  return out;
}

/** An OpCost made ready to be filled again, as a fresh one. */
function resetCost(c: OpCost, actions: number, levels: number): OpCost {
  c.cycles = c.computeCycles = c.dynamicPj = c.unitDynamicPj = c.macs = c.unitBusySeconds = 0;
  c.boundBy = "compute";
  c.counts = zeroedOrNew(c.counts, actions);
  c.readBytes = zeroedOrNew(c.readBytes, levels);
  c.writeBytes = zeroedOrNew(c.writeBytes, levels);
  c.peakBandwidthBytesPerSecond = zeroedOrNew(c.peakBandwidthBytesPerSecond, levels);
  c.countedActions.length = 0;
  return c;
}

/** Per placement: a signature number per op (ops with equal signatures cost the same on any unit). */
interface OpSignatures {
  /** Identifies the placement's signature table (the cost tables' key). */
  id: number;
  signature: Int32Array;
  distinct: number;
}

const signatureTables = objectMemo<Placement, OpSignatures>("sim.op-signatures");
let nextSignatureTable = 0;

/** The fields of an op that identify it (not its cost): left out of its signature. */
const IDENTITY_FIELDS = new Set(["id", "layer", "inputs", "outputs", "weight", "pass"]);

function operandSignature(o: Operand): string {
  return `${o.precision}/${o.bytes}/${o.isWeight ? 1 : 0}/${o.level}`;
}

function signaturesOf(trace: Trace, placement: Placement): OpSignatures {
  const ids = new Map<string, number>();
  const signature = new Int32Array(trace.ops.length);
  trace.ops.forEach((op, i) => {
    const operands = placement.operands[i]!;
    const shape = JSON.stringify(Object.entries(op).filter(([field]) => !IDENTITY_FIELDS.has(field)));
    const key = `${shape}|${operands.inputs.map(operandSignature).join(",")}|${operandSignature(operands.output)}`;
    let id = ids.get(key);
    if (id === undefined) ids.set(key, (id = ids.size));
    signature[i] = id;
  });
  return { id: nextSignatureTable++, signature, distinct: ids.size };
}

/** A design's op costs on one placement of a trace; `feasible: false` when any op cannot run (the plain path reports why). */
export type OpCostTable =
  | { feasible: true; units: UnitSpec[]; /** Shared by the tables that assign alike (read-only). */ unitOfOp: Int32Array; opCosts: OpCost[] }
  | { feasible: false };

const costTables = ownedMemo<Design, number, OpCostTable>("sim.op-costs");

/**
 * Op costs shared across designs (a sweep's points): an op's cost reads its unit, the op and its
 * operands (the placement's signature), the memory levels (bandwidth and energy per byte), the
 * reference clock and the op kind's overhead and efficiency, nothing else of the design. Under
 * `resolveDesign(..., { reuseParts: true })` a unit or level whose section did not change is the
 * same object, so a point that changes only the NPU reuses the DSP's costs. A unit's costs in one
 * context (the levels' identities, the clock, every op kind's system figures and the signature
 * table) are a bank, indexed by signature. A bank is kept only once its (unit, context) is seen in
 * a second design: a unit whose section changes at every point would only fill the memo with costs
 * no point reads again (and V8's old space with them). Until then it is a bank without costs.
 */
const costBanks = ownedMemo<UnitSpec, string, { costs?: (OpCost | undefined)[] }>("sim.unit-op-costs");
const levelIds = objectMemo<MemoryLevel, number>("sim.level-ids");
let nextLevelId = 0;

/**
 * The reference clock, the identities of a design's memory levels and every op kind's overhead
 * and efficiency, as a key. (The clock is implied by the unit today: a unit is resolved again when
 * the design's clock changes. It stays in the key so the rule does not rest on that.)
 */
function contextKey(design: Design): string {
  let key = `${design.technology.frequencyHz}`;
  for (const level of design.memory) key += `,${levelIds.lookup(level) ?? levelIds.store(level, nextLevelId++)}`;
  const { opOverheadSeconds, opEfficiency } = design.system;
  for (const kind of OP_KINDS) key += `|${opOverheadSeconds[kind]},${opEfficiency[kind]}`;
  return key;
}

/**
 * The op costs of `design` on `trace` placed by `placement`, each distinct (unit, signature) costed
 * once, remembered per design. With `remember` false the table is the caller's until the next such
 * table (its per-op array is reused: an evaluation reads it and lets it go).
 */
export function compiledOpCosts(design: Design, trace: Trace, placement: Placement, remember = true): OpCostTable {
  const signatures = signatureTables.lookup(placement) ?? signatureTables.store(placement, signaturesOf(trace, placement));
  const known = costTables.lookup(design, signatures.id);
  if (known) return known;
  const table = buildTable(design, trace, placement, signatures, remember);
  return remember ? costTables.store(design, signatures.id, table) : table;
}

/**
 * Op-to-unit assignments by content, per placement: the designs of a sweep mostly map the ops
 * alike, and sharing one array lets the engine share the timeline's per-op unit and batch arrays
 * across them (and the timeline find its plan by their identity, without hashing them).
 */
const assignments = ownedMemo<Placement, number, Int32Array[]>("sim.unit-assignments");

/** The remembered assignment equal to `a`, or `a`, remembered. */
function interned(placement: Placement, a: Int32Array): Int32Array {
  let h = 0x811c9dc5; // FNV-1a: a cheap key; hits are confirmed element by element
  for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a[i]!, 0x01000193);
  const bucket = assignments.lookup(placement, h >>> 0) ?? assignments.store(placement, h >>> 0, []);
  for (const b of bucket) if (sameNumbers(b, a)) return b;
  bucket.push(a);
  return a;
}

/**
 * A placement's ops as a design's mapping assigns them, in slots: a slot is a distinct (unit, op
 * signature), what a table checks and costs once. Made once per placement and mapping (the unit
 * numbers per op kind and for dynamic matmuls: all unitOfOp reads of a design), so a sweep point
 * neither assigns its ops again nor finds their slots: it costs its slots and copies them to its ops.
 */
interface SlotPlan {
  /** The mapping it was made from: the unit per op kind (OP_KINDS' order), then the dynamic-matmul unit. */
  mapping: Int32Array;
  /** Unit per op (interned per placement: plans that assign alike share it). */
  unitOf: Int32Array;
  /** Slot per op; per slot, its first op. */
  slotOf: Int32Array;
  slotOp: Int32Array;
}

/** Plans per placement, by an FNV-1a hash of the mapping's unit numbers (a bucket holds the plans whose hashes collide). */
const slotPlans = ownedMemo<Placement, number, SlotPlan[]>("sim.slot-plans");
/** A design's mapping as numbers, filled by slotPlanOf (not re-entered). */
const mappingNow = new Int32Array(OP_KINDS.length + 1);

function slotPlanOf(design: Design, trace: Trace, placement: Placement, signatures: OpSignatures): SlotPlan {
  const { unitByKind, dynamicMatmulUnit } = design.mapping;
  let h = 0x811c9dc5;
  for (let k = 0; k < OP_KINDS.length; k++) h = Math.imul(h ^ (mappingNow[k] = unitByKind[OP_KINDS[k]!]), 0x01000193);
  h = Math.imul(h ^ (mappingNow[OP_KINDS.length] = dynamicMatmulUnit), 0x01000193) >>> 0;
  const bucket = slotPlans.lookup(placement, h) ?? slotPlans.store(placement, h, []);
  for (const plan of bucket) if (sameNumbers(plan.mapping, mappingNow)) return plan;
  const nOps = trace.ops.length;
  const unitOf = new Int32Array(nOps);
  const slotOf = new Int32Array(nOps);
  const slotOp: number[] = [];
  const slots = new Map<number, number>();
  for (let i = 0; i < nOps; i++) {
    const u = (unitOf[i] = unitOfOp(design, trace, placement, i));
    const key = u * signatures.distinct + signatures.signature[i]!;
    let slot = slots.get(key);
    if (slot === undefined) {
      slots.set(key, (slot = slotOp.length));
      slotOp.push(i);
    }
    slotOf[i] = slot;
  }
  const plan: SlotPlan = { mapping: mappingNow.slice(), unitOf: interned(placement, unitOf), slotOf, slotOp: Int32Array.from(slotOp) };
  bucket.push(plan);
  return plan;
}

/**
 * What a table that is not remembered (a sweep point's: its evaluation reads it and nothing keeps
 * it) reuses from the last such table: its per-op array (`transientCosts`), and the OpCost objects
 * it fills for units whose costs are not shared, i.e. a point's changed unit (`refilledCosts`).
 * Every build fills `slotCosts` (its costs by slot) before it reads it. A point allocates none of
 * these (they were ~6 KB of its ~46: sampling heap profiler).
 */
let transientCosts: OpCost[] = [];
const refilledCosts: OpCost[] = [];
const slotCosts: OpCost[] = [];

function buildTable(design: Design, trace: Trace, placement: Placement, signatures: OpSignatures, remember: boolean): OpCostTable {
  const units = boundUnits(design, trace, placement);
  const { unitOf, slotOf, slotOp } = slotPlanOf(design, trace, placement, signatures);
  const nOps = trace.ops.length;
  if (!remember && transientCosts.length !== nOps) transientCosts = new Array<OpCost>(nOps);
  const opCosts: OpCost[] = remember ? new Array<OpCost>(nOps) : transientCosts;
  const scratch: (UnitCost | undefined)[] = units.map(() => undefined);
  // Per unit: its bank of costs in this context when the pair was seen in an earlier design.
  const bankKey = `${contextKey(design)}|${signatures.id}`;
  const banks = units.map((unit) => {
    const bank = costBanks.lookup(unit, bankKey);
    if (!bank) {
      costBanks.store(unit, bankKey, {});
      return undefined;
    }
    return (bank.costs ??= new Array<OpCost | undefined>(signatures.distinct));
  });
  let refilled = 0; // refilledCosts' objects this table has filled
  for (let slot = 0; slot < slotOp.length; slot++) {
    const i = slotOp[slot]!;
    const u = unitOf[i]!;
    const bank = banks[u];
    const signature = signatures.signature[i]!;
    let oc = bank?.[signature];
    if (!oc) {
      const op = trace.ops[i]!;
      const unit = units[u]!;
      const operands = placement.operands[i]!;
      const ctx: OpContext = { inputs: operands.inputs, output: operands.output, memory: design.memory };
      if (!unitSupports(unit, op) || !unitCheck(unit, op, ctx).ok) return { feasible: false };
      if (bank) oc = bank[signature] = costOp(design, unit, op, ctx, scratch, u);
      else if (remember) oc = costOp(design, unit, op, ctx, scratch, u);
      else {
        oc = costOp(design, unit, op, ctx, scratch, u, refilledCosts[refilled]);
        refilledCosts[refilled++] = oc;
      }
    }
    slotCosts[slot] = oc;
  }
  for (let i = 0; i < nOps; i++) opCosts[i] = slotCosts[slotOf[i]!]!;
  return { feasible: true, units, unitOfOp: unitOf, opCosts };
}
