/**
 * A workload split over devices: one trace per pipeline stage, for one device of that stage (the
 * data-, tensor- and expert-parallel ranks of a stage do the same work), with the collectives each
 * kind of parallelism needs written into it at the op where they happen:
 *
 *   tensor    each layer's heads and FFN width divided by t (buildForwardTrace's shard); the output
 *             projection and the FFN's down projection produce partial sums, all-reduced in the
 *             forward; the QKV and FFN up projections' input gradients are partial sums, all-reduced
 *             in the backward (Megatron-LM's g and f operators, Shoeybi et al. 2019, sec. 3: two
 *             all-reduces per layer each way). The vocabulary table and the LM head are split too:
 *             the embedding's rows are all-reduced, and the head's input gradient
 *   pipeline  layers split into p stages of L/p; a stage receives its input and sends its output
 *             (and, training, sends its input's gradient back and receives its output's)
 *   data      training: every gradient is all-reduced over the d replicas, per layer, right after
 *             the layer's last weight gradient of the last micro-batch, so it overlaps the backward
 *             of the layers below (PyTorch DDP's gradient buckets, Li et al., VLDB 2020)
 *   expert    a mixture-of-experts layer's experts spread over e devices (GShard, Lepikhin et al.
 *             2021): tokens go to their experts and come back by all-to-all, each way; expert
 *             gradients are all-reduced over d / e replicas instead of d
 *
 * Training with one stage accumulates its micro-batches in the trace (workloads/training/); with
 * several, each trace holds one micro-batch and the pipeline schedule (sim/system-sim.ts) repeats
 * it. The input tokens (and the loss's targets) arrive over the host link.
 *
 * Ranks are numbered with tensor fastest, then data, then pipeline (Megatron-LM's order), so a
 * group's members per node follow from the node size (`perNode` of its collectives).
 */
import { InputError } from "../../common/input-error.js";
import { bytesFor } from "../precision.js";
import { buildForwardTrace, buildOptionsOf, trainChoice, type BuildOptions } from "../transformer-builder.js";
import { isResident, TRACE_VERSION, type Op, type TensorSpec, type Trace } from "../trace.js";
import { resolveVariant, type WorkloadSpec } from "../workload-spec.js";
import type { CollectiveKind, CollectiveOp } from "../collective.js";
import { buildTrainingStage, type TrainingSettings } from "../training/training-trace.js";
import { weightLayer } from "../training/optimizer.js";
import { elementsOf } from "../training/autodiff.js";
import type { Parallelism } from "./parallelism.js";

export interface StageWorkload {
  stage: number;
  /** Layers [first, last) of the model this stage runs. */
  layers: [number, number];
  trace: Trace;
  /** Training over several stages: the trace without its step tail (gradient all-reduce, optimizer): one micro-batch's forward and backward. */
  microBatch?: Trace;
}

export interface ParallelWorkload {
  parallelism: Parallelism;
  training: boolean;
  /** Micro-batches per step per data-parallel replica (training; 1 for inference). */
  microBatches: number;
  /** Sequences per micro-batch per replica, and per step over the whole system. */
  batch: number;
  sequencesPerStep: number;
  /** Tokens per step over the whole system. */
  tokensPerStep: number;
  stages: StageWorkload[];
  settings?: TrainingSettings;
}

const WHERE = { file: "<parallel>", path: "" };

/** Where the devices sit: devices per node (groups' members per node), and whether inputs come over a host link. */
export interface Placement {
  devicesPerNode: number;
  hostLink: boolean;
}

export function partitionWorkload(spec: WorkloadSpec, p: Parallelism, placement: Placement, where = "<workload>"): ParallelWorkload {
  if (spec.operator) throw new InputError(where, { path: "/operator", expected: "a model to split over devices (an operator runs on one)", found: spec.model });
  const training = spec.phase === "train";
  const options: BuildOptions = buildOptionsOf(spec);
  const at = (key: keyof Parallelism) => ({ path: `/parallelism/${key}` });
  if (p.expert > 1) {
    if (spec.ffn?.kind !== "moe") throw new InputError(where, { ...at("expert"), expected: "expert parallelism with a mixture-of-experts FFN (ffn: moe)", found: String(p.expert) });
    const experts = spec.ffn.params.experts as number;
    if (experts % p.expert !== 0 || p.data % p.expert !== 0) {
      throw new InputError(where, { ...at("expert"), expected: `a divisor of the experts (${experts}) and of the data-parallel degree (${p.data})`, found: String(p.expert) });
    }
    // Each device holds experts / e of them; its tokens per expert stay the global ones.
    options.ffn = resolveVariant("ffn", "moe", { ...spec.ffn.params, experts: experts / p.expert }, WHERE);
  }
  const forward = buildForwardTrace(spec.model, options, where, p.tensor);
  const layers = forward.model.layers;
  if (p.pipeline > layers) throw new InputError(where, { ...at("pipeline"), expected: `at most one stage per layer (${layers})`, found: String(p.pipeline) });
  const choice = training ? trainChoice(options) : undefined;
  const groups = groupShapes(p, placement.devicesPerNode);
  const host = placement.hostLink;
  const stages: StageWorkload[] = [];
  let settings: TrainingSettings | undefined;
  for (let s = 0; s < p.pipeline; s++) {
    const first = Math.floor((s * layers) / p.pipeline), last = Math.floor(((s + 1) * layers) / p.pipeline);
    const sub = stageSlice(forward, first, last, s === 0, s === p.pipeline - 1);
    if (!training) {
      stages.push({ stage: s, layers: [first, last], trace: withCollectives(sub, { p, groups, host, stage: s, training: false }) });
      continue;
    }
    const built = (microBatches: number) => buildTrainingStage(sub, choice!, { embed: s === 0, loss: s === p.pipeline - 1, vocabShards: p.tensor, microBatches }, where);
    const step = built(p.pipeline > 1 ? 1 : (choice!.params.microBatches as number));
    settings = step.settings;
    const exchange = { input: step.input, output: step.output, forwardOps: step.forwardOps };
    const trace = withCollectives(step.trace, { p, groups, host, stage: s, training: true, exchange, dataParallel: true });
    const microBatch = p.pipeline > 1 ? withCollectives(withoutTail(step.trace), { p, groups, host, stage: s, training: true, exchange, dataParallel: false }) : undefined;
    stages.push({ stage: s, layers: [first, last], trace, ...(microBatch ? { microBatch } : {}) });
  }
  const microBatches = training ? (choice!.params.microBatches as number) : 1;
  const batch = forward.model.batch;
  const tokens = forward.model.phase === "decode" ? batch * (spec.generate ?? 1) : batch * forward.model.seqLen;
  return {
    parallelism: p, training, microBatches, batch, sequencesPerStep: batch * microBatches * p.data, tokensPerStep: tokens * microBatches * p.data,
    stages, ...(settings ? { settings } : {}),
  };
}

/** Members of each kind of group on one node, ranks numbered tensor, then data, then pipeline. */
function groupShapes(p: Parallelism, devicesPerNode: number): Record<"tensor" | "data" | "expert" | "pipeline", number> {
  const within = (size: number, stride: number) => Math.max(1, Math.min(size, Math.floor(devicesPerNode / stride)));
  return { tensor: within(p.tensor, 1), data: within(p.data, p.tensor), expert: within(p.expert, p.tensor), pipeline: within(p.pipeline, p.tensor * p.data) };
}

/** The ops of layers [first, last) (with the embedding on the first stage and the final norm and head on the last), and the tensors they use. */
function stageSlice(trace: Trace, first: number, last: number, isFirst: boolean, isLast: boolean): Trace {
  const L = trace.model.layers;
  const ops = trace.ops.filter((o) => (o.layer >= first && o.layer < last) || (isFirst && o.layer < 0) || (isLast && o.layer >= L));
  const used = new Set(ops.flatMap((o) => [...o.inputs, ...o.outputs]));
  return { ...trace, tensors: trace.tensors.filter((t) => used.has(t.name)), ops };
}

/** A training trace without its tail: the gradient all-reduce and the optimizer (the micro-batch a pipeline repeats). */
function withoutTail(trace: Trace): Trace {
  const ops = trace.ops.filter((o) => o.pass !== "optimizer");
  return { ...trace, ops };
}

interface Exchange {
  input?: { tensor: string; gradient: string };
  output?: { tensor: string; gradient: string };
  forwardOps: number;
}

interface Plan {
  p: Parallelism;
  groups: Record<"tensor" | "data" | "expert" | "pipeline", number>;
  /** Inputs arrive over the host link (else they are in memory already). */
  host: boolean;
  stage: number;
  training: boolean;
  exchange?: Exchange;
  /** Add the data-parallel gradient all-reduce. */
  dataParallel?: boolean;
}

// Op ids of the transformer builder and of autodiff (workloads/transformer-layer.ts, training/):
// with the `@rc` of a recompute and the `~acc` of a gradient-accumulation copy.
const SUFFIX = "(@rc)?(~acc)?$";
const ROW_PARALLEL = new RegExp(`^(gen\\.)?L\\d+\\.(o|ffn_down|experts\\.ffn_down)${SUFFIX}`);
const COLUMN_PARALLEL_GRAD = new RegExp(`^L\\d+\\.(qkv|ffn_up|experts\\.ffn_up)\\.dA${SUFFIX}`);
const EXPERT_DISPATCH = new RegExp(`^L\\d+\\.(dispatch|experts\\.ffn_down)${SUFFIX}`);
const EXPERT_DISPATCH_GRAD = new RegExp(`^L\\d+\\.(combine\\.grad|experts\\.ffn_up\\.dA)${SUFFIX}`);
const VOCAB_PARALLEL = new RegExp(`^embed\\.gather${SUFFIX}`);
const VOCAB_PARALLEL_GRAD = new RegExp(`^head\\.logits\\.dA${SUFFIX}`);

/**
 * The trace with its collectives: each goes right after the op whose output it exchanges, and the
 * ops after it read the exchanged tensor instead.
 */
function withCollectives(trace: Trace, plan: Plan): Trace {
  const { p, groups } = plan;
  const tensors = [...trace.tensors];
  const spec = new Map(tensors.map((t) => [t.name, t]));
  const bytesOf = (name: string) => {
    const t = spec.get(name)!;
    return bytesFor(elementsOf(t), t.precision);
  };
  const ops: Op[] = [];
  const rename = new Map<string, string>();
  const collective = (after: Op, kind: CollectiveKind, group: number, perNode: number, tensor: string, tag: string): void => {
    const out = `${tensor}+${tag}`;
    const t = { ...spec.get(tensor)!, name: out };
    tensors.push(t);
    spec.set(out, t);
    const op: CollectiveOp = {
      id: `${after.id}.${tag}`, layer: after.layer, kind: "collective", collective: kind, bytes: bytesOf(tensor), group, perNode,
      inputs: [tensor], outputs: [out], ...(after.pass ? { pass: after.pass } : {}), ...(after.repeat ? { repeat: { count: after.repeat.count } } : {}),
    };
    ops.push(op);
    rename.set(tensor, out);
  };
  const point = (op: Op, kind: "send" | "recv", tensor: string, tag: string, produce: boolean) => {
    const sameNode = groups.pipeline > 1;
    const c: CollectiveOp = {
      id: `pp.${tag}`, layer: op.layer, kind: "collective", collective: kind, bytes: bytesOf(tensor), group: 2, perNode: sameNode ? 2 : 1,
      inputs: produce ? [] : [rename.get(tensor) ?? tensor], outputs: produce ? [tensor] : [`${tensor}+sent`], ...(op.pass ? { pass: op.pass } : {}),
    };
    if (!produce) {
      // A send's output is only its completion (one byte): the data leaves the device.
      const sent: TensorSpec = { name: `${tensor}+sent`, shape: [1], precision: "int8", role: "activation" };
      tensors.push(sent);
      spec.set(sent.name, sent);
    }
    ops.push(c);
  };

  // Inputs from the host (tokens, targets) and from the previous stage.
  const produced = new Set(trace.ops.flatMap((o) => o.outputs));
  const first = trace.ops[0]!;
  for (const t of plan.host ? tensors : []) {
    if (produced.has(t.name) || t.role !== "activation" || t.precision !== "int32" || !/^(tokens|loss\.targets)(~acc)?$/.test(t.name)) continue;
    const reader = trace.ops.find((o) => o.inputs.includes(t.name));
    ops.push({
      id: `host.${t.name}`, layer: -1, kind: "collective", collective: "host-transfer", bytes: bytesOf(t.name), group: 1, inputs: [], outputs: [t.name],
      ...(reader?.repeat ? { repeat: { count: reader.repeat.count } } : {}),
    });
  }
  const stageInput = plan.exchange?.input?.tensor ?? (plan.stage > 0 ? trace.ops[0]!.inputs.find((t) => spec.get(t)?.role === "activation" && !produced.has(t)) : undefined);
  if (plan.stage > 0 && stageInput) point(first, "recv", stageInput, "recv.input", true);
  const lastStage = plan.stage === p.pipeline - 1;

  // Data parallelism: where each layer's gradients are complete (the last op of the last
  // micro-batch writing one of them).
  const bucketAfter = new Map<number, { layer: number; grads: string[]; experts: boolean }[]>();
  if (plan.training && plan.dataParallel && p.data > 1) {
    const lastWrite = new Map<string, number>();
    trace.ops.forEach((op, i) => {
      if (op.pass === "optimizer" || op.id.endsWith("~acc")) return;
      for (const t of op.outputs) if (spec.get(t)?.role === "gradient") lastWrite.set(t, i);
    });
    const buckets = new Map<string, { layer: number; grads: string[]; experts: boolean; at: number }>();
    for (const [g, i] of lastWrite) {
      const experts = g.includes(".experts.");
      const key = `${weightLayer(g)}|${experts}`;
      const b = buckets.get(key) ?? { layer: weightLayer(g), grads: [], experts, at: -1 };
      b.grads.push(g);
      b.at = Math.max(b.at, i);
      buckets.set(key, b);
    }
    for (const b of buckets.values()) (bucketAfter.get(b.at) ?? bucketAfter.set(b.at, []).get(b.at)!).push(b);
  }

  trace.ops.forEach((original, i) => {
    const op = { ...original, inputs: original.inputs.map((t) => rename.get(t) ?? t) } as Op;
    ops.push(op);
    const out = op.outputs[0]!;
    if (p.tensor > 1) {
      if (ROW_PARALLEL.test(op.id) || COLUMN_PARALLEL_GRAD.test(op.id) || VOCAB_PARALLEL.test(op.id) || VOCAB_PARALLEL_GRAD.test(op.id)) {
        collective(op, "all-reduce", p.tensor, groups.tensor, out, "tp");
      }
    }
    if (p.expert > 1 && (EXPERT_DISPATCH.test(op.id) || EXPERT_DISPATCH_GRAD.test(op.id))) {
      collective(op, "all-to-all", p.expert, groups.expert, rename.get(out) ?? out, "ep");
    }
    if (plan.exchange && !lastStage && i === plan.exchange.forwardOps - 1 && plan.exchange.output) {
      // The forward is done: send the output on, then wait for its gradient.
      point(op, "send", plan.exchange.output.tensor, "send.output", false);
      point(op, "recv", plan.exchange.output.gradient, "recv.output-gradient", true);
    }
    if (!plan.training && !lastStage && i === trace.ops.length - 1) point(op, "send", out, "send.output", false);
    if (plan.exchange?.input && op.outputs.includes(plan.exchange.input.gradient)) point(op, "send", plan.exchange.input.gradient, "send.input-gradient", false);
    for (const b of bucketAfter.get(i) ?? []) {
      const group = b.experts ? p.data / p.expert : p.data;
      if (group <= 1) continue;
      const bytes = b.grads.reduce((s, g) => s + bytesOf(g), 0);
      ops.push({
        id: `dp.L${b.layer}${b.experts ? ".experts" : ""}.all-reduce`, layer: b.layer, kind: "collective", collective: "all-reduce", bytes, group,
        perNode: Math.min(group, groups.data), inputs: b.grads, outputs: b.grads, pass: "backward",
      });
    }
  });
  // The tensors the ops use (a stage's slice leaves some of the model's behind), and every resident one.
  const used = new Set(ops.flatMap((o) => [...o.inputs, ...o.outputs]));
  return { version: TRACE_VERSION, model: trace.model, tensors: tensors.filter((t) => isResident(t.role) || used.has(t.name)), ops };
}
