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

describe("kernel tiles: a GPU's GEMM handed to the cores in whole thread-block tiles", () => {
  /** a100-like (108 cores, HBM and a 40 MiB L2: these GEMMs are compute-bound) with its tensor unit's count and tiles set. */
  const a100 = (count: number, kernelTiles?: { rows: number; cols: number }[]) => {
    const file = locateDesign("a100-like");
    const doc = structuredClone(readDocument(file)) as Record<string, any>;
    doc.units.tensor.count = count;
    doc.units.vector.count = count;
    if (kernelTiles) doc.units.tensor.kernelTiles = kernelTiles;
    else delete doc.units.tensor.kernelTiles;
    return resolveDesign(doc, file);
  };
  const run = (design: ReturnType<typeof a100>, m: number, n: number, k: number) => {
    const o = simulate(design, buildOperatorTrace({ operator: "matmul", m, n, k, precision: "fp16" }), { concurrency: false });
    if (!o.ok) throw new Error("infeasible");
    return o.result;
  };
  const TILE = [{ rows: 128, cols: 128 }];

  it("172 x 1024 on 16 cores in 128 x 128 tiles: 16 tiles, one each; time is a whole tile's (the 44-row tile padded), MACs the real ones", () => {
    const tiled = run(a100(16, TILE), 172, 1024, 1024);
    const oneTile = run(a100(1), 128, 128, 1024);
    expect(tiled.macs).toBe(172 * 1024 * 1024);
    expect(tiled.ops[0]!.computeCycles).toBe(oneTile.ops[0]!.computeCycles);
    // Without tiles the 16 cores split the rows and columns finely: less time than a padded tile.
    expect(run(a100(16), 172, 1024, 1024).ops[0]!.computeCycles).toBeLessThan(oneTile.ops[0]!.computeCycles);
  });

  it("more tiles than cores come in waves: 4 x 8 tiles of 128 on 16 cores take two tiles' time", () => {
    const tiled = run(a100(16, TILE), 512, 1024, 1024);
    const twoTiles = run(a100(1), 256, 128, 1024);
    expect(tiled.ops[0]!.computeCycles).toBe(twoTiles.ops[0]!.computeCycles);
  });

  it("several shapes: the fastest is taken (never slower than any one of them alone)", () => {
    const shapes = [{ rows: 128, cols: 128 }, { rows: 64, cols: 64 }];
    for (const [m, n] of [[172, 1024], [64, 4096], [1000, 300]] as const) {
      const both = run(a100(16, shapes), m, n, 1024).latencyCycles;
      for (const s of shapes) expect(both).toBeLessThanOrEqual(run(a100(16, [s]), m, n, 1024).latencyCycles);
    }
  });
});
