/**
 * SCALE-Sim topology files -> a trace. Two formats (SCALE-Sim v2, scalesim/topology_utils.py), told
 * apart by the header's columns; every row ends with a comma (SCALE-Sim's parser drops the last
 * field; a missing trailing comma is accepted here), a trailing `#...` is a comment:
 *
 *   GEMM (-i gemm)  `name, M, N, K,`: C[M x N] = A[M x K] . B[K x N], A the ifmap, B the filter.
 *   conv (default)  `name, IFMAP height, IFMAP width, filter height, filter width, channels,
 *                   filters, stride height[, stride width],`: a convolution without padding (the
 *                   IFMAP is given padded) whose output is ceil((H - R + s) / s) per axis, mapped
 *                   on the array as its im2col GEMM (M = output pixels, N = filters, K = R S C).
 *                   A layer whose name contains `DP` is depthwise: SCALE-Sim runs it as `channels`
 *                   one-channel layers of `filters` filters each (load_arrays_conv), here one conv
 *                   with groups = channels (the same GEMMs, one per group).
 *
 * Each row becomes one op (layer = row number): a matmul, or a conv op (workloads/conv.ts) whose
 * compute is the same im2col GEMM and whose input is the IFMAP itself. The ifmap is a trace input,
 * the filter a weight, the ofmap an output, all int8 (SCALE-Sim's one-byte word).
 */
import { readTextFile } from "../common/document.js";
import { InputError } from "../common/input-error.js";
import { TRACE_VERSION, type Op, type TensorSpec, type Trace } from "./trace.js";
import type { Precision } from "./precision.js";
import { convDims, convGemm, convOp, convOperandElements, type ConvShape } from "./conv.js";

export interface TopologyLayer {
  name: string;
  m: number;
  n: number;
  k: number;
  /** A conv topology's layer: its shape (m, n, k are its im2col GEMM, per group). */
  conv?: ConvShape;
}

const GEMM_COLUMNS = ["M", "N", "K"];
const CONV_COLUMNS = ["IFMAP height", "IFMAP width", "filter height", "filter width", "channels", "filters", "stride height", "stride width"];

export function parseTopology(text: string, file: string): TopologyLayer[] {
  const lines = text.split(/\r?\n/);
  const layers: TopologyLayer[] = [];
  let format: "gemm" | "conv" | undefined;
  lines.forEach((raw, i) => {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") return;
    const fields = line.split(",").map((f) => f.trim());
    if (fields[fields.length - 1] === "") fields.pop();
    const at = (column?: string) => ({ path: `line ${i + 1}${column ? `, column ${column}` : ""}` });
    if (format === undefined) {
      if (fields.slice(1).every((f) => /^\d+$/.test(f))) {
        throw new InputError(file, { ...at(), expected: "a header line first (Layer, M, N, K, or a conv header: Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,)", found: JSON.stringify(line) });
      }
      if (fields.length === 4) format = "gemm";
      else if (fields.length === 8 || fields.length === 9) format = "conv";
      else throw new InputError(file, { ...at(), expected: "a GEMM header (4 columns: Layer, M, N, K) or a conv header (8 or 9 columns)", found: `${fields.length} columns` });
      return;
    }
    const columns = format === "gemm" ? GEMM_COLUMNS : CONV_COLUMNS;
    const fit = format === "gemm" ? fields.length === 4 : fields.length === 8 || fields.length === 9;
    if (!fit) {
      throw new InputError(file, { ...at(), expected: format === "gemm" ? "4 fields: name, M, N, K" : "8 or 9 fields: name, IFMAP height, IFMAP width, filter height, filter width, channels, filters, stride height[, stride width]", found: `${fields.length} fields (${JSON.stringify(line)})` });
    }
    const [name, ...dims] = fields as [string, ...string[]];
    const v = dims.map((d, j) => {
      const x = Number(d);
      if (!Number.isInteger(x) || x < 1) throw new InputError(file, { ...at(columns[j]), expected: "a positive integer", found: JSON.stringify(d) });
      return x;
    });
    if (format === "gemm") {
      layers.push({ name, m: v[0]!, n: v[1]!, k: v[2]! });
      return;
    }
    const [inH, inW, kernelH, kernelW, channels, filters, strideH] = v as [number, number, number, number, number, number, number];
    const strideW = v[7] ?? strideH;
    // SCALE-Sim asserts the same (topology_utils.py, "ISSUE #9 Fix").
    if (kernelH > inH || kernelW > inW) throw new InputError(file, { ...at(kernelH > inH ? "filter height" : "filter width"), expected: "a filter no larger than the IFMAP", found: `${kernelH}x${kernelW} on ${inH}x${inW}` });
    const depthwise = name.includes("DP");
    const conv: ConvShape = {
      batch: 1, inH, inW, inChannels: channels, outChannels: depthwise ? channels * filters : filters,
      kernelH, kernelW, strideH, strideW, ...(depthwise ? { groups: channels } : {}),
    };
    layers.push({ name, ...convGemm(conv), conv });
  });
  if (layers.length === 0) throw new InputError(file, { path: "", expected: "at least one layer row after the header", found: "none" });
  return layers;
}

export function loadTopology(file: string): TopologyLayer[] {
  const text = readTextFile(file, "a readable SCALE-Sim topology CSV");
  return parseTopology(text, file);
}

export function topologyTrace(layers: TopologyLayer[], name: string, precision: Precision = "int8"): Trace {
  const tensors: TensorSpec[] = [];
  const ops: Op[] = [];
  layers.forEach((l, i) => {
    const id = `${i}.${l.name}`;
    const names = [`${id}.ifmap`, `${id}.filter`, `${id}.ofmap`] as const;
    if (l.conv) {
      const d = convDims(l.conv), e = convOperandElements(l.conv);
      tensors.push({ name: names[0], shape: [1, d.inH, d.inW, d.inChannels], precision, role: "activation" });
      tensors.push({ name: names[1], shape: [e.weights], precision, role: "weight" });
      tensors.push({ name: names[2], shape: [1, d.outH, d.outW, d.outChannels], precision, role: "activation" });
      ops.push(convOp(id, i, l.conv, [names[0], names[1]], names[2]));
      return;
    }
    tensors.push({ name: names[0], shape: [l.m, l.k], precision, role: "activation" });
    tensors.push({ name: names[1], shape: [l.k, l.n], precision, role: "weight" });
    tensors.push({ name: names[2], shape: [l.m, l.n], precision, role: "activation" });
    ops.push({ id, layer: i, kind: "matmul", m: l.m, n: l.n, k: l.k, batchCount: 1, inputs: [names[0], names[1]], outputs: [names[2]] });
  });
  return {
    version: TRACE_VERSION,
    model: {
      name, layers: layers.length, dModel: 1, heads: 1, kvHeads: 1, dHead: 1, dFF: 0, ffn: "gelu", norm: "layer",
      normPlacement: "pre", causal: false, seqLen: 1, batch: 1, phase: "prefill", contextLen: 0,
    },
    tensors,
    ops,
  };
}
