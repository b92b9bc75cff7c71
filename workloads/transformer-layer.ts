/**
 * One transformer layer (and the norms and exit classifiers around layers), written into a trace:
 * the fused QKV projection, KV-cache handling, the attention core of the chosen variant, the output
 * projection, residual adds, norms, the FFN, and SpAtten-style token selection when the next layer
 * keeps fewer tokens. Used by the transformer builder and by hybrid models' transformer stages.
 */
import type { ModelShape } from "./trace.js";
import { InputError } from "../common/input-error.js";
import type { TraceWriter } from "./trace-writer.js";
import type { VariantChoice } from "./workload-spec.js";
import type { PrecisionPolicy } from "./variants/precision-policy.js";
import { emitAttention } from "./variants/attention.js";
import { emitFfn } from "./variants/ffn.js";

export interface LayerPlan {
  queries: number;
  keys: number;
  heads: number;
  kvHeads: number;
}

export interface LayerOptions {
  prefix: string;
  /** Name prefix of the layer's weights (generation reuses the prefill's). */
  weightPrefix?: string;
  decode: boolean;
  growing: boolean;
  rowOffset: number;
  /** KV cache: none (encoder), store K and V for later steps, read a cache, or reuse a stored one. */
  cache: "none" | "read" | { store: number } | { reuse: string };
  /** Prefill token pruning: tokens the next layer keeps. */
  pruneTo?: number;
  /** Decode token pruning: cached keys the next layer reads. */
  pruneKeysTo?: number;
  /**
   * Emit the attention core (from the QKV projection's output to the context the output projection
   * reads) instead of the batch's own: a serving iteration attends per sequence (serving-iteration.ts).
   */
  attentionCore?: (qkv: string) => string;
}

export class Builder {
  private readonly made = new Set<string>();
  constructor(
    private readonly w: TraceWriter,
    private readonly shape: ModelShape,
    private readonly policy: PrecisionPolicy,
    private readonly attention: VariantChoice,
    private readonly ffn: VariantChoice | undefined,
  ) {}

  /** A weight tensor, created once (generation steps share the prefill's weights). */
  weightTensor(name: string, dims: number[], layer: number): string {
    if (!this.made.has(name)) {
      this.made.add(name);
      this.w.tensor(name, dims, "weight", this.policy.weights(layer, this.shape.layers));
    }
    return name;
  }

  norm(layer: number, id: string, input: string, tokens: number, weightId = id): string {
    const { w, shape } = this;
    const d = shape.dModel;
    const gamma = this.weightTensor(`${weightId}.gamma`, [d], layer);
    const inputs = shape.norm === "layer" ? [input, gamma, this.weightTensor(`${weightId}.beta`, [d], layer)] : [input, gamma];
    const out = w.tensor(`${id}.out`, [shape.batch, tokens, d], "activation", this.policy.activations);
    w.op({ id, layer, kind: "layernorm", rows: shape.batch * tokens, cols: d, norm: shape.norm, inputs, outputs: [out] });
    return out;
  }

  exitClassifier(layer: number, x: string, classes: number): void {
    const { w, shape } = this;
    const weights = this.weightTensor(`exit${layer}.w`, [shape.dModel, classes], layer);
    const logits = w.tensor(`exit${layer}.logits`, [shape.batch, classes], "activation", this.policy.activations);
    w.op({ id: `exit${layer}.classifier`, layer, kind: "matmul", m: shape.batch, n: classes, k: shape.dModel, batchCount: 1, inputs: [x, weights], outputs: [logits] });
  }

  layer(layer: number, x: string, plan: LayerPlan, o: LayerOptions): string {
    const { w, shape, policy } = this;
    const L = o.prefix;
    const WL = o.weightPrefix ?? L;
    const { batch: B, dModel: d, dHead: dh } = shape;
    const nq = plan.queries;
    const T = B * nq;
    const act = policy.activations;
    const normIds = (which: string) => [`${L}.${which}`, `${WL}.${which}`] as const;
    const attnIn = shape.normPlacement === "pre" ? this.norm(layer, normIds("ln1")[0], x, nq, normIds("ln1")[1]) : x;

    const qkvWidth = (plan.heads + 2 * plan.kvHeads) * dh;
    const wqkv = this.weightTensor(`${WL}.wqkv`, [d, (shape.heads + 2 * shape.kvHeads) * dh], layer);
    const qkv = w.tensor(`${L}.qkv`, [B, nq, qkvWidth], "activation", act);
    w.op({ id: `${L}.qkv`, layer, kind: "matmul", m: T, n: qkvWidth, k: d, batchCount: 1, inputs: [attnIn, wqkv], outputs: [qkv] });

    const context = o.attentionCore ? o.attentionCore(qkv) : this.attentionCore(layer, L, plan, o, qkv);

    let keep: string | undefined;
    if (o.pruneTo !== undefined || o.pruneKeysTo !== undefined) keep = this.selectTokens(layer, L, plan, o.pruneTo ?? o.pruneKeysTo!);

    const wo = this.weightTensor(`${WL}.wo`, [shape.heads * dh, d], layer);
    const attn = w.tensor(`${L}.attn`, [B, nq, d], "activation", act);
    w.op({ id: `${L}.o`, layer, kind: "matmul", m: T, n: d, k: plan.heads * dh, batchCount: 1, inputs: [context, wo], outputs: [attn] });
    const res1 = w.tensor(`${L}.res1`, [B, nq, d], "activation", act);
    w.op({ id: `${L}.add1`, layer, kind: "elementwise", fn: "add", elements: T * d, inputs: [x, attn], outputs: [res1] });

    const afterAttn = shape.normPlacement === "post" ? this.norm(layer, normIds("ln1")[0], res1, nq, normIds("ln1")[1]) : res1;
    const ffnIn = shape.normPlacement === "pre" ? this.norm(layer, normIds("ln2")[0], afterAttn, nq, normIds("ln2")[1]) : afterAttn;
    const ffnOut = this.ffnBlock(layer, L, WL, ffnIn, nq);
    const res2 = w.tensor(`${L}.res2`, [B, nq, d], "activation", act);
    w.op({ id: `${L}.add2`, layer, kind: "elementwise", fn: "add", elements: T * d, inputs: [afterAttn, ffnOut], outputs: [res2] });
    let out = shape.normPlacement === "post" ? this.norm(layer, normIds("ln2")[0], res2, nq, normIds("ln2")[1]) : res2;

    if (o.pruneTo !== undefined && keep) {
      const pruned = w.tensor(`${L}.pruned`, [B, o.pruneTo, d], "activation", act);
      w.op({ id: `${L}.prune_gather`, layer, kind: "gather", rows: B * o.pruneTo, cols: d, inputs: [out, keep], outputs: [pruned] });
      out = pruned;
    }
    return out;
  }

  /** KV-cache handling and the attention core of the chosen variant, for the whole batch. */
  private attentionCore(layer: number, L: string, plan: LayerPlan, o: LayerOptions, qkv: string): string {
    const { w, shape, policy } = this;
    const { batch: B, dHead: dh } = shape;
    const nq = plan.queries;
    let keys = qkv, values = qkv;
    if (o.cache === "read") {
      keys = w.tensor(`${L}.kcache`, [B, shape.kvHeads, shape.contextLen, dh], "kv-cache", policy.kv);
      values = w.tensor(`${L}.vcache`, [B, shape.kvHeads, shape.contextLen, dh], "kv-cache", policy.kv);
    } else if (typeof o.cache === "object" && "reuse" in o.cache) {
      keys = values = o.cache.reuse;
    }
    if (o.decode) {
      const appended = w.tensor(`${L}.kv_new`, [B, 2, plan.kvHeads, dh], "kv-cache", policy.kv);
      w.op({ id: `${L}.kv_append`, layer, kind: "elementwise", fn: "copy", elements: B * 2 * plan.kvHeads * dh, inputs: [qkv], outputs: [appended] });
    } else if (typeof o.cache === "object" && "store" in o.cache) {
      // A decoder's prefill keeps K and V for the decode steps that follow (sized for all of them).
      const cache = w.tensor(`${L}.kv`, [B, 2, shape.kvHeads, o.cache.store, dh], "kv-cache", policy.kv);
      w.op({ id: `${L}.kv_store`, layer, kind: "elementwise", fn: "copy", elements: B * 2 * plan.kvHeads * nq * dh, inputs: [qkv], outputs: [cache] });
    }

    return emitAttention({
      w, layer, layers: shape.layers, prefix: L, batch: B, queries: nq, keys: plan.keys, rowOffset: o.rowOffset,
      heads: plan.heads, kvHeads: plan.kvHeads, dHead: dh, causal: shape.causal, growing: o.growing, precision: policy,
      qkv, keysTensor: keys, valuesTensor: values, weight: (name, dims) => this.weightTensor(name, dims, layer),
    }, this.attention);
  }

  /** SpAtten importance (column sums of attention probabilities over heads and queries) and top-k. */
  private selectTokens(layer: number, L: string, plan: LayerPlan, keepCount: number): string {
    const { w, shape, policy } = this;
    const probs = w.tensors.find((t) => t.name === `${L}.probs`);
    if (!probs) {
      throw new InputError("<workload>", { path: "/tokens", expected: "token pruning with an attention variant that has one probability matrix per layer (dense or a sparse pattern)", found: this.attention.kind });
    }
    const elements = probs.shape.reduce((a, c) => a * c, 1);
    const importance = w.tensor(`${L}.importance`, [shape.batch, plan.keys], "activation", policy.activations);
    w.op({ id: `${L}.importance`, layer, kind: "elementwise", fn: "add", elements, inputs: [probs.name], outputs: [importance] });
    const keep = w.tensor(`${L}.keep`, [shape.batch, keepCount], "activation", policy.index);
    w.op({ id: `${L}.topk`, layer, kind: "sort", length: plan.keys, batchCount: shape.batch, topk: keepCount, inputs: [importance], outputs: [keep] });
    return keep;
  }

  private ffnBlock(layer: number, L: string, WL: string, input: string, tokens: number): string {
    const { w, shape, policy } = this;
    return emitFfn({
      w, layer, layers: shape.layers, prefix: L, batch: shape.batch, tokens, dModel: shape.dModel, dFF: shape.dFF, ffn: shape.ffn, precision: policy, input,
      weight: (name, dims) => this.weightTensor(name, dims, layer), weightPrefix: WL,
    }, this.ffn);
  }
}
