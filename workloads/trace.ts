/**
 * The workload trace: what a model asks the hardware to do, as data. Tensors carry shape,
 * precision and role (for bytes and liveness); ops are ordered and carry their shapes. Hardware
 * models read only this. The JSON Schema in `schema/trace.schema.json` is the file format.
 */
import type { Precision } from "./precision.js";

export const TRACE_VERSION = 1;

export type TensorRole = "weight" | "activation" | "kv-cache";
export type Phase = "prefill" | "decode";
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
}

export interface TensorSpec {
  name: string;
  shape: number[];
  precision: Precision;
  role: TensorRole;
}

export type ElementwiseFn = "add" | "mul" | "gelu" | "silu" | "relu" | "exp" | "copy";
export const ELEMENTWISE_FNS: readonly ElementwiseFn[] = ["add", "mul", "gelu", "silu", "relu", "exp", "copy"];

interface OpCommon {
  id: string;
  layer: number;
  /** Tensor names read, in operand order. */
  inputs: string[];
  /** Tensor names produced. */
  outputs: string[];
  /** Probability the op executes (early exit); expected cost = weight x cost. Default 1. */
  weight?: number;
}

/** C[m x n] = A[m x k] . B[k x n], repeated batchCount times (heads x batch). inputs = [A, B]. */
export interface MatmulOp extends OpCommon {
  kind: "matmul";
  m: number;
  n: number;
  k: number;
  batchCount: number;
}

/** Row-wise softmax over cols, rows x cols per batch item. */
export interface SoftmaxOp extends OpCommon {
  kind: "softmax";
  rows: number;
  cols: number;
  batchCount: number;
  /** Informational: the mask applied ("causal"); dense kernels still touch every element. */
  mask?: "none" | "causal";
}

/** Normalisation over the last dim (cols) of rows x cols. */
export interface LayerNormOp extends OpCommon {
  kind: "layernorm";
  rows: number;
  cols: number;
  norm: NormKind;
}

export interface ElementwiseOp extends OpCommon {
  kind: "elementwise";
  fn: ElementwiseFn;
  elements: number;
}

export type Op = MatmulOp | SoftmaxOp | LayerNormOp | ElementwiseOp;
export type OpKind = Op["kind"];
export const OP_KINDS: readonly OpKind[] = ["matmul", "softmax", "layernorm", "elementwise"];

export interface Trace {
  version: typeof TRACE_VERSION;
  model: ModelShape;
  tensors: TensorSpec[];
  ops: Op[];
}

/** Multiply-accumulates an op performs (matmuls only), before its execution weight. */
export function opMacs(op: Op): number {
  return op.kind === "matmul" ? op.m * op.n * op.k * op.batchCount : 0;
}

/** Elements an op processes (for non-matmul ops: what the vector unit iterates over). */
export function opElements(op: Op): number {
  switch (op.kind) {
    case "matmul":
      return op.m * op.n * op.batchCount;
    case "softmax":
      return op.rows * op.cols * op.batchCount;
    case "layernorm":
      return op.rows * op.cols;
    case "elementwise":
      return op.elements;
    default: {
      const never: never = op;
      throw new Error(`unknown op ${(never as Op).kind}`);
    }
  }
}
