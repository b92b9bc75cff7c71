/**
 * Why a design cannot run a workload, as a typed value with a class (Timeloop's "feasibility before
 * cost"): sweeps count failures by class, the CLI prints the message, library callers read the
 * fields. Every unit model's `check` and the engine's placement return these; nothing throws.
 */
import type { OpKind } from "../workloads/trace.js";
import type { Precision } from "../workloads/precision.js";

export const INFEASIBLE_CLASSES = ["capacity", "unsupported-op", "precision", "dynamic-operand", "interconnect"] as const;
export type InfeasibleClass = (typeof INFEASIBLE_CLASSES)[number];

interface Common {
  /** One readable sentence. */
  reason: string;
  /** The op it concerns, when one (added by the engine). */
  opId?: string;
  /** The unit it concerns, when one (added by the engine). */
  unit?: string;
}

export type Infeasible =
  /** A tensor (or the weights) does not fit the memory level it must live in. */
  | (Common & { class: "capacity"; level: string; neededBytes: number; capacityBytes: number })
  /** The unit the mapping names does not run this kind of op. */
  | (Common & { class: "unsupported-op"; opKind: OpKind })
  /** An operand's precision is one the unit cannot compute. */
  | (Common & { class: "precision"; needed: Precision; supported: readonly Precision[] })
  /** A crossbar asked to hold an operand computed per input (QK^T's K) with writing disabled. */
  | (Common & { class: "dynamic-operand" })
  /** The interconnect cannot carry a collective (too many devices, no host link or network, an algorithm that does not implement it). */
  | (Common & { class: "interconnect" });

/** Counts per class, every class present (zeros included), for summaries. */
export function countByClass(reasons: Iterable<{ class: InfeasibleClass }>): Record<InfeasibleClass, number> {
  const counts: Record<InfeasibleClass, number> = { capacity: 0, "unsupported-op": 0, precision: 0, "dynamic-operand": 0, interconnect: 0 };
  for (const r of reasons) counts[r.class]++;
  return counts;
}
