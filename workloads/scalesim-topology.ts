/**
 * SCALE-Sim GEMM topology files -> a trace. The format (SCALE-Sim v2, GEMM mode): a header line,
 * then rows `name, M, N, K,` (every row ends with a comma; SCALE-Sim's parser drops the last
 * field), meaning C[M x N] = A[M x K] . B[K x N] with A the ifmap and B the filter. Each row becomes
 * one matmul op (layer = row number), A a trace input, B a weight, C an output, all int8 (SCALE-Sim's
 * one-byte word). Convolution topologies (7+ columns) are rejected with a clear message.
 */
import { readTextFile } from "../common/document.js";
import { InputError } from "../common/input-error.js";
import { TRACE_VERSION, type Op, type TensorSpec, type Trace } from "./trace.js";
import type { Precision } from "./precision.js";

export interface TopologyLayer {
  name: string;
  m: number;
  n: number;
  k: number;
}

export function parseTopology(text: string, file: string): TopologyLayer[] {
  const lines = text.split(/\r?\n/);
  const layers: TopologyLayer[] = [];
  let header = true;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const fields = line.split(",").map((f) => f.trim());
    if (fields[fields.length - 1] === "") fields.pop();
    if (header) {
      header = false;
      if (fields.length >= 7) {
        throw new InputError(file, { path: `line ${i + 1}`, expected: "a GEMM topology header (Layer, M, N, K); convolution topologies are not supported", found: `${fields.length} columns` });
      }
      if (fields.slice(1).every((f) => /^\d+$/.test(f))) {
        throw new InputError(file, { path: `line ${i + 1}`, expected: "a header line first (Layer, M, N, K,)", found: JSON.stringify(line) });
      }
      return;
    }
    if (fields.length !== 4) {
      throw new InputError(file, { path: `line ${i + 1}`, expected: "4 fields: name, M, N, K", found: `${fields.length} fields (${JSON.stringify(line)})` });
    }
    const [name, ...dims] = fields as [string, string, string, string];
    const [m, n, k] = dims.map((d, j) => {
      const v = Number(d);
      if (!Number.isInteger(v) || v < 1) {
        throw new InputError(file, { path: `line ${i + 1}, column ${"MNK"[j]}`, expected: "a positive integer", found: JSON.stringify(d) });
      }
      return v;
    }) as [number, number, number];
    layers.push({ name, m, n, k });
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
    tensors.push({ name: `${id}.ifmap`, shape: [l.m, l.k], precision, role: "activation" });
    tensors.push({ name: `${id}.filter`, shape: [l.k, l.n], precision, role: "weight" });
    tensors.push({ name: `${id}.ofmap`, shape: [l.m, l.n], precision, role: "activation" });
    ops.push({ id, layer: i, kind: "matmul", m: l.m, n: l.n, k: l.k, batchCount: 1, inputs: [`${id}.ifmap`, `${id}.filter`], outputs: [`${id}.ofmap`] });
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
