/**
 * One training step as a trace, from the model's forward trace (built with phase train: no KV
 * cache). In order:
 *
 *   embedding     token rows gathered from the vocabulary table, plus learned positions (BERT and
 *                 GPT-2; Llama's rotary positions and Mamba have no table), BERT's embedding norm,
 *                 dropout
 *   forward       the model's ops, with dropout (Srivastava et al. 2014) where the models train with
 *                 it: on the attention probabilities and on each residual branch before its add
 *   loss          lm: logits over the vocabulary for every token (tied to the token table for BERT,
 *                 GPT-2 and Mamba), softmax and the target's log-probability; classifier: the first
 *                 token's logits; none: a pipeline stage, its output's gradient arrives as an input
 *   backward      reverse mode (autodiff.ts), from d(loss)/d(logits) = softmax - one-hot
 *   optimizer     per parameter tensor (optimizer.ts): unscale (fp16 loss scaling, Micikevicius et
 *                 al. 2018), moments, update of the fp32 master copy, cast back to 16 bits
 *
 * Gradient accumulation over k micro-batches: the forward and backward of micro-batches 1..k-1 run
 * as one block repeated k-1 times, then the last micro-batch's (so communication that follows the
 * last backward, such as a data-parallel all-reduce, overlaps it alone); weight gradients are added
 * into their buffers. Activation checkpointing (checkpointing.ts) recomputes what the forward did
 * not keep.
 */
import { InputError } from "../../common/input-error.js";
import { bytesFor, PRECISIONS, type Precision } from "../precision.js";
import { TraceWriter } from "../trace-writer.js";
import { isResident, type ModelShape, type Op, type TensorSpec, type Trace } from "../trace.js";
import { describeVariant, type VariantChoice } from "../workload-spec.js";
import { MODEL_PRESETS, isModelPreset } from "../model-presets.js";
import { appendBackward, elementsOf } from "./autodiff.js";
import { recomputePlan, type CheckpointMode } from "./checkpointing.js";
import { appendOptimizer, type OptimizerKind } from "./optimizer.js";

export interface TrainingSettings {
  optimizer: OptimizerKind;
  microBatches: number;
  checkpointing: CheckpointMode;
  /** Full checkpointing: layers per segment. */
  every: number;
  dropout: number;
  /** fp32 master weights (and the cast back) for 16-bit parameters. */
  masterWeights: boolean;
  head: "lm" | "classifier" | "none";
  classes: number;
}

/** The settings of a `train` choice (the variant registry's keys), with the model's defaults filled in. */
export function trainingSettings(choice: VariantChoice, shape: ModelShape): TrainingSettings {
  const p = choice.params as { microBatches: number; checkpointing: CheckpointMode; every: number; dropout: number; master: string; head: string; classes: number };
  const preset = isModelPreset(shape.name) ? MODEL_PRESETS[shape.name] : undefined;
  const vocab = preset && "vocab" in preset ? preset.vocab : undefined;
  const head = p.head === "auto" ? (vocab !== undefined && shape.causal ? "lm" : "classifier") : (p.head as TrainingSettings["head"]);
  return {
    optimizer: choice.kind as OptimizerKind, microBatches: p.microBatches, checkpointing: p.checkpointing, every: p.every,
    dropout: p.dropout >= 0 ? p.dropout : (preset && "dropout" in preset ? preset.dropout : 0),
    masterWeights: p.master === "fp32", head, classes: p.classes,
  };
}

/** The model with its embedding, dropout and loss (the ops the backward differentiates), and where the backward starts. */
interface Frame {
  w: TraceWriter;
  forward: Op[];
  seed: { tensor: string; gradient: string };
  /** The model's input when nothing here makes it (a later pipeline stage). */
  input?: string;
}

const isFloat = (p: Precision) => PRECISIONS[p].family === "float";

export function buildTrainingTrace(forward: Trace, choice: VariantChoice, where = "<workload>"): Trace {
  return buildTrainingStage(forward, choice, WHOLE_MODEL, where).trace;
}

/** How a training step is cut when it runs over several devices (workloads/parallel/). */
export interface StageContext {
  /** The stage makes the model's input from tokens (the first pipeline stage). */
  embed: boolean;
  /** The stage ends in the loss (the last stage); else its output's gradient arrives from the next. */
  loss: boolean;
  /** Tensor parallelism splits the vocabulary table and the LM head (Megatron-LM's vocab-parallel embedding). */
  vocabShards: number;
  /** Micro-batches in this trace (a pipeline schedules them itself: 1), default the settings'. */
  microBatches?: number;
}

export const WHOLE_MODEL: StageContext = { embed: true, loss: true, vocabShards: 1 };

/** A training step's trace and, for a pipeline stage, the tensors it exchanges with its neighbours. */
export interface TrainingStage {
  trace: Trace;
  settings: TrainingSettings;
  /** Forward ops end here (before the loss's gradient or the backward). */
  forwardOps: number;
  /** A stage input made by another stage, and the tensor holding its gradient (to send back). */
  input?: { tensor: string; gradient: string };
  /** The stage's output and the (received) tensor holding its gradient, when it has no loss. */
  output?: { tensor: string; gradient: string };
}

export function buildTrainingStage(forward: Trace, choice: VariantChoice, context: StageContext, where = "<workload>"): TrainingStage {
  const settings = trainingSettings(choice, forward.model);
  if (!context.loss) settings.head = "none";
  const microBatches = context.microBatches ?? settings.microBatches;
  const act = forward.tensors.find((t) => t.role === "activation")?.precision ?? "fp16";
  if (!isFloat(act) || forward.tensors.some((t) => t.role === "weight" && !isFloat(t.precision))) {
    throw new InputError(where, { path: "/precision", expected: "float weights and activations for training (fp32, fp16 or bf16; mixed precision keeps fp32 master weights)", found: act });
  }
  const frame = frameOf(forward, settings, context, where);
  const plan = recomputePlan(frame.forward, settings.checkpointing, settings.every, frame.w.tensors);
  const input = frame.input;
  const { gradients, inputGradients } = appendBackward(frame.w, frame.forward, {
    seed: frame.seed, recompute: plan, accumulate: microBatches > 1, ...(input ? { inputs: [input] } : {}),
  });
  const step = frame.w.ops.splice(0, frame.w.ops.length);
  const w = frame.w;
  if (microBatches > 1) w.ops.push(...accumulationBlock(step, w, microBatches - 1));
  const forwardOps = w.ops.length + frame.forward.length;
  w.ops.push(...step);
  appendOptimizer(w, gradients, settings.optimizer, settings.masterWeights);
  const model: ModelShape = {
    ...forward.model,
    phase: "train",
    variants: { ...forward.model.variants, train: describeVariant(choice) },
  };
  const inputGradient = input ? inputGradients.get(input) : undefined;
  return {
    trace: { version: forward.version, model, tensors: w.tensors, ops: w.ops }, settings, forwardOps,
    ...(input && inputGradient ? { input: { tensor: input, gradient: inputGradient } } : {}),
    ...(settings.head === "none" ? { output: frame.seed } : {}),
  };
}

/** Embedding, the model's forward with dropout, and the loss: the ops the backward differentiates. */
function frameOf(trace: Trace, s: TrainingSettings, context: StageContext, where: string): Frame {
  const w = new TraceWriter();
  w.tensors.push(...trace.tensors);
  const m = trace.model;
  const preset = isModelPreset(m.name) ? MODEL_PRESETS[m.name] : undefined;
  const spec = new Map(trace.tensors.map((t) => [t.name, t]));
  const tensor = (name: string, shape: number[], precision: Precision, role: TensorSpec["role"] = "activation") => {
    w.tensor(name, shape, role, precision);
    spec.set(name, w.tensors.at(-1)!);
    return name;
  };
  const produced = new Set(trace.ops.flatMap((o) => o.outputs));
  const input = trace.ops[0]?.inputs.find((t) => spec.get(t)?.role === "activation" && !produced.has(t));
  const act: Precision = (input !== undefined ? spec.get(input)?.precision : undefined) ?? trace.tensors.find((t) => t.role === "activation")!.precision;
  const weightPrecision = trace.tensors.find((t) => t.role === "weight")?.precision ?? act;
  const T = m.batch * m.seqLen;
  const hiddenShape = [m.batch, m.seqLen, m.dModel];
  /** Dropout of x into y, with its one-byte keep mask (a boolean per element, as PyTorch stores it and Korthikanti et al. count it). */
  const dropout = (x: string, y: string, layer: number) => {
    const like = spec.get(x)!;
    const mask = tensor(`${x}.mask`, like.shape, "int8");
    w.op({ id: `${x}.dropout`, layer, kind: "elementwise", fn: "dropout", elements: elementsOf(like), inputs: [x], outputs: [y, mask] });
  };

  // Embedding: when the model reads tokens, its input tensor is made from them. The chain's last
  // op writes the model's input.
  const vocab = preset && "vocab" in preset ? Math.ceil(preset.vocab / context.vocabShards) : undefined;
  let table: string | undefined;
  if (vocab !== undefined && input !== undefined && context.embed) {
    const tokens = tensor("tokens", [m.batch, m.seqLen], "int32");
    const vocabTable = tensor("embed.tokens", [vocab, m.dModel], weightPrecision, "weight");
    table = vocabTable;
    const steps: ((x: string, out: string) => void)[] = [
      (_, out) => w.op({ id: "embed.gather", layer: -1, kind: "gather", rows: T, cols: m.dModel, inputs: [vocabTable, tokens], outputs: [out] }),
    ];
    if (preset && "positions" in preset && preset.positions === "learned") {
      // The model's whole table (its longest sequence), of which the step reads the first s rows.
      const positions = tensor("embed.positions", [Math.max(m.seqLen, preset.maxSeqLen), m.dModel], weightPrecision, "weight");
      steps.push((x, out) => w.op({ id: "embed.add_positions", layer: -1, kind: "elementwise", fn: "add", elements: T * m.dModel, inputs: [x, positions], outputs: [out] }));
    }
    if (m.normPlacement === "post") {
      // BERT normalises its embeddings (Devlin et al. 2019, the released model).
      const norm = [tensor("embed.ln.gamma", [m.dModel], weightPrecision, "weight"), ...(m.norm === "layer" ? [tensor("embed.ln.beta", [m.dModel], weightPrecision, "weight")] : [])];
      steps.push((x, out) => w.op({ id: "embed.ln", layer: -1, kind: "layernorm", rows: T, cols: m.dModel, norm: m.norm, inputs: [x, ...norm], outputs: [out] }));
    }
    if (s.dropout > 0) steps.push((x, out) => dropout(x, out, -1));
    let x = "";
    steps.forEach((step, i) => {
      const out = i === steps.length - 1 ? input : tensor(`embed.${i}`, hiddenShape, act);
      step(x, out);
      x = out;
    });
  }

  // The model's ops, with dropout on the attention probabilities and on residual branches.
  const consumers = new Map<string, Op[]>();
  for (const op of trace.ops) for (const t of op.inputs) (consumers.get(t) ?? consumers.set(t, []).get(t)!).push(op);
  const branch = new Set<string>();
  for (const op of trace.ops) if (/\.add[12]$/.test(op.id) && op.inputs[1]) branch.add(op.inputs[1]);
  const rename = new Map<string, string>();
  for (const op of trace.ops) {
    w.op({ ...op, inputs: op.inputs.map((t) => rename.get(t) ?? t) } as Op);
    const out = op.outputs[0]!;
    const probs = op.kind === "softmax" && (consumers.get(out) ?? []).some((c) => c.kind === "matmul" && c.inputs[0] === out);
    if (s.dropout > 0 && (probs || branch.has(out))) {
      const like = spec.get(out)!;
      const y = tensor(`${out}.drop`, like.shape, like.precision);
      dropout(out, y, op.layer);
      rename.set(out, y);
    }
  }

  // The loss.
  const last = trace.ops.at(-1)!.outputs[0]!;
  const hidden = rename.get(last) ?? last;
  const stageInput = input !== undefined && !context.embed ? input : undefined;
  if (s.head === "none") {
    const like = spec.get(hidden)!;
    return { w, forward: [...w.ops], seed: { tensor: hidden, gradient: tensor(`d.${hidden}`, like.shape, like.precision) }, ...(stageInput ? { input: stageInput } : {}) };
  }
  const lm = s.head === "lm";
  if (lm && vocab === undefined) throw new InputError(where, { path: "/train/head", expected: "a classifier head (this model has no token vocabulary)", found: "lm" });
  const rows = lm ? T : m.batch;
  const classes = lm ? vocab! : s.classes;
  let features = hidden;
  if (!lm) {
    features = tensor("head.first", [m.batch, m.dModel], act);
    w.op({ id: "head.first_token", layer: m.layers, kind: "gather", rows: m.batch, cols: m.dModel, inputs: [hidden], outputs: [features] });
  }
  const tied = lm && table !== undefined && preset !== undefined && "tiedEmbedding" in preset && preset.tiedEmbedding;
  // A tied head reads the token table as B (d x V): the table's transpose, the same bytes.
  const headWeight = tied ? table! : tensor("head.w", [m.dModel, classes], weightPrecision, "weight");
  const logits = tensor("head.logits", [rows, classes], act);
  w.op({ id: "head.logits", layer: m.layers, kind: "matmul", m: rows, n: classes, k: m.dModel, batchCount: 1, inputs: [features, headWeight], outputs: [logits] });
  const probs = tensor("loss.probs", [rows, classes], act);
  w.op({ id: "loss.softmax", layer: m.layers, kind: "softmax", rows, cols: classes, batchCount: 1, inputs: [logits], outputs: [probs] });
  const targets = tensor("loss.targets", [rows], "int32");
  const loss = tensor("loss.value", [rows], "fp32");
  w.op({ id: "loss.nll", layer: m.layers, kind: "gather", rows, cols: 1, inputs: [probs, targets], outputs: [loss] });
  const forwardOps = [...w.ops];
  // d(cross-entropy)/d(logits) = softmax - one-hot: one pass over the probabilities.
  const dLogits = tensor("d.head.logits", [rows, classes], act);
  w.op({ id: "loss.grad", layer: m.layers, kind: "elementwise", fn: "add", elements: rows * classes, inputs: [probs], outputs: [dLogits], pass: "backward" });
  return { w, forward: forwardOps, seed: { tensor: logits, gradient: dLogits }, ...(stageInput ? { input: stageInput } : {}) };
}

/**
 * Micro-batches 1..k of gradient accumulation: the step's ops with every non-resident tensor and
 * every op renamed (`~acc`), repeated `count` times. Resident tensors (weights, gradient buffers)
 * are shared, so the copies accumulate into the same gradients.
 */
function accumulationBlock(ops: Op[], w: TraceWriter, count: number): Op[] {
  const resident = new Set(w.tensors.filter((t) => isResident(t.role)).map((t) => t.name));
  const renamed = new Map<string, string>();
  const name = (t: string) => {
    if (resident.has(t)) return t;
    let r = renamed.get(t);
    if (!r) {
      r = `${t}~acc`;
      renamed.set(t, r);
    }
    return r;
  };
  const copies = ops.map((op) => ({ ...op, id: `${op.id}~acc`, inputs: op.inputs.map(name), outputs: op.outputs.map(name), repeat: { count } }) as Op);
  const byName = new Map(w.tensors.map((t) => [t.name, t]));
  for (const [from, to] of renamed) {
    const t = byName.get(from)!;
    w.tensors.push({ ...t, name: to } as TensorSpec);
  }
  return copies;
}

/** Bytes of the tensors the forward keeps for the backward, by the layer of the op that produced them. */
export function storedActivations(trace: Trace): { bytes: number; byLayer: Map<number, number> } {
  const producer = new Map<string, Op>();
  for (const op of trace.ops) for (const t of op.outputs) if (!producer.has(t)) producer.set(t, op);
  const spec = new Map(trace.tensors.map((t) => [t.name, t]));
  const kept = new Set<string>();
  for (const op of trace.ops) {
    if (op.pass !== "backward" && op.pass !== "recompute") continue;
    for (const t of op.inputs) {
      const p = producer.get(t);
      const tensor = spec.get(t)!;
      // Kept in memory: not resident, not inside the units (fused attention), one micro-batch's.
      if (p && (p.pass ?? "forward") === "forward" && !isResident(tensor.role) && !tensor.onChip && !t.endsWith("~acc")) kept.add(t);
    }
  }
  const byLayer = new Map<number, number>();
  let bytes = 0;
  for (const t of kept) {
    const s = spec.get(t)!;
    const b = bytesFor(elementsOf(s), s.precision);
    bytes += b;
    const layer = producer.get(t)!.layer;
    byLayer.set(layer, (byLayer.get(layer) ?? 0) + b);
  }
  return { bytes, byLayer };
}
