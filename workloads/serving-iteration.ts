/**
 * One iteration of a serving engine as a trace: the sequences a scheduler batched for this step,
 * each with the query tokens it brings (a whole prompt, a prompt chunk, or one decode token) and
 * the tokens already in its KV cache (its context). Continuous batching runs them as one forward
 * pass (Orca, Yu et al. OSDI 2022; vLLM, Kwon et al. SOSP 2023):
 *
 *   per layer, T = sum of query tokens over the batch
 *     QKV projection, output projection, norms, residual adds, FFN   over T tokens (weights read once)
 *     kv_append        the T new tokens' K and V written into the cache (vLLM's reshape_and_cache)
 *     per sequence i   the attention core of the chosen variant: q_i queries against c_i + q_i keys
 *                      (the first c_i from its cached K/V, a kv-cache tensor; causal from position c_i)
 *     context gather   the sequences' outputs into the T rows the output projection reads
 *
 * The gather stands for the per-sequence attention kernels writing their outputs at each sequence's
 * offset; it costs a copy of T x heads x dHead elements a real kernel does not make (docs/serving.md
 * gives its share). `part: "shared"` leaves out the per-sequence attention (the gather then reads
 * the projection's output): what an iteration costs before any attention, a function of T alone.
 * Embeddings, the LM head and sampling are left out, as in every trace (docs/workloads.md).
 */
import { InputError } from "../common/input-error.js";
import { TraceWriter } from "./trace-writer.js";
import { TRACE_VERSION, type ModelShape, type Trace } from "./trace.js";
import type { PrecisionPolicy } from "./variants/precision-policy.js";
import { Builder } from "./transformer-layer.js";
import { DEFAULT_PRECISION, presetShape } from "./transformer-builder.js";
import { emitAttention, PREFILL_ONLY_ATTENTION } from "./variants/attention.js";
import { precisionPolicy } from "./variants/precision-policy.js";
import { describeVariant, resolveVariant, type VariantChoice, type WorkloadSpec } from "./workload-spec.js";

/** One sequence of an iteration: the tokens it computes now and the tokens already cached. */
export interface IterationSequence {
  queries: number;
  context: number;
}

export interface IterationOptions {
  /** Tokens that go through the shared ops only, without an attention core (default 0). */
  sharedTokens?: number;
  /** Build only the first this many layers (identical layers cost the same: the serving cost model extrapolates). */
  layers?: number;
}

const WHERE = { file: "<serving>", path: "" };
/** Workload keys that describe a single inference's shape: a serving iteration takes its shape from the batch. */
const SHAPE_KEYS = ["seq", "batch", "phase", "context", "generate", "tokens", "exit", "operator"] as const;

/** Check that a workload spec can describe a served model (a decoder preset and its variants). */
export function checkServedModel(spec: WorkloadSpec, where = WHERE): void {
  for (const key of SHAPE_KEYS) {
    if (spec[key] !== undefined) throw new InputError(where.file, { path: `${where.path}/${key}`, expected: "no per-inference shape in a served model (the requests give prompt and output lengths)", found: key });
  }
  if (spec.definition || spec.shape) {
    throw new InputError(where.file, { path: `${where.path}/${spec.definition ? "modelConfig" : Object.keys(spec.shape!)[0]}`, expected: "a model preset with its own shape (served models do not take model configs or shape fields yet)", found: spec.model });
  }
  const shape = presetShape(spec.model, { kvHeads: spec.kvHeads }, where.file);
  if (!shape.causal) throw new InputError(where.file, { path: `${where.path}/model`, expected: "a decoder model that generates tokens (gpt2-small, llama2-7b)", found: spec.model });
  if (spec.attention && PREFILL_ONLY_ATTENTION.has(spec.attention.kind)) {
    throw new InputError(where.file, { path: `${where.path}/attention`, expected: "an attention variant that works token by token", found: spec.attention.kind });
  }
}

/** Name of an iteration: its sequences, decode steps grouped. */
export function describeIteration(sequences: readonly IterationSequence[]): string {
  const decodes = sequences.filter((s) => s.queries === 1 && s.context > 0).length;
  const chunks = sequences.filter((s) => !(s.queries === 1 && s.context > 0)).map((s) => `${s.queries}@${s.context}`);
  return [decodes > 0 ? `${decodes} decode` : "", chunks.length > 0 ? `prefill ${chunks.join(" ")}` : ""].filter(Boolean).join(" + ");
}

/** What every iteration of a served model shares (checked once per spec). */
interface ServedModel {
  shape: ModelShape;
  attention: VariantChoice;
  policy: PrecisionPolicy;
  variants: Record<string, string>;
}
const served = new WeakMap<WorkloadSpec, ServedModel>();

function modelOf(spec: WorkloadSpec): ServedModel {
  let m = served.get(spec);
  if (!m) {
    checkServedModel(spec);
    const precision = spec.precision ?? resolveVariant("precision", "uniform", { precision: DEFAULT_PRECISION.weights }, WHERE);
    const attention = spec.attention ?? resolveVariant("attention", "dense", {}, WHERE);
    const variants: Record<string, string> = { attention: describeVariant(attention), precision: describeVariant(precision) };
    if (spec.ffn) variants.ffn = describeVariant(spec.ffn);
    m = { shape: { ...presetShape(spec.model, { batch: 1, kvHeads: spec.kvHeads }), contextLen: 0 }, attention, policy: precisionPolicy(precision), variants };
    served.set(spec, m);
  }
  return m;
}

export function buildIterationTrace(spec: WorkloadSpec, sequences: readonly IterationSequence[], options: IterationOptions = {}): Trace {
  const sharedTokens = options.sharedTokens ?? 0;
  if (!Number.isInteger(sharedTokens) || sharedTokens < 0 || sequences.length + sharedTokens === 0) {
    throw new Error(`an iteration needs a sequence or shared tokens (an integer >= 0), got ${sequences.length} sequences and ${sharedTokens}`);
  }
  for (const s of sequences) {
    if (!Number.isInteger(s.queries) || s.queries < 1 || !Number.isInteger(s.context) || s.context < 0) {
      throw new Error(`an iteration's sequence needs queries >= 1 and context >= 0 (integers), got ${s.queries}@${s.context}`);
    }
  }
  const m = modelOf(spec);
  const T = sequences.reduce((a, s) => a + s.queries, sharedTokens);
  const maxContext = sequences.reduce((a, s) => Math.max(a, s.context), 0);
  const layers = Math.min(m.shape.layers, options.layers ?? m.shape.layers);
  const shape = { ...m.shape, seqLen: T, layers, contextLen: maxContext };
  const { attention, policy } = m;
  const w = new TraceWriter();
  // The builder prices weights by their layer's place in the whole model (mixed-precision policies).
  const b = new Builder(w, m.shape, policy, attention, spec.ffn);
  const { heads: h, kvHeads: kvh, dHead: dh } = shape;

  const core = (layer: number, L: string) => (qkv: string): string => {
    const fresh = w.tensor(`${L}.kv_new`, [T, 2, kvh, dh], "kv-cache", policy.kv);
    w.op({ id: `${L}.kv_append`, layer, kind: "elementwise", fn: "copy", elements: T * 2 * kvh * dh, inputs: [qkv], outputs: [fresh] });
    const parts = sharedTokens > 0 ? [qkv] : [];
    sequences.forEach((s, i) => {
      const P = `${L}.s${i}`;
      let keys = qkv, values = qkv;
      if (s.context > 0) {
        keys = w.tensor(`${P}.kcache`, [1, kvh, s.context, dh], "kv-cache", policy.kv);
        values = w.tensor(`${P}.vcache`, [1, kvh, s.context, dh], "kv-cache", policy.kv);
      }
      parts.push(emitAttention({
        w, layer, layers: m.shape.layers, prefix: P, batch: 1, queries: s.queries, keys: s.context + s.queries, rowOffset: s.context,
        heads: h, kvHeads: kvh, dHead: dh, causal: true, growing: false, precision: policy,
        qkv, keysTensor: keys, valuesTensor: values, weight: (name, dims) => b.weightTensor(name, dims, layer),
      }, attention));
    });
    const context = w.tensor(`${L}.context`, [1, T, h * dh], "activation", policy.activations);
    w.op({ id: `${L}.context_gather`, layer, kind: "gather", rows: T, cols: h * dh, inputs: parts, outputs: [context] });
    return context;
  };

  let x = w.tensor("input", [1, T, shape.dModel], "activation", policy.activations);
  for (let layer = 0; layer < layers; layer++) {
    const L = `L${layer}`;
    x = b.layer(layer, x, { queries: T, keys: T, heads: h, kvHeads: kvh }, { prefix: L, decode: false, growing: false, rowOffset: 0, cache: "none", attentionCore: core(layer, L) });
  }
  if (shape.normPlacement === "pre" && layers > 0) b.norm(layers, "final.ln", x, T);

  const iteration = [describeIteration(sequences), sharedTokens > 0 ? `${sharedTokens} tokens without attention` : ""].filter(Boolean).join(" + ");
  return { version: TRACE_VERSION, model: { ...shape, variants: { ...m.variants, iteration } }, tensors: w.tensors, ops: w.ops };
}
