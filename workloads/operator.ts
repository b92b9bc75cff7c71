/**
 * Single-operator workloads: one matmul, softmax, layernorm, elementwise or collective op on its own, the way
 * operator benchmarks measure them (LLMCompass's A100 shape sweeps, microbenchmarks of a kernel).
 * A workload section with `operator:` instead of `model:` builds one of these; validation against
 * per-operator measurements and operator sweeps use them.
 *
 * Shapes follow the trace's op kinds (workloads/trace.ts):
 *   matmul       C[m x n] = A[m x k] . B[k x n], `batch` independent products (torch.bmm)
 *   softmax      rows x cols, row-wise over cols, `batch` times
 *   layernorm    rows x cols, over cols (gamma and beta of cols elements are read)
 *   elementwise  `elements` elements through `fn` (gelu, silu, relu, exp, add, mul, ...)
 *   conv         a 2-D convolution of `batch` images inH x inW x inChannels by outChannels filters of
 *                kernelH x kernelW, optional strideH/W, padH/W, dilationH/W, groups (workloads/conv.ts)
 *   collective   one device's part in a `collective` (all-reduce, all-gather, ...) of `bytes` among
 *                `group` devices (`perNode` of them on one node, `algorithm` optional): run on a
 *                design with a link unit, such as a system file's device (workloads/collective.ts)
 * Every tensor starts and ends in memory (nothing is resident from a previous op): B of a matmul is
 * an operand like A (role "weight" only so that the placement puts it with the weights: the
 * outermost level unless the design says otherwise).
 */
import { InputError } from "../common/input-error.js";
import { ELEMENTWISE_FNS, TRACE_VERSION, type ElementwiseFn, type Op, type TensorSpec, type Trace } from "./trace.js";
import { bytesFor, isPrecision, PRECISION_NAMES, type Precision } from "./precision.js";
import { convDims, convLayerTrace, convProblem, type ConvShape } from "./conv.js";
import { COLLECTIVE_ALGORITHMS, COLLECTIVE_KINDS, type CollectiveAlgorithm, type CollectiveKind } from "./collective.js";

export const OPERATOR_KINDS = ["matmul", "softmax", "layernorm", "elementwise", "collective", "conv"] as const;
export type OperatorKind = (typeof OPERATOR_KINDS)[number];

/** A conv's shape fields are ConvShape's (its batch is the images). */
export interface OperatorSpec extends Partial<Omit<ConvShape, "batch">> {
  operator: OperatorKind;
  m?: number;
  n?: number;
  k?: number;
  rows?: number;
  cols?: number;
  elements?: number;
  fn?: ElementwiseFn;
  collective?: CollectiveKind;
  bytes?: number;
  group?: number;
  perNode?: number;
  algorithm?: CollectiveAlgorithm;
  batch?: number;
  /** Run the op this many times in a row (each with its own launch overhead); default 1. */
  count?: number;
  precision?: Precision;
}

/** The fields each operator needs (besides batch and precision, which default to 1 and fp16). */
const FIELDS: Record<OperatorKind, readonly (keyof OperatorSpec)[]> = {
  matmul: ["m", "n", "k"],
  softmax: ["rows", "cols"],
  layernorm: ["rows", "cols"],
  elementwise: ["elements", "fn"],
  collective: ["collective", "bytes", "group", "perNode", "algorithm"],
  conv: ["inH", "inW", "inChannels", "outChannels", "kernelH", "kernelW"],
};
/** Fields an operator may leave out (conv: stride, padding, dilation and groups default to 1, 0, 1, 1). */
const OPTIONAL_FIELDS: Partial<Record<OperatorKind, readonly (keyof OperatorSpec)[]>> = {
  conv: ["strideH", "strideW", "padH", "padW", "dilationH", "dilationW", "groups"],
};
const ALL_FIELDS = [
  "operator", "m", "n", "k", "rows", "cols", "elements", "fn", "collective", "bytes", "group", "perNode", "algorithm", "batch", "count", "precision",
  ...FIELDS.conv, ...OPTIONAL_FIELDS.conv!,
];
/** Fields that are not positive integers (checked on their own). */
const NAMED_FIELDS = ["fn", "collective", "algorithm", "perNode"];

/** Check an operator section (from YAML, a measured-data row or a sweep) and fill defaults. */
export function parseOperatorSection(section: Record<string, unknown>, file: string, path: string): OperatorSpec {
  const at = (key: string) => `${path}/${key}`;
  const kind = section.operator;
  if (typeof kind !== "string" || !(OPERATOR_KINDS as readonly string[]).includes(kind)) {
    throw new InputError(file, { path: at("operator"), expected: `an operator: ${OPERATOR_KINDS.join(", ")}`, found: JSON.stringify(kind) });
  }
  const op = kind as OperatorKind;
  for (const key of Object.keys(section)) {
    if (!ALL_FIELDS.includes(key)) throw new InputError(file, { path: at(key), expected: `a key of an operator workload: ${ALL_FIELDS.join(", ")}`, found: "an unknown key" });
    const allowed = [...FIELDS[op], ...(OPTIONAL_FIELDS[op] ?? [])];
    if (key !== "operator" && key !== "batch" && key !== "count" && key !== "precision" && !allowed.includes(key as keyof OperatorSpec)) {
      throw new InputError(file, { path: at(key), expected: `only ${allowed.join(", ")}, batch, count, precision for a ${op}`, found: key });
    }
  }
  const spec: OperatorSpec = { operator: op, batch: 1, precision: "fp16" };
  for (const key of [...FIELDS[op].filter((f) => !NAMED_FIELDS.includes(f)), "batch", "count"] as const) {
    if (key === "count" && section.count === undefined) continue;
    const value = section[key] ?? spec[key as "batch"];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      throw new InputError(file, { path: at(key), expected: "a positive integer", found: JSON.stringify(value ?? null) });
    }
    (spec as unknown as Record<string, number>)[key] = value;
  }
  for (const key of OPTIONAL_FIELDS[op] ?? []) {
    const value = section[key];
    if (value === undefined) continue;
    const min = key === "padH" || key === "padW" ? 0 : 1;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
      throw new InputError(file, { path: at(key), expected: min === 0 ? "a non-negative integer" : "a positive integer", found: JSON.stringify(value) });
    }
    (spec as unknown as Record<string, number>)[key] = value;
  }
  if (op === "conv") {
    const problem = convProblem(operatorConv(spec));
    if (problem) throw new InputError(file, { path, expected: "a valid convolution", found: problem });
  }
  if (op === "elementwise") {
    if (typeof section.fn !== "string" || !(ELEMENTWISE_FNS as readonly string[]).includes(section.fn)) {
      throw new InputError(file, { path: at("fn"), expected: `a function: ${ELEMENTWISE_FNS.join(", ")}`, found: JSON.stringify(section.fn ?? null) });
    }
    spec.fn = section.fn as ElementwiseFn;
  }
  if (op === "collective") {
    if (typeof section.collective !== "string" || !(COLLECTIVE_KINDS as readonly string[]).includes(section.collective)) {
      throw new InputError(file, { path: at("collective"), expected: `a collective: ${COLLECTIVE_KINDS.join(", ")}`, found: JSON.stringify(section.collective ?? null) });
    }
    spec.collective = section.collective as CollectiveKind;
    if (section.algorithm !== undefined) {
      if (typeof section.algorithm !== "string" || !(COLLECTIVE_ALGORITHMS as readonly string[]).includes(section.algorithm)) {
        throw new InputError(file, { path: at("algorithm"), expected: `an algorithm: ${COLLECTIVE_ALGORITHMS.join(", ")}`, found: JSON.stringify(section.algorithm) });
      }
      spec.algorithm = section.algorithm as CollectiveAlgorithm;
    }
    if (section.perNode !== undefined) {
      if (typeof section.perNode !== "number" || !Number.isInteger(section.perNode) || section.perNode < 1) {
        throw new InputError(file, { path: at("perNode"), expected: "a positive integer", found: JSON.stringify(section.perNode) });
      }
      spec.perNode = section.perNode;
    }
  }
  if (section.precision !== undefined) {
    if (typeof section.precision !== "string" || !isPrecision(section.precision)) {
      throw new InputError(file, { path: at("precision"), expected: `a precision: ${PRECISION_NAMES.join(", ")}`, found: JSON.stringify(section.precision) });
    }
    spec.precision = section.precision;
  }
  return spec;
}

/** A short name: "matmul 64x12288x12288", "softmax 4096x32", "elementwise gelu 1024". */
export function operatorName(spec: OperatorSpec): string {
  const batch = ((spec.batch ?? 1) > 1 ? ` batch ${spec.batch}` : "") + ((spec.count ?? 1) > 1 ? ` x${spec.count}` : "");
  switch (spec.operator) {
    case "matmul":
      return `matmul ${spec.m}x${spec.n}x${spec.k}${batch} ${spec.precision}`;
    case "softmax":
    case "layernorm":
      return `${spec.operator} ${spec.rows}x${spec.cols}${batch} ${spec.precision}`;
    case "elementwise":
      return `${spec.fn} ${spec.elements}${batch} ${spec.precision}`;
    case "collective":
      return `${spec.collective} ${spec.bytes} B among ${spec.group}${spec.algorithm ? ` (${spec.algorithm})` : ""}${batch}`;
    case "conv": {
      const d = convDims(operatorConv(spec));
      const groups = d.groups > 1 ? ` g${d.groups}` : "";
      return `conv ${d.inH}x${d.inW}x${d.inChannels} -> ${d.outChannels} k${d.kernelH}x${d.kernelW} s${d.strideH} p${d.padH}${groups}${batch} ${spec.precision}`;
    }
  }
}

/** A conv operator's shape (batch = its images). */
function operatorConv(spec: OperatorSpec): ConvShape {
  const { inH, inW, inChannels, outChannels, kernelH, kernelW } = spec as Required<OperatorSpec>;
  const optional = Object.fromEntries(OPTIONAL_FIELDS.conv!.filter((f) => spec[f] !== undefined).map((f) => [f, spec[f]]));
  return { batch: spec.batch ?? 1, inH, inW, inChannels, outChannels, kernelH, kernelW, ...optional };
}

/** The one-op trace of an operator spec (already checked by parseOperatorSection). */
export function buildOperatorTrace(spec: OperatorSpec): Trace {
  const p = spec.precision ?? "fp16";
  const batch = spec.batch ?? 1;
  const tensors: TensorSpec[] = [];
  const t = (name: string, shape: number[], role: TensorSpec["role"] = "activation") => {
    tensors.push({ name, shape, precision: p, role });
    return name;
  };
  let op: Op;
  switch (spec.operator) {
    case "matmul": {
      const { m, n, k } = spec as Required<OperatorSpec>;
      op = {
        id: "matmul", layer: 0, kind: "matmul", m, n, k, batchCount: batch,
        inputs: [t("a", [batch, m, k]), t("b", [batch, k, n], "weight")], outputs: [t("c", [batch, m, n])],
      };
      break;
    }
    case "softmax": {
      const { rows, cols } = spec as Required<OperatorSpec>;
      op = { id: "softmax", layer: 0, kind: "softmax", rows, cols, batchCount: batch, inputs: [t("x", [batch, rows, cols])], outputs: [t("y", [batch, rows, cols])] };
      break;
    }
    case "layernorm": {
      const { rows, cols } = spec as Required<OperatorSpec>;
      op = {
        id: "layernorm", layer: 0, kind: "layernorm", rows: rows * batch, cols, norm: "layer",
        inputs: [t("x", [batch * rows, cols]), t("gamma", [cols], "weight"), t("beta", [cols], "weight")], outputs: [t("y", [batch * rows, cols])],
      };
      break;
    }
    case "elementwise": {
      const elements = spec.elements! * batch;
      const binary = spec.fn === "add" || spec.fn === "mul" || spec.fn === "max";
      const inputs = binary ? [t("x", [elements]), t("z", [elements])] : [t("x", [elements])];
      op = { id: spec.fn!, layer: 0, kind: "elementwise", fn: spec.fn!, elements, inputs, outputs: [t("y", [elements])] };
      break;
    }
    case "conv": {
      const layer = convLayerTrace(operatorConv(spec), p, "conv");
      tensors.push(...layer.tensors);
      op = layer.ops[0]!;
      break;
    }
    case "collective": {
      const bytes = spec.bytes! * batch;
      const elements = Math.max(1, Math.ceil(bytes / bytesFor(1, p)));
      op = {
        id: spec.collective!, layer: 0, kind: "collective", collective: spec.collective!, bytes, group: spec.group!,
        ...(spec.perNode ? { perNode: spec.perNode } : {}), ...(spec.algorithm ? { algorithm: spec.algorithm } : {}),
        inputs: [t("x", [elements])], outputs: [t("y", [elements])],
      };
      break;
    }
  }
  if ((spec.count ?? 1) > 1) op.repeat = { count: spec.count! };
  return {
    version: TRACE_VERSION,
    model: {
      name: operatorName(spec), layers: 1, dModel: 1, heads: 1, kvHeads: 1, dHead: 1, dFF: 0, ffn: "gelu", norm: "layer",
      normPlacement: "pre", causal: false, seqLen: 1, batch, phase: "prefill", contextLen: 0,
    },
    tensors,
    ops: [op],
  };
}
