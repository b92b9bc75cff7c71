/**
 * The engine: a pure function of (design, trace) to a Result. Each op goes to the unit the
 * mapping names for its kind; the unit counts actions and the bytes it moves at each shared
 * memory level; the engine prices them and times the op:
 *
 *   latency(op) = max( compute cycles / unit clock , max over levels of bytes moved / bandwidth )
 *
 * i.e. compute and memory overlap perfectly (double-buffered), and the slower one sets the pace;
 * stall = latency - compute. With the timeline on (the default) the units run concurrently as the
 * ops' dependencies allow, sharing each level's bandwidth (sim/timeline.ts); `concurrency: false`
 * runs the ops one after another.
 * Energy = sum of actions x price (dynamic) + (sum of leakage powers) x latency, plus the
 * design's system static power x latency (the rest of the board, `system.staticPower`), plus the
 * whole chip's components (clock, network, PHYs, DRAM devices, always-on blocks, power states:
 * sim/chip-energy.ts), each an op's share by its bytes, its compute cycles or its time. The
 * design's `system` section also adds a fixed time to every op execution (`opOverhead`: kernel
 * launch, framework dispatch) and divides an op kind's modelled time by its `opEfficiency`:
 *
 *   latency(op) = opOverhead[kind] + latency_model(op) / opEfficiency[kind]
 *
 * (both default to no change; calibration against measurements fits them, docs/validation.md).
 * An op with
 * execution probability w (early exit) contributes w x its latency and energy; an op repeated
 * `count` times (generation) contributes each step, with its growing shape.
 */
import { opCount, type Op, type Trace } from "../workloads/trace.js";
import type { Design } from "../hardware-models/design.js";
import { unitCheck, unitSupports, type UnitSpec } from "../hardware-models/unit-registry.js";
import type { OpContext, UnitCost } from "../hardware-models/unit-model.js";
import type { Infeasible as InfeasibleReason } from "../hardware-models/infeasibility.js";
import { cachedPlacement, traceLayout } from "./placement.js";
import { peakWindowAverage, schedule, type TimelineResult } from "./timeline.js";
import { fuseAttention } from "./attention-fusion.js";
import { carbonOf } from "./carbon.js";
import { chipEnergy, powerAtLoadW, type ChipEnergy } from "./chip-energy.js";
import { objectMemo } from "../common/memo.js";
import { sameNumbers, zeroedOrNew, zeros } from "../common/numbers.js";
import { boundUnits, compiledOpCosts, costOp, unitOfOp, type OpCost, type OpCostTable } from "./op-costs.js";
import type { EnergyBreakdownEntry, ExitPoint, Infeasible, LayerResult, LevelBytes, LevelResult, OpResult, Result, ResultSummary, SimOutcome, SummaryOutcome, UnitResult } from "./result.js";

export interface SimulateOptions {
  /** Include the per-op list (default true). Sweeps turn it off. */
  perOp?: boolean;
  /** Run units concurrently on a dependency timeline (default true); false: one op at a time. */
  concurrency?: boolean;
  /** Window over which peak power is averaged, seconds (default 1 us). */
  powerWindowSeconds?: number;
  /** Keep the timeline's events in the Result (for --timeline export). */
  keepTimeline?: boolean;
  /** Largest number of chunks a batched op is split into for pipelining (default 4: within 0.3% of 16 on bert-base). */
  maxChunks?: number;
  /** Idle time after the run (a batch period's wait for the next request): charged at the chip's idle power (breakdown line `idle`), not added to latency. */
  idleSeconds?: number;
  /**
   * Cost every op afresh on every call (the plain path). By default op costs are remembered per
   * design and placement and each distinct op is costed once (sim/op-costs.ts); the Results are
   * bit-identical (tested), so this is for tests and benchmarks.
   */
  reference?: boolean;
  /**
   * Remember the design's op-cost table and its sums for the next evaluation of the same design
   * (default true). A sweep point evaluates a design once: remembered tables would only outlive
   * their evaluation (V8 promotes them to its old space, and collecting them there was a quarter of
   * a point's time), so sweeps pass false. The Result is the same either way (tested).
   */
  remember?: boolean;
}

const PJ_PER_J = 1e12;

const workloadNames = objectMemo<Trace, string>("sim.workload-name");
/** "<unit>.<action>" per action of a unit, as the Result's byAction names them. */
const actionNames = objectMemo<UnitSpec, string[]>("sim.action-names");
function actionNamesOf(unit: UnitSpec): string[] {
  return actionNames.lookup(unit) ?? actionNames.store(unit, unit.actions.list.map((a) => `${unit.name}.${a.name}`));
}
/** "<unit>.<buffer>" per action of a unit ("" for an action on no buffer), as an op's bytesByLevel names its buffers. */
const bufferNames = objectMemo<UnitSpec, string[]>("sim.buffer-names");
function bufferNamesOf(unit: UnitSpec): string[] {
  return bufferNames.lookup(unit) ?? bufferNames.store(unit, unit.actions.list.map((a) => (a.buffer ? `${unit.name}.${a.buffer.name}` : "")));
}


export function simulate(design: Design, given: Trace, options: SimulateOptions = {}): SimOutcome {
  const keepTimeline = options.keepTimeline ?? false;
  const e = evaluate(design, given, options, options.perOp ?? true, keepTimeline);
  return e.ok ? { ok: true, result: fullResult(e, keepTimeline) } : e;
}

/**
 * Summary mode: the Result's totals without its breakdowns, per-op list and maps (a sweep's point),
 * and `result()` to build the full Result from the same numbers when it is asked for (equal to
 * simulate's with `perOp: false`; tested bit for bit in sim/op-costs.test.ts).
 */
export function simulateSummary(design: Design, given: Trace, options: SummaryOptions = {}): SummaryOutcome {
  const e = evaluate(design, given, options, false, false);
  if (!e.ok) return e;
  return { ok: true, summary: e.summary, result: options.summaryOnly ? summaryOnlyResult : () => fullResult(e, false) };
}

function summaryOnlyResult(): never {
  throw new Error("simulateSummary(..., { summaryOnly: true }) keeps no figures to build the full Result from: evaluate again without summaryOnly");
}

/** The options of summary mode: those of simulate that do not ask for per-op figures. */
export type SummaryOptions = Omit<SimulateOptions, "perOp" | "keepTimeline"> & {
  /**
   * The summary is all the caller reads (a sweep point): `result()` is not available, and with
   * `remember: false` the ops' sums are made in arrays the next such evaluation reuses. They were
   * ~16% of what a sweep point allocated (8.7 of 54 KB by V8's sampling heap profiler). The summary
   * is the same bit for bit (tested).
   */
  summaryOnly?: boolean;
};

/** Evaluate: the totals, and the figures the full Result is built from. */
function evaluate(design: Design, given: Trace, options: SummaryOptions, perOp: boolean, keepTimeline: boolean): Evaluation | { ok: false; infeasible: Infeasible } {
  const workload = workloadNames.lookup(given) ?? workloadNames.store(given, workloadName(given));
  const fusion = design.mapping.fusedAttention ? fuseAttention(given, design) : undefined;
  const trace = fusion?.trace ?? given;
  const layout = traceLayout(trace);
  const memory = design.memory;
  const nLevels = memory.length;
  const placement = cachedPlacement(trace, layout, memory, design.mapping.weightsLevel);
  const reasons: InfeasibleReason[] = [...placement.overflows];
  if (placement.operands.length < trace.ops.length) return { ok: false, infeasible: { design: design.name, workload, reasons } };
  // The compiled path: op costs remembered per (design, placement), each distinct op costed once
  // (sim/op-costs.ts). An infeasible design takes the plain path, which collects every reason.
  const remember = options.remember ?? true;
  const table = options.reference || reasons.length > 0 ? undefined : compiledOpCosts(design, trace, placement, remember);
  const compiled = table?.feasible ? table : undefined;

  const fRef = design.technology.frequencyHz;
  const leakW = design.leakagePowerW;
  const nOps = trace.ops.length;
  let units: UnitSpec[], figs: OpFigures, opCosts: OpCost[], unitOf: ArrayLike<number>;
  if (compiled) {
    ({ units, opCosts } = compiled);
    unitOf = compiled.unitOfOp;
    // The sums over the ops depend on the op costs alone: made once per table.
    const known = opFigures.lookup(compiled);
    figs = known ?? sumOpCosts(design, trace, units, opCosts, unitOf, sharedAssignment(design, trace, compiled.unitOfOp), options.summaryOnly === true && !remember);
    if (!known && remember) opFigures.store(compiled, figs);
  } else {
    units = boundUnits(design, trace, placement);
    const scratch: (UnitCost | undefined)[] = units.map(() => undefined);
    const plainUnitOf = new Int32Array(nOps);
    opCosts = [];
    for (let i = 0; i < nOps; i++) {
      const op = trace.ops[i]!;
      const u = (plainUnitOf[i] = unitOfOp(design, trace, placement, i));
      const unit = units[u]!;
      if (!unitSupports(unit, op)) {
        reasons.push({ class: "unsupported-op", opKind: op.kind, opId: op.id, unit: unit.name, reason: `${unit.kind} unit ${unit.name} does not run ${op.kind} ops (set mapping.${op.kind})` });
        continue;
      }
      const operands = placement.operands[i]!;
      const ctx: OpContext = { inputs: operands.inputs, output: operands.output, memory };
      const feasible = unitCheck(unit, op, ctx);
      if (!feasible.ok) {
        reasons.push({ ...feasible.reason, opId: op.id, unit: unit.name });
        continue;
      }
      if (reasons.length > 0) continue; // already infeasible: keep collecting reasons only
      opCosts.push(costOp(design, unit, op, ctx, scratch, u));
    }
    if (reasons.length > 0) return { ok: false, infeasible: { design: design.name, workload, reasons } };
    unitOf = plainUnitOf;
    figs = sumOpCosts(design, trace, units, opCosts, unitOf, assignmentOf(design, trace, unitOf));
  }
  const { tlUnit, opUnit, tlDuration, tlBytes, tlDynamic, tlBatch, unitBusySeconds, levelRead, levelWrite, serialCycles, dynamicPj, macs } = figs;
  // What the per-op list needs beyond the timeline's inputs (per-op mode only), by op index.
  const perOpDetails = perOp ? perOpDetailsOf(design, trace, units, opCosts, unitOf) : [];

  // The timeline: overlap across units, bandwidth shared (sim/timeline.ts).
  const concurrency = options.concurrency ?? true;
  const timeline = schedule({
    unit: concurrency ? tlUnit : zeros(nOps), duration: tlDuration, bytes: tlBytes, dynamicPj: tlDynamic,
    batch: concurrency ? tlBatch : zeros(nOps).fill(1), deps: layout.opDeps, levels: nLevels,
    bandwidth: figs.bandwidth, maxChunks: options.maxChunks ?? 4,
  }, keepTimeline);
  const totalCycles = timeline.makespan;
  const latencySeconds = totalCycles / fRef;
  // The whole chip (sim/chip-energy.ts): each unit's occupied time is its ops' standalone time.
  const chip = chipEnergy(design, {
    fRef, makespanCycles: totalCycles, unitBusySeconds, unitOccupiedSeconds: figs.unitOccupiedSeconds,
    levelBytes: figs.levelBytes,
    ...(options.idleSeconds ? { idleSeconds: options.idleSeconds } : {}),
    unitGaps: (u) => {
      // Idle gaps on unit u: its ops run in trace order; a gap is the time from one op's end to the next's start.
      const gaps: number[] = [];
      let freeAt = 0;
      for (let i = 0; i < nOps; i++) {
        if (opUnit[i] !== u) continue;
        const start = timeline.start[i]!;
        if (start > freeAt) gaps.push((start - freeAt) / fRef);
        freeAt = Math.max(freeAt, timeline.end[i]!);
      }
      if (totalCycles > freeAt) gaps.push((totalCycles - freeAt) / fRef);
      return gaps;
    },
  });
  const leakageSavedPj = chip.leakageSavedPj.reduce((a, b) => a + b, 0);
  const leakagePj = leakW * latencySeconds * PJ_PER_J - leakageSavedPj;
  const systemPj = design.system.staticPowerW * latencySeconds * PJ_PER_J;
  const windowCycles = (options.powerWindowSeconds ?? 1e-6) * fRef;
  const peakDynamicW = peakWindowAverage(timeline.segments, timeline.segmentCount, windowCycles) * fRef / PJ_PER_J;

  const energyPj = dynamicPj + leakagePj + systemPj + chip.totalPj;
  // With idle time after the run, average power is over run + idle; the power while running excludes the idle line.
  const idleSeconds = options.idleSeconds ?? 0;
  let idlePj = 0;
  for (const line of chip.lines) if (line.name === "idle") idlePj = line.energyPj;
  const averagePowerW = latencySeconds + idleSeconds > 0 ? energyPj / PJ_PER_J / (latencySeconds + idleSeconds) : 0;
  const runPowerW = latencySeconds > 0 ? (energyPj - idlePj) / PJ_PER_J / latencySeconds : 0;
  const chipAverageW = latencySeconds > 0 ? (chip.totalPj - idlePj) / PJ_PER_J / latencySeconds : 0;
  const outer = levelRead[0]! + levelWrite[0]!;
  const peakMacRate = units.reduce((s, u) => s + u.peakMacsPerCycle * u.frequencyHz, 0);
  const figures: RunFigures = {
    design, trace, units, fRef, latencySeconds, serialCycles, leakagePj, systemPj, chip, chipAverageW, timeline, sums: figs, peakBytesByLevel: placement.peakBytesByLevel,
  };
  // The breakdowns by layer and op kind now when the per-op list is asked for (it reads the
  // timeline's reusable arrays) or the workload has early exits (exitProfile reads the layers).
  const byOp = perOp || trace.model.exit ? opBreakdowns(figures, perOp ? { details: perOpDetails, timeline } : undefined) : undefined;
  const summary: ResultSummary = {
    design: design.name, workload, frequencyHz: fRef,
    latencyCycles: totalCycles, latencySeconds, serialLatencyCycles: serialCycles,
    energyPj, energyJ: energyPj / PJ_PER_J, dynamicEnergyPj: dynamicPj, leakageEnergyPj: leakagePj, systemEnergyPj: systemPj, chipEnergyPj: chip.totalPj, chipStaticEnergyPj: chip.staticPj,
    averagePowerW,
    // The chip's components at their run average (their own time profile is not tracked).
    peakPowerW: peakDynamicW + leakW + design.system.staticPowerW + chipAverageW,
    staticPowerW: leakW + design.system.staticPowerW + chip.runStaticPowerW,
    idlePowerW: chip.idlePowerW,
    powerAtLoadW: { load10: powerAtLoadW(runPowerW, chip.idlePowerW, 0.1), load50: powerAtLoadW(runPowerW, chip.idlePowerW, 0.5), load100: runPowerW },
    powerWindowSeconds: windowCycles / fRef,
    macs, opsPerByte: outer > 0 ? (2 * macs) / outer : Infinity,
    levelBytes: memory.map((_, l) => ({ readBytes: levelRead[l]!, writeBytes: levelWrite[l]! })),
    peakMemoryBytes: layout.peakMemoryBytes, peakActivationBytes: layout.peakActivationBytes, weightBytes: layout.totalWeightBytes,
    areaMm2: design.areaMm2, leakagePowerW: leakW,
    utilization: latencySeconds > 0 && peakMacRate > 0 ? macs / (peakMacRate * latencySeconds) : 0,
    ...(trace.model.exit && byOp ? { exitProfile: exitProfile(trace.model.exit, byOp.byLayer) } : {}),
    ...(fusion ? { attentionFusion: fusion.summary } : {}),
  };
  // Operational and embodied carbon when the design says where it runs (sim/carbon.ts).
  if (design.system.carbon) summary.carbon = carbonOf(summary, design, design.system.carbon, trace.model.batch);
  return { ok: true, summary, figures, byOp };
}

/** The ops' costs summed before the timeline: per op (the timeline's inputs), per unit and per level. Read-only once made. */
interface OpFigures {
  /** The timeline's track per op (units sharing a core's issue slots share one), and the op's own unit. */
  tlUnit: number[];
  opUnit: number[];
  /** Per op, weighted and summed over its steps: standalone cycles, bytes per level (op * levels + level), dynamic pJ, batch items to split, MACs, compute cycles. */
  tlDuration: number[];
  tlBytes: number[];
  tlDynamic: number[];
  tlBatch: number[];
  opMacsOf: number[];
  opComputeOf: number[];
  /** Per unit: action counts, dynamic pJ, compute seconds on its clock, MACs, seconds occupied (its ops' standalone time). */
  unitActionCounts: number[][];
  unitDynamicPj: number[];
  unitBusySeconds: number[];
  unitMacs: number[];
  unitOccupiedSeconds: number[];
  /** Per level: bytes read, written, both; largest bytes per second of any op. */
  levelRead: number[];
  levelWrite: number[];
  levelBytes: number[];
  levelPeakBw: number[];
  /** Per level, bytes per reference cycle. */
  bandwidth: number[];
  serialCycles: number;
  dynamicPj: number;
  macs: number;
}

/** OpFigures per compiled op-cost table (a design on a placed trace). */
const opFigures = objectMemo<OpCostTable, OpFigures>("sim.op-figures");

/** The per-op figures that follow from the op-to-unit assignment alone: the timeline's track and batch per op, and the op's unit. */
interface Assignment {
  issueGroup: readonly number[] | undefined;
  trace: Trace;
  tlUnit: number[];
  opUnit: number[];
  tlBatch: number[];
}

function assignmentOf(design: Design, trace: Trace, unitOf: ArrayLike<number>): Assignment {
  const nOps = trace.ops.length;
  const a: Assignment = { issueGroup: design.issueGroup, trace, tlUnit: zeros(nOps), opUnit: zeros(nOps), tlBatch: zeros(nOps) };
  for (let i = 0; i < nOps; i++) {
    const op = trace.ops[i]!;
    const u = unitOf[i]!;
    // Units sharing a core's issue slots share one track of the timeline.
    a.tlUnit[i] = design.issueGroup?.[u] ?? u;
    a.opUnit[i] = u;
    a.tlBatch[i] = !op.repeat && (op.kind === "matmul" || op.kind === "softmax") ? op.batchCount : 1;
  }
  return a;
}

/**
 * Assignments by a compiled table's (shared, read-only) op-to-unit array: the designs of a sweep
 * that assign alike share these arrays, so a point allocates none of them and the timeline finds its
 * plan by the unit array's identity.
 */
const assignments = objectMemo<Int32Array, Assignment>("sim.assignment-figures");

function sharedAssignment(design: Design, trace: Trace, unitOf: Int32Array): Assignment {
  const known = assignments.lookup(unitOf);
  const groups = design.issueGroup;
  if (known && known.trace === trace && (known.issueGroup === groups || (known.issueGroup && groups && sameNumbers(known.issueGroup, groups)))) return known;
  return assignments.store(unitOf, assignmentOf(design, trace, unitOf));
}

/** The arrays of one summary-only evaluation's sums (sumOpCosts with `reuse`), made again when the shape changes. */
let scratchFigures: OpFigures | undefined;

/**
 * Zeroed sums for a design, in the arrays of `old` where their lengths fit (the last summary-only
 * evaluation's), else new ones; the assignment's arrays are shared as they are.
 */
function figuresFor(design: Design, assignment: Assignment, nOps: number, fRef: number, old?: OpFigures): OpFigures {
  const nLevels = design.memory.length;
  const nUnits = design.units.length;
  const counts = old?.unitActionCounts.length === nUnits ? old.unitActionCounts : [];
  for (let u = 0; u < nUnits; u++) counts[u] = zeroedOrNew(counts[u], design.units[u]!.actions.list.length);
  const bandwidth = zeroedOrNew(old?.bandwidth, nLevels);
  for (let l = 0; l < nLevels; l++) bandwidth[l] = design.memory[l]!.bandwidthBytesPerSecond / fRef;
  return {
    tlUnit: assignment.tlUnit, opUnit: assignment.opUnit, tlDuration: zeroedOrNew(old?.tlDuration, nOps), tlBytes: zeroedOrNew(old?.tlBytes, nOps * nLevels), tlDynamic: zeroedOrNew(old?.tlDynamic, nOps), tlBatch: assignment.tlBatch,
    opMacsOf: zeroedOrNew(old?.opMacsOf, nOps), opComputeOf: zeroedOrNew(old?.opComputeOf, nOps),
    unitActionCounts: counts, unitDynamicPj: zeroedOrNew(old?.unitDynamicPj, nUnits), unitBusySeconds: zeroedOrNew(old?.unitBusySeconds, nUnits), unitMacs: zeroedOrNew(old?.unitMacs, nUnits), unitOccupiedSeconds: zeroedOrNew(old?.unitOccupiedSeconds, nUnits),
    levelRead: zeroedOrNew(old?.levelRead, nLevels), levelWrite: zeroedOrNew(old?.levelWrite, nLevels), levelBytes: zeroedOrNew(old?.levelBytes, nLevels), levelPeakBw: zeroedOrNew(old?.levelPeakBw, nLevels),
    bandwidth,
    serialCycles: 0, dynamicPj: 0, macs: 0,
  };
}

/**
 * Sum the ops' costs (op i costs opCosts[i] on unit unitOf[i]) with their weights and repeats. With
 * `reuse` (a summary-only evaluation) in the arrays of the last such sums: valid until the next.
 */
function sumOpCosts(design: Design, trace: Trace, units: UnitSpec[], opCosts: OpCost[], unitOf: ArrayLike<number>, assignment: Assignment, reuse = false): OpFigures {
  const memory = design.memory;
  const nLevels = memory.length;
  const nOps = trace.ops.length;
  const fRef = design.technology.frequencyHz;
  const f = reuse ? (scratchFigures = figuresFor(design, assignment, nOps, fRef, scratchFigures)) : figuresFor(design, assignment, nOps, fRef);
  const { tlBytes, levelRead, levelWrite, levelPeakBw, unitDynamicPj, unitBusySeconds, unitMacs } = f;
  for (let i = 0; i < nOps; i++) {
    const op = trace.ops[i]!;
    const oc = opCosts[i]!;
    const u = unitOf[i]!;
    const scale = opScale(op);
    const opCycles = oc.cycles * scale;
    const opCompute = oc.computeCycles * scale;
    const opDynamic = oc.dynamicPj * scale;
    const opMacs = oc.macs * scale;
    const counts = f.unitActionCounts[u]!;
    for (let k = 0; k < oc.countedActions.length; k++) {
      const a = oc.countedActions[k]!;
      counts[a]! += oc.counts[a]! * scale;
    }
    for (let l = 0; l < nLevels; l++) {
      const r = oc.readBytes[l]!, wr = oc.writeBytes[l]!;
      if (r === 0 && wr === 0) continue;
      levelRead[l]! += r * scale;
      levelWrite[l]! += wr * scale;
      tlBytes[i * nLevels + l]! += (r + wr) * scale;
      if (oc.peakBandwidthBytesPerSecond[l]! > levelPeakBw[l]!) levelPeakBw[l] = oc.peakBandwidthBytesPerSecond[l]!;
    }
    unitDynamicPj[u]! += oc.unitDynamicPj * scale;
    unitBusySeconds[u]! += oc.unitBusySeconds * scale;
    f.opComputeOf[i] = opCompute;
    f.tlDuration[i] = opCycles;
    f.tlDynamic[i] = opDynamic;
    f.serialCycles += opCycles;
    f.dynamicPj += opDynamic;
    f.macs += opMacs;
    unitMacs[u]! += opMacs;
    f.opMacsOf[i] = opMacs;
  }
  for (let i = 0; i < nOps; i++) f.unitOccupiedSeconds[f.opUnit[i]!]! += f.tlDuration[i]! / fRef;
  for (let l = 0; l < nLevels; l++) f.levelBytes[l] = levelRead[l]! + levelWrite[l]!;
  return f;
}

/** An op's cost multiplier: its weight, and its count unless it grows (a growing op's cost already sums its steps). */
function opScale(op: Op): number {
  const multiplicity = op.repeat?.grow ? 1 : opCount(op); // a repeat without growth costs the same every step
  return (op.weight ?? 1) * multiplicity;
}

/**
 * Each op's compute cycles, bound and bytes by level and unit buffer, for the per-op list. Ops with
 * the same cost and scale (a compiled table shares one OpCost among the ops of a signature: bert-base's
 * 144 ops hold 10-17) share one detail, made once and frozen: building each op's bytes record (keys
 * by buffer and level name) was over half of a per-op evaluation.
 */
function perOpDetailsOf(design: Design, trace: Trace, units: UnitSpec[], opCosts: OpCost[], unitOf: ArrayLike<number>): PerOpDetail[] {
  const memory = design.memory;
  const made = new Map<OpCost, Map<number, PerOpDetail>>();
  return trace.ops.map((op, i) => {
    const oc = opCosts[i]!;
    const scale = opScale(op);
    let byScale = made.get(oc);
    const known = byScale?.get(scale);
    if (known) return known;
    if (!byScale) made.set(oc, (byScale = new Map()));
    const unit = units[unitOf[i]!]!;
    const opBytes: Record<string, LevelBytes> = {};
    const actions = unit.actions.list;
    const names = bufferNamesOf(unit);
    for (let k = 0; k < oc.countedActions.length; k++) {
      const a = oc.countedActions[k]!;
      const n = oc.counts[a]!;
      const buffer = actions[a]!.buffer;
      if (!buffer) continue;
      const entry = (opBytes[names[a]!] ??= { readBytes: 0, writeBytes: 0 });
      if (buffer.access === "read") entry.readBytes += n * scale;
      else entry.writeBytes += n * scale;
    }
    for (let l = 0; l < memory.length; l++) {
      const r = oc.readBytes[l]!, wr = oc.writeBytes[l]!;
      if (r === 0 && wr === 0) continue;
      const entry = (opBytes[memory[l]!.name] ??= { readBytes: 0, writeBytes: 0 });
      entry.readBytes += r * scale;
      entry.writeBytes += wr * scale;
    }
    for (const entry of Object.values(opBytes)) Object.freeze(entry);
    const detail: PerOpDetail = Object.freeze({ opCompute: oc.computeCycles * scale, boundBy: oc.boundBy, opBytes: Object.freeze(opBytes) });
    byScale.set(scale, detail);
    return detail;
  });
}

/** An evaluation's summary and the figures its full Result is built from. */
interface Evaluation {
  ok: true;
  summary: ResultSummary;
  figures: RunFigures;
  /** The breakdowns by layer and op kind (and the per-op list), when they were built with the summary. */
  byOp: OpBreakdowns | undefined;
}

/**
 * The full Result of an evaluation, from its summary and figures: the breakdowns, the maps by level
 * and component, the per-op list when it was built, and with `keepTimeline` the timeline's events
 * and power trace (read from the timeline's reusable arrays: only right after the evaluation).
 */
function fullResult(e: Evaluation, keepTimeline: boolean): Result {
  const f = e.figures;
  const { design, units, chip } = f;
  const byOp = e.byOp ?? opBreakdowns(f, undefined);
  const parts = partBreakdowns(f);
  const byComponent: Result["breakdown"]["byComponent"] = {};
  for (const line of chip.lines) byComponent[line.name] = { energyPj: line.energyPj, source: line.source };
  const { levelBytes, ...totals } = e.summary;
  void levelBytes; // the Result gives them by name in bytesByLevel
  const timeline = keepTimeline ? f.timeline : undefined;
  const leakW = totals.leakagePowerW;
  return {
    ...totals,
    bytesByLevel: parts.bytesByLevel,
    areaByComponentMm2: areaByComponentOf(design.memory, units),
    dieAreaByBlockMm2: { ...design.chip.areaByBlockMm2 },
    breakdown: { byLayer: byOp.byLayer, byUnit: parts.byUnit, byLevel: parts.byLevel, byOpKind: byOp.byOpKind, byAction: parts.byAction, byComponent },
    ...(timeline
      ? {
        timeline: timeline.events.map((ev) => ({ op: f.trace.ops[ev.op]!.id, unit: units[f.sums.opUnit[ev.op]!]!.name, chunk: ev.chunk, chunks: ev.chunks, startCycles: ev.start, endCycles: ev.end })),
        powerTrace: Array.from({ length: timeline.segmentCount }, (_, k) => ({
          startCycles: timeline.segments[k * 3]!, powerW: (timeline.segments[k * 3 + 2]! * f.fRef) / PJ_PER_J + leakW + design.system.staticPowerW + f.chipAverageW,
        })),
      }
      : {}),
    ops: byOp.ops,
  };
}

/** One evaluation's figures (none in the timeline's reusable arrays: summary mode's result() reads them after the evaluation). */
interface RunFigures {
  design: Design;
  trace: Trace;
  units: UnitSpec[];
  fRef: number;
  latencySeconds: number;
  serialCycles: number;
  leakagePj: number;
  systemPj: number;
  chip: ChipEnergy;
  /** The chip's components' average power over the run (W): the power trace adds it. */
  chipAverageW: number;
  /** The timeline (its arrays are reused by the next evaluation on the same plan). */
  timeline: TimelineResult;
  /** The ops' costs summed (shared by the evaluations of a compiled table: read only). */
  sums: OpFigures;
  peakBytesByLevel: number[];
}

/** What the per-op list needs beyond the figures: each op's details and the timeline (read before the next evaluation reuses its arrays). */
interface PerOpInputs {
  details: PerOpDetail[];
  timeline: TimelineResult;
}

interface PerOpDetail {
  opCompute: number;
  boundBy: string;
  opBytes: Record<string, LevelBytes>;
}

/** The breakdowns by layer and op kind, and the per-op list when asked: each op's energy with its share of leakage, system and chip energy. */
interface OpBreakdowns {
  byLayer: LayerResult[];
  byOpKind: Result["breakdown"]["byOpKind"];
  ops: OpResult[];
}

function opBreakdowns(f: RunFigures, perOp: PerOpInputs | undefined): OpBreakdowns {
  const { trace, units, fRef, serialCycles, leakagePj, systemPj, chip } = f;
  const { opUnit, tlDuration, tlDynamic, tlBytes, opMacsOf, opComputeOf } = f.sums;
  const nOps = trace.ops.length;
  const nLevels = f.design.memory.length;
  const layers = new Map<number, LayerResult>();
  const byOpKind: Record<string, EnergyBreakdownEntry & { latencyCycles: number }> = {};
  const ops: OpResult[] = [];
  // Every op has its figures here: an infeasible op returned before the figures were made.
  for (let i = 0; i < nOps; i++) {
    const op = trace.ops[i]!;
    const opCycles = tlDuration[i]!, opDynamic = tlDynamic[i]!, opMacs = opMacsOf[i]!;
    const w = op.weight ?? 1;
    // Leakage over the makespan, shared among ops by their standalone time (so the shares sum).
    const leak = serialCycles > 0 ? (leakagePj * opCycles) / serialCycles : 0;
    const sys = serialCycles > 0 ? (systemPj * opCycles) / serialCycles : 0;
    const u = opUnit[i]!, opCompute = opComputeOf[i]!;
    let chipPj = opCompute * chip.unitActivePjPerRefCycle[u]! + (opCycles - opCompute) * chip.unitStallPjPerRefCycle[u]!
      + (serialCycles > 0 ? (chip.staticPj * opCycles) / serialCycles : 0);
    for (let l = 0; l < nLevels; l++) chipPj += tlBytes[i * nLevels + l]! * chip.trafficPjPerByte[l]!;
    const opEnergy = opDynamic + leak + sys + chipPj;
    let layer = layers.get(op.layer);
    if (!layer) {
      layer = { layer: op.layer, latencyCycles: 0, macs: 0, energyPj: 0, dynamicEnergyPj: 0, leakageEnergyPj: 0, chipEnergyPj: 0, latencyCyclesIfRun: 0, energyPjIfRun: 0 };
      layers.set(op.layer, layer);
    }
    layer.latencyCycles += opCycles;
    layer.macs += opMacs;
    layer.dynamicEnergyPj += opDynamic;
    layer.leakageEnergyPj += leak;
    layer.chipEnergyPj = (layer.chipEnergyPj ?? 0) + chipPj;
    layer.energyPj += opEnergy;
    if (sys > 0) layer.systemEnergyPj = (layer.systemEnergyPj ?? 0) + sys;
    if (w > 0) {
      layer.latencyCyclesIfRun += opCycles / w;
      layer.energyPjIfRun += opEnergy / w;
    }
    const kind = (byOpKind[op.kind] ??= { latencyCycles: 0, energyPj: 0, dynamicEnergyPj: 0, leakageEnergyPj: 0, chipEnergyPj: 0 });
    kind.latencyCycles += opCycles;
    kind.dynamicEnergyPj += opDynamic;
    kind.leakageEnergyPj += leak;
    kind.chipEnergyPj = (kind.chipEnergyPj ?? 0) + chipPj;
    kind.energyPj += opEnergy;
    if (sys > 0) kind.systemEnergyPj = (kind.systemEnergyPj ?? 0) + sys;
    const detail = perOp?.details[i];
    if (perOp && detail) {
      const unit = units[opUnit[i]!]!;
      ops.push({
        id: op.id, kind: op.kind, layer: op.layer, unit: unit.name, weight: w, count: opCount(op),
        latencyCycles: opCycles, computeCycles: detail.opCompute, stallCycles: opCycles - detail.opCompute, latencySeconds: opCycles / fRef,
        startCycles: perOp.timeline.start[i]!, endCycles: perOp.timeline.end[i]!,
        energyPj: opEnergy, dynamicEnergyPj: opDynamic, leakageEnergyPj: leak, chipEnergyPj: chipPj, ...(sys > 0 ? { systemEnergyPj: sys } : {}), macs: opMacs,
        bytesByLevel: detail.opBytes,
        utilization: detail.opCompute > 0 && unit.peakMacsPerCycle > 0 ? opMacs / (unit.peakMacsPerCycle * detail.opCompute * (unit.frequencyHz / fRef)) : 0,
        boundBy: detail.boundBy,
      });
    }
  }
  return { byLayer: [...layers.values()].sort((a, b) => a.layer - b.layer), byOpKind, ops };
}

/** The breakdowns by unit, level and action, and the bytes moved at each level and unit buffer. */
function partBreakdowns(f: RunFigures): { byUnit: UnitResult[]; byLevel: LevelResult[]; byAction: Result["breakdown"]["byAction"]; bytesByLevel: Record<string, LevelBytes> } {
  const { units, latencySeconds, chip } = f;
  const { unitActionCounts, unitDynamicPj, unitBusySeconds, unitMacs, levelRead, levelWrite, levelPeakBw } = f.sums;
  const memory = f.design.memory;
  const byAction: Result["breakdown"]["byAction"] = {};
  const byUnit: UnitResult[] = units.map((unit, u) => {
    const counts = unitActionCounts[u]!;
    const names = actionNamesOf(unit);
    unit.actions.list.forEach((a, j) => {
      if (counts[j]! > 0) byAction[names[j]!] = { count: counts[j]!, energyPj: counts[j]! * a.energyPj };
    });
    const leak = unit.leakagePowerW * latencySeconds * PJ_PER_J - chip.leakageSavedPj[u]!;
    const busyCycles = unitBusySeconds[u]! * unit.frequencyHz;
    return {
      unit: unit.name, kind: unit.kind, peakMacsPerSecond: unit.peakMacsPerCycle * unit.frequencyHz, busyCycles, macs: unitMacs[u]!,
      utilization: busyCycles > 0 && unit.peakMacsPerCycle > 0 ? unitMacs[u]! / (unit.peakMacsPerCycle * busyCycles) : 0, // a link unit has no MACs
      areaMm2: unit.areaMm2,
      dynamicEnergyPj: unitDynamicPj[u]!, leakageEnergyPj: leak, energyPj: unitDynamicPj[u]! + leak,
    };
  });
  const bytesByLevel: Record<string, LevelBytes> = {};
  const byLevel: LevelResult[] = memory.map((level, l) => {
    const readEnergy = levelRead[l]! * level.readPjPerByte;
    const writeEnergy = levelWrite[l]! * level.writePjPerByte;
    if (levelRead[l]! > 0) byAction[`${level.name}.read`] = { count: levelRead[l]!, energyPj: readEnergy };
    if (levelWrite[l]! > 0) byAction[`${level.name}.write`] = { count: levelWrite[l]!, energyPj: writeEnergy };
    bytesByLevel[level.name] = { readBytes: levelRead[l]!, writeBytes: levelWrite[l]! };
    const leak = level.leakagePowerW * latencySeconds * PJ_PER_J;
    return {
      level: level.name, bandwidthBytesPerSecond: level.bandwidthBytesPerSecond, readBytes: levelRead[l]!, writeBytes: levelWrite[l]!,
      averageBandwidthBytesPerSecond: latencySeconds > 0 ? (levelRead[l]! + levelWrite[l]!) / latencySeconds : 0,
      peakBandwidthBytesPerSecond: levelPeakBw[l]!,
      peakResidentBytes: f.peakBytesByLevel[l]!, capacityBytes: level.capacityBytes,
      dynamicEnergyPj: readEnergy + writeEnergy, leakageEnergyPj: leak, energyPj: readEnergy + writeEnergy + leak,
    };
  });
  for (const unit of units) {
    for (const a of unit.actions.list) {
      if (!a.buffer) continue;
      const entry = byAction[`${unit.name}.${a.name}`];
      if (!entry) continue;
      const b = (bytesByLevel[`${unit.name}.${a.buffer.name}`] ??= { readBytes: 0, writeBytes: 0 });
      if (a.buffer.access === "read") b.readBytes += entry.count;
      else b.writeBytes += entry.count;
    }
  }
  return { byUnit, byLevel, byAction, bytesByLevel };
}

/** Area by memory level and unit component. */
function areaByComponentOf(memory: Design["memory"], units: UnitSpec[]): Record<string, number> {
  const areaByComponentMm2: Record<string, number> = {};
  for (const level of memory) if (level.areaMm2 > 0) areaByComponentMm2[level.name] = level.areaMm2;
  for (const unit of units) for (const [part, a] of Object.entries(unit.areaByComponentMm2)) areaByComponentMm2[`${unit.name}.${part}`] = a;
  return areaByComponentMm2;
}

/**
 * Cost of an inference that exits after each exit point (and of one that runs to the end): the
 * layers up to the exit, each at its cost when it runs. Layer -1 (outside the blocks) counts always.
 */
function exitProfile(exit: { layers: number[]; probabilities: number[] }, byLayer: LayerResult[]): ExitPoint[] {
  const lastLayer = Math.max(...byLayer.map((l) => l.layer));
  const points = [...exit.layers.map((layer, i) => ({ layer, probability: exit.probabilities[i] ?? 0 }))];
  const exited = points.reduce((s, p) => s + p.probability, 0);
  points.push({ layer: lastLayer, probability: Math.max(0, 1 - exited) });
  return points.map(({ layer, probability }) => {
    const upTo = byLayer.filter((l) => l.layer <= layer);
    return {
      afterLayer: layer, probability,
      latencyCycles: upTo.reduce((s, l) => s + l.latencyCyclesIfRun, 0),
      energyPj: upTo.reduce((s, l) => s + l.energyPjIfRun, 0),
    };
  });
}

export function workloadName(trace: Trace): string {
  const m = trace.model;
  const phase = m.phase === "decode" ? `decode ctx ${m.contextLen}` : `seq ${m.seqLen}`;
  const gen = m.generateTokens ? ` + ${m.generateTokens} generated` : "";
  const variants = m.variants ? Object.values(m.variants).filter((v) => v !== "dense" && !v.startsWith("uniform")) : [];
  return `${m.name} ${phase}${gen} batch ${m.batch}${variants.length > 0 ? ` [${variants.join(", ")}]` : ""}`;
}
