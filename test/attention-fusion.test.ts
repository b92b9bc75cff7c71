/** Fused (FlashAttention) vs unfused attention: DRAM bytes against Dao et al. 2022's tiling. */
import { describe, expect, it } from "vitest";
import { readDocument } from "../common/document.js";
import { locateDesign, resolveDesign } from "../hardware-models/design-loader.js";
import { buildPresetTrace } from "../workloads/transformer-builder.js";
import { simulate } from "../sim/engine.js";
import { flashQueryBlockRows } from "../sim/attention-fusion.js";
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
