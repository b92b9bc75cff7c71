/**
 * Where each tensor lives, and how much memory is live when.
 *
 * Liveness: a tensor is live from the op that produces it (or from the start, for trace inputs
 * and weights) to the last op that reads it (or to the end, for tensors nobody reads: trace outputs
 * such as the KV cache a prefill writes).
 *
 * Placement, greedy over the trace in op order (a static memory planner, as TFLite Micro's and
 * TVM's arena planners do for activations):
 *   weights           the mapping's `weights` level (default: the outermost), and with them the
 *                     other resident tensors (training's gradients and optimizer states);
 *   trace inputs and  the outermost writable level: they arrive from, or leave for, the outside
 *   trace outputs
 *   everything else   the inner writable levels, innermost first, in an admission order that
 *                     does not depend on the level's capacity (below); what no inner level
 *                     takes goes to the outermost writable level.
 *
 * Admission order (issue 15: first-fit in op order was not monotone: a larger L2 let an early
 * tensor in that then kept later, more-read tensors out, and DRAM traffic rose by up to 25%).
 * Tensors are admitted to a level one at a time; each admission has a threshold, the capacity the
 * level needs to hold everything admitted so far (the peak over the tensor's lifetime of what is
 * already there, plus the tensor). A tensor that fits under the current threshold is admitted first
 * (the most-accessed per byte first); otherwise the one that raises the threshold least. Thresholds
 * never fall, so the tensors a level of capacity c holds are those with threshold <= c: a prefix of
 * one order, a superset of what any smaller capacity holds. More capacity never moves a tensor out.
 * Read-only levels (flash) hold weights only. A tensor that fits nowhere it may go is reported
 * (infeasible design); weights that overflow their level are reported once, as a total.
 */
import { bytesFor } from "../workloads/precision.js";
import { objectMemo, ownedMemo } from "../common/memo.js";
import { isResident, type TensorRole, type Trace } from "../workloads/trace.js";
import type { MemoryLevel } from "../hardware-models/memory-hierarchy.js";
import { INSIDE_UNITS, type Operand } from "../hardware-models/unit-model.js";
import type { Infeasible } from "../hardware-models/infeasibility.js";

export interface TensorInfo {
  name: string;
  bytes: number;
  /** First and last op index during which it is live (inclusive). */
  start: number;
  end: number;
  role: TensorRole;
}

/** Design-independent facts of a trace, computed once and reused across designs. */
export interface TraceLayout {
  tensors: TensorInfo[];
  indexByName: Map<string, number>;
  /** Per op: indices of input tensors, output tensor index, and the ops that produce its inputs. */
  opInputs: number[][];
  opOutput: number[];
  opDeps: number[][];
  peakMemoryBytes: number;
  peakActivationBytes: number;
  totalWeightBytes: number;
}

const layouts = objectMemo<Trace, TraceLayout>("sim.trace-layout");

/** The layout of a trace (remembered per trace object). */
export function traceLayout(trace: Trace): TraceLayout {
  return layouts.get(trace, () => layoutOf(trace));
}

function layoutOf(trace: Trace): TraceLayout {
  const last = trace.ops.length - 1;
  const indexByName = new Map<string, number>();
  const tensors: TensorInfo[] = trace.tensors.map((t, i) => {
    indexByName.set(t.name, i);
    const elements = t.shape.reduce((a, b) => a * b, 1);
    return { name: t.name, bytes: bytesFor(elements, t.precision), start: 0, end: -1, role: t.role };
  });
  const produced = new Array<boolean>(tensors.length).fill(false);
  const producer = new Int32Array(tensors.length).fill(-1);
  const opInputs: number[][] = [];
  const opOutput: number[] = [];
  const opDeps: number[][] = [];
  trace.ops.forEach((op, i) => {
    const ins = op.inputs.map((n) => indexByName.get(n)!);
    opInputs.push(ins);
    opDeps.push([...new Set(ins.map((t) => producer[t]!).filter((p) => p >= 0))]);
    for (const t of ins) tensors[t]!.end = Math.max(tensors[t]!.end, i);
    const outs = op.outputs.map((n) => indexByName.get(n)!);
    opOutput.push(outs[0]!);
    for (const t of outs) {
      tensors[t]!.start = i;
      produced[t] = true;
      producer[t] = i;
    }
  });
  tensors.forEach((t, i) => {
    const resident = isResident(t.role);
    if (resident || !produced[i]) t.start = 0;
    if (t.end < 0 || resident) t.end = last; // never read (a trace output) or resident parameters
    if (produced[i] && t.role === "kv-cache") t.end = last; // a KV cache outlives the step
  });
  // Peak live bytes via a difference array over op indices.
  const all = new Float64Array(trace.ops.length + 1);
  const acts = new Float64Array(trace.ops.length + 1);
  let totalWeightBytes = 0;
  for (const [i, t] of tensors.entries()) {
    // A tensor kept inside the units (fused attention's scores) never exists whole in memory: its
    // tiles live in the units' buffers, which the design already sizes.
    if (trace.tensors[i]!.onChip) continue;
    all[t.start]! += t.bytes;
    all[t.end + 1]! -= t.bytes;
    if (t.role === "weight" || t.role === "index") totalWeightBytes += t.bytes;
    else if (!isResident(t.role)) {
      acts[t.start]! += t.bytes;
      acts[t.end + 1]! -= t.bytes;
    }
  }
  let live = 0, liveActs = 0, peakMemoryBytes = 0, peakActivationBytes = 0;
  for (let i = 0; i < trace.ops.length; i++) {
    live += all[i]!;
    liveActs += acts[i]!;
    peakMemoryBytes = Math.max(peakMemoryBytes, live);
    peakActivationBytes = Math.max(peakActivationBytes, liveActs);
  }
  return { tensors, indexByName, opInputs, opOutput, opDeps, peakMemoryBytes, peakActivationBytes, totalWeightBytes };
}

export interface Placement {
  /** Level index per tensor. */
  levelOf: Int32Array;
  /** Per op: its operands (precision, level, tensor bytes), inputs then output. Built once per placement. */
  operands: { inputs: Operand[]; output: Operand }[];
  /** Peak bytes resident per level. */
  peakBytesByLevel: number[];
  /** What did not fit anywhere it may go (class "capacity"). */
  overflows: Infeasible[];
}

export function placeTensors(trace: Trace, layout: TraceLayout, memory: readonly MemoryLevel[], weightsLevel: number): Placement {
  const nOps = trace.ops.length;
  const levelOf = new Int32Array(layout.tensors.length);
  const occupancy = memory.map(() => new Float64Array(nOps));
  const overflows: Placement["overflows"] = [];
  const producedByOp = new Array<boolean>(layout.tensors.length).fill(false);
  for (const out of layout.opOutput) producedByOp[out] = true;
  const readByOp = new Array<boolean>(layout.tensors.length).fill(false);
  // Accesses per tensor (one write, one per reading op): what keeping it on chip saves, per byte.
  const accesses = new Array<number>(layout.tensors.length).fill(1);
  for (const ins of layout.opInputs) {
    for (const t of ins) {
      readByOp[t] = true;
      accesses[t]!++;
    }
  }

  const fits = (level: number, t: TensorInfo): boolean => {
    const occ = occupancy[level]!;
    const cap = memory[level]!.capacityBytes;
    for (let i = t.start; i <= t.end; i++) if (occ[i]! + t.bytes > cap) return false;
    return true;
  };
  const place = (index: number, level: number, t: TensorInfo) => {
    levelOf[index] = level;
    const occ = occupancy[level]!;
    for (let i = t.start; i <= t.end; i++) occ[i]! += t.bytes;
  };

  const writable = memory.map((l, i) => (l.writable ? i : -1)).filter((i) => i >= 0);
  if (writable.length === 0) {
    const needed = layout.tensors.reduce((m, t, i) => (trace.tensors[i]!.role === "weight" ? m : Math.max(m, t.bytes)), 0);
    overflows.push({ class: "capacity", level: "", neededBytes: needed, capacityBytes: 0, reason: "no memory level can hold run-time tensors (every level is read-only)" });
    return { levelOf, operands: [], peakBytesByLevel: memory.map(() => 0), overflows };
  }
  const outerWritable = writable[0]!;
  const weightLevel = memory[weightsLevel]!;
  let weightBytes = 0;
  let weightsOverflow = false;
  let trainingState = false;
  let spills = 0;
  const spill = (t: TensorInfo, level: number) => {
    // The first few by name; the rest counted (one overflow usually drags every later tensor along).
    if (++spills <= 5) {
      overflows.push({
        class: "capacity", level: memory[level]!.name, neededBytes: t.bytes, capacityBytes: memory[level]!.capacityBytes,
        reason: `tensor ${t.name} (${t.bytes} B) does not fit in ${memory[level]!.name} (${memory[level]!.capacityBytes} B) beside what else is live there`,
      });
    }
  };

  // Fixed homes first (weights, inputs, outputs), then the rest innermost-first in op order.
  const flexible: number[] = [];
  layout.tensors.forEach((t, i) => {
    if (trace.tensors[i]!.onChip) {
      levelOf[i] = INSIDE_UNITS; // inside the units: no shared level, no traffic, no capacity
      return;
    }
    const isInput = !producedByOp[i];
    const isOutput = producedByOp[i] && (!readByOp[i] || t.role === "kv-cache");
    if (isResident(t.role)) {
      weightBytes += t.bytes;
      const written = t.role === "gradient" || t.role === "optimizer-state";
      if (written) trainingState = true;
      // Training state is written every step: it stays with the weights unless they are in flash.
      const home = written && !weightLevel.writable ? outerWritable : weightsLevel;
      if (!fits(home, t)) weightsOverflow = true;
      place(i, home, t);
    } else if (isInput || isOutput) {
      if (!fits(outerWritable, t)) spill(t, outerWritable);
      place(i, outerWritable, t);
    } else flexible.push(i);
  });
  if (weightsOverflow) {
    overflows.unshift({
      class: "capacity", level: weightLevel.name, neededBytes: weightBytes, capacityBytes: weightLevel.capacityBytes,
      reason: `the weights${trainingState ? ", gradients and optimizer states" : ""} (${weightBytes} B in total) do not fit in ${weightLevel.name} (${weightLevel.capacityBytes} B)`,
    });
  }
  flexible.sort((a, b) => layout.tensors[a]!.start - layout.tensors[b]!.start || a - b);
  let remaining = flexible;
  for (let w = writable.length - 1; w > 0 && remaining.length > 0; w--) {
    const level = writable[w]!;
    const order = admissionOrder(remaining, layout, occupancy[level]!, accesses);
    const capacity = memory[level]!.capacityBytes;
    let admitted = 0;
    while (admitted < order.length && order[admitted]!.thresholdBytes <= capacity) {
      const i = order[admitted++]!.tensor;
      place(i, level, layout.tensors[i]!);
    }
    remaining = order.slice(admitted).map((a) => a.tensor).sort((a, b) => layout.tensors[a]!.start - layout.tensors[b]!.start || a - b);
  }
  for (const i of remaining) {
    const t = layout.tensors[i]!;
    if (!fits(outerWritable, t)) spill(t, outerWritable);
    place(i, outerWritable, t);
  }
  if (spills > 5) {
    const last = overflows[overflows.length - 1]!;
    overflows.push({ ...last, reason: `... and ${spills - 5} more tensors that do not fit` });
  }
  const peakBytesByLevel = occupancy.map((occ) => occ.reduce((m, v) => Math.max(m, v), 0));
  const operand = (t: number): Operand => ({
    precision: trace.tensors[t]!.precision, level: levelOf[t]!, bytes: layout.tensors[t]!.bytes, isWeight: trace.tensors[t]!.role === "weight", tensor: t,
  });
  const operands = trace.ops.map((_, i) => ({ inputs: layout.opInputs[i]!.map(operand), output: operand(layout.opOutput[i]!) }));
  return { levelOf, operands, peakBytesByLevel, overflows };
}

interface Admission {
  tensor: number;
  /** The level's capacity needed to hold this tensor and every one admitted before it. */
  thresholdBytes: number;
}

/**
 * The order in which a level admits `candidates` (tensor indices), given what is already fixed in
 * it (`base`, bytes live per op), with each admission's threshold (non-decreasing; see the header).
 * Ties go to the most accesses per byte, then the earliest tensor, so the order is deterministic.
 */
function admissionOrder(candidates: readonly number[], layout: TraceLayout, base: Float64Array, accesses: readonly number[]): Admission[] {
  const occ = Float64Array.from(base);
  const pending = [...candidates];
  const order: Admission[] = [];
  let threshold = 0;
  const need = (i: number) => {
    const t = layout.tensors[i]!;
    let peak = 0;
    for (let op = t.start; op <= t.end; op++) if (occ[op]! > peak) peak = occ[op]!;
    return peak + t.bytes;
  };
  while (pending.length > 0) {
    let pick = -1, pickNeed = Infinity, pickFree = false;
    for (let p = 0; p < pending.length; p++) {
      const i = pending[p]!;
      const n = need(i);
      const free = n <= threshold;
      if (pick >= 0) {
        const j = pending[pick]!;
        if (pickFree && !free) continue;
        if (free === pickFree) {
          // Both free: the most accesses per byte; both raising the threshold: the least raise.
          const better = free ? accesses[i]! > accesses[j]! : n < pickNeed || (n === pickNeed && accesses[i]! > accesses[j]!);
          if (!better) continue;
        }
      }
      pick = p;
      pickNeed = n;
      pickFree = free;
    }
    const i = pending[pick]!;
    pending.splice(pick, 1);
    threshold = Math.max(threshold, pickNeed);
    order.push({ tensor: i, thresholdBytes: threshold });
    const t = layout.tensors[i]!;
    for (let op = t.start; op <= t.end; op++) occ[op]! += t.bytes;
  }
  return order;
}

const placements = ownedMemo<Trace, string, Placement>("sim.placement");

/**
 * placeTensors, remembered per trace and memory capacities (placement depends on nothing else), so
 * a sweep that varies compute or bandwidth does not re-plan the same trace. Results are read-only.
 */
export function cachedPlacement(trace: Trace, layout: TraceLayout, memory: readonly MemoryLevel[], weightsLevel: number): Placement {
  let key = `${weightsLevel}`;
  for (const level of memory) key += `|${level.capacityBytes}`;
  return placements.lookup(trace, key) ?? placements.store(trace, key, placeTensors(trace, layout, memory, weightsLevel));
}
