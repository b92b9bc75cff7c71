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
import type { OpContext, ResolvedUnitBase, UnitCost, UnitModel } from "./unit-model.js";

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

/** The innermost writable on-chip level below `level` (an L2 that can multicast), or -1. */
function sharedBuffer(ctx: OpContext, level: number): number {
  for (let l = ctx.memory.length - 1; l > level; l--) if (!ctx.memory[l]!.offChip && ctx.memory[l]!.writable) return l;
  return -1;
}

export interface ReplicatedSpec {
  count: number;
}

/** Wrap a unit model with `count` replicas (schema, resolve, cost). */
export function replicated<S extends ResolvedUnitBase>(inner: UnitModel<S>): UnitModel<S & ReplicatedSpec> {
  const schema = {
    ...inner.schema,
    properties: { ...(inner.schema.properties as Record<string, unknown>), count: { type: "integer", minimum: 1, description: "replicas of this unit" } },
  };
  return {
    schema,
    kinds: inner.kinds,
    resolve(user, env) {
      const { count = 1, ...rest } = user as { count?: number };
      const one = inner.resolve(rest, env);
      const scaled = Object.fromEntries(Object.entries(one.areaByComponentMm2).map(([k, v]) => [k, v * count]));
      return {
        ...one,
        count,
        areaMm2: one.areaMm2 * count,
        areaByComponentMm2: scaled,
        leakagePowerW: user.leakage === undefined ? one.leakagePowerW * count : one.leakagePowerW,
        peakMacsPerCycle: one.peakMacsPerCycle * count,
      };
    },
    supports: (op) => inner.supports(op),
    check: (spec, op, ctx) => inner.check(spec, op, ctx),
    cost(spec, op, ctx, scratch): UnitCost {
      if (spec.count <= 1) return inner.cost(spec, op, ctx, scratch);
      const split = splitForReplicas(op, spec.count);
      const cost = inner.cost(spec, split.op, ctx, scratch);
      const r = split.replicas;
      cost.macs *= r;
      for (let a = 0; a < cost.actionCounts.length; a++) cost.actionCounts[a]! *= r;
      for (let l = 0; l < cost.readBytes.length; l++) {
        cost.readBytes[l]! *= r;
        cost.writeBytes[l]! *= r;
      }
      if (op.kind === "matmul") {
        // Each part of a duplicated operand comes from home once and from the shared buffer for the
        // other copies (when there is one). Moved: (copies - 1) x the operand's size.
        split.copies.forEach((copies, i) => {
          if (copies <= 1) return;
          const operand = ctx.inputs[i]!;
          const whole = bytesFor((i === 0 ? op.m * op.k : op.k * op.n) * op.batchCount, operand.precision);
          const l2 = sharedBuffer(ctx, operand.level);
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
