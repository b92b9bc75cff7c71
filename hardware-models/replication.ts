/**
 * Replicated units: `count` copies of a unit (cores of a multi-core NPU, the SMs' tensor cores of a
 * GPU-like design) under the shared memory levels. An op is split across the replicas along the
 * dimension it allows (batch items and heads first, then rows, then output columns), every replica
 * runs its share in parallel (compute time of one share), the work (actions, bytes) is the sum of
 * the shares, and the shared levels' bandwidth is shared by all (the engine times traffic at the
 * level's bandwidth).
 *
 * A 2-D split of a matmul's output duplicates operands: each row block of A is read by the replicas
 * of its column blocks, each column block of B by those of its row blocks. With an on-chip shared
 * level below the operand's home (an L2 / global buffer), each copy beyond the first is served
 * from that level; without one, every replica fetches from home. This wrapper applies to any unit model.
 */
import type { Op } from "../workloads/trace.js";
import { bytesFor } from "../workloads/precision.js";
import type { TObject } from "@sinclair/typebox";
import { innerLevelHolding, type ResolvedUnitBase, type UnitModel } from "./unit-model.js";

export interface ReplicaSplit {
  /** The share of one replica. */
  op: Op;
  /** Replicas that get a share. */
  replicas: number;
  /** How many replicas read each part of operand A and of operand B (1: no duplication). */
  copies: [number, number];
}

export function splitForReplicas(op: Op, count: number): ReplicaSplit {
  if (count <= 1) return { op, replicas: 1, copies: [1, 1] };
  const even = (n: number, parts: number) => {
    const share = Math.ceil(n / Math.max(1, Math.min(parts, n)));
    return { share, used: Math.ceil(n / share) };
  };
  switch (op.kind) {
    case "matmul": {
      // Batch items (heads) first; when there are fewer than replicas, each item's output is tiled
      // 2-D over floor(count / batch) replicas: pm row blocks x pn column blocks, pm/pn ~ m/n,
      // which minimises the operand copies (A is read pn times, B pm times).
      const perItem = Math.floor(count / op.batchCount);
      if (perItem <= 1 || op.sparsity) {
        const b = even(op.batchCount, count);
        return { op: { ...op, batchCount: b.share }, replicas: b.used, copies: [1, 1] };
      }
      const pm = Math.max(1, Math.min(op.m, perItem, Math.round(Math.sqrt((perItem * op.m) / op.n))));
      const pn = Math.max(1, Math.min(op.n, Math.floor(perItem / pm)));
      const m = even(op.m, pm), n = even(op.n, pn);
      return { op: { ...op, batchCount: 1, m: m.share, n: n.share }, replicas: op.batchCount * m.used * n.used, copies: [n.used, m.used] };
    }
    case "softmax": {
      const perItem = Math.floor(count / op.batchCount);
      if (perItem <= 1 || op.sparsity) {
        const b = even(op.batchCount, count);
        return { op: { ...op, batchCount: b.share }, replicas: b.used, copies: [1, 1] };
      }
      const r = even(op.rows, perItem);
      return { op: { ...op, batchCount: 1, rows: r.share }, replicas: op.batchCount * r.used, copies: [1, 1] };
    }
    case "layernorm":
    case "gather": {
      const r = even(op.rows, count);
      return { op: { ...op, rows: r.share }, replicas: r.used, copies: [1, 1] };
    }
    case "elementwise": {
      const e = even(op.elements, count);
      return { op: { ...op, elements: e.share }, replicas: e.used, copies: [1, 1] };
    }
    case "sort": {
      const b = even(op.batchCount, count);
      return { op: { ...op, batchCount: b.share }, replicas: b.used, copies: [1, 1] };
    }
    case "scan": {
      const c = even(op.channels, count);
      return { op: { ...op, channels: c.share }, replicas: c.used, copies: [1, 1] };
    }
    case "collective":
      // A device's communication is not split over its replicas.
      return { op, replicas: 1, copies: [1, 1] };
    default: {
      const never: never = op;
      throw new Error(`unknown op ${(never as Op).kind}`);
    }
  }
}

/**
 * A resolved unit with `count` replicas: area, leakage and peak rate are those of all of them. A
 * `leakage:` given in the design file is already the whole unit's (`leakageGiven`), so it is kept.
 */
export function withReplicas<S extends ResolvedUnitBase>(one: S, count: number, leakageGiven: boolean): S {
  if (count === 1) return one;
  const areaByComponentMm2: Record<string, number> = {};
  for (const [part, area] of Object.entries(one.areaByComponentMm2)) areaByComponentMm2[part] = area * count;
  return {
    ...one,
    count,
    areaMm2: one.areaMm2 * count,
    areaByComponentMm2,
    leakagePowerW: leakageGiven ? one.leakagePowerW : one.leakagePowerW * count,
    peakMacsPerCycle: one.peakMacsPerCycle * count,
  };
}

/** Wrap a unit model's cost so that an op is split across the spec's `count` replicas. */
export function replicated<T extends TObject, S extends ResolvedUnitBase>(inner: UnitModel<T, S>): UnitModel<T, S> {
  return {
    ...inner,
    cost(spec, op, ctx, scratch) {
      if (spec.count <= 1) return inner.cost(spec, op, ctx, scratch);
      const split = splitForReplicas(op, spec.count);
      const cost = inner.cost(spec, split.op, ctx, scratch);
      cost.scale(split.replicas);
      if (op.kind === "matmul") {
        // Each part of a duplicated operand comes from home once and from the shared buffer for the
        // other copies (when there is one). Moved: (copies - 1) x the operand's size.
        split.copies.forEach((copies, i) => {
          if (copies <= 1) return;
          const operand = ctx.inputs[i]!;
          if (operand.level < 0) return;
          const whole = bytesFor((i === 0 ? op.m * op.k : op.k * op.n) * op.batchCount, operand.precision);
          const l2 = innerLevelHolding(ctx.memory, operand.level, 0);
          if (l2 < 0) return;
          const moved = Math.min((copies - 1) * whole, cost.readBytes[operand.level]!);
          cost.readBytes[operand.level]! -= moved;
          cost.writeBytes[l2]! += whole;
          cost.readBytes[l2]! += moved;
        });
      }
      return cost;
    },
  };
}
