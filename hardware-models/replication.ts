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
 *
 * A dense matmul's split is chosen, not rounded (issue 15: rounding pm/pn from the shape made a
 * 1280x768x3072 GEMM on a100-like 31% faster than 1216x768x3072). A split is pb x pm x pn parts of
 * (batch items, rows, columns), each dimension cut into balanced parts (sizes floor and ceil of
 * dim/p; parts beyond the dimension are empty and their replicas idle). Its time is the largest
 * part's compute time against each level's bytes (all parts, the copies above) over its bandwidth,
 * as the engine times an op. The family of splits depends only on the count (powers of two and
 * the count itself, per dimension), and the fastest is taken. Every part grows with the op's
 * dimensions, so each split's time does, and so does the minimum: more work never takes less time.
 */
import type { MatmulOp, Op } from "../workloads/trace.js";
import { bytesFor } from "../workloads/precision.js";
import { matmulAElements } from "../workloads/conv.js";
import type { TObject } from "@sinclair/typebox";
import { innerLevelHolding, UnitCost, zeroCost, type OpContext, type ResolvedUnitBase, type UnitModel } from "./unit-model.js";
import { keyedMemo, ownedMemo } from "../common/memo.js";

export interface ReplicaSplit {
  /** The share of one replica. */
  op: Op;
  /** Replicas that get a share. */
  replicas: number;
}

export function splitForReplicas(op: Op, count: number): ReplicaSplit {
  if (count <= 1) return { op, replicas: 1 };
  const even = (n: number, parts: number) => {
    const share = Math.ceil(n / Math.max(1, Math.min(parts, n)));
    return { share, used: Math.ceil(n / share) };
  };
  switch (op.kind) {
    case "matmul": {
      // Only sparse matmuls come here (their mask is per batch item); dense ones are split by
      // chosenMatmulSplit below.
      const b = even(op.batchCount, count);
      return { op: { ...op, batchCount: b.share }, replicas: b.used };
    }
    case "softmax": {
      const perItem = Math.floor(count / op.batchCount);
      if (perItem <= 1 || op.sparsity) {
        const b = even(op.batchCount, count);
        return { op: { ...op, batchCount: b.share }, replicas: b.used };
      }
      const r = even(op.rows, perItem);
      return { op: { ...op, batchCount: 1, rows: r.share }, replicas: op.batchCount * r.used };
    }
    case "layernorm":
    case "gather": {
      const r = even(op.rows, count);
      return { op: { ...op, rows: r.share }, replicas: r.used };
    }
    case "elementwise": {
      const e = even(op.elements, count);
      return { op: { ...op, elements: e.share }, replicas: e.used };
    }
    case "sort": {
      const b = even(op.batchCount, count);
      return { op: { ...op, batchCount: b.share }, replicas: b.used };
    }
    case "scan": {
      const c = even(op.channels, count);
      return { op: { ...op, channels: c.share }, replicas: c.used };
    }
    case "collective":
      // A device's communication is not split over its replicas.
      return { op, replicas: 1 };
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
      if (op.kind === "matmul" && !op.sparsity) return chosenMatmulSplit(inner, spec, op, ctx, scratch);
      const split = splitForReplicas(op, spec.count);
      const cost = inner.cost(spec, split.op, ctx, scratch);
      cost.scale(split.replicas);
      return cost;
    },
  };
}

/** A matmul split: parts of (batch items, rows, columns), and the kernel tile's index in `spec.kernelTiles` (-1: none). */
type MatmulSplit = readonly [pb: number, pm: number, pn: number, tile: number];

const splitFamilies = keyedMemo<number, MatmulSplit[]>("replication.matmul-splits");

/** Powers of two below `n`, and `n`. */
function ladder(n: number): number[] {
  const out: number[] = [];
  for (let p = 1; p < n; p *= 2) out.push(p);
  out.push(n);
  return out;
}

/** The splits tried for `count` replicas (independent of the op, so the fastest is monotone in it). */
function matmulSplits(count: number): MatmulSplit[] {
  return splitFamilies.get(count, () => {
    const out: MatmulSplit[] = [];
    for (const pb of ladder(count)) {
      const rest = Math.floor(count / pb);
      for (const pm of ladder(rest)) out.push([pb, pm, Math.floor(rest / pm), -1]);
    }
    return out;
  });
}

/** Balanced parts of `n` into at most `p`: [size, how many] for the ceil and the floor size. */
function balanced(n: number, p: number): [number, number, number, number] {
  const parts = Math.min(n, p);
  const small = Math.floor(n / parts), big = Math.ceil(n / parts);
  const bigCount = n - small * parts; // parts of size small + 1 (0 when n divides evenly)
  return big === small ? [small, parts, 0, 0] : [big, bigCount, small, parts - bigCount];
}

/**
 * Parts of a dimension `n` cut `p` ways in whole tiles of `tile`: balanced parts of the ceil(n/tile)
 * tiles, the last part short by the padding. [size, how many] x 3 (absent classes count 0), and the
 * largest part's padded size (what a part's time is: a partial tile takes a whole tile's time).
 */
function tiledParts(n: number, p: number, tile: number): { parts: [number, number, number, number, number, number]; padded: number } {
  const [a, ca, b, cb] = balanced(Math.ceil(n / tile), p);
  const excess = Math.ceil(n / tile) * tile - n;
  const padded = a * tile;
  if (excess === 0) return { parts: [a * tile, ca, b * tile, cb, 0, 0], padded };
  // The short part is the last one: a small one when there are small parts, else a big one.
  return cb > 0
    ? { parts: [a * tile, ca, b * tile, cb - 1, b * tile - excess, 1], padded }
    : { parts: [a * tile, ca - 1, 0, 0, a * tile - excess, 1], padded };
}

/**
 * Cost of `op` split `s` ways over the replicas into `into` (`part` is the inner model's scratch):
 * the sum of the parts' costs, the largest part's compute cycles, and the duplicated operands'
 * copies served by a shared on-chip level. With a kernel tile (`spec.kernelTiles[s[3]]`), rows and columns
 * are cut in whole tiles; the work is the real parts', the time the largest part's padded to whole
 * tiles (a GPU thread block computes its whole tile, masked or not).
 */
function costSplit<T extends TObject, S extends ResolvedUnitBase>(
  inner: UnitModel<T, S>, spec: S, op: MatmulOp, ctx: OpContext, s: MatmulSplit, into: UnitCost, part: UnitCost,
): UnitCost {
  const [b1, nb1, b2, nb2] = balanced(op.batchCount, s[0]);
  const tile = s[3] < 0 ? undefined : spec.kernelTiles![s[3]]!;
  const m = tiledParts(op.m, s[1], tile?.rows ?? 1);
  const n = tiledParts(op.n, s[2], tile?.cols ?? 1);
  let cycles = 0, interfaceCycles = 0;
  let mParts = 0, nParts = 0;
  for (let i = 0; i < 6; i += 2) {
    mParts += m.parts[i + 1]!;
    nParts += n.parts[i + 1]!;
  }
  for (const [bb, cb] of [[b1, nb1], [b2, nb2]] as const) {
    if (cb === 0) continue;
    for (let i = 0; i < 6; i += 2) {
      const mm = m.parts[i]!, cm = m.parts[i + 1]!;
      if (cm === 0) continue;
      for (let j = 0; j < 6; j += 2) {
        const nn = n.parts[j]!, cn = n.parts[j + 1]!;
        if (cn === 0) continue;
        const c = inner.cost(spec, { ...op, batchCount: bb, m: mm, n: nn }, ctx, part);
        const times = cb * cm * cn;
        cycles = Math.max(cycles, c.computeCycles);
        interfaceCycles = Math.max(interfaceCycles, c.interfaceCycles);
        into.macs += c.macs * times;
        for (let a = 0; a < c.counts.length; a++) into.counts[a]! += c.counts[a]! * times;
        for (let l = 0; l < c.readBytes.length; l++) {
          into.readBytes[l]! += c.readBytes[l]! * times;
          into.writeBytes[l]! += c.writeBytes[l]! * times;
        }
      }
    }
  }
  // The padded largest part, when no real part has its shape (a single short part in a dimension).
  if (tile && (m.parts[1] === 0 || n.parts[1] === 0)) {
    const c = inner.cost(spec, { ...op, batchCount: b1, m: m.padded, n: n.padded }, ctx, part);
    cycles = Math.max(cycles, c.computeCycles);
    interfaceCycles = Math.max(interfaceCycles, c.interfaceCycles);
  }
  into.computeCycles = cycles;
  into.interfaceCycles = interfaceCycles;
  // Each part of a duplicated operand comes from home once and from the shared buffer for the
  // other copies (when there is one). Moved: (copies - 1) x the operand's size. A conv's row parts
  // overlap by their halos (each part fetches its own halo'd input tile): the overlap is a
  // duplicate too, in every copy.
  const copies = [nParts, mParts];
  let haloElements = 0;
  if (op.conv && mParts > 1) {
    for (let i = 0; i < 6; i += 2) if (m.parts[i + 1]! > 0) haloElements += m.parts[i + 1]! * matmulAElements({ ...op, m: m.parts[i]! });
    haloElements = Math.max(0, haloElements - matmulAElements(op));
  }
  for (let i = 0; i < 2; i++) {
    const operand = ctx.inputs[i]!;
    const halo = i === 0 ? bytesFor(haloElements * op.batchCount, operand.precision) * copies[0]! : 0;
    if (copies[i]! <= 1 && halo === 0) continue;
    if (operand.level < 0) continue;
    const whole = bytesFor((i === 0 ? matmulAElements(op) : op.k * op.n) * op.batchCount, operand.precision);
    const l2 = innerLevelHolding(ctx.memory, operand.level, 0);
    if (l2 < 0) continue;
    const moved = Math.min((copies[i]! - 1) * whole + halo, into.readBytes[operand.level]!);
    into.readBytes[operand.level]! -= moved;
    into.writeBytes[l2]! += whole;
    into.readBytes[l2]! += moved;
  }
  return into;
}

function totalBytes(cost: UnitCost): number {
  let bytes = 0;
  for (let l = 0; l < cost.readBytes.length; l++) bytes += cost.readBytes[l]! + cost.writeBytes[l]!;
  return bytes;
}

/** Seconds the engine would give a cost: compute against each level's traffic. */
function splitSeconds(cost: UnitCost, frequencyHz: number, ctx: OpContext): number {
  let seconds = Math.max(cost.computeCycles, cost.interfaceCycles) / frequencyHz;
  for (let l = 0; l < ctx.memory.length; l++) {
    const t = (cost.readBytes[l]! + cost.writeBytes[l]!) / ctx.memory[l]!.bandwidthBytesPerSecond;
    if (t > seconds) seconds = t;
  }
  return seconds;
}

const chosenSplits = ownedMemo<ResolvedUnitBase, string, MatmulSplit>("replication.chosen-split");

/** What the choice of split depends on besides the spec: the op's shape and fusion, its operands, the levels. */
function splitKey(op: MatmulOp, ctx: OpContext): string {
  let key = `${op.batchCount},${op.m},${op.n},${op.k}`;
  for (const x of ctx.inputs) key += `|${x.level},${x.precision},${x.bytes}`;
  key += `|${ctx.output.level},${ctx.output.precision}`;
  for (const l of ctx.memory) key += `|${l.bandwidthBytesPerSecond},${l.capacityBytes}`;
  return op.fusion ? `${key}|${JSON.stringify(op.fusion)}` : key;
}

/** A dense matmul on `spec.count` replicas, split the fastest way of the family (header). */
function chosenMatmulSplit<T extends TObject, S extends ResolvedUnitBase>(inner: UnitModel<T, S>, spec: S, op: MatmulOp, ctx: OpContext, scratch?: UnitCost): UnitCost {
  const levels = ctx.memory.length, actions = spec.actions.list.length;
  const part = new UnitCost(levels, actions);
  const key = splitKey(op, ctx);
  const known = chosenSplits.lookup(spec, key);
  if (known) return costSplit(inner, spec, op, ctx, known, zeroCost(levels, actions, scratch), part);
  let best = zeroCost(levels, actions, scratch);
  let trial = new UnitCost(levels, actions);
  let bestSeconds = Infinity, bestBytes = Infinity;
  let bestSplit: MatmulSplit = [1, 1, 1, -1];
  const tried = new Set<number>();
  const tiles = spec.kernelTiles ?? [];
  for (let t = tiles.length > 0 ? 0 : -1; t < tiles.length; t++) {
    const tileRows = t < 0 ? 1 : tiles[t]!.rows, tileCols = t < 0 ? 1 : tiles[t]!.cols;
    for (const s of matmulSplits(spec.count)) {
      // Splits beyond a dimension's tiles cost the same as splitting it fully: try each distinct one once.
      const split: MatmulSplit = [Math.min(s[0], op.batchCount), Math.min(s[1], Math.ceil(op.m / tileRows)), Math.min(s[2], Math.ceil(op.n / tileCols)), t];
      const id = ((split[0] * (spec.count + 1) + split[1]) * (spec.count + 1) + split[2]) * (tiles.length + 1) + t + 1;
      if (tried.has(id)) continue;
      tried.add(id);
      const c = costSplit(inner, spec, op, ctx, split, zeroCost(levels, actions, trial), part);
      const seconds = splitSeconds(c, spec.frequencyHz, ctx);
      // Equally fast splits: the one that moves fewer bytes (less energy, less contention).
      const moved = totalBytes(c);
      if (seconds < bestSeconds || (seconds === bestSeconds && moved < bestBytes)) {
        bestSeconds = seconds;
        bestBytes = moved;
        bestSplit = split;
        [best, trial] = [c, best];
      }
    }
  }
  chosenSplits.store(spec, key, bestSplit);
  return best;
}
