/**
 * Systolic array (rows x cols MACs) with separate ifmap / filter / ofmap buffers, dataflows
 * output-, weight- and input-stationary, the way SCALE-Sim models them (Samajdar et al., "A
 * systematic methodology for characterizing scalability of DNN accelerators using SCALE-Sim",
 * ISPASS 2020; SCALE-Sim v2). For C[MxN] = A[MxK] . B[KxN] (A = ifmap, B = filter, C = ofmap):
 *
 *   dataflow  on rows (Sr)  on cols (Sc)  streamed (T)  cycles per fold
 *   os        M             N             K             T + R + C - 2
 *   ws        K             N             M             T + 2R + C - 2
 *   is        K             M             N             T + 2R + C - 2
 *
 * Folds F = ceil(Sr/R) * ceil(Sc/C); folds do not overlap (each drains before the next, and the
 * stationary operand is reloaded, R cycles, every fold). Compute cycles = F x cycles per fold. This
 * is the number of cycles; SCALE-Sim reports one less (the index of the last cycle).
 *
 * Buffer (SRAM) accesses per operand follow the same mapping: an operand is read once per fold of
 * the dimension it does not span (os: A x ceil(N/C), B x ceil(M/R); ws: A x ceil(N/C), B once;
 * is: A once, B x ceil(M/C)); ws/is accumulate partial sums over K folds in the ofmap buffer.
 *
 * Traffic to the level each tensor lives in (the analytic model, ours): each buffer is double
 * buffered (half computes, half prefetches). Per dataflow two loop orders are possible; each
 * operand is fetched once if what must stay resident for its reuse fits in half its buffer, and
 * again on every reuse pass otherwise; partial sums that cannot stay in the ofmap buffer spill
 * (written and read back per K fold). The cheaper order is chosen. More buffer never adds traffic.
 *
 * `trafficModel: scalesim-v2` reproduces SCALE-Sim v2's own accounting instead (1-byte words,
 * partial sums drained to DRAM every K fold, padded prefetch; see scalesim-traffic.ts), for
 * comparing with SCALE-Sim runs.
 */
import type { MatmulOp, Op } from "../../workloads/trace.js";
import { bytesFor, precisionFits, type Precision } from "../../workloads/precision.js";
import { ACCUMULATOR } from "../technology/operation-energy.js";
import { macAreaMm2, sramAreaMm2, leakagePowerW } from "../technology/area.js";
import { FEASIBLE, zeroCost, type ActionPrice, type Feasibility, type OpContext, type ResolveEnv, type ResolvedUnitBase, type UnitCost, type UnitModel } from "../unit-model.js";
import { parseQuantity, QUANTITY } from "../../common/quantity.js";
import { InputError } from "../../common/input-error.js";
import { scalesimDramWords } from "./scalesim-traffic.js";

export type Dataflow = "os" | "ws" | "is";
export type TrafficModel = "analytic" | "scalesim-v2";

export interface SystolicSpec extends ResolvedUnitBase {
  kind: "systolic";
  rows: number;
  cols: number;
  dataflow: Dataflow;
  macPrecision: Precision;
  ifmapBufferBytes: number;
  filterBufferBytes: number;
  ofmapBufferBytes: number;
  trafficModel: TrafficModel;
}

// Action indices (the order of `actions` in resolve()).
const MAC = 0, IFMAP_READ = 1, IFMAP_WRITE = 2, FILTER_READ = 3, FILTER_WRITE = 4, OFMAP_READ = 5, OFMAP_WRITE = 6;

/** Geometry of one matmul on an R x C array: SCALE-Sim's mapping and fold counts. */
export interface SystolicGeometry {
  rowFolds: number;
  colFolds: number;
  cyclesPerFold: number;
  computeCycles: number;
  /** Buffer accesses in elements (per batch item). */
  ifmapReads: number;
  filterReads: number;
  /** Partial-sum writes into the ofmap buffer (M*N for os; M*N per K fold for ws/is). */
  ofmapWrites: number;
}

export function systolicGeometry(rows: number, cols: number, dataflow: Dataflow, m: number, n: number, k: number): SystolicGeometry {
  switch (dataflow) {
    case "os": {
      const rowFolds = Math.ceil(m / rows), colFolds = Math.ceil(n / cols);
      const cyclesPerFold = k + rows + cols - 2;
      return { rowFolds, colFolds, cyclesPerFold, computeCycles: rowFolds * colFolds * cyclesPerFold, ifmapReads: m * k * colFolds, filterReads: k * n * rowFolds, ofmapWrites: m * n };
    }
    case "ws": {
      const rowFolds = Math.ceil(k / rows), colFolds = Math.ceil(n / cols);
      const cyclesPerFold = m + 2 * rows + cols - 2;
      return { rowFolds, colFolds, cyclesPerFold, computeCycles: rowFolds * colFolds * cyclesPerFold, ifmapReads: m * k * colFolds, filterReads: k * n, ofmapWrites: m * n * rowFolds };
    }
    case "is": {
      const rowFolds = Math.ceil(k / rows), colFolds = Math.ceil(m / cols);
      const cyclesPerFold = n + 2 * rows + cols - 2;
      return { rowFolds, colFolds, cyclesPerFold, computeCycles: rowFolds * colFolds * cyclesPerFold, ifmapReads: m * k, filterReads: k * n * colFolds, ofmapWrites: m * n * rowFolds };
    }
    default: {
      const never: never = dataflow;
      throw new Error(`unknown dataflow ${String(never)}`);
    }
  }
}

/** Bytes fetched from / written to home levels by the analytic tiling model (one batch item). */
export interface SystolicTraffic {
  ifmapFetchBytes: number;
  filterFetchBytes: number;
  /** Output (and spilled partial sums) written to the output's level. */
  outputWriteBytes: number;
  /** Spilled partial sums read back from the output's level. */
  outputReadBytes: number;
}

export function analyticTraffic(spec: SystolicSpec, op: MatmulOp, pa: Precision, pb: Precision, po: Precision): SystolicTraffic {
  const { m, n, k } = op;
  const R = spec.rows, C = spec.cols;
  const g = systolicGeometry(R, C, spec.dataflow, m, n, k);
  const a = bytesFor(m * k, pa), b = bytesFor(k * n, pb), o = bytesFor(m * n, po);
  const accBytesPerElement = bytesFor(1, ACCUMULATOR[spec.macPrecision]);
  const capA = spec.ifmapBufferBytes / 2, capB = spec.filterBufferBytes / 2, capO = spec.ofmapBufferBytes / 2;
  const spill = (kFolds: number): { w: number; r: number } => {
    const partial = m * n * accBytesPerElement * (kFolds - 1);
    return { w: o + partial, r: partial };
  };
  const noSpill = { w: o, r: 0 };
  type Option = { a: number; b: number; w: number; r: number };
  let options: Option[];
  switch (spec.dataflow) {
    case "os": {
      const tileA = bytesFor(Math.min(R, m) * k, pa), tileB = bytesFor(k * Math.min(C, n), pb);
      options = [
        { a: tileA <= capA ? a : a * g.colFolds, b: b <= capB ? b : b * g.rowFolds, ...noSpill },
        { a: a <= capA ? a : a * g.colFolds, b: tileB <= capB ? b : b * g.rowFolds, ...noSpill },
      ];
      break;
    }
    case "ws": {
      const sliceA = bytesFor(m * Math.min(R, k), pa);
      const allPsum = m * n * accBytesPerElement, tilePsum = m * Math.min(C, n) * accBytesPerElement;
      options = [
        { a: sliceA <= capA ? a : a * g.colFolds, b, ...(allPsum <= capO ? noSpill : spill(g.rowFolds)) },
        { a: a <= capA ? a : a * g.colFolds, b, ...(tilePsum <= capO ? noSpill : spill(g.rowFolds)) },
      ];
      break;
    }
    case "is": {
      const sliceB = bytesFor(Math.min(R, k) * n, pb);
      const allPsum = m * n * accBytesPerElement, tilePsum = Math.min(C, m) * n * accBytesPerElement;
      options = [
        { a, b: sliceB <= capB ? b : b * g.colFolds, ...(allPsum <= capO ? noSpill : spill(g.rowFolds)) },
        { a, b: b <= capB ? b : b * g.colFolds, ...(tilePsum <= capO ? noSpill : spill(g.rowFolds)) },
      ];
      break;
    }
    default: {
      const never: never = spec.dataflow;
      throw new Error(`unknown dataflow ${String(never)}`);
    }
  }
  let best = options[0]!;
  for (const opt of options) if (opt.a + opt.b + opt.w + opt.r < best.a + best.b + best.w + best.r) best = opt;
  return { ifmapFetchBytes: best.a, filterFetchBytes: best.b, outputWriteBytes: best.w, outputReadBytes: best.r };
}

export const systolicArray: UnitModel<SystolicSpec> = {
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["kind", "rows", "cols", "dataflow", "macPrecision", "buffers"],
    properties: {
      kind: { const: "systolic" },
      description: { type: "string" },
      rows: { type: "integer", minimum: 1 },
      cols: { type: "integer", minimum: 1 },
      dataflow: { enum: ["os", "ws", "is"] },
      macPrecision: { enum: ["fp32", "fp16", "bf16", "int32", "int16", "int8", "int4", "ternary", "binary"] },
      buffers: {
        type: "object",
        additionalProperties: false,
        required: ["ifmap", "filter", "ofmap"],
        properties: { ifmap: { type: "string" }, filter: { type: "string" }, ofmap: { type: "string" } },
      },
      frequency: { type: "string" },
      leakage: { type: "string" },
      trafficModel: { enum: ["analytic", "scalesim-v2"] },
    },
  },

  resolve(user, env) {
    const at = (p: string) => ({ file: env.file, path: `${env.path}/${p}` });
    const buffers = user.buffers as Record<string, unknown>;
    const rows = user.rows as number, cols = user.cols as number;
    const macPrecision = user.macPrecision as Precision;
    const ifmapBufferBytes = positive(parseQuantity(buffers.ifmap, QUANTITY.bytes, at("buffers/ifmap")), env, "buffers/ifmap");
    const filterBufferBytes = positive(parseQuantity(buffers.filter, QUANTITY.bytes, at("buffers/filter")), env, "buffers/filter");
    const ofmapBufferBytes = positive(parseQuantity(buffers.ofmap, QUANTITY.bytes, at("buffers/ofmap")), env, "buffers/ofmap");
    const frequencyHz = user.frequency === undefined ? env.frequencyHz : parseQuantity(user.frequency, QUANTITY.frequencyHz, at("frequency"));
    const macs = macAreaMm2(macPrecision, env.nodeNm) * rows * cols;
    const bufferArea = sramAreaMm2(ifmapBufferBytes + filterBufferBytes + ofmapBufferBytes, env.nodeNm);
    const areaMm2 = macs + bufferArea;
    const e = env.energy;
    const buffer = (name: string, bytes: number, dir: "read" | "write"): ActionPrice => ({
      name: `${name}.${dir}`, energyPj: e.sramPjPerByte(bytes), per: "byte", source: e.sramSource(bytes), bufferName: name,
    });
    const actions: ActionPrice[] = [];
    actions[MAC] = { name: `mac.${macPrecision}`, energyPj: e.macPj(macPrecision), per: "op", source: e.entry(`mac.${macPrecision}`)?.source ?? "" };
    actions[IFMAP_READ] = buffer("ifmap", ifmapBufferBytes, "read");
    actions[IFMAP_WRITE] = buffer("ifmap", ifmapBufferBytes, "write");
    actions[FILTER_READ] = buffer("filter", filterBufferBytes, "read");
    actions[FILTER_WRITE] = buffer("filter", filterBufferBytes, "write");
    actions[OFMAP_READ] = buffer("ofmap", ofmapBufferBytes, "read");
    actions[OFMAP_WRITE] = buffer("ofmap", ofmapBufferBytes, "write");
    return {
      name: env.name, kind: "systolic", frequencyHz, actions, areaMm2,
      areaByComponentMm2: { macs, buffers: bufferArea },
      leakagePowerW: user.leakage === undefined ? leakagePowerW(areaMm2, env.voltageV) : parseQuantity(user.leakage, QUANTITY.powerW, at("leakage")),
      peakMacsPerCycle: rows * cols,
      rows, cols, dataflow: user.dataflow as Dataflow, macPrecision,
      ifmapBufferBytes, filterBufferBytes, ofmapBufferBytes,
      trafficModel: (user.trafficModel as TrafficModel | undefined) ?? "analytic",
    };
  },

  supports(op: Op) {
    return op.kind === "matmul";
  },

  check(spec, op, ctx): Feasibility {
    if (op.kind !== "matmul") return { ok: false, reason: `a systolic array runs matmuls, not ${op.kind}` };
    for (const [i, operand] of ctx.inputs.entries()) {
      if (!precisionFits(operand.precision, spec.macPrecision)) {
        return { ok: false, reason: `operand ${i} is ${operand.precision} but the array's MACs are ${spec.macPrecision}` };
      }
    }
    return FEASIBLE;
  },

  cost(spec, op, ctx): UnitCost {
    const cost = zeroCost(ctx.memory.length, spec.actions.length);
    if (op.kind !== "matmul") return cost;
    const [inA, inB] = ctx.inputs as [OpContext["inputs"][number], OpContext["inputs"][number]];
    const out = ctx.output;
    const g = systolicGeometry(spec.rows, spec.cols, spec.dataflow, op.m, op.n, op.k);
    const batch = op.batchCount;
    const macs = op.m * op.n * op.k * batch;
    cost.computeCycles = g.computeCycles * batch;
    cost.macs = macs;
    const c = cost.actionCounts;
    c[MAC] = macs;
    c[IFMAP_READ] = bytesFor(g.ifmapReads, inA.precision) * batch;
    c[FILTER_READ] = bytesFor(g.filterReads, inB.precision) * batch;
    const accPrecision = ACCUMULATOR[spec.macPrecision];
    const outBytes = bytesFor(op.m * op.n, out.precision);
    if (spec.trafficModel === "scalesim-v2") {
      // SCALE-Sim: 1-byte words, every partial-sum write goes to SRAM and on to DRAM.
      // SCALE-Sim's Bandwidth is DRAM words (bytes) per cycle; unlimited bandwidth is its CALC mode.
      const wordsPerCycle = ctx.memory[inA.level]!.bandwidthBytesPerSecond / spec.frequencyHz;
      const words = scalesimDramWords({ ...spec, scalesimBandwidthWords: Number.isFinite(wordsPerCycle) ? Math.round(wordsPerCycle) : undefined }, op);
      cost.readBytes[inA.level]! += words.ifmapReads * batch;
      cost.readBytes[inB.level]! += words.filterReads * batch;
      cost.writeBytes[out.level]! += words.ofmapWrites * batch;
      c[IFMAP_WRITE] = words.ifmapReads * batch;
      c[FILTER_WRITE] = words.filterReads * batch;
      c[OFMAP_WRITE] = g.ofmapWrites * batch;
      c[OFMAP_READ] = words.ofmapWrites * batch;
      return cost;
    }
    const t = analyticTraffic(spec, op, inA.precision, inB.precision, out.precision);
    cost.readBytes[inA.level]! += t.ifmapFetchBytes * batch;
    cost.readBytes[inB.level]! += t.filterFetchBytes * batch;
    cost.writeBytes[out.level]! += t.outputWriteBytes * batch;
    cost.readBytes[out.level]! += t.outputReadBytes * batch;
    c[IFMAP_WRITE] = t.ifmapFetchBytes * batch;
    c[FILTER_WRITE] = t.filterFetchBytes * batch;
    // Partial sums: ws/is write each K fold's partials into the ofmap buffer and read them back to
    // accumulate; os accumulates in the PEs. Then the finished outputs drain to their level.
    const psumWrites = spec.dataflow === "os" ? 0 : bytesFor(g.ofmapWrites, accPrecision);
    const psumReads = spec.dataflow === "os" ? 0 : bytesFor(g.ofmapWrites - op.m * op.n, accPrecision);
    c[OFMAP_WRITE] = (spec.dataflow === "os" ? outBytes : psumWrites) * batch + t.outputReadBytes * batch;
    c[OFMAP_READ] = (psumReads + t.outputWriteBytes) * batch;
    return cost;
  },
};

function positive(value: number, env: ResolveEnv, path: string): number {
  if (!(value > 0)) throw new InputError(env.file, { path: `${env.path}/${path}`, expected: "a positive size", found: String(value) });
  return value;
}
