/**
 * The attention core of one layer, per variant: from the fused QKV projection to the per-token
 * context vectors (heads x dHead) that the output projection reads. Each function cites the
 * paper whose cost it reproduces; MACs per layer (one sequence, h heads, n queries, L keys):
 *
 *   dense          2 h n L dh                                  (QK^T and AV)
 *   block-sparse,  2 h dh x (elements of kept blocks)          (the mask's block grid; sparsity.ts)
 *   local, strided,
 *   bigbird, longformer, adaptive-span
 *   linformer      2 k n dh h (E K, F V)  + 2 h n k dh          Wang et al. 2020
 *   performer      2 h n m dh (phi(Q), phi(K)) + 2 h n m dh (phi(K)^T V, phi(Q)(.)) + h n m (normaliser)
 *                                                              Choromanski et al. 2021
 *   reformer       rounds x h (n dh b/2 (hash) + 2 n (2c) dh (chunked QK^T, AV))   Kitaev et al. 2020
 *
 * Grouped-query attention packs the g = heads/kvHeads query heads that share a K/V head into the
 * rows of one matmul (as grouped-query kernels do), so K and V are read once per group.
 */
import { blockCsrBytes, expandMask, type BlockMask, type MaskPattern } from "../sparsity.js";
import type { TraceWriter } from "../trace-writer.js";
import type { Sparsity } from "../trace.js";
import type { VariantChoice } from "../workload-spec.js";
import type { PrecisionPolicy } from "./precision-policy.js";
import { InputError } from "../../common/input-error.js";

export interface AttentionContext {
  w: TraceWriter;
  layer: number;
  /** Layers in the model (precision policies treat the first and last ones specially). */
  layers: number;
  prefix: string;
  batch: number;
  /** Query tokens per sequence at this layer. */
  queries: number;
  /** Keys per sequence (decode: cached + new). */
  keys: number;
  /** Absolute position of the first query (decode: the cache length). */
  rowOffset: number;
  heads: number;
  kvHeads: number;
  dHead: number;
  causal: boolean;
  /** Inside a generation: the key length grows by one per step. */
  growing: boolean;
  precision: PrecisionPolicy;
  /** Creates (once) or returns a weight tensor of this layer. */
  weight: (name: string, dims: number[]) => string;
  /** Tensor holding Q (and, in prefill, K and V): the fused projection output. */
  qkv: string;
  /** Tensors the keys and values are read from (the projection in prefill, the KV cache in decode). */
  keysTensor: string;
  valuesTensor: string;
}

/** Emit the attention core; returns the name of the context tensor [batch, queries, heads*dHead]. */
export function emitAttention(ctx: AttentionContext, choice: VariantChoice): string {
  switch (choice.kind) {
    case "dense":
      return dense(ctx);
    case "block-sparse": {
      const p = choice.params as { block: number; density: number; layout: string; seed: number };
      return masked(ctx, { pattern: p.layout === "diagonal" ? "block-diagonal" : "block-random", block: p.block, density: p.density, seed: p.seed });
    }
    case "local": {
      const p = choice.params as { window: number; block: number };
      return masked(ctx, { pattern: "local", block: p.block, window: p.window });
    }
    case "strided": {
      const p = choice.params as { stride: number; variant: string; summary: number; block: number };
      return masked(ctx, { pattern: p.variant === "fixed" ? "fixed" : "strided", block: p.block, stride: p.stride, summary: p.summary });
    }
    case "bigbird": {
      const p = choice.params as { block: number; global: number; window: number; random: number; seed: number };
      return masked(ctx, { pattern: "bigbird", block: p.block, global: p.global, window: p.window, random: p.random, seed: p.seed });
    }
    case "longformer": {
      const p = choice.params as { window: number; global: number; block: number };
      return masked(ctx, { pattern: "longformer", block: p.block, window: p.window, global: p.global });
    }
    case "adaptive-span":
      return adaptiveSpan(ctx, choice.params as { spans: number[]; block: number });
    case "linformer":
      return linformer(ctx, (choice.params as { k: number }).k);
    case "performer":
      return performer(ctx, (choice.params as { features: number }).features);
    case "reformer":
      return reformer(ctx, choice.params as { rounds: number; buckets: number; chunk: number });
    default:
      throw new Error(`${choice.kind} is not an attention variant`);
  }
}

/** Variants that need the whole sequence at once (no decode, no generation). */
export const PREFILL_ONLY_ATTENTION = new Set(["linformer", "performer", "reformer"]);

function dense(c: AttentionContext): string {
  const { w, prefix: L, layer, batch: B, queries: nq, keys: nk, heads: h, kvHeads: kvh, dHead: dh } = c;
  const g = h / kvh;
  const scores = w.tensor(`${L}.scores`, [B, h, nq, nk], "activation", c.precision.scores);
  w.op({ id: `${L}.qk`, layer, kind: "matmul", m: nq * g, n: nk, k: dh, batchCount: B * kvh, inputs: [c.qkv, c.keysTensor], outputs: [scores] }, c.growing ? { n: 1 } : undefined);
  const probs = w.tensor(`${L}.probs`, [B, h, nq, nk], "activation", c.precision.scores);
  w.op({ id: `${L}.softmax`, layer, kind: "softmax", rows: nq, cols: nk, batchCount: B * h, mask: c.causal && nq > 1 ? "causal" : "none", inputs: [scores], outputs: [probs] }, c.growing ? { cols: 1 } : undefined);
  const context = w.tensor(`${L}.context`, [B, nq, h * dh], "activation", c.precision.activations);
  w.op({ id: `${L}.av`, layer, kind: "matmul", m: nq * g, n: dh, k: nk, batchCount: B * kvh, inputs: [probs, c.valuesTensor], outputs: [context] }, c.growing ? { k: 1 } : undefined);
  return context;
}

type Pattern = Pick<BlockMask, "pattern" | "block" | "density" | "window" | "stride" | "summary" | "global" | "random" | "seed">;

/** QK^T, softmax and AV over the kept blocks of one mask, for `heads` heads. */
function maskedHeads(c: AttentionContext, pattern: Pattern & { pattern: MaskPattern }, heads: number, suffix: string): string {
  const { w, prefix: L, layer, batch: B, queries: nq, keys: nk, dHead: dh } = c;
  const mask: BlockMask = { ...stripUndefined(pattern), rows: nq, cols: nk, rowOffset: c.rowOffset, causal: c.causal };
  let grid;
  try {
    grid = expandMask(mask);
  } catch (err) {
    throw new InputError("<workload>", { path: `/attention`, expected: "a valid sparse layout", found: err instanceof Error ? err.message : String(err) });
  }
  const index = w.tensor(`${L}.layout${suffix}`, [blockCsrBytes(grid) / 4], "index", c.precision.index);
  const out = (operand: "output" | "a"): Sparsity => ({ operand, mask, index });
  const grow = (field: "n" | "k" | "cols") => (c.growing ? { [field]: 1 } : undefined);
  const scores = w.tensor(`${L}.scores${suffix}`, [B, heads, grid.nnzElements], "activation", c.precision.scores);
  w.op({ id: `${L}.qk${suffix}`, layer, kind: "matmul", m: nq, n: nk, k: dh, batchCount: B * heads, sparsity: out("output"), inputs: [c.qkv, c.keysTensor, index], outputs: [scores] }, grow("n"));
  const probs = w.tensor(`${L}.probs${suffix}`, [B, heads, grid.nnzElements], "activation", c.precision.scores);
  w.op({ id: `${L}.softmax${suffix}`, layer, kind: "softmax", rows: nq, cols: nk, batchCount: B * heads, sparsity: { operand: "output", mask, index }, inputs: [scores, index], outputs: [probs] }, grow("cols"));
  const context = w.tensor(`${L}.context${suffix}`, [B, nq, heads * dh], "activation", c.precision.activations);
  w.op({ id: `${L}.av${suffix}`, layer, kind: "matmul", m: nq, n: dh, k: nk, batchCount: B * heads, sparsity: out("a"), inputs: [probs, c.valuesTensor, index], outputs: [context] }, grow("k"));
  return context;
}

function masked(c: AttentionContext, pattern: Pattern & { pattern: MaskPattern }): string {
  return maskedHeads(c, pattern, c.heads, "");
}

/** Sukhbaatar et al. 2019: head i attends to its last spans[i mod len] tokens (a local window per span group). */
function adaptiveSpan(c: AttentionContext, p: { spans: number[]; block: number }): string {
  const groups = new Map<number, number>();
  for (let head = 0; head < c.heads; head++) {
    const span = Math.max(1, Math.round(p.spans[head % p.spans.length]!));
    groups.set(span, (groups.get(span) ?? 0) + 1);
  }
  const parts: string[] = [];
  for (const [span, heads] of [...groups.entries()].sort((a, b) => a[0] - b[0])) {
    parts.push(maskedHeads(c, { pattern: "local", block: p.block, window: span }, heads, `.span${span}`));
  }
  if (parts.length === 1) return parts[0]!;
  // The groups' outputs are written side by side into one context tensor.
  const { w, prefix: L, layer, batch: B, queries: nq } = c;
  const context = w.tensor(`${L}.context`, [B, nq, c.heads * c.dHead], "activation", c.precision.activations);
  w.op({ id: `${L}.span_concat`, layer, kind: "gather", rows: B * nq * c.heads, cols: c.dHead, inputs: parts, outputs: [context] });
  return context;
}

/** Wang et al. 2020: K and V projected along the sequence by E, F (k x n, shared across heads). */
function linformer(c: AttentionContext, k: number): string {
  const { w, prefix: L, layer, batch: B, queries: n, heads: h, kvHeads: kvh, dHead: dh } = c;
  const g = h / kvh;
  const e = c.weight(`${L}.lin_e`, [k, n]);
  const f = c.weight(`${L}.lin_f`, [k, n]);
  const kp = w.tensor(`${L}.k_proj`, [B, k, kvh * dh], "activation", c.precision.activations);
  w.op({ id: `${L}.lin_k`, layer, kind: "matmul", m: k, n: kvh * dh, k: n, batchCount: B, inputs: [e, c.keysTensor], outputs: [kp] });
  const vp = w.tensor(`${L}.v_proj`, [B, k, kvh * dh], "activation", c.precision.activations);
  w.op({ id: `${L}.lin_v`, layer, kind: "matmul", m: k, n: kvh * dh, k: n, batchCount: B, inputs: [f, c.valuesTensor], outputs: [vp] });
  const scores = w.tensor(`${L}.scores`, [B, h, n, k], "activation", c.precision.scores);
  w.op({ id: `${L}.qk`, layer, kind: "matmul", m: n * g, n: k, k: dh, batchCount: B * kvh, inputs: [c.qkv, kp], outputs: [scores] });
  const probs = w.tensor(`${L}.probs`, [B, h, n, k], "activation", c.precision.scores);
  w.op({ id: `${L}.softmax`, layer, kind: "softmax", rows: n, cols: k, batchCount: B * h, inputs: [scores], outputs: [probs] });
  const context = w.tensor(`${L}.context`, [B, n, h * dh], "activation", c.precision.activations);
  w.op({ id: `${L}.av`, layer, kind: "matmul", m: n * g, n: dh, k, batchCount: B * kvh, inputs: [probs, vp], outputs: [context] });
  return context;
}

/** Choromanski et al. 2021 (FAVOR+): softmax kernel by m positive random features. */
function performer(c: AttentionContext, m: number): string {
  const { w, prefix: L, layer, batch: B, queries: n, heads: h, kvHeads: kvh, dHead: dh } = c;
  const omega = c.weight(`${L}.omega`, [dh, m]);
  const features = (which: "q" | "k", source: string, heads: number) => {
    const raw = w.tensor(`${L}.phi_${which}_raw`, [B, heads, n, m], "activation", c.precision.scores);
    w.op({ id: `${L}.phi_${which}`, layer, kind: "matmul", m: n, n: m, k: dh, batchCount: B * heads, inputs: [source, omega], outputs: [raw] });
    const phi = w.tensor(`${L}.phi_${which}_out`, [B, heads, n, m], "activation", c.precision.scores);
    w.op({ id: `${L}.phi_${which}_exp`, layer, kind: "elementwise", fn: "exp", elements: B * heads * n * m, inputs: [raw], outputs: [phi] });
    return phi;
  };
  const phiQ = features("q", c.qkv, h);
  const phiK = features("k", c.keysTensor, kvh);
  const ktv = w.tensor(`${L}.ktv`, [B, kvh, m, dh], "activation", c.precision.activations);
  w.op({ id: `${L}.ktv`, layer, kind: "matmul", m, n: dh, k: n, batchCount: B * kvh, inputs: [phiK, c.valuesTensor], outputs: [ktv] });
  const ksum = w.tensor(`${L}.ksum`, [B, kvh, m], "activation", c.precision.activations);
  w.op({ id: `${L}.ksum`, layer, kind: "elementwise", fn: "add", elements: B * kvh * n * m, inputs: [phiK], outputs: [ksum] });
  const num = w.tensor(`${L}.qktv`, [B, h, n, dh], "activation", c.precision.activations);
  w.op({ id: `${L}.qktv`, layer, kind: "matmul", m: n, n: dh, k: m, batchCount: B * h, inputs: [phiQ, ktv], outputs: [num] });
  const den = w.tensor(`${L}.denominator`, [B, h, n], "activation", c.precision.activations);
  w.op({ id: `${L}.denominator`, layer, kind: "matmul", m: n, n: 1, k: m, batchCount: B * h, inputs: [phiQ, ksum], outputs: [den] });
  const context = w.tensor(`${L}.context`, [B, n, h * dh], "activation", c.precision.activations);
  w.op({ id: `${L}.normalise`, layer, kind: "elementwise", fn: "mul", elements: B * h * n * dh, inputs: [num, den], outputs: [context] });
  return context;
}

/** Kitaev et al. 2020: shared-QK LSH attention, `rounds` hashes into `buckets`, chunks of `chunk`. */
function reformer(c: AttentionContext, p: { rounds: number; buckets: number; chunk: number }): string {
  const { w, prefix: L, layer, batch: B, queries: n, heads: h, dHead: dh } = c;
  const chunks = Math.ceil(n / p.chunk);
  const half = Math.max(1, Math.floor(p.buckets / 2));
  const rounds: string[] = [];
  for (let r = 0; r < p.rounds; r++) {
    const R = `${L}.r${r}`;
    const rot = c.weight(`${R}.rotation`, [dh, half]);
    const proj = w.tensor(`${R}.hash_proj`, [B, h, n, half], "activation", c.precision.activations);
    w.op({ id: `${R}.hash`, layer, kind: "matmul", m: n, n: half, k: dh, batchCount: B * h, inputs: [c.qkv, rot], outputs: [proj] });
    const bucket = w.tensor(`${R}.bucket`, [B, h, n], "activation", c.precision.index);
    w.op({ id: `${R}.argmax`, layer, kind: "elementwise", fn: "max", elements: B * h * n * 2 * half, inputs: [proj], outputs: [bucket] });
    const order = w.tensor(`${R}.order`, [B, h, n], "activation", c.precision.index);
    w.op({ id: `${R}.sort`, layer, kind: "sort", length: n, batchCount: B * h, inputs: [bucket], outputs: [order] });
    const sorted = w.tensor(`${R}.sorted`, [B, h, n, 2 * dh], "activation", c.precision.activations);
    w.op({ id: `${R}.gather`, layer, kind: "gather", rows: B * h * n, cols: 2 * dh, inputs: [c.qkv, order], outputs: [sorted] });
    const scores = w.tensor(`${R}.scores`, [B, h, chunks, p.chunk, 2 * p.chunk], "activation", c.precision.scores);
    w.op({ id: `${R}.qk`, layer, kind: "matmul", m: p.chunk, n: 2 * p.chunk, k: dh, batchCount: B * h * chunks, inputs: [sorted, sorted], outputs: [scores] });
    const probs = w.tensor(`${R}.probs`, [B, h, chunks, p.chunk, 2 * p.chunk], "activation", c.precision.scores);
    w.op({ id: `${R}.softmax`, layer, kind: "softmax", rows: p.chunk, cols: 2 * p.chunk, batchCount: B * h * chunks, inputs: [scores], outputs: [probs] });
    const out = w.tensor(`${R}.out_sorted`, [B, h, chunks * p.chunk, dh], "activation", c.precision.activations);
    w.op({ id: `${R}.av`, layer, kind: "matmul", m: p.chunk, n: dh, k: 2 * p.chunk, batchCount: B * h * chunks, inputs: [probs, sorted], outputs: [out] });
    const unsorted = w.tensor(`${R}.out`, [B, n, h * dh], "activation", c.precision.activations);
    w.op({ id: `${R}.unsort`, layer, kind: "gather", rows: B * h * n, cols: dh, inputs: [out, order], outputs: [unsorted] });
    rounds.push(unsorted);
  }
  if (rounds.length === 1) return rounds[0]!;
  // Rounds are combined with weights from each round's softmax normaliser (Kitaev et al. eq. 7).
  const weighted = w.tensor(`${L}.rounds_weighted`, [B, p.rounds, n, h * dh], "activation", c.precision.activations);
  w.op({ id: `${L}.rounds_weight`, layer, kind: "elementwise", fn: "mul", elements: p.rounds * B * n * h * dh, inputs: rounds, outputs: [weighted] });
  const context = w.tensor(`${L}.context`, [B, n, h * dh], "activation", c.precision.activations);
  w.op({ id: `${L}.rounds_sum`, layer, kind: "elementwise", fn: "add", elements: (p.rounds - 1) * B * n * h * dh, inputs: [weighted], outputs: [context] });
  return context;
}

function stripUndefined<T extends object>(x: T): T {
  return Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined)) as T;
}
