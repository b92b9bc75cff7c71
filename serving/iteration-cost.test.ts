/**
 * The iteration-cost model against plain engine calls: layer reuse reproduces full-depth traces,
 * the decomposition stays within its stated tolerance of the whole-iteration trace (docs/serving.md),
 * and the cache returns what the engine said.
 */
import { describe, expect, it } from "vitest";
import { loadDesign } from "../hardware-models/design-loader.js";
import { simulate } from "../sim/engine.js";
import { buildIterationTrace } from "../workloads/serving-iteration.js";
import { resolveVariant, type WorkloadSpec } from "../workloads/workload-spec.js";
import { IterationCostModel, InfeasibleIteration } from "./iteration-cost.js";

const W = { file: "<test>", path: "" };
const int8: WorkloadSpec = { model: "gpt2-small", precision: resolveVariant("precision", "uniform", { precision: "int8" }, W) };
const fp16: WorkloadSpec = { model: "llama2-7b", precision: resolveVariant("precision", "uniform", { precision: "fp16" }, W) };
const rel = (a: number, b: number) => Math.abs(a / b - 1);

const decodes = (n: number, from: number, step: number) => Array.from({ length: n }, (_, i) => ({ queries: 1, context: from + step * i }));
const BATCHES = {
  decodeOnly: [decodes(8, 100, 50), decodes(32, 20, 30)],
  withPrompts: [[...decodes(16, 200, 10), { queries: 256, context: 0 }], [{ queries: 128, context: 384 }, ...decodes(4, 900, 1)], [{ queries: 30, context: 0 }, ...decodes(31, 300, 7)]],
};

describe("layer reuse", () => {
  for (const [design, spec] of [["edge-npu", int8], ["a100-like", fp16], ["rram-imc-edge", int8]] as const) {
    it(`reproduces full-depth engine calls on ${design}`, () => {
      const d = loadDesign(design);
      const reuse = new IterationCostModel(d, spec, { mode: "exact" });
      const full = new IterationCostModel(d, spec, { mode: "exact", layerReuse: false });
      expect(reuse.stats.layerReuse).toBe(true);
      expect(reuse.stats.layerReuseProbeError).toBeLessThan(1e-9);
      for (const b of [[{ queries: 1, context: 77 }], [{ queries: 96, context: 0 }, { queries: 1, context: 400 }]]) {
        const a = reuse.cost(b), e = full.cost(b);
        expect(rel(a.latencySeconds, e.latencySeconds)).toBeLessThan(1e-9);
        expect(rel(a.energyJ, e.energyJ)).toBeLessThan(1e-9);
        expect(a.energyJ).toBeCloseTo(a.dynamicEnergyJ + a.staticEnergyJ, 15);
      }
      // Decomposed pricing too: decode terms from one layer, the rest from two.
      const reuseDec = new IterationCostModel(d, spec), fullDec = new IterationCostModel(d, spec, { layerReuse: false });
      const batch = [{ queries: 40, context: 0 }, { queries: 1, context: 123 }, { queries: 1, context: 700 }];
      expect(rel(reuseDec.cost(batch).latencySeconds, fullDec.cost(batch).latencySeconds)).toBeLessThan(1e-9);
      expect(rel(reuseDec.cost(batch).energyJ, fullDec.cost(batch).energyJ)).toBeLessThan(1e-9);
    });
  }

  it("is off for mixed-precision models (layers differ) and costs then come from full-depth traces", () => {
    const mixed: WorkloadSpec = { model: "gpt2-small", precision: resolveVariant("precision", "mixed", { rest: "int4", edge: "int8", activations: "int8", scores: "int8", kv: "int8" }, W) };
    const m = new IterationCostModel(loadDesign("rram-imc-edge"), mixed);
    expect(m.stats.layerReuse).toBe(false);
  });
});

describe("decomposed vs exact (whole-iteration trace)", () => {
  for (const [design, spec] of [["edge-npu", int8], ["a100-like", fp16], ["tpuv1-like", int8], ["heterogeneous", int8]] as const) {
    const latencyTolerance = design === "heterogeneous" ? 0.04 : 0.01;
    it(`on ${design}: decode-only batches within 0.5%, batches with prompts within ${latencyTolerance * 100}% (latency) and 8% (energy)`, () => {
      const d = loadDesign(design);
      const exact = new IterationCostModel(d, spec, { mode: "exact" });
      const dec = new IterationCostModel(d, spec);
      for (const b of BATCHES.decodeOnly) {
        const e = exact.cost(b), a = dec.cost(b);
        expect(rel(a.latencySeconds, e.latencySeconds)).toBeLessThan(0.005);
        expect(rel(a.energyJ, e.energyJ)).toBeLessThan(0.005);
      }
      for (const b of BATCHES.withPrompts) {
        const e = exact.cost(b), a = dec.cost(b);
        expect(rel(a.latencySeconds, e.latencySeconds)).toBeLessThan(latencyTolerance);
        expect(rel(a.energyJ, e.energyJ)).toBeLessThan(0.08);
      }
    });
  }

  it("a single sequence is priced exactly (nothing to decompose)", () => {
    const d = loadDesign("edge-npu");
    const dec = new IterationCostModel(d, int8, { layerReuse: false });
    for (const s of [{ queries: 1, context: 321 }, { queries: 64, context: 0 }]) {
      const o = simulate(d, buildIterationTrace(int8, [s]), { perOp: false });
      if (!o.ok) throw new Error("infeasible");
      expect(rel(dec.cost([s]).latencySeconds, o.result.latencySeconds)).toBeLessThan(1e-12);
      expect(rel(dec.cost([s]).energyJ, o.result.energyJ)).toBeLessThan(1e-12);
    }
  });

  it("caches by shape: the same batch costs no further engine calls", () => {
    const dec = new IterationCostModel(loadDesign("edge-npu"), int8);
    const b = [...decodes(4, 10, 3), { queries: 20, context: 0 }];
    const first = dec.cost(b);
    const calls = dec.stats.engineCalls;
    expect(dec.cost([...b].reverse())).toEqual(first);
    expect(dec.stats.engineCalls).toBe(calls);
  });

  it("says which design cannot run which batch", () => {
    expect(() => new IterationCostModel(loadDesign("mcu-class"), int8)).toThrow(InfeasibleIteration);
  });
});
