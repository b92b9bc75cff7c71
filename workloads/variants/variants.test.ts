/**
 * Each workload variant against the closed form of its paper (cited per test), composition, and
 * the published size of the hybrid and SSM presets.
 */
import { describe, expect, it } from "vitest";
import { buildPresetTrace, type BuildOptions } from "../transformer-builder.js";
import { opMacs, opElements, type Op, type Trace } from "../trace.js";
import { parseVariantText, resolveVariant, type VariantChoice } from "../workload-spec.js";
import { parseTrace } from "../trace-io.js";
import { bytesFor } from "../precision.js";
import { expectedActiveExperts } from "./ffn.js";
import { MAMBA_EXPAND, MAMBA_STATE } from "../models/mamba.js";

const W = { file: "t", path: "" };
const v = (category: Parameters<typeof resolveVariant>[0], kind: string, params: Record<string, unknown> = {}): VariantChoice => resolveVariant(category, kind, params, W);
const attention = (kind: string, params: Record<string, unknown> = {}) => v("attention", kind, params);

const layerOps = (t: Trace, layer: number, pred: (o: Op) => boolean = () => true) => t.ops.filter((o) => o.layer === layer && pred(o));
const macs = (ops: Op[]) => ops.reduce((s, o) => s + opMacs(o) * (o.weight ?? 1), 0);
const isAttentionCore = (o: Op) => !/\.(qkv|o|ffn_up|ffn_down|router|experts\.ffn_up|experts\.ffn_down)$/.test(o.id) && o.kind === "matmul";
const softmaxElements = (t: Trace, layer: number) => layerOps(t, layer, (o) => o.kind === "softmax").reduce((s, o) => s + opElements(o), 0);
const build = (model: string, options: BuildOptions) => {
  const t = buildPresetTrace(model, options);
  parseTrace(JSON.parse(JSON.stringify(t)), `${model}.json`); // every variant's trace is a valid trace file
  return t;
};

describe("sparse attention patterns (block masks, exact block counting)", () => {
  const n = 512, d = 768, h = 12, dh = 64;

  it("block-sparse: QK^T and AV MACs = density x dense; softmax over the kept blocks (Child et al. 2019)", () => {
    const t = build("bert-base", { seqLen: n, attention: attention("block-sparse", { block: 32, density: 0.25 }) });
    // 16 x 16 blocks, 4 kept per block row -> exactly 25% of the scores.
    expect(macs(layerOps(t, 0, isAttentionCore))).toBe(0.25 * 2 * n * n * d);
    expect(softmaxElements(t, 0)).toBe(0.25 * n * n * h);
    const layout = t.tensors.find((x) => x.name === "L0.layout")!;
    expect(bytesFor(layout.shape[0]!, layout.precision)).toBe(4 * (16 + 1 + 64)); // block-CSR: row pointers + column indices
  });

  it("block-sparse, causal: each block row keeps density x the blocks at or before the diagonal", () => {
    const t = build("gpt2-small", { seqLen: 256, attention: attention("block-sparse", { block: 32, density: 0.5, layout: "diagonal" }) });
    // 8 block rows with r+1 allowed blocks; keep max(1, round(0.5 (r+1))) = 1,1,2,2,3,3,4,4 (round half up) -> 20 blocks
    const kept = [1, 2, 3, 4, 5, 6, 7, 8].reduce((s, allowed) => s + Math.max(1, Math.round(0.5 * allowed)), 0);
    expect(macs(layerOps(t, 0, (o) => o.id === "L0.qk"))).toBe(kept * 32 * 32 * dh * h);
  });

  it("local window: blocks within the window of the diagonal; MACs grow linearly in n (Beltagy et al. 2020)", () => {
    const t = build("bert-base", { seqLen: n, attention: attention("local", { window: 128, block: 32 }) });
    // |i - j| <= 64 reaches block distance 2: 5 blocks per row, minus 3 at each edge -> 74 blocks.
    expect(macs(layerOps(t, 0, (o) => o.id === "L0.qk"))).toBe(74 * 32 * 32 * dh * h);
    const t2 = build("bert-base", { seqLen: 2 * n, attention: attention("local", { window: 128, block: 32 }) });
    // 2n: 32 block rows -> 32 x 5 - 6 = 154 blocks: linear growth up to the edge effect.
    expect(macs(layerOps(t2, 0, (o) => o.id === "L0.qk"))).toBe(154 * 32 * 32 * dh * h);
  });

  it("strided (Child et al. 2019): with block 1, row i attends to min(i+1, l) local + floor(i/l) strided positions", () => {
    const n1 = 256, l = 16;
    const t = build("gpt2-small", { seqLen: n1, attention: attention("strided", { stride: l, block: 1 }) });
    let expected = 0;
    for (let i = 0; i < n1; i++) expected += Math.min(i + 1, l) + Math.floor(i / l);
    expect(softmaxElements(t, 0)).toBe(expected * h);
    // With l = sqrt(n) the cost is O(n sqrt n): 4x the tokens with 2x the stride -> ~8x the elements.
    const t4 = build("gpt2-small", { seqLen: 4 * n1, attention: attention("strided", { stride: 2 * l, block: 1 }) });
    expect(softmaxElements(t4, 0) / softmaxElements(t, 0)).toBeGreaterThan(7);
    expect(softmaxElements(t4, 0) / softmaxElements(t, 0)).toBeLessThan(9);
  });

  it("fixed (Child et al. 2019): same stride block, or the last `summary` columns of each earlier block", () => {
    const n1 = 64, l = 16, c = 4;
    const t = build("gpt2-small", { seqLen: n1, attention: attention("strided", { stride: l, variant: "fixed", summary: c, block: 1 }) });
    let expected = 0;
    for (let i = 0; i < n1; i++) for (let j = 0; j <= i; j++) if (Math.floor(i / l) === Math.floor(j / l) || j % l >= l - c) expected++;
    expect(softmaxElements(t, 0)).toBe(expected * h);
  });

  it("BigBird: global blocks, a 3-block band and 3 random blocks per row (Zaheer et al. 2020)", () => {
    const seq = 4096, b = 64, blocks = seq / b;
    const t = build("bert-base", { seqLen: seq, attention: attention("bigbird", { block: b, global: 2, window: 3, random: 3 }) });
    let kept = 0;
    for (let r = 0; r < blocks; r++) {
      if (r < 2) { kept += blocks; continue; }
      const fixed = new Set<number>([0, 1, r - 1, r, r + 1].filter((c) => c >= 0 && c < blocks));
      kept += fixed.size + 3;
    }
    expect(macs(layerOps(t, 0, (o) => o.id === "L0.qk"))).toBe(kept * b * b * dh * h);
  });

  it("Longformer: window plus global tokens (Beltagy et al. 2020)", () => {
    const n1 = 128, wdw = 16, g = 2;
    const t = build("bert-base", { seqLen: n1, attention: attention("longformer", { window: wdw, global: g, block: 1 }) });
    let expected = 0;
    for (let i = 0; i < n1; i++) for (let j = 0; j < n1; j++) if (Math.abs(i - j) <= wdw / 2 || i < g || j < g) expected++;
    expect(softmaxElements(t, 0)).toBe(expected * h);
  });

  it("adaptive span: each head group attends to its last s tokens (Sukhbaatar et al. 2019)", () => {
    const n1 = 256;
    const t = build("gpt2-small", { seqLen: n1, attention: attention("adaptive-span", { spans: [32, 128], block: 1 }) });
    const causalWindow = (s: number) => s * n1 - (s * (s - 1)) / 2;
    expect(softmaxElements(t, 0)).toBe(6 * causalWindow(32) + 6 * causalWindow(128));
    expect(macs(layerOps(t, 0, isAttentionCore))).toBe(2 * dh * (6 * causalWindow(32) + 6 * causalWindow(128)));
  });
});

describe("low-rank and kernel attention", () => {
  const d = 768, h = 12;
  const core = (t: Trace) => macs(layerOps(t, 0, isAttentionCore));

  it("Linformer: E K and F V (k x n x d each) plus n x k scores (Wang et al. 2020)", () => {
    const n = 512, k = 128;
    const t = build("bert-base", { seqLen: n, attention: attention("linformer", { k }) });
    expect(core(t)).toBe(2 * k * n * d + 2 * n * k * d);
    expect(softmaxElements(t, 0)).toBe(n * k * h);
  });

  it("Performer: 4 n m d + n m h MACs, linear in n (Choromanski et al. 2021)", () => {
    const m = 256;
    const at = (n: number) => core(build("bert-base", { seqLen: n, attention: attention("performer", { features: m }) }));
    expect(at(512)).toBe(4 * 512 * m * d + 512 * m * h);
    expect(at(1024)).toBe(2 * at(512));
  });

  it("Reformer: rounds x (n d b/2 hashing + 4 n c d chunked attention) (Kitaev et al. 2020)", () => {
    const n = 1024, r = 2, b = 32, c = 64;
    const t = build("bert-base", { seqLen: n, attention: attention("reformer", { rounds: r, buckets: b, chunk: c }) });
    expect(core(t)).toBe(r * (n * d * (b / 2) + 4 * n * c * d));
    expect(layerOps(t, 0, (o) => o.kind === "sort").length).toBe(r);
  });

  it("variants that need the whole sequence refuse decode", () => {
    expect(() => buildPresetTrace("gpt2-small", { phase: "decode", contextLen: 64, attention: attention("performer") })).toThrow(/prefill only/);
  });
});

describe("dynamic tokens", () => {
  const n = 512, d = 768, dFF = 3072, h = 12;
  const denseLayer = (tokens: number, heads = h) => {
    const dh = 64;
    return tokens * d * 3 * heads * dh + tokens * heads * dh * d + 2 * heads * tokens * tokens * dh + 2 * tokens * d * dFF;
  };

  it("token pruning cascade: layer l >= start sees n keep^(l-start+1) tokens (SpAtten, Wang et al. 2021)", () => {
    const t = build("bert-base", { seqLen: n, tokens: v("tokens", "prune", { keep: 0.5, start: 2 }) });
    expect(macs(layerOps(t, 0, (o) => o.kind === "matmul"))).toBe(denseLayer(n));
    expect(macs(layerOps(t, 2, (o) => o.kind === "matmul"))).toBe(denseLayer(256));
    expect(macs(layerOps(t, 5, (o) => o.kind === "matmul"))).toBe(denseLayer(32));
    // The layer before each pruning step scores tokens and gathers the kept ones.
    expect(layerOps(t, 1).map((o) => o.kind)).toEqual(expect.arrayContaining(["sort", "gather"]));
  });

  it("head pruning removes heads from the projections and the attention core", () => {
    const t = build("bert-base", { seqLen: 128, tokens: v("tokens", "prune", { keep: 1, start: 0, heads: 0.5 }) });
    expect(macs(layerOps(t, 0, (o) => o.kind === "matmul"))).toBe(denseLayer(128, 6) - 0);
  });

  it("early exit: ops carry P(reach their layer); the expectation is exact", () => {
    const t = build("bert-base", { seqLen: 128, exit: v("exit", "early-exit", { layers: [3, 7], probabilities: [0.2, 0.3] }) });
    const weightOf = (l: number) => layerOps(t, l)[0]!.weight ?? 1;
    expect([0, 3, 4, 7, 8, 11].map(weightOf)).toEqual([1, 1, 0.8, 0.8, 0.5, 0.5]);
    const expected = denseLayer(128) * (4 * 1 + 4 * 0.8 + 4 * 0.5) + 128 * 0 + (1 * 768 * 2) * (1 + 0.8);
    expect(t.ops.reduce((s, o) => s + opMacs(o) * (o.weight ?? 1), 0)).toBeCloseTo(expected, 3);
    expect(t.model.exit).toEqual({ layers: [3, 7], probabilities: [0.2, 0.3] });
  });

  it("early exit rejects probabilities that do not sum to at most 1", () => {
    expect(() => buildPresetTrace("bert-base", { exit: v("exit", "early-exit", { layers: [3, 7], probabilities: [0.6, 0.6] }) })).toThrow(/summing to at most 1/);
  });
});

describe("precision policies", () => {
  it("mixed: edge layers at int8, the rest at int4; scores and KV at their own precision", () => {
    const t = build("gpt2-small", { seqLen: 64, precision: v("precision", "mixed", { rest: "int4", edge: "int8", edgeLayers: 1, scores: "fp16", kv: "int8" }) });
    const p = (name: string) => t.tensors.find((x) => x.name === name)!.precision;
    expect([p("L0.wqkv"), p("L1.wqkv"), p("L10.w1"), p("L11.w2")]).toEqual(["int8", "int4", "int4", "int8"]);
    expect([p("L3.scores"), p("L3.probs"), p("L3.kv"), p("L3.qkv")]).toEqual(["fp16", "fp16", "int8", "int8"]);
  });

  it("precision changes bytes, never MACs", () => {
    const a = build("bert-base", { seqLen: 128, precision: "int8" });
    const b = build("bert-base", { seqLen: 128, precision: "fp16" });
    expect(a.ops.map(opMacs)).toEqual(b.ops.map(opMacs));
    const bytes = (t: Trace) => t.tensors.filter((x) => x.role === "weight").reduce((s, x) => s + bytesFor(x.shape.reduce((p, q) => p * q, 1), x.precision), 0);
    expect(bytes(b)).toBe(2 * bytes(a));
  });
});

describe("mixture of experts (Shazeer et al. 2017; Fedus et al. 2022)", () => {
  it("prefill: all experts active, each over its capacity; router T d E", () => {
    const T = 128, d = 768, dFF = 3072, E = 8, k = 2;
    const t = build("bert-base", { seqLen: T, ffn: v("ffn", "moe", { experts: E, topk: k, capacity: 1.25 }) });
    const capacity = Math.ceil((1.25 * T * k) / E);
    expect(expectedActiveExperts(E, T * k)).toBe(E);
    expect(macs(layerOps(t, 0, (o) => /experts\./.test(o.id)))).toBe(E * capacity * d * dFF * 2);
    expect(macs(layerOps(t, 0, (o) => o.id === "L0.router"))).toBe(T * d * E);
    const expertWeights = t.tensors.filter((x) => x.name.startsWith("L0.experts.") && x.role === "weight");
    expect(expertWeights.reduce((s, x) => s + x.shape.reduce((a, b) => a * b, 1), 0)).toBe(E * 2 * d * dFF);
  });

  it("decode: one token activates top-k experts, whose weights are the only ones read", () => {
    const t = build("llama2-7b", { phase: "decode", contextLen: 128, ffn: v("ffn", "moe", { experts: 8, topk: 2 }) });
    const up = t.ops.find((o) => o.id === "L0.experts.ffn_up")!;
    expect(up.kind === "matmul" && up.batchCount).toBe(2);
    expect(up.kind === "matmul" && up.m).toBe(1);
  });
});

describe("decode with KV cache", () => {
  it("grouped-query attention: 8 KV heads shrink the cache 4x; MACs unchanged", () => {
    const mha = build("llama2-7b", { phase: "decode", contextLen: 1000 });
    const gqa = build("llama2-7b", { phase: "decode", contextLen: 1000, kvHeads: 8 });
    const cache = (t: Trace) => t.tensors.filter((x) => x.role === "kv-cache" && x.name.endsWith("cache")).reduce((s, x) => s + x.shape.reduce((a, b) => a * b, 1), 0);
    expect(cache(gqa) * 4).toBe(cache(mha));
    expect(cache(gqa)).toBe(2 * 32 * 8 * 128 * 1000);
    const attn = (t: Trace) => macs(t.ops.filter((o) => /\.(qk|av)$/.test(o.id)));
    expect(attn(gqa)).toBe(attn(mha));
    const qk = gqa.ops.find((o) => o.id === "L0.qk")!;
    expect(qk.kind === "matmul" && [qk.m, qk.batchCount]).toEqual([4, 8]); // 4 query heads per KV head packed as rows
  });

  it("a 1,000-token generation is one decode step on disk, repeated", () => {
    const t = build("gpt2-small", { seqLen: 128, generate: 1000 });
    const decodeOps = t.ops.filter((o) => o.repeat);
    expect(decodeOps.every((o) => o.repeat!.count === 1000)).toBe(true);
    expect(decodeOps.find((o) => o.id === "gen.L0.qk")!.repeat!.grow).toEqual({ n: 1 });
    expect(JSON.stringify(t).length).toBeLessThan(250_000);
    const prefillOnly = build("gpt2-small", { seqLen: 128 });
    expect(t.ops.length).toBeLessThan(2.2 * prefillOnly.ops.length);
  });
});

describe("composition", () => {
  it("pruning then sparsity = sparsity at the pruned length (they commute per layer)", () => {
    const sparse = attention("block-sparse", { block: 32, density: 0.25 });
    const both = build("bert-base", { seqLen: 512, attention: sparse, tokens: v("tokens", "prune", { keep: 0.5, start: 2 }) });
    const sparseAt256 = build("bert-base", { seqLen: 256, attention: sparse });
    const core = (t: Trace, l: number) => macs(layerOps(t, l, (o) => /\.(qk|av)$/.test(o.id)));
    expect(core(both, 2)).toBe(core(sparseAt256, 2));
  });

  it("block-sparse + int8 + token pruning + MoE: each part as it is alone", () => {
    const parts = { attention: attention("block-sparse", { block: 32, density: 0.3 }), precision: parseVariantText("precision", "int8", "--precision"), tokens: v("tokens", "prune", { keep: 0.9 }), ffn: v("ffn", "moe", { experts: 4, topk: 1 }) };
    const all = build("bert-base", { seqLen: 256, ...parts });
    const withoutMoe = build("bert-base", { seqLen: 256, attention: parts.attention, tokens: parts.tokens });
    const attn = (t: Trace) => t.ops.filter((o) => /\.(qk|softmax|av)$/.test(o.id)).map(opMacs);
    expect(attn(all)).toEqual(attn(withoutMoe));
    // Spec order is irrelevant: a spec is a set of independent choices.
    const reordered = build("bert-base", { ffn: parts.ffn, tokens: parts.tokens, precision: parts.precision, attention: parts.attention, seqLen: 256 });
    expect(JSON.stringify(reordered)).toBe(JSON.stringify(all));
  });
});

describe("other architectures", () => {
  it("Mamba-130m: 90.4 M block parameters (+ 38.6 M embedding = the published 130 M); MACs and scan states per layer", () => {
    const t = build("mamba-130m", { seqLen: 256 });
    const params = t.tensors.filter((x) => x.role === "weight").reduce((s, x) => s + x.shape.reduce((a, b) => a * b, 1), 0);
    expect(params + 50277 * 768).toBeGreaterThan(128e6);
    expect(params + 50277 * 768).toBeLessThan(131e6);
    const d = 768, E = MAMBA_EXPAND * d, N = MAMBA_STATE, R = 48, T = 256;
    expect(macs(layerOps(t, 0, (o) => o.kind === "matmul"))).toBe(T * d * 2 * E + T * E * 4 + T * E * (R + 2 * N) + T * R * E + T * E * d);
    expect(opElements(t.ops.find((o) => o.kind === "scan")!)).toBe(T * E * N);
  });

  it("Mamba decode costs the same at any context (a state, not a cache)", () => {
    const a = build("mamba-130m", { phase: "decode", contextLen: 100 });
    const b = build("mamba-130m", { phase: "decode", contextLen: 100_000 });
    expect(a.ops.map(opMacs)).toEqual(b.ops.map(opMacs));
  });

  it("MobileViT-S-like: 5.6 M parameters and ~2.0 GMACs at 256x256, as published (Mehta & Rastegari 2022)", () => {
    const t = build("mobilevit-s-like", {});
    const params = t.tensors.filter((x) => x.role === "weight").reduce((s, x) => s + x.shape.reduce((a, b) => a * b, 1), 0);
    expect(params / 5.6e6).toBeGreaterThan(0.95);
    expect(params / 5.6e6).toBeLessThan(1.05);
    const total = t.ops.reduce((s, o) => s + opMacs(o), 0);
    expect(total / 2.0e9).toBeGreaterThan(0.9);
    expect(total / 2.0e9).toBeLessThan(1.1);
  });

  it("attention variants apply to MobileViT's transformer layers", () => {
    const t = build("mobilevit-s-like", { attention: attention("local", { window: 64, block: 16 }) });
    expect(t.ops.some((o) => o.kind === "softmax" && o.sparsity)).toBe(true);
  });
});
