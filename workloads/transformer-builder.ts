/**
 * Builds a whole-model trace from a transformer's shape: per layer the fused QKV projection,
 * per-head QK^T, softmax, AV, output projection, residual adds, norms and the FFN (GELU, or SwiGLU
 * where the model uses it), with weights, activations and KV cache as tensors.
 *
 * MACs per layer, prefill, T = batch x n tokens (Vaswani et al. 2017):
 *   QKV + O projections  T·d·(h+2·kvh)·dh + T·(h·dh)·d   (= 4·T·d² for multi-head attention)
 *   QK^T and AV          2 · batch · h · n² · dh          (= 2·n²·d per sequence)
 *   FFN                  2·T·d·dFF (GELU) or 3·T·d·dFF (SwiGLU: gate, up and down)
 * Decode: one new token per sequence attends over contextLen cached tokens plus itself.
 */
import { MODEL_PRESETS, isModelPreset, MODEL_PRESET_NAMES, type ModelPresetName } from "./model-presets.js";
import { TRACE_VERSION, type ModelShape, type Op, type Phase, type TensorRole, type TensorSpec, type Trace } from "./trace.js";
import type { Precision } from "./precision.js";
import { InputError } from "../common/input-error.js";

export interface TracePrecision {
  weights: Precision;
  activations: Precision;
}

export interface BuildOptions {
  seqLen?: number;
  batch?: number;
  phase?: Phase;
  /** Decode: tokens already in the KV cache. */
  contextLen?: number;
  precision?: Precision | TracePrecision;
}

export const DEFAULT_PRECISION: TracePrecision = { weights: "int8", activations: "int8" };

/** Resolve a preset plus options into the model shape recorded in the trace. */
export function presetShape(name: string, options: BuildOptions = {}, where = "<cli>"): ModelShape {
  if (!isModelPreset(name)) {
    throw new InputError(where, { path: "/model", expected: `a model preset: ${MODEL_PRESET_NAMES.join(", ")}`, found: JSON.stringify(name) });
  }
  const p = MODEL_PRESETS[name as ModelPresetName];
  const phase = options.phase ?? "prefill";
  const seqLen = options.seqLen ?? (phase === "decode" ? 1 : p.defaultSeqLen);
  const contextLen = options.contextLen ?? (phase === "decode" ? p.defaultSeqLen : 0);
  const shape: ModelShape = {
    name, layers: p.layers, dModel: p.dModel, heads: p.heads, kvHeads: p.kvHeads, dHead: p.dModel / p.heads, dFF: p.dFF,
    ffn: p.ffn, norm: p.norm, normPlacement: p.normPlacement, causal: p.causal,
    seqLen, batch: options.batch ?? 1, phase, contextLen,
  };
  checkShape(shape, where);
  return shape;
}

function checkShape(s: ModelShape, where: string): void {
  const positive: (keyof ModelShape)[] = ["layers", "dModel", "heads", "kvHeads", "dHead", "seqLen", "batch"];
  for (const key of positive) {
    const v = s[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
      throw new InputError(where, { path: `/${key}`, expected: "a positive integer", found: String(v) });
    }
  }
  if (s.heads % s.kvHeads !== 0) {
    throw new InputError(where, { path: "/kvHeads", expected: `a divisor of heads (${s.heads})`, found: String(s.kvHeads) });
  }
  if (s.phase === "decode" && s.seqLen !== 1) {
    throw new InputError(where, { path: "/seq", expected: "1 new token per decode step (use --context for the cache length)", found: String(s.seqLen) });
  }
  const minContext = s.phase === "decode" ? 1 : 0;
  if (!Number.isInteger(s.contextLen) || s.contextLen < minContext) {
    const expected = s.phase === "decode" ? "at least 1 cached token for a decode step (--context L)" : "a non-negative integer";
    throw new InputError(where, { path: "/contextLen", expected, found: String(s.contextLen) });
  }
}

export function buildPresetTrace(name: string, options: BuildOptions = {}): Trace {
  return buildTransformerTrace(presetShape(name, options), options.precision);
}

export function buildTransformerTrace(shape: ModelShape, precisionOption: Precision | TracePrecision = DEFAULT_PRECISION): Trace {
  const precision: TracePrecision =
    typeof precisionOption === "string" ? { weights: precisionOption, activations: precisionOption } : precisionOption;
  const { layers, dModel: d, heads: h, kvHeads: kvh, dHead: dh, dFF, batch: B } = shape;
  const decode = shape.phase === "decode";
  const nq = decode ? 1 : shape.seqLen;
  const kvLen = decode ? shape.contextLen + 1 : shape.seqLen;
  const T = B * nq;
  const qkvWidth = (h + 2 * kvh) * dh;

  const tensors: TensorSpec[] = [];
  const ops: Op[] = [];
  const tensor = (name: string, shapeDims: number[], role: TensorRole): string => {
    tensors.push({ name, shape: shapeDims, role, precision: role === "weight" ? precision.weights : precision.activations });
    return name;
  };
  const norm = (layer: number, id: string, input: string): string => {
    const gamma = tensor(`${id}.gamma`, [d], "weight");
    const inputs = shape.norm === "layer" ? [input, gamma, tensor(`${id}.beta`, [d], "weight")] : [input, gamma];
    const out = tensor(`${id}.out`, [B, nq, d], "activation");
    ops.push({ id, layer, kind: "layernorm", rows: T, cols: d, norm: shape.norm, inputs, outputs: [out] });
    return out;
  };

  let x = tensor("input", [B, nq, d], "activation");
  for (let layer = 0; layer < layers; layer++) {
    const L = `L${layer}`;
    const attnIn = shape.normPlacement === "pre" ? norm(layer, `${L}.ln1`, x) : x;

    const wqkv = tensor(`${L}.wqkv`, [d, qkvWidth], "weight");
    const qkv = tensor(`${L}.qkv`, [B, nq, qkvWidth], "activation");
    ops.push({ id: `${L}.qkv`, layer, kind: "matmul", m: T, n: qkvWidth, k: d, batchCount: 1, inputs: [attnIn, wqkv], outputs: [qkv] });

    let keys = qkv;
    let values = qkv;
    if (decode) {
      keys = tensor(`${L}.kcache`, [B, kvh, shape.contextLen, dh], "kv-cache");
      values = tensor(`${L}.vcache`, [B, kvh, shape.contextLen, dh], "kv-cache");
      const appended = tensor(`${L}.kv_new`, [B, 2, kvh, dh], "kv-cache");
      ops.push({ id: `${L}.kv_append`, layer, kind: "elementwise", fn: "copy", elements: B * 2 * kvh * dh, inputs: [qkv], outputs: [appended] });
    } else if (shape.causal) {
      // A decoder's prefill keeps K and V for the decode steps that follow.
      const cache = tensor(`${L}.kv`, [B, 2, kvh, nq, dh], "kv-cache");
      ops.push({ id: `${L}.kv_store`, layer, kind: "elementwise", fn: "copy", elements: B * 2 * kvh * nq * dh, inputs: [qkv], outputs: [cache] });
    }

    const scores = tensor(`${L}.scores`, [B, h, nq, kvLen], "activation");
    ops.push({ id: `${L}.qk`, layer, kind: "matmul", m: nq, n: kvLen, k: dh, batchCount: B * h, inputs: [qkv, keys], outputs: [scores] });
    const probs = tensor(`${L}.probs`, [B, h, nq, kvLen], "activation");
    ops.push({
      id: `${L}.softmax`, layer, kind: "softmax", rows: nq, cols: kvLen, batchCount: B * h,
      mask: shape.causal && !decode ? "causal" : "none", inputs: [scores], outputs: [probs],
    });
    const context = tensor(`${L}.context`, [B, nq, h * dh], "activation");
    ops.push({ id: `${L}.av`, layer, kind: "matmul", m: nq, n: dh, k: kvLen, batchCount: B * h, inputs: [probs, values], outputs: [context] });

    const wo = tensor(`${L}.wo`, [h * dh, d], "weight");
    const attn = tensor(`${L}.attn`, [B, nq, d], "activation");
    ops.push({ id: `${L}.o`, layer, kind: "matmul", m: T, n: d, k: h * dh, batchCount: 1, inputs: [context, wo], outputs: [attn] });
    const res1 = tensor(`${L}.res1`, [B, nq, d], "activation");
    ops.push({ id: `${L}.add1`, layer, kind: "elementwise", fn: "add", elements: T * d, inputs: [x, attn], outputs: [res1] });

    const afterAttn = shape.normPlacement === "post" ? norm(layer, `${L}.ln1`, res1) : res1;
    const ffnIn = shape.normPlacement === "pre" ? norm(layer, `${L}.ln2`, afterAttn) : afterAttn;

    const upWidth = shape.ffn === "swiglu" ? 2 * dFF : dFF;
    const w1 = tensor(`${L}.w1`, [d, upWidth], "weight");
    const up = tensor(`${L}.up`, [B, nq, upWidth], "activation");
    ops.push({ id: `${L}.ffn_up`, layer, kind: "matmul", m: T, n: upWidth, k: d, batchCount: 1, inputs: [ffnIn, w1], outputs: [up] });
    let act: string;
    if (shape.ffn === "swiglu") {
      const gate = tensor(`${L}.gate`, [B, nq, dFF], "activation");
      ops.push({ id: `${L}.silu`, layer, kind: "elementwise", fn: "silu", elements: T * dFF, inputs: [up], outputs: [gate] });
      act = tensor(`${L}.act`, [B, nq, dFF], "activation");
      ops.push({ id: `${L}.gate_mul`, layer, kind: "elementwise", fn: "mul", elements: T * dFF, inputs: [gate, up], outputs: [act] });
    } else {
      act = tensor(`${L}.act`, [B, nq, dFF], "activation");
      ops.push({ id: `${L}.gelu`, layer, kind: "elementwise", fn: "gelu", elements: T * dFF, inputs: [up], outputs: [act] });
    }
    const w2 = tensor(`${L}.w2`, [dFF, d], "weight");
    const down = tensor(`${L}.ffn`, [B, nq, d], "activation");
    ops.push({ id: `${L}.ffn_down`, layer, kind: "matmul", m: T, n: d, k: dFF, batchCount: 1, inputs: [act, w2], outputs: [down] });
    const res2 = tensor(`${L}.res2`, [B, nq, d], "activation");
    ops.push({ id: `${L}.add2`, layer, kind: "elementwise", fn: "add", elements: T * d, inputs: [afterAttn, down], outputs: [res2] });

    x = shape.normPlacement === "post" ? norm(layer, `${L}.ln2`, res2) : res2;
  }
  if (shape.normPlacement === "pre" && layers > 0) norm(layers, "final.ln", x);

  return { version: TRACE_VERSION, model: shape, tensors, ops };
}
