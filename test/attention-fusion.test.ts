/** Fused (FlashAttention) vs unfused attention: DRAM bytes against Dao et al. 2022's tiling. */
import { describe, expect, it } from "vitest";
import { readDocument } from "../common/document.js";
import { locateDesign, resolveDesign } from "../hardware-models/design-loader.js";
import { buildPresetTrace } from "../workloads/transformer-builder.js";
import { simulate } from "../sim/engine.js";
import { flashQueryBlockRows } from "../sim/attention-fusion.js";
import { flashKeyBlockColumns } from "../sim/attention-fusion-backward.js";
import { resolveVariant } from "../workloads/workload-spec.js";
import type { Result } from "../sim/result.js";

/** The edge NPU with only DRAM below the units (so every tensor's traffic is DRAM traffic). */
function design(bufferKib: number, fused: boolean) {
  const file = locateDesign("edge-npu");
  const doc = structuredClone(readDocument(file)) as Record<string, any>;
  doc.memory = [{ ...doc.memory[0], capacity: "64 GiB" }];
  doc.units.npu.buffers = { ifmap: `${bufferKib} KiB`, filter: `${bufferKib} KiB`, ofmap: `${bufferKib} KiB` };
  doc.mapping.fusedAttention = fused;
  return resolveDesign(doc, file);
}

const attentionDram = (r: Result, layer: number) =>
  r.ops.filter((o) => o.id === `L${layer}.qk` || o.id === `L${layer}.softmax` || o.id === `L${layer}.av`)
    .reduce((s, o) => s + (o.bytesByLevel.dram?.readBytes ?? 0) + (o.bytesByLevel.dram?.writeBytes ?? 0), 0);

describe("fused attention (FlashAttention tiling)", () => {
  const cases: [string, number, number][] = [["bert-base", 512, 1], ["bert-base", 2048, 8], ["gpt2-small", 1024, 2], ["llama2-7b", 512, 1], ["llama2-7b", 1024, 32]];
  for (const [model, n, kib] of cases) {
    it(`${model} n=${n}, ${3 * kib} KiB of buffers: Q + O once, K and V once per query block`, () => {
      const trace = buildPresetTrace(model, { seqLen: n });
      const r = simulate(design(kib, true), trace);
      if (!r.ok) throw new Error(r.infeasible.reasons[0]!.reason);
      const { heads, dHead: d } = trace.model;
      const br = flashQueryBlockRows(3 * kib * 1024, d); // int8: bytes = elements
      const tr = Math.ceil(n / br);
      expect(r.result.attentionFusion).toMatchObject({ queryBlockRows: br, kvPasses: tr });
      expect(attentionDram(r.result, 0)).toBe(heads * (n * d + 2 * n * d * tr + n * d));
    });
  }

  it("unfused moves the n x n scores through DRAM (written, read, written, read): Theta(n^2) vs Theta(n^2 d^2 / M)", () => {
    for (const n of [512, 2048]) {
      const trace = buildPresetTrace("bert-base", { seqLen: n });
      const unfused = simulate(design(32, false), trace);
      const fused = simulate(design(32, true), trace);
      if (!unfused.ok || !fused.ok) throw new Error("infeasible");
      expect(attentionDram(unfused.result, 0)).toBeGreaterThanOrEqual(4 * 12 * n * n);
      expect(attentionDram(fused.result, 0)).toBeLessThan(attentionDram(unfused.result, 0));
      // Same arithmetic either way.
      expect(fused.result.macs).toBe(unfused.result.macs);
    }
  });

  it("a larger buffer never adds fused traffic (fewer query blocks)", () => {
    const trace = buildPresetTrace("llama2-7b", { seqLen: 1024 });
    let last = Infinity;
    for (const kib of [1, 2, 4, 8, 16, 64]) {
      const r = simulate(design(kib, true), trace);
      if (!r.ok) throw new Error("infeasible");
      const bytes = attentionDram(r.result, 0);
      expect(bytes).toBeLessThanOrEqual(last);
      last = bytes;
    }
  });
});

/**
 * Training: the attention backward's memory traffic, standard (Dao et al. 2022, Appendix B.3,
 * Algorithm 3: the textbook order, every N x N matrix through memory) and fused (Algorithm 4,
 * Theorem 5). Traffic of one layer's backward group, per head in elements: standard 7 N^2 + 8 N d;
 * fused (5 Tc + 3) N d with Tc = ceil(N / Bc), Bc = ceil(M / 4d) (sim/attention-fusion-backward.ts).
 */
describe("attention backward: textbook and FlashAttention IO counts", () => {
  /** An fp16 array with big buffers (each operand read once unfused), DRAM only. */
  function fp16Design(bufferKib: number, fused: boolean) {
    const file = locateDesign("edge-npu");
    const doc = structuredClone(readDocument(file)) as Record<string, any>;
    doc.memory = [{ ...doc.memory[0], capacity: "64 GiB" }];
    doc.units.npu = { ...doc.units.npu, macPrecision: "fp16", buffers: { ifmap: `${bufferKib} KiB`, filter: `${bufferKib} KiB`, ofmap: `${bufferKib} KiB` } };
    doc.units.dsp.localMemory = "1 MiB";
    doc.mapping.fusedAttention = fused;
    return resolveDesign(doc, file);
  }
  const W = { file: "<test>", path: "" };
  const trainTrace = (n: number, dropout: number) =>
    buildPresetTrace("bert-base", { phase: "train", seqLen: n, precision: "fp16", train: resolveVariant("train", "sgd", { dropout }, W) });
  /** DRAM bytes of a layer's attention backward: the gradients of QK^T, softmax, dropout and AV, and (fused) the recompute. */
  const groupBackwardBytes = (r: Result, layer: number) => {
    const forward = [`L${layer}.qk`, `L${layer}.softmax`, `L${layer}.av`, `L${layer}.probs.dropout`];
    return r.ops.filter((o) => !forward.includes(o.id) && forward.some((p) => o.id.startsWith(`${p}.`) || o.id.startsWith(`${p}@`) || o.id.startsWith(`L${layer}.probs.dropout`)))
      .reduce((s, o) => s + (o.bytesByLevel.dram ? o.bytesByLevel.dram.readBytes + o.bytesByLevel.dram.writeBytes : 0), 0);
  };

  for (const n of [256, 512]) {
    it(`standard backward, N=${n}: 7 N^2 + 8 N d per head (Algorithm 3)`, () => {
      const trace = trainTrace(n, 0);
      const r = simulate(fp16Design(4096, false), trace);
      if (!r.ok) throw new Error(r.infeasible.reasons[0]!.reason);
      const { heads, dHead: d } = trace.model;
      expect(groupBackwardBytes(r.result, 3)).toBe(2 * heads * (7 * n * n + 8 * n * d));
    });
  }

  const cases: [number, number, number][] = [[512, 8, 0], [512, 8, 0.1], [1024, 16, 0.1], [2048, 4, 0]];
  for (const [n, kib, dropout] of cases) {
    it(`fused backward, N=${n}, ${3 * kib} KiB, dropout ${dropout}: (5 Tc + 3) N d per head (Algorithm 4)`, () => {
      const trace = trainTrace(n, dropout);
      const design = fp16Design(kib, true);
      const r = simulate(design, trace);
      if (!r.ok) throw new Error(r.infeasible.reasons[0]!.reason);
      const { heads, dHead: d } = trace.model;
      const bc = flashKeyBlockColumns((3 * kib * 1024) / 2, d);
      const tc = Math.ceil(n / bc);
      expect(r.result.attentionFusion).toMatchObject({ backwardGroups: 12, keyBlockPasses: tc });
      expect(groupBackwardBytes(r.result, 3)).toBe(2 * heads * (5 * tc + 3) * n * d);
      // The scores are recomputed: one more QK^T per layer than the unfused step.
      const unfused = simulate(fp16Design(kib, false), trace);
      if (!unfused.ok) throw new Error("infeasible");
      expect(r.result.macs - unfused.result.macs).toBe(12 * heads * n * n * d);
    });
  }

  it("Theta(N^2 d^2 / M): doubling M about halves the fused traffic's Tc term; doubling N quadruples it", () => {
    const bytes = (n: number, kib: number) => {
      const trace = trainTrace(n, 0);
      const r = simulate(fp16Design(kib, true), trace);
      if (!r.ok) throw new Error("infeasible");
      return groupBackwardBytes(r.result, 3);
    };
    expect(bytes(1024, 8) / bytes(1024, 16)).toBeGreaterThan(1.8);
    expect(bytes(2048, 8) / bytes(1024, 8)).toBeGreaterThan(3.6);
  });
});
