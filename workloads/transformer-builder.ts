/**
 * Builds a whole-model trace from a workload spec: a model preset's shape plus its variants.
 * Per layer: the fused QKV projection, the attention core (variants/attention.ts), the output
 * projection, residual adds, norms and the FFN (variants/ffn.ts), with weights, activations and KV
 * cache as tensors at the precisions the policy gives (variants/precision-policy.ts).
 *
 * MACs per layer, dense, prefill, T = batch x n tokens (Vaswani et al. 2017):
 *   QKV + O projections  T d (h + 2 kvh) dh + T (h dh) d     (= 4 T d^2 for multi-head attention)
 *   QK^T and AV          2 batch h n^2 dh                    (= 2 n^2 d per sequence)
 *   FFN                  2 T d dFF (GELU) or 3 T d dFF (SwiGLU: gate, up and down)
 * Decode: one new token per sequence attends over contextLen cached tokens plus itself.
 * Token pruning (SpAtten, Wang et al. HPCA 2021): layer l >= start sees n keep^(l-start+1) tokens
 * and h heads^(l-start+1) heads; the layer before computes token importance (column sums of its
 * attention probabilities), selects the top tokens and gathers them.
 * Early exit: ops of layer l carry P(reach l) = 1 - sum of the exit probabilities before l, and
 * each exit point runs a classifier on the first token.
 * Generation: the prefill, then one decode step's ops repeated `generate` times, the key length
 * growing by one per step (ops carry `repeat`), so the trace stays one step long on disk.
 */
import { buildOperatorTrace } from "./operator.js";
import { MODEL_PRESETS, isModelPreset, MODEL_PRESET_NAMES, type ModelPresetName } from "./model-presets.js";
import type { ModelDefinition } from "./model-config.js";
import { TRACE_VERSION, type ModelShape, type Phase, type Trace } from "./trace.js";
import type { Precision } from "./precision.js";
import { InputError } from "../common/input-error.js";
import { TraceWriter } from "./trace-writer.js";
import { describeVariant, resolveVariant, SHAPE_OVERRIDE_KEYS, type ShapeOverrides, type VariantChoice, type WorkloadSpec } from "./workload-spec.js";
import { precisionPolicy } from "./variants/precision-policy.js";
import { PREFILL_ONLY_ATTENTION } from "./variants/attention.js";
import { Builder, type LayerPlan } from "./transformer-layer.js";
import { buildFamilyTrace } from "./models/families.js";
import { buildTrainingTrace } from "./training/training-trace.js";

export interface TracePrecision {
  weights: Precision;
  activations: Precision;
}

/** Options of the programmatic builder (the CLI and YAML go through WorkloadSpec). */
export interface BuildOptions {
  seqLen?: number;
  batch?: number;
  phase?: Phase;
  contextLen?: number;
  kvHeads?: number;
  generate?: number;
  precision?: Precision | TracePrecision | VariantChoice;
  attention?: VariantChoice;
  tokens?: VariantChoice;
  exit?: VariantChoice;
  ffn?: VariantChoice;
  /** phase train: the optimizer and the step's settings (default adamw). */
  train?: VariantChoice;
  /** A model from data (a config.json, workloads/model-config.ts) instead of the preset the name gives. */
  definition?: ModelDefinition;
  /** Shape fields that replace the model's own (sweepable as workload.layers, workload.dModel, ...). */
  shape?: ShapeOverrides;
}

export const DEFAULT_PRECISION: TracePrecision = { weights: "int8", activations: "int8" };
/** Training's default: 16-bit weights and activations (with fp32 master weights: mixed precision, Micikevicius et al. 2018). */
export const DEFAULT_TRAINING_PRECISION: TracePrecision = { weights: "fp16", activations: "fp16" };
const WHERE = { file: "<workload>", path: "" };

/**
 * The model a workload names (a preset, or a definition read from a config.json) with its shape
 * overrides applied. Overriding heads keeps multi-head attention multi-head (KV heads follow) and
 * grouped-query attention's KV heads as they are; image or patch gives the sequence (patches plus
 * class and distillation tokens).
 */
export function resolveModel(name: string, options: Pick<BuildOptions, "definition" | "shape">, where = "<cli>"): ModelDefinition {
  let base: ModelDefinition;
  if (options.definition) base = options.definition;
  else if (isModelPreset(name)) base = { name, ...MODEL_PRESETS[name as ModelPresetName] };
  else throw new InputError(where, { path: "/model", expected: `a model preset: ${MODEL_PRESET_NAMES.join(", ")} (or modelConfig: a config.json)`, found: JSON.stringify(name) });
  const o = options.shape ?? {};
  const given = SHAPE_OVERRIDE_KEYS.filter((k) => o[k] !== undefined);
  if (given.length === 0) return base;
  if (base.family !== "transformer") {
    throw new InputError(where, { path: `/${given[0]}`, expected: "shape fields on a transformer model (this family's shape is fixed by its own builder)", found: `${base.name} (${base.family})` });
  }
  const def: ModelDefinition = { ...base };
  if (o.layers !== undefined) def.layers = o.layers;
  if (o.dModel !== undefined) def.dModel = o.dModel;
  if (o.dFF !== undefined) def.dFF = o.dFF;
  if (o.heads !== undefined) {
    def.heads = o.heads;
    if (base.kvHeads === base.heads) def.kvHeads = o.heads;
  }
  if (def.dModel % def.heads !== 0) {
    throw new InputError(where, { path: o.dModel !== undefined ? "/dModel" : "/heads", expected: `a width divisible by the heads (dModel ${def.dModel}, heads ${def.heads})`, found: `dHead ${def.dModel / def.heads}` });
  }
  if (o.window !== undefined) def.window = o.window;
  if (o.experts !== undefined || o.topk !== undefined) {
    const experts = o.experts ?? base.moe?.experts;
    if (experts === undefined) throw new InputError(where, { path: "/topk", expected: "experts: (a mixture-of-experts FFN) with topk", found: "topk alone on a dense model" });
    const topk = o.topk ?? base.moe?.topk ?? 2;
    if (topk > experts) throw new InputError(where, { path: "/topk", expected: `at most experts (${experts})`, found: String(topk) });
    def.moe = { experts, topk };
  }
  if (o.image !== undefined || o.patch !== undefined) {
    if (!base.vision) throw new InputError(where, { path: o.image !== undefined ? "/image" : "/patch", expected: "a vision model (image and patch sides)", found: base.name });
    const vision = { ...base.vision, image: o.image ?? base.vision.image, patch: o.patch ?? base.vision.patch };
    if (vision.image % vision.patch !== 0) throw new InputError(where, { path: "/patch", expected: `a divisor of the image side (${vision.image})`, found: String(vision.patch) });
    def.vision = vision;
    def.defaultSeqLen = (vision.image / vision.patch) ** 2 + vision.extraTokens;
    def.maxSeqLen = def.defaultSeqLen;
  }
  return def;
}

/**
 * The attention and FFN a model's definition implies when the workload names none: sliding-window
 * attention where the keys outrun the window (within it, dense attention is the same computation),
 * and the model's mixture of experts, routed without dropping (capacity 1: Mixtral routes every
 * token to its top-k experts, Jiang et al. 2024; balanced routing as the moe variant assumes).
 */
function modelVariants(def: ModelDefinition, shape: ModelShape, options: BuildOptions): Pick<BuildOptions, "attention" | "ffn"> {
  const keys = shape.phase === "decode" ? shape.contextLen + 1 : shape.seqLen + (shape.generateTokens ?? 0);
  const attention = options.attention ?? (def.window !== undefined && keys > def.window
    ? resolveVariant("attention", "local", { window: def.window }, WHERE) : undefined);
  const ffn = options.ffn ?? (def.moe ? resolveVariant("ffn", "moe", { experts: def.moe.experts, topk: def.moe.topk, capacity: 1 }, WHERE) : undefined);
  return { attention, ffn };
}

/** Resolve a preset (or definition) plus options into the model shape recorded in the trace. */
export function presetShape(name: string, options: BuildOptions = {}, where = "<cli>"): ModelShape {
  return modelShape(resolveModel(name, options, where), options, where);
}

function modelShape(p: ModelDefinition, options: BuildOptions, where: string): ModelShape {
  const phase = options.phase ?? "prefill";
  const seqLen = options.seqLen ?? (phase === "decode" ? 1 : p.defaultSeqLen);
  const contextLen = options.contextLen ?? (phase === "decode" ? p.defaultSeqLen : 0);
  const shape: ModelShape = {
    name: p.name, layers: p.layers, dModel: p.dModel, heads: p.heads, kvHeads: options.kvHeads ?? p.kvHeads, dHead: p.dModel / p.heads, dFF: p.dFF,
    ffn: p.ffn, norm: p.norm, normPlacement: p.normPlacement, causal: p.causal,
    seqLen, batch: options.batch ?? 1, phase, contextLen,
    ...(options.generate ? { generateTokens: options.generate } : {}),
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
  if (s.generateTokens !== undefined && (s.phase !== "prefill" || !s.causal)) {
    throw new InputError(where, { path: "/generate", expected: "generation after the prefill of a decoder model (gpt2-small, llama2-7b)", found: `${s.name} ${s.phase}` });
  }
}

function toPrecisionChoice(p: BuildOptions["precision"]): VariantChoice {
  if (p === undefined) return resolveVariant("precision", "uniform", { precision: DEFAULT_PRECISION.weights }, WHERE);
  if (typeof p === "string") return resolveVariant("precision", "uniform", { precision: p }, WHERE);
  if ("kind" in p) return p;
  if (p.weights === p.activations) return resolveVariant("precision", "uniform", { precision: p.weights }, WHERE);
  return resolveVariant("precision", "mixed", { rest: p.weights, edge: p.weights, activations: p.activations, scores: p.activations, kv: p.activations }, WHERE);
}

/** Build a trace from a workload spec (CLI, YAML, sweeps). */
export function buildWorkload(spec: WorkloadSpec, where = "<cli>"): Trace {
  if (spec.operator) return buildOperatorTrace(spec.operator);
  return buildPresetTrace(spec.model, buildOptionsOf(spec), where);
}

/** The builder's options for a workload spec (its shape, variants and, for a config model, its definition). */
export function buildOptionsOf(spec: WorkloadSpec): BuildOptions {
  return {
    seqLen: spec.seq, batch: spec.batch, phase: spec.phase, contextLen: spec.context, kvHeads: spec.kvHeads, generate: spec.generate,
    precision: spec.precision, attention: spec.attention, tokens: spec.tokens, exit: spec.exit, ffn: spec.ffn, train: spec.train,
    ...(spec.definition ? { definition: spec.definition } : {}), ...(spec.shape ? { shape: spec.shape } : {}),
  };
}

export function buildPresetTrace(name: string, options: BuildOptions = {}, where = "<cli>"): Trace {
  if (options.phase === "train") return buildTrainingStep(name, options, where);
  if (options.train) throw new InputError(where, { path: "/train", expected: "phase train for a training step's settings", found: options.phase ?? "prefill" });
  const model = resolveModel(name, options, where); // refuses shape fields on the families below
  if (!options.definition && isModelPreset(name) && MODEL_PRESETS[name as ModelPresetName].family !== "transformer") {
    return buildFamilyTrace(name as ModelPresetName, options, toPrecisionChoice(options.precision), where);
  }
  const shape = modelShape(model, options, where);
  return buildTransformerTrace(shape, options.precision, { ...options, ...modelVariants(model, shape, options) }, where);
}

/** One training step (workloads/training/): the model's forward, then backward and optimizer. */
function buildTrainingStep(name: string, options: BuildOptions, where: string): Trace {
  return buildTrainingTrace(buildForwardTrace(name, options, where), trainChoice(options), where);
}

/** The train choice of options (default AdamW with the registry's defaults). */
export function trainChoice(options: BuildOptions): VariantChoice {
  return options.train ?? resolveVariant("train", "adamw", {}, WHERE);
}

/**
 * The model's forward pass, or with phase train the forward a training step differentiates (no KV
 * cache, 16-bit by default); `shard` > 1 builds one tensor-parallel shard of each layer (heads,
 * KV heads and the FFN width divided by it; Shoeybi et al. 2019), which workloads/parallel/ joins
 * with collectives.
 */
export function buildForwardTrace(name: string, options: BuildOptions, where: string, shard = 1): Trace {
  const training = options.phase === "train";
  if (training) {
    for (const key of ["tokens", "exit", "generate", "contextLen"] as const) {
      if (options[key] !== undefined) throw new InputError(where, { path: `/${key === "contextLen" ? "context" : key}`, expected: "no token pruning, early exit, generation or KV cache in a training step", found: String(key) });
    }
  }
  const forwardOptions: BuildOptions = { ...options, precision: options.precision ?? (training ? DEFAULT_TRAINING_PRECISION : undefined), train: undefined };
  const model = resolveModel(name, options, where); // refuses shape fields on the families below
  if (!options.definition && isModelPreset(name) && MODEL_PRESETS[name as ModelPresetName].family !== "transformer") {
    if (shard > 1) throw new InputError(where, { path: "/parallelism/tensor", expected: "tensor parallelism on a transformer (this model's layers are not split)", found: name });
    return buildFamilyTrace(name as ModelPresetName, forwardOptions, toPrecisionChoice(forwardOptions.precision), where);
  }
  const shape = modelShape(model, forwardOptions, where);
  if (shard > 1) {
    for (const [key, value] of [["heads", shape.heads], ["kvHeads", shape.kvHeads], ["dFF", shape.dFF]] as const) {
      if (value % shard !== 0) throw new InputError(where, { path: "/parallelism/tensor", expected: `a divisor of the model's ${key} (${value})`, found: String(shard) });
    }
  }
  const sharded = shard > 1 ? { ...shape, heads: shape.heads / shard, kvHeads: shape.kvHeads / shard, dFF: shape.dFF / shard } : shape;
  return buildTransformerTrace(sharded, forwardOptions.precision, { ...forwardOptions, ...modelVariants(model, shape, forwardOptions) }, where);
}

/** Tokens, keys and heads each layer sees (token and head pruning), prefill or decode. */
function layerPlans(shape: ModelShape, tokens: VariantChoice | undefined): LayerPlan[] {
  const decode = shape.phase === "decode";
  const queries = decode ? 1 : shape.seqLen;
  const keys = decode ? shape.contextLen + 1 : shape.seqLen;
  const g = shape.heads / shape.kvHeads;
  return Array.from({ length: shape.layers }, (_, l) => {
    if (!tokens || tokens.kind !== "prune") return { queries, keys, heads: shape.heads, kvHeads: shape.kvHeads };
    const { keep, start, heads } = tokens.params as { keep: number; start: number; heads: number };
    const depth = l >= start ? l - start + 1 : 0;
    const kvHeads = Math.max(1, Math.round(shape.kvHeads * heads ** depth));
    // Prefill prunes tokens (queries and keys alike); decode prunes the cached keys it reads.
    const keptQueries = decode ? 1 : Math.max(1, Math.round(queries * keep ** depth));
    const keptKeys = decode ? Math.max(1, Math.round(keys * keep ** depth)) : keptQueries;
    return { queries: keptQueries, keys: keptKeys, heads: kvHeads * g, kvHeads };
  });
}

/** P(reach layer l) and the exit points, from an early-exit choice. */
function exitPlan(layers: number, exit: VariantChoice | undefined, where: string): { reach: (l: number) => number; points: { layer: number; probability: number }[]; classes: number } {
  if (!exit) return { reach: () => 1, points: [], classes: 0 };
  const p = exit.params as { layers: number[]; probabilities: number[]; classes: number };
  if (p.layers.length !== p.probabilities.length) {
    throw new InputError(where, { path: "/exit/probabilities", expected: `one probability per exit layer (${p.layers.length})`, found: String(p.probabilities.length) });
  }
  p.layers.forEach((l, i) => {
    if (!Number.isInteger(l) || l < 0 || l > layers - 2 || (i > 0 && l <= p.layers[i - 1]!)) {
      throw new InputError(where, { path: "/exit/layers", expected: `increasing layer indices from 0 to ${layers - 2}`, found: p.layers.join("|") });
    }
  });
  const total = p.probabilities.reduce((a, b) => a + b, 0);
  if (p.probabilities.some((x) => x < 0) || total > 1 + 1e-12) {
    throw new InputError(where, { path: "/exit/probabilities", expected: "probabilities >= 0 summing to at most 1", found: p.probabilities.join("|") });
  }
  const points = p.layers.map((layer, i) => ({ layer, probability: p.probabilities[i]! }));
  return { reach: (l) => 1 - points.filter((e) => e.layer < l).reduce((s, e) => s + e.probability, 0), points, classes: p.classes };
}

export function buildTransformerTrace(
  shape: ModelShape,
  precisionOption: BuildOptions["precision"] = DEFAULT_PRECISION,
  variants: Pick<BuildOptions, "attention" | "tokens" | "exit" | "ffn"> = {},
  where = "<cli>",
): Trace {
  const precisionChoice = toPrecisionChoice(precisionOption);
  const policy = precisionPolicy(precisionChoice);
  const attention = variants.attention ?? resolveVariant("attention", "dense", {}, WHERE);
  const decode = shape.phase === "decode";
  if ((decode || shape.generateTokens) && PREFILL_ONLY_ATTENTION.has(attention.kind)) {
    throw new InputError(where, { path: "/attention", expected: `an attention variant that works token by token (${attention.kind} needs the whole sequence: prefill only)`, found: attention.kind });
  }
  if (shape.generateTokens && (variants.tokens || variants.exit)) {
    throw new InputError(where, { path: "/generate", expected: "generation without token pruning or early exit (not modelled together)", found: "both" });
  }
  const plans = layerPlans(shape, variants.tokens);
  const exits = exitPlan(shape.layers, variants.exit, where);
  const w = new TraceWriter();
  const b = new Builder(w, shape, policy, attention, variants.ffn);

  const cacheLen = shape.seqLen + (shape.generateTokens ?? 0);
  let x = w.tensor("input", [shape.batch, decode ? 1 : shape.seqLen, shape.dModel], "activation", policy.activations);
  for (let layer = 0; layer < shape.layers; layer++) {
    w.weight = exits.reach(layer);
    const next = plans[layer + 1];
    x = b.layer(layer, x, plans[layer]!, {
      prefix: `L${layer}`, decode, growing: false, rowOffset: decode ? shape.contextLen : 0,
      cache: decode ? "read" : shape.causal && shape.phase === "prefill" ? { store: cacheLen } : "none",
      pruneTo: !decode && next && next.queries < plans[layer]!.queries ? next.queries : undefined,
      pruneKeysTo: decode && next && next.keys < plans[layer]!.keys ? next.keys : undefined,
    });
    const exit = exits.points.find((e) => e.layer === layer);
    if (exit) b.exitClassifier(layer, x, exits.classes);
  }
  w.weight = exits.reach(shape.layers);
  if (shape.normPlacement === "pre" && shape.layers > 0) b.norm(shape.layers, "final.ln", x, decode ? 1 : plans[shape.layers - 1]!.queries);

  if (shape.generateTokens) {
    w.weight = 1;
    w.repeat = { count: shape.generateTokens };
    let y = w.tensor("gen.input", [shape.batch, 1, shape.dModel], "activation", policy.activations);
    for (let layer = 0; layer < shape.layers; layer++) {
      y = b.layer(layer, y, { queries: 1, keys: shape.seqLen + 1, heads: shape.heads, kvHeads: shape.kvHeads }, {
        prefix: `gen.L${layer}`, weightPrefix: `L${layer}`, decode: true, growing: true, rowOffset: shape.seqLen, cache: { reuse: `L${layer}.kv` },
      });
    }
    if (shape.normPlacement === "pre") b.norm(shape.layers, "gen.final.ln", y, 1, "final.ln");
    w.repeat = undefined;
  }

  const model: ModelShape = {
    ...shape,
    ...(exits.points.length > 0 ? { exit: { layers: exits.points.map((e) => e.layer), probabilities: exits.points.map((e) => e.probability) } } : {}),
    variants: {
      attention: describeVariant(attention), precision: describeVariant(precisionChoice),
      ...(variants.tokens ? { tokens: describeVariant(variants.tokens) } : {}),
      ...(variants.exit ? { exit: describeVariant(variants.exit) } : {}),
      ...(variants.ffn ? { ffn: describeVariant(variants.ffn) } : {}),
    },
  };
  // A policy's nonlinear precision: softmax and layernorm compute in it (issue 15).
  const nl = policy.nonlinear;
  const ops = nl ? w.ops.map((o) => (o.kind === "softmax" || o.kind === "layernorm" ? { ...o, computePrecision: nl } : o)) : w.ops;
  return { version: TRACE_VERSION, model, tensors: w.tensors, ops };
}

