/**
 * The engine: a pure function of (design, trace) to a Result. Each op goes to the unit the
 * mapping names for its kind; the unit counts actions and the bytes it moves at each shared
 * memory level; the engine prices them and times the op:
 *
 *   latency(op) = max( compute cycles / unit clock , max over levels of bytes moved / bandwidth )
 *
 * i.e. compute and memory overlap perfectly (double-buffered), and the slower one sets the pace;
 * stall = latency - compute. Ops run one after another (a later issue adds concurrent units).
 * Energy = sum of actions x price (dynamic) + (sum of leakage powers) x latency. An op with
 * execution probability w (early exit) contributes w x its latency and energy.
 */
import type { Trace } from "../workloads/trace.js";
import type { Design } from "../hardware-models/design.js";
import { unitModel } from "../hardware-models/unit-registry.js";
import type { Operand, OpContext, UnitCost } from "../hardware-models/unit-model.js";
import { cachedPlacement, traceLayout } from "./placement.js";
import type { EnergyBreakdownEntry, LayerResult, LevelBytes, LevelResult, OpResult, Result, SimOutcome, UnitResult } from "./result.js";

export interface SimulateOptions {
  /** Include the per-op list (default true). Sweeps turn it off. */
  perOp?: boolean;
}

const PJ_PER_J = 1e12;

export function simulate(design: Design, trace: Trace, options: SimulateOptions = {}): SimOutcome {
  const perOp = options.perOp ?? true;
  const workload = workloadName(trace);
  const layout = traceLayout(trace);
  const memory = design.memory;
  const nLevels = memory.length;
  const placement = cachedPlacement(trace, layout, memory, design.mapping.weightsLevel);
  const reasons: { opId?: string; unit?: string; reason: string }[] = placement.overflows.map((reason) => ({ reason }));

  const fRef = design.technology.frequencyHz;
  const units = design.units;
  const unitActionCounts = units.map((u) => new Float64Array(u.actions.length));
  const unitDynamicPj = new Float64Array(units.length);
  const unitBusySeconds = new Float64Array(units.length);
  const unitMacs = new Float64Array(units.length);
  const levelRead = new Float64Array(nLevels);
  const levelWrite = new Float64Array(nLevels);
  const levelPeakBw = new Float64Array(nLevels);
  const bufferBytes = new Map<string, LevelBytes>();
  const layers = new Map<number, LayerResult>();
  const byOpKind: Record<string, EnergyBreakdownEntry & { latencyCycles: number }> = {};
  const ops: OpResult[] = [];
  const scratch: (UnitCost | undefined)[] = units.map(() => undefined);
  const leakW = design.leakagePowerW;

  let latencySeconds = 0, totalCycles = 0, dynamicPj = 0, leakagePj = 0, macs = 0, peakDynamicW = 0;

  for (let i = 0; i < trace.ops.length; i++) {
    const op = trace.ops[i]!;
    const u = design.mapping.unitByKind[op.kind];
    const unit = units[u]!;
    const model = unitModel(unit.kind);
    if (!model.supports(op)) {
      reasons.push({ opId: op.id, unit: unit.name, reason: `${unit.kind} unit ${unit.name} does not run ${op.kind} ops (set mapping.${op.kind})` });
      continue;
    }
    const inputs: Operand[] = layout.opInputs[i]!.map((t) => ({ precision: trace.tensors[t]!.precision, level: placement.levelOf[t]!, bytes: layout.tensors[t]!.bytes }));
    const out = layout.opOutput[i]!;
    const ctx: OpContext = { inputs, output: { precision: trace.tensors[out]!.precision, level: placement.levelOf[out]!, bytes: layout.tensors[out]!.bytes }, memory };
    const feasible = model.check(unit, op, ctx);
    if (!feasible.ok) {
      reasons.push({ opId: op.id, unit: unit.name, reason: feasible.reason });
      continue;
    }
    if (reasons.length > 0) continue; // already infeasible: keep collecting reasons only

    const cost = model.cost(unit, op, ctx, scratch[u]);
    scratch[u] = cost;
    const w = op.weight ?? 1;
    // Time in reference-clock cycles (the design's technology frequency); a unit on its own clock
    // converts by the clock ratio (exactly 1 for single-clock designs, so cycles stay integers).
    const computeCycles = cost.computeCycles * (fRef / unit.frequencyHz);
    let opCycles = computeCycles;
    let boundBy = "compute";
    for (let l = 0; l < nLevels; l++) {
      const bytes = cost.readBytes[l]! + cost.writeBytes[l]!;
      if (bytes === 0) continue;
      const cycles = (bytes / memory[l]!.bandwidthBytesPerSecond) * fRef;
      if (cycles > opCycles) {
        opCycles = cycles;
        boundBy = memory[l]!.name;
      }
    }
    const opSeconds = opCycles / fRef;
    let opDynamic = 0;
    const counts = unitActionCounts[u]!;
    const actions = unit.actions;
    for (let a = 0; a < actions.length; a++) {
      const n = cost.actionCounts[a]!;
      if (n === 0) continue;
      counts[a]! += n * w;
      opDynamic += n * actions[a]!.energyPj;
    }
    const unitOnly = opDynamic;
    let opBytes: Record<string, LevelBytes> | undefined = perOp ? {} : undefined;
    for (let l = 0; l < nLevels; l++) {
      const r = cost.readBytes[l]!, wr = cost.writeBytes[l]!;
      if (r === 0 && wr === 0) continue;
      const level = memory[l]!;
      opDynamic += r * level.readPjPerByte + wr * level.writePjPerByte;
      levelRead[l]! += r * w;
      levelWrite[l]! += wr * w;
      if (opSeconds > 0) levelPeakBw[l] = Math.max(levelPeakBw[l]!, (r + wr) / opSeconds);
      if (opBytes) opBytes[level.name] = { readBytes: r * w, writeBytes: wr * w };
    }
    if (opBytes) {
      for (let a = 0; a < actions.length; a++) {
        const act = actions[a]!;
        if (!act.bufferName || cost.actionCounts[a] === 0) continue;
        const key = `${unit.name}.${act.bufferName}`;
        const entry = (opBytes[key] ??= { readBytes: 0, writeBytes: 0 });
        if (act.name.endsWith(".read")) entry.readBytes += cost.actionCounts[a]! * w;
        else entry.writeBytes += cost.actionCounts[a]! * w;
      }
    }
    if (opSeconds > 0) peakDynamicW = Math.max(peakDynamicW, opDynamic / PJ_PER_J / opSeconds);

    const seconds = opSeconds * w;
    const latencyCycles = opCycles * w;
    const dyn = opDynamic * w;
    const leak = leakW * seconds * PJ_PER_J;
    latencySeconds += seconds;
    totalCycles += latencyCycles;
    dynamicPj += dyn;
    leakagePj += leak;
    macs += cost.macs * w;
    unitDynamicPj[u]! += unitOnly * w;
    unitBusySeconds[u]! += (cost.computeCycles / unit.frequencyHz) * w;
    unitMacs[u]! += cost.macs * w;

    let layer = layers.get(op.layer);
    if (!layer) layers.set(op.layer, (layer = { layer: op.layer, latencyCycles: 0, macs: 0, energyPj: 0, dynamicEnergyPj: 0, leakageEnergyPj: 0 }));
    layer.latencyCycles += latencyCycles;
    layer.macs += cost.macs * w;
    layer.dynamicEnergyPj += dyn;
    layer.leakageEnergyPj += leak;
    layer.energyPj += dyn + leak;
    const kind = (byOpKind[op.kind] ??= { latencyCycles: 0, energyPj: 0, dynamicEnergyPj: 0, leakageEnergyPj: 0 });
    kind.latencyCycles += latencyCycles;
    kind.dynamicEnergyPj += dyn;
    kind.leakageEnergyPj += leak;
    kind.energyPj += dyn + leak;

    if (perOp) {
      ops.push({
        id: op.id, kind: op.kind, layer: op.layer, unit: unit.name, weight: w,
        latencyCycles, computeCycles: computeCycles * w, stallCycles: latencyCycles - computeCycles * w, latencySeconds: seconds,
        energyPj: dyn + leak, dynamicEnergyPj: dyn, leakageEnergyPj: leak, macs: cost.macs * w,
        bytesByLevel: opBytes!,
        utilization: cost.computeCycles > 0 ? cost.macs / (unit.peakMacsPerCycle * cost.computeCycles) : 0,
        boundBy,
      });
    }
    opBytes = undefined;
  }

  if (reasons.length > 0) return { ok: false, infeasible: { design: design.name, workload, reasons } };

  const byAction: Result["breakdown"]["byAction"] = {};
  const byUnit: UnitResult[] = units.map((unit, u) => {
    const counts = unitActionCounts[u]!;
    unit.actions.forEach((a, j) => {
      if (counts[j]! > 0) byAction[`${unit.name}.${a.name}`] = { count: counts[j]!, energyPj: counts[j]! * a.energyPj };
    });
    const leak = unit.leakagePowerW * latencySeconds * PJ_PER_J;
    const busyCycles = unitBusySeconds[u]! * unit.frequencyHz;
    return {
      unit: unit.name, kind: unit.kind, busyCycles, macs: unitMacs[u]!,
      utilization: busyCycles > 0 ? unitMacs[u]! / (unit.peakMacsPerCycle * busyCycles) : 0,
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
      level: level.name, readBytes: levelRead[l]!, writeBytes: levelWrite[l]!,
      averageBandwidthBytesPerSecond: latencySeconds > 0 ? (levelRead[l]! + levelWrite[l]!) / latencySeconds : 0,
      peakBandwidthBytesPerSecond: levelPeakBw[l]!,
      peakResidentBytes: placement.peakBytesByLevel[l]!, capacityBytes: level.capacityBytes,
      dynamicEnergyPj: readEnergy + writeEnergy, leakageEnergyPj: leak, energyPj: readEnergy + writeEnergy + leak,
    };
  });
  for (const unit of units) {
    for (const a of unit.actions) {
      if (!a.bufferName) continue;
      const key = `${unit.name}.${a.bufferName}`;
      const entry = byAction[`${unit.name}.${a.name}`];
      if (!entry) continue;
      const b = (bytesByLevel[key] ??= { readBytes: 0, writeBytes: 0 });
      if (a.name.endsWith(".read")) b.readBytes += entry.count;
      else b.writeBytes += entry.count;
    }
  }

  const areaByComponentMm2: Record<string, number> = {};
  for (const level of memory) if (level.areaMm2 > 0) areaByComponentMm2[level.name] = level.areaMm2;
  for (const unit of units) for (const [part, a] of Object.entries(unit.areaByComponentMm2)) areaByComponentMm2[`${unit.name}.${part}`] = a;

  const energyPj = dynamicPj + leakagePj;
  const outer = levelRead[0]! + levelWrite[0]!;
  const peakMacRate = units.reduce((s, u) => s + u.peakMacsPerCycle * u.frequencyHz, 0);
  const result: Result = {
    design: design.name, workload, frequencyHz: fRef,
    latencyCycles: totalCycles, latencySeconds,
    energyPj, energyJ: energyPj / PJ_PER_J, dynamicEnergyPj: dynamicPj, leakageEnergyPj: leakagePj,
    averagePowerW: latencySeconds > 0 ? energyPj / PJ_PER_J / latencySeconds : 0,
    peakPowerW: peakDynamicW + leakW,
    macs, opsPerByte: outer > 0 ? (2 * macs) / outer : Infinity,
    bytesByLevel,
    peakMemoryBytes: layout.peakMemoryBytes, peakActivationBytes: layout.peakActivationBytes, weightBytes: layout.totalWeightBytes,
    areaMm2: design.areaMm2, areaByComponentMm2, leakagePowerW: leakW,
    utilization: latencySeconds > 0 && peakMacRate > 0 ? macs / (peakMacRate * latencySeconds) : 0,
    breakdown: {
      byLayer: [...layers.values()].sort((a, b) => a.layer - b.layer),
      byUnit, byLevel, byOpKind, byAction,
    },
    ops,
  };
  return { ok: true, result };
}

export function workloadName(trace: Trace): string {
  const m = trace.model;
  const phase = m.phase === "decode" ? `decode ctx ${m.contextLen}` : `seq ${m.seqLen}`;
  return `${m.name} ${phase} batch ${m.batch}`;
}
