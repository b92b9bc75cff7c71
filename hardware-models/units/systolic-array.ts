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
 * `doubleBuffered: true` (issue 15) gives each PE a second register for the stationary operand, as
 * the TPU's matrix unit holds one weight tile plus one for double buffering "to hide the 256 cycles
 * it takes to shift a tile in" (Jouppi et al., ISCA 2017, section 2): the next fold's tile shifts in
 * (R cycles) while the current fold streams, and consecutive folds' wavefronts follow each other
 * through the array, so the first load, the fill and the drain are paid once per op:
 *   cycles = cycles per fold + (F - 1) x max(T, R)
 * The shadow registers cost area (R x C x the stationary operand's bytes, at SRAM density: an
 * underestimate, a flip-flop is larger than a bitcell) and the leakage that follows.
 *
 * Buffer (SRAM) accesses per operand follow the same mapping: an operand is read once per fold of
 * the dimension it does not span (os: A x ceil(N/C), B x ceil(M/R); ws: A x ceil(N/C), B once;
 * is: A once, B x ceil(M/C)); ws/is accumulate partial sums over K folds in the ofmap buffer.
 *
 * Traffic to the level each tensor lives in (the analytic model, ours): each buffer is double
 * buffered (half computes, half prefetches). The fold loops are blocked the way a compiler tiles
 * them (functions below): an operand is fetched once if it fits whole in half its buffer, otherwise
 * once per block of the other operand's folds; partial sums stay in the ofmap buffer when a block
 * fits and spill (written and read back per K fold) when not. The cheapest blocking is chosen, so
 * more buffer never adds traffic.
 *
 * Precision modes (`precisionModes`, issue 15): besides macPrecision x macPrecision at rate 1, an
 * array may run (weights x activations) pairs at other rates (A100 int8 at 2x fp16; TPUv1 8 x 16
 * bits at half speed), each MAC priced from both widths (precisionMode, mixedMacPrice).
 *
 * `trafficModel: scalesim-v2` reproduces SCALE-Sim v2's own accounting instead (1-byte words,
 * partial sums drained to DRAM every K fold, padded prefetch; see scalesim-traffic.ts), for
 * comparing with SCALE-Sim runs.
 */
import { Type } from "@sinclair/typebox";
import { QuantityString, StringEnum } from "../../common/schema.js";
import { matmulOutputElements, opMacs, type MatmulOp, type Op } from "../../workloads/trace.js";
import { colsInBlockCol, expandMask, maskDensity, rowsInBlockRow, tileStats } from "../../workloads/sparsity.js";
import { bitsOf, bytesFor, precisionFits, type Precision } from "../../workloads/precision.js";
import { convInputFootprintElements, matmulAElements, type ConvShape } from "../../workloads/conv.js";
import type { EnergyOrigin, EnergyTable } from "../technology/energy-table.js";
import { ACCUMULATOR } from "../technology/operation-energy.js";
import { macAreaMm2, sramAreaMm2, leakagePowerW } from "../technology/area.js";
import { actionTable, chargeMatmulFetch, FEASIBLE, UNIT_COMMON_PROPERTIES, zeroCost, type ActionPrice, type Feasibility, type ResolvedUnitBase, type UnitCost, type UnitModel } from "../unit-model.js";
import { parsePositiveQuantity, parseQuantity, QUANTITY } from "../../common/quantity.js";
import { scalesimDramWords, type ScalesimWords } from "./scalesim-traffic.js";
import { InputError } from "../../common/input-error.js";

export const DATAFLOWS = ["os", "ws", "is"] as const;
export type Dataflow = (typeof DATAFLOWS)[number];
/** Precisions an array's MACs may be built for. */
export const MAC_PRECISIONS = ["fp32", "fp16", "bf16", "int32", "int16", "int8", "int4", "ternary", "binary"] as const satisfies readonly Precision[];
export const TRAFFIC_MODELS = ["analytic", "scalesim-v2"] as const;
export type TrafficModel = (typeof TRAFFIC_MODELS)[number];

/** The actions a systolic array is priced by; `mac:<weights>x<activations>` are its extra precision modes' MACs. */
export type SystolicAction = "mac" | "ifmapRead" | "ifmapWrite" | "filterRead" | "filterWrite" | "ofmapRead" | "ofmapWrite" | `mac:${string}`;

/**
 * A precision mode of the array (issue 15): MACs of `weights` (operand B, the filter) by
 * `activations` (operand A, the ifmap) at `rate` MACs per PE per cycle of the native mode's. The
 * native mode is macPrecision x macPrecision at rate 1; its MAC action is `mac`.
 */
export interface PrecisionMode {
  weights: Precision;
  activations: Precision;
  rate: number;
  action: SystolicAction;
}

export interface SystolicSpec extends ResolvedUnitBase<SystolicAction> {
  kind: "systolic";
  rows: number;
  cols: number;
  dataflow: Dataflow;
  macPrecision: Precision;
  ifmapBufferBytes: number;
  filterBufferBytes: number;
  ofmapBufferBytes: number;
  trafficModel: TrafficModel;
  /** A second stationary register per PE: the next fold's tile loads while this one computes. */
  doubleBuffered: boolean;
  /** The native mode first, then the design's extra modes. */
  precisionModes: readonly PrecisionMode[];
}

/**
 * The mode an op runs in: of the modes that hold both operands (precisionFits), the fastest, then
 * the cheaper MAC. Undefined when none holds them.
 */
export function precisionMode(spec: SystolicSpec, activations: Precision, weights: Precision): PrecisionMode | undefined {
  let best: PrecisionMode | undefined;
  for (const mode of spec.precisionModes) {
    if (!precisionFits(activations, mode.activations) || !precisionFits(weights, mode.weights)) continue;
    if (!best || mode.rate > best.rate || (mode.rate === best.rate && macPj(spec, mode) < macPj(spec, best))) best = mode;
  }
  return best;
}

function macPj(spec: SystolicSpec, mode: PrecisionMode): number {
  return spec.actions.list[spec.actions.index[mode.action]!]!.energyPj;
}

/**
 * The geometry of a mode: `rate` MACs per PE per cycle. A faster mode packs rate output columns
 * per PE (the array is rate x wider: A100-class tensor cores run int8 at twice fp16's MACs); a
 * slower one takes 1/rate cycles per MAC (TPUv1's 8 x 16-bit products at half speed), applied to
 * the cycles in cost().
 */
function modeGeometry(rows: number, cols: number, dataflow: Dataflow, mode: PrecisionMode, m: number, n: number, k: number): SystolicGeometry {
  return systolicGeometry(rows, mode.rate >= 1 ? cols * mode.rate : cols, dataflow, m, n, k);
}

/**
 * Compute cycles of a dense matmul with the stationary operand double buffered (header): the first
 * fold whole (its tile load, stream, fill and drain); each later fold adds max(T, R), its stream
 * or, when shorter, the load of its tile behind the previous stream.
 */
export function overlappedCycles(rows: number, g: SystolicGeometry): number {
  const folds = g.rowFolds * g.colFolds;
  return (folds - 1) * Math.max(g.streamed, rows) + g.cyclesPerFold;
}

/** Geometry of one matmul on an R x C array: SCALE-Sim's mapping and fold counts. */
export interface SystolicGeometry {
  rowFolds: number;
  colFolds: number;
  /** T: the streamed dimension, cycles of a fold spent streaming (the rest is load, fill and drain). */
  streamed: number;
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
      return { rowFolds, colFolds, streamed: k, cyclesPerFold, computeCycles: rowFolds * colFolds * cyclesPerFold, ifmapReads: m * k * colFolds, filterReads: k * n * rowFolds, ofmapWrites: m * n };
    }
    case "ws": {
      const rowFolds = Math.ceil(k / rows), colFolds = Math.ceil(n / cols);
      const cyclesPerFold = m + 2 * rows + cols - 2;
      return { rowFolds, colFolds, streamed: m, cyclesPerFold, computeCycles: rowFolds * colFolds * cyclesPerFold, ifmapReads: m * k * colFolds, filterReads: k * n, ofmapWrites: m * n * rowFolds };
    }
    case "is": {
      const rowFolds = Math.ceil(k / rows), colFolds = Math.ceil(m / cols);
      const cyclesPerFold = n + 2 * rows + cols - 2;
      return { rowFolds, colFolds, streamed: n, cyclesPerFold, computeCycles: rowFolds * colFolds * cyclesPerFold, ifmapReads: m * k, filterReads: k * n * colFolds, ofmapWrites: m * n * rowFolds };
    }
    default: {
      const never: never = dataflow;
      throw new Error(`unknown dataflow ${String(never)}`);
    }
  }
}

/**
 * Geometry of a block-sparse matmul: zero-skipping at the granularity the dataflow allows. The
 * mask covers the output (QK^T: M x N) or operand A (AV: M x K).
 *   output-sparse  os: only output tiles (R x C) holding a kept block run;
 *                  ws: per column fold, only rows with a kept block in those columns stream;
 *                  is: per output row fold, only columns with a kept block stream.
 *   A-sparse       os: per row fold, only K columns with a kept block stream;
 *                  ws: per K fold, only A rows with a kept block in that K slice stream; a K fold
 *                      with none is skipped (its B tile is not loaded);
 *                  is: stationary A tiles (K slice x M fold) with no kept block are skipped.
 * Buffer reads follow the streamed elements; partial-sum writes follow the folds that run.
 */
export function sparseGeometry(rows: number, cols: number, dataflow: Dataflow, op: MatmulOp): SystolicGeometry {
  const sp = op.sparsity!;
  const { m, n, k } = op;
  const R = rows, C = cols;
  const dense = systolicGeometry(R, C, dataflow, m, n, k);
  const grid = expandMask(sp.mask);
  const sum = (xs: Int32Array, f: (x: number) => number) => xs.reduce((acc, x) => acc + (x > 0 ? f(x) : 0), 0);
  const nonzero = (xs: Int32Array) => xs.reduce((acc, x) => acc + (x > 0 ? 1 : 0), 0);
  if (sp.operand === "output") {
    switch (dataflow) {
      case "os": {
        const t = tileStats(grid, R, C);
        const frac = t.tilesTouched / (dense.rowFolds * dense.colFolds);
        return { ...dense, computeCycles: t.tilesTouched * dense.cyclesPerFold, ifmapReads: Math.ceil(dense.ifmapReads * frac), filterReads: Math.ceil(dense.filterReads * frac), ofmapWrites: grid.nnzElements };
      }
      case "ws": {
        const t = tileStats(grid, m, C);
        const activeRows = t.activeRowsPerColTile;
        return {
          ...dense,
          computeCycles: dense.rowFolds * sum(activeRows, (a) => a + 2 * R + C - 2),
          ifmapReads: sum(activeRows, (a) => a) * k,
          filterReads: Math.ceil((k * n * nonzero(activeRows)) / dense.colFolds),
          ofmapWrites: grid.nnzElements * dense.rowFolds,
        };
      }
      case "is": {
        const t = tileStats(grid, C, n);
        const activeCols = t.activeColsPerRowTile;
        return {
          ...dense,
          computeCycles: dense.rowFolds * sum(activeCols, (b) => b + 2 * R + C - 2),
          ifmapReads: Math.ceil((m * k * nonzero(activeCols)) / dense.colFolds),
          filterReads: sum(activeCols, (b) => b) * k,
          ofmapWrites: grid.nnzElements * dense.rowFolds,
        };
      }
      default: {
        const never: never = dataflow;
        throw new Error(`unknown dataflow ${String(never)}`);
      }
    }
  }
  switch (dataflow) {
    case "os": {
      const t = tileStats(grid, R, k);
      const activeK = t.activeColsPerRowTile;
      return {
        ...dense,
        computeCycles: dense.colFolds * sum(activeK, (x) => x + R + C - 2),
        ifmapReads: sum(activeK, (x) => x) * R * dense.colFolds,
        filterReads: sum(activeK, (x) => x) * n,
        ofmapWrites: m * n,
      };
    }
    case "ws": {
      const t = tileStats(grid, m, R);
      const activeM = t.activeRowsPerColTile;
      const kFoldsRun = nonzero(activeM);
      return {
        ...dense,
        computeCycles: dense.colFolds * sum(activeM, (x) => x + 2 * R + C - 2),
        ifmapReads: sum(activeM, (x) => x) * R * dense.colFolds,
        filterReads: Math.ceil((k * n * kFoldsRun) / dense.rowFolds),
        // Per K fold only the streamed rows' partial sums are written (issue 15: was m n per fold).
        ofmapWrites: sum(activeM, (x) => x) * n,
      };
    }
    case "is": {
      const t = tileStats(grid, C, R);
      const frac = t.tilesTouched / (dense.rowFolds * dense.colFolds);
      return {
        ...dense,
        computeCycles: t.tilesTouched * dense.cyclesPerFold,
        ifmapReads: grid.nnzElements,
        filterReads: Math.ceil(dense.filterReads * frac),
        ofmapWrites: Math.ceil(dense.ofmapWrites * frac),
      };
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

/**
 * One matmul's tiling problem on an R x C array, per batch item: C[M x N] = A[M x K] . B[K x N],
 * whole-operand bytes, element sizes, and the half of each buffer that computes while the other
 * half prefetches (double buffering).
 */
interface TilingProblem {
  M: number; N: number; K: number; R: number; C: number;
  aBytes: number; bBytes: number; oBytes: number;
  aElementBytes: number; bElementBytes: number; accElementBytes: number;
  capA: number; capB: number; capO: number;
  /** A convolution's A is its input image: a block of A rows is a halo'd input tile (workloads/conv.ts). */
  conv?: ConvShape;
}

/** Bytes of `rows` rows x `kCols` columns of A on chip: the im2col slice, or a conv's input tile. */
function aTileBytes(t: TilingProblem, rows: number, kCols: number): number {
  return (t.conv ? convInputFootprintElements(t.conv, rows, kCols) : rows * kCols) * t.aElementBytes;
}

/** The most rows of A (at most M) whose `kCols` columns fit in `cap` bytes (0: not one). */
function aRowsFitting(t: TilingProblem, kCols: number, cap: number): number {
  if (!t.conv) return Math.min(t.M, Math.floor(cap / (kCols * t.aElementBytes)));
  // A conv's tile grows with its rows (monotone): binary search.
  let lo = 0, hi = t.M;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (aTileBytes(t, mid, kCols) <= cap) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Weight-stationary traffic with output blocking. Loop nest: for each block of mb rows of A, for
 * each block of nb column folds, for each K fold, for each column fold in the block: load the
 * stationary B tile, stream the mb x R slice of A, accumulate mb x C partial sums. Partial sums of a
 * block (mb x nb*C) stay in half the ofmap buffer; B is reloaded per row block unless all of B
 * stays in half the filter buffer; A is re-streamed per column block unless all of A fits, and per
 * column fold if even its mb x R slice does not. If not even one row of partial sums fits, they
 * spill to the output's level every K fold. Input-stationary is the same nest on C^T = B^T A^T.
 */
function weightStationaryTraffic(t: TilingProblem): SystolicTraffic {
  const { M, N, K, R, C, aBytes, bBytes, oBytes, capA, capB, capO } = t;
  const accBytesPerElement = t.accElementBytes;
  const kFolds = Math.ceil(K / R), nFolds = Math.ceil(N / C);
  const aSliceCols = Math.min(R, K);
  // The best so far as numbers, not objects: this runs for every matmul of every new design.
  let bestTotal = Infinity, bestA = 0, bestB = 0;
  // Column blocks of nb folds: the powers of two below nFolds, then nFolds itself.
  for (let candidate = 1; ; candidate *= 2) {
    const nb = candidate < nFolds ? candidate : nFolds;
    const mbMax = Math.min(M, Math.floor(capO / (nb * C * accBytesPerElement)));
    if (mbMax < 1) break; // larger blocks only need more room
    // Larger row blocks reload B less often; a row block whose A slice fits the ifmap buffer is
    // re-streamed less often. The best block is the largest, or the largest whose slice fits.
    const mbSliceFits = Math.min(mbMax, aRowsFitting(t, aSliceCols, capA));
    const rowBlocks = mbSliceFits >= 1 && mbSliceFits < mbMax ? 2 : 1;
    for (let k = 0; k < rowBlocks; k++) {
      const mb = k === 0 ? mbMax : mbSliceFits;
      const aPasses = aBytes <= capA ? 1 : mb <= mbSliceFits ? Math.ceil(nFolds / nb) : nFolds;
      const bPasses = bBytes <= capB ? 1 : Math.ceil(M / mb);
      const total = aBytes * aPasses + bBytes * bPasses + oBytes;
      if (total < bestTotal) {
        bestTotal = total;
        bestA = aBytes * aPasses;
        bestB = bBytes * bPasses;
      }
    }
    if (nb === nFolds) break;
  }
  // Partial sums spill every K fold: K folds outermost, A slices reused across column folds.
  const partial = M * N * accBytesPerElement * (kFolds - 1);
  const aPassesSpill = aBytes <= capA || aTileBytes(t, M, aSliceCols) <= capA ? 1 : nFolds;
  const spillTotal = aBytes * aPassesSpill + bBytes + oBytes + 2 * partial;
  if (spillTotal < bestTotal) {
    return { ifmapFetchBytes: aBytes * aPassesSpill, filterFetchBytes: bBytes, outputWriteBytes: oBytes + partial, outputReadBytes: partial };
  }
  return { ifmapFetchBytes: bestA, filterFetchBytes: bestB, outputWriteBytes: oBytes, outputReadBytes: 0 };
}

/**
 * Output-stationary traffic: outputs accumulate in the PEs; each fold streams an R x K tile of A and
 * a K x C tile of B. Either keep ma row tiles of A resident (B re-streamed once per block of ma row
 * folds) or nb column tiles of B (A re-streamed once per block of nb column folds), as many as fit in
 * half the buffer, or block the output (partial sums in the ofmap buffer, K streamed in chunks);
 * an operand that fits whole is fetched once.
 */
function outputStationaryTraffic(t: TilingProblem): SystolicTraffic {
  const { M, N, K, R, C, aBytes, bBytes, oBytes, capA, capB, capO } = t;
  const bBytesPerElement = t.bElementBytes, accBytesPerElement = t.accElementBytes;
  const mFolds = Math.ceil(M / R), nFolds = Math.ceil(N / C);
  // A conv's row tile is its halo'd input tile; ma tiles need at most ma times one (a lower bound on what fits).
  const tileA = aTileBytes(t, Math.min(R, M), K), tileB = K * Math.min(C, N) * bBytesPerElement;
  const aWhole = aBytes <= capA, bWhole = bBytes <= capB;
  const options: [number, number][] = [[aWhole ? aBytes : aBytes * nFolds, bWhole ? bBytes : bBytes * mFolds]];
  const ma = Math.floor(capA / tileA);
  if (ma >= 1) options.push([aBytes, bWhole ? bBytes : bBytes * Math.ceil(mFolds / Math.min(ma, mFolds))]);
  const nb = Math.floor(capB / tileB);
  if (nb >= 1) options.push([aWhole ? aBytes : aBytes * Math.ceil(nFolds / Math.min(nb, nFolds)), bBytes]);
  // Output blocking with K streamed in chunks (how GPU kernels tile): an output block of bm x bn
  // folds keeps its partial sums in half the ofmap buffer while A's and B's K-chunks stream
  // through; A is read once per column block, B once per row block.
  for (let bm = 1; bm <= mFolds; bm *= 2) {
    for (let bn = 1; bn <= nFolds; bn *= 2) {
      if (Math.min(bm * R, M) * Math.min(bn * C, N) * accBytesPerElement > capO) break;
      options.push([aWhole ? aBytes : aBytes * Math.ceil(nFolds / bn), bWhole ? bBytes : bBytes * Math.ceil(mFolds / bm)]);
    }
  }
  let [a, b] = options[0]!;
  for (const [oa, ob] of options) if (oa + ob < a + b) [a, b] = [oa, ob];
  return { ifmapFetchBytes: a, filterFetchBytes: b, outputWriteBytes: oBytes, outputReadBytes: 0 };
}

/**
 * A block-sparse matmul tiled by the mask's block rows (issue 15): each block row of queries is a
 * dense sub-matmul over only the key columns (output-sparse QK^T) or key rows (A-sparse AV) its kept
 * blocks touch, fetching just those; identical block rows are costed once. For local and strided
 * windows this moves O(n) bytes where the dense tiling's re-fetch factors move O(n^2). Sub-matmuls
 * do not share fetched columns (a conservative tiling); the caller takes the cheaper of this and
 * the dense tiling of the packed operands.
 */
export function blockRowTraffic(spec: SystolicSpec, op: MatmulOp, pa: Precision, pb: Precision, po: Precision): SystolicTraffic {
  const grid = expandMask(op.sparsity!.mask);
  const shapes = new Map<string, { rows: number; kept: number; count: number }>();
  for (let r = 0; r < grid.rowBlocks; r++) {
    let kept = 0;
    for (let c = 0; c < grid.colBlocks; c++) if (grid.cells[r * grid.colBlocks + c]) kept += colsInBlockCol(grid, c);
    if (kept === 0) continue;
    const rows = rowsInBlockRow(grid, r);
    const key = `${rows}x${kept}`;
    const entry = shapes.get(key);
    if (entry) entry.count++;
    else shapes.set(key, { rows, kept, count: 1 });
  }
  const total: SystolicTraffic = { ifmapFetchBytes: 0, filterFetchBytes: 0, outputWriteBytes: 0, outputReadBytes: 0 };
  const outputSparse = op.sparsity!.operand === "output";
  for (const { rows, kept, count } of shapes.values()) {
    const sub = outputSparse ? { m: rows, n: kept, k: op.k } : { m: rows, n: op.n, k: kept };
    const t = analyticTraffic(spec, sub, pa, pb, po);
    total.ifmapFetchBytes += t.ifmapFetchBytes * count;
    total.filterFetchBytes += t.filterFetchBytes * count;
    total.outputWriteBytes += t.outputWriteBytes * count;
    total.outputReadBytes += t.outputReadBytes * count;
  }
  return total;
}

const trafficBytes = (t: SystolicTraffic) => t.ifmapFetchBytes + t.filterFetchBytes + t.outputWriteBytes + t.outputReadBytes;

export function analyticTraffic(spec: SystolicSpec, op: Pick<MatmulOp, "m" | "n" | "k" | "conv">, pa: Precision, pb: Precision, po: Precision): SystolicTraffic {
  const { m, n, k } = op;
  const problem: TilingProblem = {
    M: m, N: n, K: k, R: spec.rows, C: spec.cols, conv: op.conv,
    aBytes: bytesFor(matmulAElements(op), pa), bBytes: bytesFor(k * n, pb), oBytes: bytesFor(m * n, po),
    aElementBytes: bytesFor(1, pa), bElementBytes: bytesFor(1, pb), accElementBytes: bytesFor(1, ACCUMULATOR[spec.macPrecision]),
    capA: spec.ifmapBufferBytes / 2, capB: spec.filterBufferBytes / 2, capO: spec.ofmapBufferBytes / 2,
  };
  switch (spec.dataflow) {
    case "os":
      return outputStationaryTraffic(problem);
    case "ws":
      return weightStationaryTraffic(problem);
    case "is": {
      // C^T = B^T A^T: B^T (N x K) streams like a ws ifmap, A^T (K x M) is the stationary operand.
      const p = problem;
      const t = weightStationaryTraffic({
        ...p, M: p.N, N: p.M, conv: undefined, aBytes: p.bBytes, bBytes: p.aBytes, aElementBytes: p.bElementBytes, bElementBytes: p.aElementBytes, capA: p.capB, capB: p.capA,
      });
      return { ifmapFetchBytes: t.filterFetchBytes, filterFetchBytes: t.ifmapFetchBytes, outputWriteBytes: t.outputWriteBytes, outputReadBytes: t.outputReadBytes };
    }
    default: {
      const never: never = spec.dataflow;
      throw new Error(`unknown dataflow ${String(never)}`);
    }
  }
}

/** The wider of two precisions (bits; a float beats an int of the same width). */
function wider(a: Precision, b: Precision): Precision {
  if (bitsOf(a) !== bitsOf(b)) return bitsOf(a) > bitsOf(b) ? a : b;
  return precisionFits(a, b) ? b : a;
}

/**
 * A (weights x activations) MAC's price from both widths: an array multiplier has bw x ba partial
 * products, so the table's squared-width rule for mult.<p> (Horowitz's 8 -> 32-bit ratio) becomes
 * the geometric mean sqrt(mult.w x mult.a); the add is at the wider operand's accumulator. Equal
 * widths give the table's mac.<p>. Overridable by name (`<unit>.mac.<w>x<a>` in `energy:`).
 */
function mixedMacPrice(e: EnergyTable, w: Precision, a: Precision): { energyPj: number; source: string; origin: EnergyOrigin } {
  if (w === a) return e.priced(`mac.${w}`);
  const acc = ACCUMULATOR[wider(w, a)];
  const mult = Math.sqrt(e.get(`mult.${w}`) * e.get(`mult.${a}`));
  const origins = [e.entry(`mult.${w}`)!.origin, e.entry(`mult.${a}`)!.origin, e.entry(`add.${acc}`)!.origin];
  const origin: EnergyOrigin = origins.includes("user") ? "user" : origins.includes("calibrated") ? "calibrated" : "table";
  return { energyPj: mult + e.get(`add.${acc}`), source: `sqrt(mult.${w} x mult.${a}) (partial products ${bitsOf(w)} x ${bitsOf(a)} bits) + add.${acc}`, origin };
}

/** SCALE-Sim's DRAM interfaces: one each for ifmap, filter and ofmap. */
export const SCALESIM_INTERFACES = 3;

/**
 * SCALE-Sim USER mode's time on its per-operand DRAM interfaces of `bw` words/cycle (issue 15). A
 * read buffer's first active half arrives before cycle 0 (the report's negative start cycles); the
 * rest streams at bw, and the fold that needs the last of it runs after it lands. The ofmap write
 * buffer absorbs half its SRAM; the rest drains at bw during the run, and the final drain after the
 * last compute cycle is not counted (SCALE-Sim's ofmap DRAM stop cycle lies beyond its total):
 *   cycles = max over reads ((reads - prefetched) / bw + cycles per fold), (writes - S_ofmap/2) / bw
 * On ../shared/reference/scalesim this is within 10% of SCALE-Sim's total cycles on 58 of 59 USER
 * rows (docs/scalesim-interop.md); its cycle-by-cycle replay is not reproduced.
 */
export function scalesimInterfaceCycles(spec: SystolicSpec, g: SystolicGeometry, words: ScalesimWords, bw: number): number {
  const reads = Math.max(
    (words.ifmapReads - words.ifmapPrefetchWords) / bw + g.cyclesPerFold,
    (words.filterReads - words.filterPrefetchWords) / bw + g.cyclesPerFold,
  );
  return Math.max(reads, (words.ofmapWrites - spec.ofmapBufferBytes / 2) / bw);
}

export const systolicSchema = Type.Object({
  kind: Type.Literal("systolic"),
  rows: Type.Integer({ minimum: 1 }),
  cols: Type.Integer({ minimum: 1 }),
  dataflow: StringEnum(DATAFLOWS),
  macPrecision: StringEnum(MAC_PRECISIONS),
  buffers: Type.Object({ ifmap: QuantityString(), filter: QuantityString(), ofmap: QuantityString() }, { additionalProperties: false }),
  trafficModel: Type.Optional(StringEnum(TRAFFIC_MODELS)),
  precisionModes: Type.Optional(Type.Array(Type.Object({
    weights: StringEnum(MAC_PRECISIONS),
    activations: StringEnum(MAC_PRECISIONS),
    rate: Type.Number({ exclusiveMinimum: 0, description: "MACs per PE per cycle against the native mode: an integer >= 1, or 1/2, 1/4, ..." }),
  }, { additionalProperties: false }), { description: "extra (weights x activations) modes beside macPrecision x macPrecision at rate 1 (a mode of the native pair is the native mode)" })),
  doubleBuffered: Type.Optional(Type.Boolean({ description: "a second stationary register per PE: the next fold's tile loads while this one computes (default false: SCALE-Sim's folds)" })),
  ...UNIT_COMMON_PROPERTIES,
}, { additionalProperties: false });

export const systolicArray: UnitModel<typeof systolicSchema, SystolicSpec> = {
  schema: systolicSchema,

  resolve(user, env) {
    const at = (p: string) => ({ file: env.file, path: `${env.path}/${p}` });
    const { rows, cols, macPrecision } = user;
    const ifmapBufferBytes = parsePositiveQuantity(user.buffers.ifmap, QUANTITY.bytes, at("buffers/ifmap"));
    const filterBufferBytes = parsePositiveQuantity(user.buffers.filter, QUANTITY.bytes, at("buffers/filter"));
    const ofmapBufferBytes = parsePositiveQuantity(user.buffers.ofmap, QUANTITY.bytes, at("buffers/ofmap"));
    const frequencyHz = user.frequency === undefined ? env.frequencyHz : parsePositiveQuantity(user.frequency, QUANTITY.frequencyHz, at("frequency"));
    const trafficModel = user.trafficModel ?? "analytic";
    const doubleBuffered = user.doubleBuffered ?? false;
    if (doubleBuffered && trafficModel === "scalesim-v2") {
      throw new InputError(env.file, { path: `${env.path}/doubleBuffered`, expected: "false with trafficModel scalesim-v2 (SCALE-Sim's folds do not overlap)", found: "true" });
    }
    const macs = macAreaMm2(macPrecision, env.nodeNm) * rows * cols;
    const bufferArea = sramAreaMm2(ifmapBufferBytes + filterBufferBytes + ofmapBufferBytes, env.nodeNm);
    // The shadow stationary registers: one operand element per PE (the MAC's operand width).
    const shadowArea = doubleBuffered ? sramAreaMm2(rows * cols * bytesFor(1, macPrecision), env.nodeNm) : 0;
    const areaMm2 = macs + bufferArea + shadowArea;
    const areaParts: Record<string, number> = { macs, buffers: bufferArea };
    if (doubleBuffered) areaParts.shadowRegisters = shadowArea;
    const e = env.energy;
    const buffer = (name: string, bytes: number, access: "read" | "write"): ActionPrice => ({
      name: `${name}.${access}`, energyPj: e.sramPjPerByte(bytes), per: "byte", source: e.sramSource(bytes), origin: "table", buffer: { name, access },
    });
    const modes: PrecisionMode[] = [{ weights: macPrecision, activations: macPrecision, rate: 1, action: "mac" }];
    const modeActions: Record<`mac:${string}`, ActionPrice> = {};
    (user.precisionModes ?? []).forEach((m, i) => {
      const rate = m.rate >= 1 ? m.rate : 1 / m.rate;
      if (!Number.isInteger(rate)) throw new InputError(env.file, { path: `${env.path}/precisionModes/${i}/rate`, expected: "an integer >= 1, or 1/2, 1/3, 1/4, ...", found: String(m.rate) });
      const action = `mac:${m.weights}x${m.activations}` as const;
      // The native pair is the native mode (rate 1), whatever a mode says (a study that switches
      // macPrecision to a listed mode's precision keeps a valid design).
      if (m.weights === macPrecision && m.activations === macPrecision) return;
      if (modeActions[action]) {
        throw new InputError(env.file, { path: `${env.path}/precisionModes/${i}`, expected: "each (weights, activations) pair once", found: `${m.weights} x ${m.activations}` });
      }
      modeActions[action] = { name: `mac.${m.weights}x${m.activations}`, per: "op", ...mixedMacPrice(e, m.weights, m.activations) };
      modes.push({ weights: m.weights, activations: m.activations, rate: m.rate, action });
    });
    const actions = actionTable<SystolicAction>({
      ...modeActions,
      mac: { name: `mac.${macPrecision}`, per: "op", ...e.priced(`mac.${macPrecision}`) },
      ifmapRead: buffer("ifmap", ifmapBufferBytes, "read"),
      ifmapWrite: buffer("ifmap", ifmapBufferBytes, "write"),
      filterRead: buffer("filter", filterBufferBytes, "read"),
      filterWrite: buffer("filter", filterBufferBytes, "write"),
      ofmapRead: buffer("ofmap", ofmapBufferBytes, "read"),
      ofmapWrite: buffer("ofmap", ofmapBufferBytes, "write"),
    });
    return {
      name: env.name, kind: "systolic", frequencyHz, count: 1, actions, areaMm2,
      areaByComponentMm2: areaParts,
      leakagePowerW: user.leakage === undefined ? leakagePowerW(areaMm2, env.voltageV) : parseQuantity(user.leakage, QUANTITY.powerW, at("leakage")),
      peakMacsPerCycle: rows * cols,
      localBufferBytes: ifmapBufferBytes + filterBufferBytes + ofmapBufferBytes,
      rows, cols, dataflow: user.dataflow, macPrecision,
      ifmapBufferBytes, filterBufferBytes, ofmapBufferBytes,
      trafficModel, doubleBuffered, precisionModes: modes,
    };
  },

  kinds: ["matmul"],

  supports(op: Op) {
    return op.kind === "matmul";
  },

  check(spec, op, ctx): Feasibility {
    if (op.kind !== "matmul") return { ok: false, reason: { class: "unsupported-op", opKind: op.kind, reason: `a systolic array runs matmuls, not ${op.kind}` } };
    const a = ctx.inputs[0]!.precision, b = ctx.inputs[1]!.precision;
    if (!precisionMode(spec, a, b)) {
      const modes = spec.precisionModes.map((m) => `${m.weights} x ${m.activations}`);
      return { ok: false, reason: { class: "precision", needed: a === b ? a : b, supported: [...new Set(spec.precisionModes.flatMap((m) => [m.weights, m.activations]))], reason: `operands ${a} (activations) and ${b} (weights) fit none of the array's modes (weights x activations: ${modes.join(", ")})` } };
    }
    return FEASIBLE;
  },

  cost(spec, op, ctx, scratch): UnitCost {
    const act = spec.actions.index;
    const cost = zeroCost(ctx.memory.length, spec.actions.list.length, scratch);
    if (op.kind !== "matmul") return cost;
    const inA = ctx.inputs[0]!, inB = ctx.inputs[1]!;
    const out = ctx.output;
    const mode = precisionMode(spec, inA.precision, inB.precision) ?? spec.precisionModes[0]!;
    const g = op.sparsity ? sparseGeometry(spec.rows, spec.cols, spec.dataflow, op) : modeGeometry(spec.rows, spec.cols, spec.dataflow, mode, op.m, op.n, op.k);
    const batch = op.batchCount;
    // Zero-skipped PEs are clock-gated: only the MACs of kept blocks are charged.
    const macs = opMacs(op);
    // Double buffering overlaps dense folds (sparse folds keep SCALE-Sim's count: their streamed
    // lengths differ fold to fold).
    const cycles = spec.doubleBuffered && !op.sparsity ? overlappedCycles(spec.rows, g) : g.computeCycles;
    // A mode slower than native takes 1/rate cycles per MAC (modeGeometry).
    cost.computeCycles = (mode.rate < 1 ? Math.ceil(cycles / mode.rate) : cycles) * batch;
    cost.macs = macs;
    const c = cost.counts;
    c[act[mode.action]!] = macs;
    c[act.ifmapRead] = bytesFor(g.ifmapReads, inA.precision) * batch;
    c[act.filterRead] = bytesFor(g.filterReads, inB.precision) * batch;
    const accPrecision = ACCUMULATOR[wider(mode.weights, mode.activations)];
    // Elements the op writes per batch item (the kept blocks when its output is sparse).
    const outElements = matmulOutputElements(op) / batch;
    const outBytes = bytesFor(outElements, out.precision);
    if (spec.trafficModel === "scalesim-v2") {
      // SCALE-Sim: 1-byte words, every partial-sum write goes to SRAM and on to DRAM.
      // SCALE-Sim's Bandwidth is DRAM words (bytes) per cycle per operand interface (ifmap, filter
      // and ofmap each have one): the level's bandwidth is their sum. Unlimited is its CALC mode.
      const wordsPerCycle = inA.level >= 0 ? ctx.memory[inA.level]!.bandwidthBytesPerSecond / SCALESIM_INTERFACES / spec.frequencyHz : Infinity;
      const bw = Number.isFinite(wordsPerCycle) ? Math.max(1, Math.round(wordsPerCycle)) : undefined;
      const words = scalesimDramWords({ ...spec, scalesimBandwidthWords: bw }, op);
      if (bw !== undefined) cost.interfaceCycles = scalesimInterfaceCycles(spec, g, words, bw) * batch;
      cost.read(inA.level, words.ifmapReads * batch);
      cost.read(inB.level, words.filterReads * batch);
      cost.write(out.level, words.ofmapWrites * batch);
      c[act.ifmapWrite] = words.ifmapReads * batch;
      c[act.filterWrite] = words.filterReads * batch;
      c[act.ofmapWrite] = g.ofmapWrites * batch;
      c[act.ofmapRead] = words.ofmapWrites * batch;
      return cost;
    }
    const t = analyticTraffic(spec, op, inA.precision, inB.precision, out.precision);
    if (op.fusion) {
      // FlashAttention tiling (sim/attention-fusion.ts): A once, B (K or V) once per query block;
      // AV writes O once, QK^T's scores stay inside (their level is INSIDE_UNITS: no traffic); or,
      // in a fused backward, each operand as often as the group's schedule reads it, and an output
      // accumulated through memory written once per pass (read one time fewer).
      const f = op.fusion;
      const outputPasses = f.outputPasses ?? 1;
      t.ifmapFetchBytes = bytesFor(op.m * op.k, inA.precision) * (f.inputPasses?.[0] ?? 1);
      t.filterFetchBytes = bytesFor(op.k * op.n, inB.precision) * (f.inputPasses?.[1] ?? f.kvPasses);
      t.outputWriteBytes = outBytes * outputPasses;
      t.outputReadBytes = outBytes * (outputPasses - 1);
    }
    const density = op.sparsity ? maskDensity(expandMask(op.sparsity.mask)) : 1;
    if (op.sparsity) {
      // The sparse operand is stored packed (kept blocks only). Unfused, either the dense tiling of
      // the packed operands or one by mask block rows (blockRowTraffic), whichever moves less.
      if (op.sparsity.operand === "a") t.ifmapFetchBytes *= density;
      else {
        t.outputWriteBytes *= density;
        t.outputReadBytes *= density;
      }
      if (!op.fusion) {
        const rows = blockRowTraffic(spec, op, inA.precision, inB.precision, out.precision);
        if (trafficBytes(rows) < trafficBytes(t)) Object.assign(t, rows);
      }
      // The block-CSR index (third input) is read once per batch item's pass.
      const index = ctx.inputs[2];
      if (index) cost.read(index.level, index.bytes);
    }
    const aBytes = bytesFor(matmulAElements(op), inA.precision) * (op.sparsity?.operand === "a" ? density : 1);
    chargeMatmulFetch(
      cost, ctx,
      { level: inA.level, fetchBytes: t.ifmapFetchBytes * batch, bytes: aBytes * batch },
      { level: inB.level, fetchBytes: t.filterFetchBytes * batch, bytes: bytesFor(op.k * op.n, inB.precision) * batch },
      { m: op.m, n: op.n, k: op.k, batch },
    );
    cost.write(out.level, t.outputWriteBytes * batch);
    cost.read(out.level, t.outputReadBytes * batch);
    c[act.ifmapWrite] = t.ifmapFetchBytes * batch;
    c[act.filterWrite] = t.filterFetchBytes * batch;
    // Partial sums: ws/is write each K fold's partials into the ofmap buffer and read them back to
    // accumulate; os accumulates in the PEs. Then the finished outputs drain to their level.
    const psumWrites = spec.dataflow === "os" ? 0 : bytesFor(g.ofmapWrites, accPrecision);
    const psumReads = spec.dataflow === "os" ? 0 : bytesFor(Math.max(0, g.ofmapWrites - outElements), accPrecision);
    c[act.ofmapWrite] = (spec.dataflow === "os" ? outBytes : psumWrites) * batch + t.outputReadBytes * batch;
    c[act.ofmapRead] = (psumReads + t.outputWriteBytes) * batch;
    return cost;
  },
};
