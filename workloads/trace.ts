/**
 * The workload trace: what a model asks the hardware to do, as data. Tensors carry shape,
 * precision and role (for bytes and liveness); ops are ordered and carry their shapes. Hardware
 * models read only this. The JSON Schema in `schema/trace.schema.json` is the file format.
 */
import type { Precision } from "./precision.js";
import { expandMask, type BlockMask } from "./sparsity.js";
import type { CollectiveOp } from "./collective.js";
import type { ConvShape } from "./conv.js";

export const TRACE_VERSION = 1;

/** weight: resident parameters; index: resident metadata (sparse-layout indices); activation;
 *  kv-cache: keys and values kept for later decode steps; gradient: a parameter's gradient buffer
 *  (training); optimizer-state: fp32 master weights and moments (training). */
export type TensorRole = "weight" | "index" | "activation" | "kv-cache" | "gradient" | "optimizer-state";

/**
 * Roles that live for the whole trace wherever they are written: they are placed with the weights,
 * and an op may update one in place (read and write it; several ops may write it: a gradient
 * accumulated over micro-batches, weights written by the optimizer).
 */
export function isResident(role: TensorRole): boolean {
  return role === "weight" || role === "index" || role === "gradient" || role === "optimizer-state";
}

/** prefill and decode: inference; train: one training step (workloads/training/). */
export type Phase = "prefill" | "decode" | "train";

/**
 * What part of a step an op belongs to, for breakdowns (default forward): backward ops compute
 * gradients, recompute ops repeat forward work that activation checkpointing did not store,
 * optimizer ops update the parameters.
 */
export type Pass = "forward" | "backward" | "recompute" | "optimizer";
export const PASSES: readonly Pass[] = ["forward", "backward", "recompute", "optimizer"];
export type FfnKind = "gelu" | "swiglu";
export type NormKind = "layer" | "rms";

/** The transformer shape a trace was built from (informational for hand-written traces). */
export interface ModelShape {
  name: string;
  layers: number;
  dModel: number;
  heads: number;
  kvHeads: number;
  dHead: number;
  dFF: number;
  ffn: FfnKind;
  norm: NormKind;
  /** Pre-norm (GPT, ViT, Llama) or post-norm (BERT). */
  normPlacement: "pre" | "post";
  /** Decoder self-attention (causal mask; K/V kept for decode). */
  causal: boolean;
  seqLen: number;
  batch: number;
  phase: Phase;
  /** Decode: tokens already in the KV cache. */
  contextLen: number;
  /** Generation: decode steps after the prefill (their ops carry `repeat`). */
  generateTokens?: number;
  /** Early exit: exit points (after these layers) and their probabilities. */
  exit?: { layers: number[]; probabilities: number[] };
  /** The workload variants the trace was built with, as given (informational). */
  variants?: Record<string, string>;
}

export interface TensorSpec {
  name: string;
  shape: number[];
  precision: Precision;
  role: TensorRole;
  /** Set by the engine's fused-attention mapping (not in trace files): lives inside the units. */
  onChip?: boolean;
}

/**
 * Elementwise functions. Training adds: dropout (draw a keep mask from a counter-based RNG and
 * scale the kept values), and the optimizer's passes over a parameter tensor: adam-moment1
 * (m <- b1 m + (1 - b1) g), adam-moment2 (v <- b2 v + (1 - b2) g^2), adam-update (p <- p - lr (m^ /
 * (sqrt(v^) + eps) + wd p)), momentum (b <- mu b + g), sgd-update (p <- p - lr g).
 */
export type ElementwiseFn =
  | "add" | "mul" | "max" | "gelu" | "silu" | "relu" | "exp" | "softplus" | "copy"
  | "dropout" | "adam-moment1" | "adam-moment2" | "adam-update" | "momentum" | "sgd-update";
export const ELEMENTWISE_FNS: readonly ElementwiseFn[] = [
  "add", "mul", "max", "gelu", "silu", "relu", "exp", "softplus", "copy",
  "dropout", "adam-moment1", "adam-moment2", "adam-update", "momentum", "sgd-update",
];

/** Shape fields that grow by a fixed amount per step of a repeated op (generation: the KV length). */
export type GrowField = "m" | "n" | "k" | "rows" | "cols" | "elements" | "length";

/**
 * The op runs `count` times in a row (decode steps of a generation); per step, each field in `grow`
 * grows by its amount (step s sees field + s x amount), and a sparsity mask's key length and query
 * offset grow with the key dimension. Keeps long generations to one step's ops on disk.
 */
export interface Repeat {
  count: number;
  grow?: Partial<Record<GrowField, number>>;
}

/**
 * Block-sparse operand of a matmul or softmax: the mask covers the op's output (QK^T: queries x
 * keys) or its A operand (AV: probabilities, queries x keys). `index` names the tensor holding the
 * block-CSR layout (read by the op).
 */
export interface Sparsity {
  operand: "output" | "a";
  mask: BlockMask;
  index?: string;
}

export interface OpCommon {
  id: string;
  layer: number;
  /** Tensor names read, in operand order. */
  inputs: string[];
  /** Tensor names produced. */
  outputs: string[];
  /** Probability the op executes (early exit); expected cost = weight x cost. Default 1. */
  weight?: number;
  repeat?: Repeat;
  /** Forward (default), backward, recompute or optimizer: for breakdowns (training traces). */
  pass?: Pass;
  /** Set by the engine's fused-attention mapping (not in trace files): the group and its K/V passes. */
  fusion?: Fusion;
}

/**
 * A fused group's I/O schedule (sim/attention-fusion.ts): a matmul's B is read `kvPasses` times and
 * its A once; `inputPasses`, when given, says how many times each input is read from its level
 * instead (0: already on chip, loaded by another op of the group), and `outputPasses` how many times
 * the output is written (accumulated through memory: read one time fewer).
 */
export interface Fusion {
  group: string;
  kvPasses: number;
  inputPasses?: number[];
  outputPasses?: number;
  /**
   * The group's first op: a fused group runs as one kernel, so the design's per-op overhead
   * (`system.opOverhead`: kernel launch) is charged on this op only.
   */
  opensKernel?: boolean;
}

/** Ops of these kinds may compute their function's gradient instead (`grad: true`). */
interface Differentiated {
  /**
   * The op computes the gradient of its kind's function (training's backward pass): inputs are the
   * output's gradient first, then the forward tensors the gradient needs; the output is the first
   * input's gradient (docs/training.md lists each kind's inputs).
   */
  grad?: boolean;
}

/**
 * C[m x n] = A[m x k] . B[k x n], repeated batchCount times (heads x batch). inputs = [A, B].
 * With `conv`, the op is a convolution (workloads/conv.ts): A is its input image (not im2col
 * expanded), B its filters, and m, n, k, batchCount its im2col GEMM (convGemm).
 */
export interface MatmulOp extends OpCommon {
  kind: "matmul";
  m: number;
  n: number;
  k: number;
  batchCount: number;
  sparsity?: Sparsity;
  conv?: ConvShape;
}

/** Row-wise softmax over cols, rows x cols per batch item. */
export interface SoftmaxOp extends OpCommon, Differentiated {
  kind: "softmax";
  rows: number;
  cols: number;
  batchCount: number;
  /** Informational: the mask applied ("causal"); dense kernels still touch every element. */
  mask?: "none" | "causal";
  sparsity?: Sparsity;
  /** The precision the op computes in when wider than its input's (dequantised on load). */
  computePrecision?: Precision;
}

/** Normalisation over the last dim (cols) of rows x cols. */
export interface LayerNormOp extends OpCommon, Differentiated {
  kind: "layernorm";
  rows: number;
  cols: number;
  norm: NormKind;
  /** The precision the op computes in when wider than its input's (dequantised on load). */
  computePrecision?: Precision;
}

export interface ElementwiseOp extends OpCommon, Differentiated {
  kind: "elementwise";
  fn: ElementwiseFn;
  elements: number;
}

/** Move `rows` rows of `cols` elements selected by an index (token pruning, MoE dispatch/combine, LSH sort). */
export interface GatherOp extends OpCommon, Differentiated {
  kind: "gather";
  rows: number;
  cols: number;
}

/** Sort (or top-k select) `length` keys, `batchCount` times (token pruning, MoE routing, LSH buckets). */
export interface SortOp extends OpCommon {
  kind: "sort";
  length: number;
  batchCount: number;
  /** Top-k: only the k largest are needed (default: a full sort). */
  topk?: number;
}

/**
 * Selective state-space scan (Mamba, Gu & Dao 2023): over `length` tokens, `channels` channels each
 * with `state` states: h = exp(dt A) h + dt B x, y = C h. Sequential in length, parallel in
 * channels x state.
 */
export interface ScanOp extends OpCommon, Differentiated {
  kind: "scan";
  length: number;
  channels: number;
  state: number;
  batchCount: number;
}

export type { CollectiveOp };
export type Op = MatmulOp | SoftmaxOp | LayerNormOp | ElementwiseOp | GatherOp | SortOp | ScanOp | CollectiveOp;
export type OpKind = Op["kind"];
export const OP_KINDS: readonly OpKind[] = ["matmul", "softmax", "layernorm", "elementwise", "gather", "sort", "scan", "collective"];

/** A value for every op kind, computed by `f` (a complete record, checked by the compiler). */
export function perOpKind<T>(f: (kind: OpKind) => T): Record<OpKind, T> {
  return { matmul: f("matmul"), softmax: f("softmax"), layernorm: f("layernorm"), elementwise: f("elementwise"), gather: f("gather"), sort: f("sort"), scan: f("scan"), collective: f("collective") };
}

export interface Trace {
  version: typeof TRACE_VERSION;
  model: ModelShape;
  tensors: TensorSpec[];
  ops: Op[];
}

/** Multiply-accumulates an op performs (matmuls: the kept blocks only), one execution, before repeat and weight. */
export function opMacs(op: Op): number {
  if (op.kind !== "matmul") return 0;
  if (!op.sparsity) return op.m * op.n * op.k * op.batchCount;
  const nnz = expandMask(op.sparsity.mask).nnzElements;
  return nnz * (op.sparsity.operand === "output" ? op.k : op.n) * op.batchCount;
}

/** Elements a matmul writes: m n per batch item, or the kept blocks when its output is sparse. */
export function matmulOutputElements(op: MatmulOp): number {
  const perItem = op.sparsity?.operand === "output" ? expandMask(op.sparsity.mask).nnzElements : op.m * op.n;
  return perItem * op.batchCount;
}

/** Elements an op processes (for non-matmul ops: what the vector unit iterates over; collectives move `bytes` instead: 0). */
export function opElements(op: Op): number {
  switch (op.kind) {
    case "matmul":
      return op.m * op.n * op.batchCount;
    case "softmax":
      return (op.sparsity ? expandMask(op.sparsity.mask).nnzElements : op.rows * op.cols) * op.batchCount;
    case "layernorm":
      return op.rows * op.cols;
    case "elementwise":
      return op.elements;
    case "gather":
      return op.rows * op.cols;
    case "sort":
      return op.length * op.batchCount;
    case "scan":
      return op.length * op.channels * op.state * op.batchCount;
    case "collective":
      return 0;
    default: {
      const never: never = op;
      throw new Error(`unknown op ${(never as Op).kind}`);
    }
  }
}

/** The op as it runs in step `step` of its repeat (step 0 is the op itself). */
export function opAtStep<T extends Op>(op: T, step: number): T {
  const grow = op.repeat?.grow;
  if (!grow || step === 0) return op;
  const out = { ...op } as T & Record<string, unknown>;
  let keyGrowth = 0;
  // for-in, not Object.entries: this runs at every step of every growing op a new design costs.
  for (const key in grow) {
    const field = key as GrowField;
    const by = grow[field]!;
    if (typeof out[field] === "number") out[field] = (out[field] as number) + by * step;
    if (field === "n" || field === "k" || field === "cols") keyGrowth = by * step;
  }
  const sparsity = (op as { sparsity?: Sparsity }).sparsity;
  if (sparsity && keyGrowth !== 0) {
    out.sparsity = { ...sparsity, mask: { ...sparsity.mask, cols: sparsity.mask.cols + keyGrowth, rowOffset: sparsity.mask.rowOffset + step } };
  }
  return out;
}

/** How many times an op runs (its repeat count, default 1). */
export function opCount(op: Op): number {
  return op.repeat?.count ?? 1;
}
