/** Workload variants through the engine: the hardware costs what the variant really does. */
import { describe, expect, it } from "vitest";
import { buildPresetTrace } from "../workloads/transformer-builder.js";
import { resolveVariant } from "../workloads/workload-spec.js";
import { simulate } from "../sim/engine.js";
import { loadDesign } from "../hardware-models/design-loader.js";
import { systolicGeometry, sparseGeometry } from "../hardware-models/units/systolic-array.js";
import { opCount, opMacs, type MatmulOp, type Trace } from "../workloads/trace.js";
import type { Result } from "../sim/result.js";

const W = { file: "t", path: "" };
const run = (design: string, trace: Trace): Result => {
  const o = simulate(loadDesign(design), trace);
  if (!o.ok) throw new Error(JSON.stringify(o.infeasible.reasons.slice(0, 3)));
  return o.result;
};

describe("sparse attention on the systolic array", () => {
  it("only output tiles holding kept blocks run (os); cycles fall with density", () => {
    const trace = buildPresetTrace("bert-base", { seqLen: 512, attention: resolveVariant("attention", "block-sparse", { block: 32, density: 0.25 }, W) });
    const qk = trace.ops.find((o) => o.id === "L0.qk") as MatmulOp;
    const dense = systolicGeometry(32, 32, "os", qk.m, qk.n, qk.k);
    const sparse = sparseGeometry(32, 32, "os", qk);
    // 32x32 tiles = 32x32 blocks: exactly the kept blocks run.
    expect(sparse.computeCycles).toBe(dense.computeCycles * 0.25);
    for (const df of ["ws", "is"] as const) {
      expect(sparseGeometry(32, 32, df, qk).computeCycles).toBeLessThan(systolicGeometry(32, 32, df, qk.m, qk.n, qk.k).computeCycles);
    }
    const av = trace.ops.find((o) => o.id === "L0.av") as MatmulOp;
    for (const df of ["os", "ws", "is"] as const) {
      expect(sparseGeometry(32, 32, df, av).computeCycles).toBeLessThan(systolicGeometry(32, 32, df, av.m, av.n, av.k).computeCycles);
    }
  });

  it("sparse attention costs less energy and time than dense on the edge NPU, and the MAC actions are the kept blocks'", () => {
    const dense = run("edge-npu", buildPresetTrace("bert-base", { seqLen: 1024 }));
    const sparse = run("edge-npu", buildPresetTrace("bert-base", { seqLen: 1024, attention: resolveVariant("attention", "local", { window: 128 }, W) }));
    expect(sparse.energyJ).toBeLessThan(dense.energyJ);
    expect(sparse.latencySeconds).toBeLessThan(dense.latencySeconds);
    expect(sparse.breakdown.byAction["npu.mac.int8"]!.count).toBe(sparse.macs);
  });
});

describe("generation through the engine", () => {
  it("MACs of a T-token generation = prefill + sum over steps of the decode MACs at growing context", () => {
    const seq = 64, T = 50, L = 12, d = 768, dFF = 3072;
    const r = run("edge-npu", buildPresetTrace("gpt2-small", { seqLen: seq, generate: T }));
    const prefill = L * (4 * seq * d * d + 2 * seq * seq * d + 2 * seq * d * dFF);
    let decode = 0;
    for (let s = 0; s < T; s++) decode += L * (4 * d * d + 2 * d * (seq + 1 + s) + 2 * d * dFF);
    expect(r.macs).toBe(prefill + decode);
    const step = r.ops.find((o) => o.id === "gen.L0.qk")!;
    expect(step.count).toBe(T);
  });

  it("a 1-token generation's decode step costs what a decode step at that context costs", () => {
    const gen = run("edge-npu", buildPresetTrace("gpt2-small", { seqLen: 100, generate: 1 }));
    const dec = run("edge-npu", buildPresetTrace("gpt2-small", { phase: "decode", contextLen: 100 }));
    const genStep = gen.ops.filter((o) => o.id.startsWith("gen.")).reduce((s, o) => s + o.macs, 0);
    expect(genStep).toBe(dec.macs);
  });
});

describe("early exit through the engine", () => {
  it("reports the cost at each exit point; the expectation weights them by probability", () => {
    const trace = buildPresetTrace("bert-base", { seqLen: 128, exit: resolveVariant("exit", "early-exit", { layers: [3, 7], probabilities: [0.2, 0.3] }, W) });
    const r = run("edge-npu", trace);
    const profile = r.exitProfile!;
    expect(profile.map((p) => p.afterLayer)).toEqual([3, 7, 11]);
    expect(profile.map((p) => p.probability)).toEqual([0.2, 0.3, 0.5]);
    expect(profile[0]!.latencyCycles).toBeLessThan(profile[1]!.latencyCycles);
    // Exiting later costs more, and the expectation lies between the cheapest and the full run.
    expect(r.latencyCycles).toBeGreaterThan(profile[0]!.latencyCycles);
    expect(r.latencyCycles).toBeLessThan(profile[2]!.latencyCycles);
  });
});

describe("every variant runs on every design preset that can hold it, and the engine costs the trace it was given", () => {
  // Expected direction against dense bert-base at 512 tokens: less work (sparse patterns, pruning),
  // more (MoE with its routing and k experts), or not fixed at this length (linformer's projections
  // cost what they save at k = n/2; performer's feature maps and reformer's hashing and sorting add
  // work while n is short), where the test only asks that the variant reached the hardware.
  const variants: [string, string, Record<string, unknown>, "less" | "more" | "changed"][] = [
    ["attention", "block-sparse", {}, "less"], ["attention", "local", {}, "less"], ["attention", "strided", {}, "less"], ["attention", "bigbird", {}, "less"],
    ["attention", "longformer", {}, "less"], ["attention", "adaptive-span", { spans: [64, 256] }, "less"], ["attention", "linformer", {}, "changed"],
    ["attention", "performer", {}, "changed"], ["attention", "reformer", {}, "changed"], ["tokens", "prune", {}, "less"], ["ffn", "moe", {}, "more"],
  ];
  const dense = buildPresetTrace("bert-base", { seqLen: 512 });
  for (const [category, kind, params, direction] of variants) {
    it(`${kind} on edge-npu and tpuv1-like`, () => {
      const trace = buildPresetTrace("bert-base", { seqLen: 512, [category]: resolveVariant(category as never, kind, params, W) });
      // The trace's own MAC count, independent of the engine's accumulation.
      const traceMacs = trace.ops.reduce((s, op) => s + opMacs(op) * (op.weight ?? 1) * opCount(op), 0);
      for (const design of ["edge-npu", "tpuv1-like"]) {
        const r = run(design, trace), d = run(design, dense);
        expect(r.macs).toBeCloseTo(traceMacs, 0);
        // Breakdowns add up to the totals.
        const parts = r.breakdown.byUnit.reduce((s, u) => s + u.energyPj, 0) + r.breakdown.byLevel.reduce((s, l) => s + l.energyPj, 0) + r.systemEnergyPj + r.chipEnergyPj;
        expect(Math.abs(parts / r.energyPj - 1)).toBeLessThan(1e-9);
        if (direction === "less") {
          expect(r.macs).toBeLessThan(d.macs);
          // Less work is less dynamic energy; the total also pays the whole chip's time-proportional
          // power, so it is only less when the variant is not slower (BigBird at 512 tokens on
          // tpuv1-like: 0.7% slower than dense, its clocks running, 0.6% more energy).
          expect(r.dynamicEnergyPj).toBeLessThan(d.dynamicEnergyPj);
          if (r.latencySeconds <= d.latencySeconds) expect(r.energyJ).toBeLessThan(d.energyJ);
        } else if (direction === "more") {
          expect(r.macs).toBeGreaterThan(d.macs);
          expect(r.energyJ).toBeGreaterThan(d.energyJ);
        } else expect(Math.abs(r.energyJ / d.energyJ - 1)).toBeGreaterThan(1e-3);
      }
    });
  }
  it("mamba-130m and mobilevit-s-like run (the scan and sorts go to the DSP)", () => {
    expect(run("tpuv1-like", buildPresetTrace("mamba-130m", { seqLen: 256 })).ops.find((o) => o.kind === "scan")!.unit).toBe("vector");
    expect(run("edge-npu", buildPresetTrace("mobilevit-s-like")).macs).toBeGreaterThan(1.9e9);
    // At 256x256 its first inverted-residual block (128 x 128 x 64 int8 = 1 MiB) does not fit a 512 KiB MCU.
    expect(simulate(loadDesign("mcu-class"), buildPresetTrace("mobilevit-s-like")).ok).toBe(false);
  });
});
