import { describe, expect, it } from "vitest";
import { splitForReplicas } from "./replication.js";
import { loadDesign, locateDesign, resolveDesign } from "./design-loader.js";
import { readDocument } from "../common/document.js";
import { simulate } from "../sim/engine.js";
import { buildPresetTrace } from "../workloads/transformer-builder.js";
import type { MatmulOp } from "../workloads/trace.js";
import { buildOperatorTrace } from "../workloads/operator.js";

const mm = (m: number, n: number, k: number, batchCount = 1): MatmulOp => ({ id: "x", layer: 0, kind: "matmul", m, n, k, batchCount, inputs: ["a", "b"], outputs: ["c"] });

describe("splitting ops across replicas", () => {
  it("batch items (heads) first, one share per replica", () => {
    const s = splitForReplicas(mm(128, 128, 64, 96), 8);
    expect(s.replicas).toBe(8);
    expect((s.op as MatmulOp).batchCount).toBe(12);
  });
});

describe("a dense matmul's split over replicas (issue 15)", () => {
  const a100 = loadDesign("a100-like");
  const tensor = a100.units[0]!;
  const costOf = (m: number, n: number, k: number) => {
    const trace = buildOperatorTrace({ operator: "matmul", m, n, k, precision: "fp16" });
    const o = simulate(a100, trace);
    if (!o.ok) throw new Error("infeasible");
    return o.result;
  };

  it("a GEMM spread 2-D over 108 cores: the same MACs, compute time of the largest part", () => {
    const r = costOf(1024, 4096, 1024);
    expect(r.macs).toBe(1024 * 4096 * 1024);
    // Each core's part is at least 1/108 of the output: no fewer fold cycles than that share.
    const perCore = (1024 * 4096 * 1024) / 108 / 1024;
    expect(r.ops[0]!.computeCycles).toBeGreaterThanOrEqual(perCore);
    expect(r.ops[0]!.computeCycles).toBeLessThan(2 * perCore);
    expect(tensor.count).toBe(108);
  });

  it("the fastest split of the family, never a rounded one: no cliff between 1216 and 1280 rows", () => {
    const t1216 = costOf(1216, 768, 3072).latencyCycles, t1280 = costOf(1280, 768, 3072).latencyCycles;
    expect(t1280).toBeGreaterThanOrEqual(t1216);
    // 5% more rows, at most ~5% (plus a fold's fill) more time: the same split family serves both.
    expect(t1280 / t1216).toBeLessThan(1.1);
  });
});

describe("replicated units", () => {
  /** The edge NPU with `count` copies of its array. */
  const edge = (count: number, glb = true) => {
    const file = locateDesign("edge-npu");
    const doc = structuredClone(readDocument(file)) as Record<string, any>;
    doc.units.npu.count = count;
    if (!glb) doc.memory = [doc.memory[0]];
    return resolveDesign(doc, file);
  };

  it("area, leakage and peak MACs scale with the count", () => {
    const one = edge(1), four = edge(4);
    expect(four.units[0]!.areaMm2).toBeCloseTo(4 * one.units[0]!.areaMm2, 12);
    expect(four.units[0]!.peakMacsPerCycle).toBe(4 * 1024);
  });

  it("the same MACs in a quarter of the compute cycles for a head-batched op; the same work", () => {
    const trace = buildPresetTrace("bert-base", { seqLen: 512 });
    const run = (count: number) => {
      const o = simulate(edge(count), trace);
      if (!o.ok) throw new Error("infeasible");
      return o.result;
    };
    const r1 = run(1), r4 = run(4);
    const qk = (r: typeof r1) => r.ops.find((o) => o.id === "L0.qk")!;
    expect(qk(r4).macs).toBe(qk(r1).macs);
    expect(qk(r4).computeCycles).toBe(qk(r1).computeCycles / 4);
    expect(r4.breakdown.byAction["npu.mac.int8"]!.count).toBe(r1.breakdown.byAction["npu.mac.int8"]!.count);
  });

  it("a duplicated operand is read from DRAM once and multicast from the shared buffer", () => {
    const trace = buildPresetTrace("bert-base", { seqLen: 128 });
    const withGlb = simulate(edge(16), trace), without = simulate(edge(16, false), trace);
    if (!withGlb.ok || !without.ok) throw new Error("infeasible");
    const dram = (r: typeof withGlb) => (r.ok ? r.result.bytesByLevel.dram!.readBytes : 0);
    expect(dram(withGlb)).toBeLessThan(dram(without));
  });

  it("the A100-like preset: 108 cores of 1,024 fp16 MACs", () => {
    const d = loadDesign("a100-like");
    const peakFlops = d.units[0]!.peakMacsPerCycle * d.technology.frequencyHz * 2;
    expect(peakFlops).toBe(108 * 1024 * 1.41e9 * 2);
    // LLMCompass's derived peak, 311.9 TFLOPS, is given to 0.1 TFLOPS.
    expect(Math.abs(peakFlops - 311.9e12)).toBeLessThanOrEqual(0.05e12);
  });
});
