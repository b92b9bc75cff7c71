/**
 * Convolutions (issue 15): a `conv` shape on a matmul op. A 2-D convolution of `batch` images of
 * inH x inW x inChannels (NHWC) with outChannels filters of kernelH x kernelW x (inChannels /
 * groups), stride, zero padding and dilation per axis, in `groups` groups (groups = inChannels =
 * outChannels: depthwise). The op's GEMM fields are its im2col view (SCALE-Sim's conv mapping,
 * Samajdar et al., ISPASS 2020, scalesim/compute/operand_matrix.py: ifmap rows = output pixels,
 * columns = the conv window R x S x C, filter columns = filters), one GEMM per group:
 *
 *   outH = floor((inH + 2 padH - dilationH (kernelH - 1) - 1) / strideH) + 1      (PyTorch Conv2d)
 *   m = batch outH outW,  n = outChannels / groups,  k = (inChannels / groups) kernelH kernelW,
 *   batchCount = groups,  MACs = m n k groups
 *
 * so every unit that runs a matmul computes a conv as the GEMM SCALE-Sim maps onto an array. What
 * the conv shape adds is data movement: the im2col A (m x k) repeats each input element up to
 * kernelH kernelW / (strideH strideW) times, while a unit that keeps a halo'd input tile on chip
 * fetches each input element once (`convInputFootprintElements`). Units read the footprint instead
 * of m k wherever they size or fetch A (`matmulAElements`).
 */
import { TRACE_VERSION, type MatmulOp, type Trace } from "./trace.js";
import type { Precision } from "./precision.js";

export interface ConvShape {
  batch: number;
  inH: number;
  inW: number;
  inChannels: number;
  outChannels: number;
  kernelH: number;
  kernelW: number;
  /** Defaults: stride 1, padding 0, dilation 1, groups 1. */
  strideH?: number;
  strideW?: number;
  padH?: number;
  padW?: number;
  dilationH?: number;
  dilationW?: number;
  groups?: number;
}

/** A conv shape with its defaults filled and its output size. */
export interface ConvDims extends Required<ConvShape> {
  outH: number;
  outW: number;
  /** Input channels each filter sees (inChannels / groups). */
  channelsPerGroup: number;
  /** Input rows (cols) one output row (col) needs: dilation (kernel - 1) + 1. */
  windowH: number;
  windowW: number;
}

/** Why a conv shape is not valid (undefined: it is). */
export function convProblem(c: ConvShape): string | undefined {
  const d = convDimsUnchecked(c);
  if (d.inChannels % d.groups !== 0 || d.outChannels % d.groups !== 0) return `groups (${d.groups}) must divide inChannels (${d.inChannels}) and outChannels (${d.outChannels})`;
  if (d.outH < 1 || d.outW < 1) return `no output pixels: a ${d.windowH}x${d.windowW} window does not fit a ${d.inH}x${d.inW} input padded by ${d.padH}x${d.padW}`;
  return undefined;
}

function convDimsUnchecked(c: ConvShape): ConvDims {
  const strideH = c.strideH ?? 1, strideW = c.strideW ?? 1, padH = c.padH ?? 0, padW = c.padW ?? 0;
  const dilationH = c.dilationH ?? 1, dilationW = c.dilationW ?? 1, groups = c.groups ?? 1;
  const windowH = dilationH * (c.kernelH - 1) + 1, windowW = dilationW * (c.kernelW - 1) + 1;
  return {
    ...c, strideH, strideW, padH, padW, dilationH, dilationW, groups, windowH, windowW,
    outH: Math.floor((c.inH + 2 * padH - windowH) / strideH) + 1,
    outW: Math.floor((c.inW + 2 * padW - windowW) / strideW) + 1,
    channelsPerGroup: c.inChannels / groups,
  };
}

/** The conv's dimensions; throws on an invalid shape (traces are checked on load: trace-io.ts). */
export function convDims(c: ConvShape): ConvDims {
  const problem = convProblem(c);
  if (problem) throw new Error(`invalid conv: ${problem}`);
  return convDimsUnchecked(c);
}

/** The im2col GEMM of a conv, one per group (header). */
export function convGemm(c: ConvShape): Pick<MatmulOp, "m" | "n" | "k" | "batchCount"> {
  const d = convDims(c);
  return { m: d.batch * d.outH * d.outW, n: d.outChannels / d.groups, k: d.channelsPerGroup * d.kernelH * d.kernelW, batchCount: d.groups };
}

/** Multiply-accumulates: batch outH outW outChannels (inChannels / groups) kernelH kernelW. */
export function convMacs(c: ConvShape): number {
  const d = convDims(c);
  return d.batch * d.outH * d.outW * d.outChannels * d.channelsPerGroup * d.kernelH * d.kernelW;
}

/** Elements of the three operands: input N H W C, weights outC kH kW (C / groups), output N outH outW outC. */
export function convOperandElements(c: ConvShape): { input: number; weights: number; output: number } {
  const d = convDims(c);
  return {
    input: d.batch * d.inH * d.inW * d.inChannels,
    weights: d.outChannels * d.kernelH * d.kernelW * d.channelsPerGroup,
    output: d.batch * d.outH * d.outW * d.outChannels,
  };
}

/**
 * Input elements (of one group) that `pixels` consecutive output pixels (raster order, whole
 * images first) need over `kCols` columns of the im2col window: the halo'd input tile, never more
 * than the im2col slice itself (pixels x kCols). A block of q < outW pixels of one output row needs
 * windowH input rows of (q - 1) strideW + windowW columns; a block of r whole output rows needs
 * (r - 1) strideH + windowH input rows (clipped to the input: padding is not fetched). SCALE-Sim's
 * window order (operand_matrix.py: filter row, filter column, channel innermost) puts min(kCols,
 * channels) channels in a slice of kCols columns; the tile of those channels bounds its footprint.
 * This is the output-stationary / weight-stationary input tile with its halo fetched once (the
 * input reuse of Eyeriss's sliding window, Chen et al., ISSCC 2016 / JSSC 2017; Timeloop's
 * sliding-window projection P + R - 1, Parashar et al., ISPASS 2019).
 */
export function convInputFootprintElements(c: ConvShape, pixels: number, kCols: number): number {
  const d = convDimsUnchecked(c);
  const perImage = d.outH * d.outW;
  const images = Math.floor(pixels / perImage);
  const rest = pixels - images * perImage;
  const tile = (rows: number, cols: number) => Math.min(d.inH, rows) * Math.min(d.inW, cols);
  let spatial = images * tile((d.outH - 1) * d.strideH + d.windowH, (d.outW - 1) * d.strideW + d.windowW);
  if (rest > 0 && rest < d.outW) spatial += tile(d.windowH, (rest - 1) * d.strideW + d.windowW);
  else if (rest > 0) spatial += tile((Math.ceil(rest / d.outW) - 1) * d.strideH + d.windowH, (d.outW - 1) * d.strideW + d.windowW);
  const channels = Math.min(d.channelsPerGroup, kCols);
  return Math.min(spatial * channels, pixels * kCols);
}

/**
 * Elements of a matmul's A operand (per batch item) a unit must bring on chip to hold all of it:
 * m k, or a conv's input footprint (each input element once, not im2col-expanded).
 */
export function matmulAElements(op: Pick<MatmulOp, "m" | "k" | "conv">): number {
  return op.conv ? convInputFootprintElements(op.conv, op.m, op.k) : op.m * op.k;
}

/**
 * A conv op: its im2col GEMM fields from the shape (convGemm), reading [input, weights] and
 * writing `output` (tensors of convOperandElements' sizes).
 */
export function convOp(id: string, layer: number, conv: ConvShape, inputs: [input: string, weights: string], output: string): MatmulOp {
  return { id, layer, kind: "matmul", ...convGemm(conv), conv, inputs, outputs: [output] };
}

/** A one-conv trace (input and output in memory, filters a weight), as a layer benchmark runs it. */
export function convLayerTrace(conv: ConvShape, precision: Precision, name = "conv"): Trace {
  const d = convDims(conv);
  return {
    version: TRACE_VERSION,
    model: {
      name, layers: 1, dModel: d.inChannels, heads: 1, kvHeads: 1, dHead: 1, dFF: 0, ffn: "gelu", norm: "layer",
      normPlacement: "pre", causal: false, seqLen: d.inH, batch: d.batch, phase: "prefill", contextLen: 0,
    },
    tensors: [
      { name: "x", shape: [d.batch, d.inH, d.inW, d.inChannels], precision, role: "activation" },
      { name: "w", shape: [d.outChannels, d.kernelH, d.kernelW, d.channelsPerGroup], precision, role: "weight" },
      { name: "y", shape: [d.batch, d.outH, d.outW, d.outChannels], precision, role: "activation" },
    ],
    ops: [convOp(name, 0, conv, ["x", "w"], "y")],
  };
}
