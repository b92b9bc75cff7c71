import { describe, expect, it } from "vitest";
import { loadDesign, locateDesign, resolveDesign } from "../hardware-models/design-loader.js";
import { readDocument } from "../common/document.js";
import { withValues } from "../common/set-path.js";
import { buildPresetTrace } from "../workloads/transformer-builder.js";
import { simulate } from "./engine.js";
import { actionGroup, componentGroup, energyGroups, energyUncertainty, FactorDraws, interval, RANGE_FACTORS } from "./energy-uncertainty.js";

function run(design: string) {
  const d = loadDesign(design);
  const out = simulate(d, buildPresetTrace("deit-tiny"), { perOp: false });
  if (!out.ok) throw new Error("infeasible");
  return { design: d, result: out.result };
}

describe("energy uncertainty from the tables' confidence", () => {
  const designs = ["edge-npu", "mcu-class", "rram-imc-edge"];

  it("groups sum to the run's energy; each action's group follows its table entry", () => {
    for (const name of designs) {
      const { design, result } = run(name);
      const sum = energyGroups(design, result).reduce((s, g) => s + g.energyJ, 0);
      expect(sum / result.energyJ).toBeCloseTo(1, 12);
    }
    const { design } = run("edge-npu");
    expect(actionGroup(design, "npu.mac.int8")).toEqual({ group: "arithmetic.int8", confidence: "high" });
    expect(actionGroup(design, "npu.ifmap.read")).toEqual({ group: "sram", confidence: "medium" });
    expect(actionGroup(design, "glb.write")).toEqual({ group: "sram", confidence: "medium" });
    expect(actionGroup(design, "dram.read")).toEqual({ group: "memory.lpddr4x", confidence: "low" });
    expect(actionGroup(design, "dsp.instruction")).toEqual({ group: "instruction", confidence: "medium" });
    expect(actionGroup(run("rram-imc-edge").design, "crossbars.adc")).toEqual({ group: "imc.adc", confidence: "low" });
  });

  it("the whole chip's lines are grouped by the number they rest on; nothing is left to an unexplained rest", () => {
    for (const name of designs) {
      const { design, result } = run(name);
      expect(energyGroups(design, result).map((g) => g.name)).not.toContain("other");
    }
    const { design } = run("edge-npu");
    expect(componentGroup(design, "clock.npu")).toEqual({ group: "chip.flip-flop", confidence: "medium" });
    expect(componentGroup(design, "clock.global")).toEqual({ group: "chip.clock-tree", confidence: "low" });
    expect(componentGroup(design, "phy.dram")).toEqual({ group: "phy.lpddr4x", confidence: "medium" });
    expect(componentGroup(design, "dram-background.dram")).toEqual({ group: "dram-background.lpddr4x", confidence: "low" });
    expect(componentGroup(design, "leakage.uncounted")).toEqual({ group: "leakage", confidence: "low" });
  });

  it("a value the design file gives is its own group, high confidence; a calibrated action medium", () => {
    const file = locateDesign("edge-npu");
    const doc = withValues(readDocument(file), [[["memory", "1", "readEnergy"], "1 pJ/B"], [["calibration"], { energy: { "npu.mac.int8": "0.2 pJ" } }]]);
    const design = resolveDesign(doc, file);
    expect(actionGroup(design, "glb.read")).toEqual({ group: "glb.read", confidence: "high" });
    expect(actionGroup(design, "glb.write")).toEqual({ group: "sram", confidence: "medium" });
    expect(actionGroup(design, "npu.mac.int8")).toEqual({ group: "npu.mac.int8", confidence: "medium" });
  });

  it("intervals contain the nominal value, for every design and metric", () => {
    for (const name of designs) {
      const { design, result } = run(name);
      const u = energyUncertainty(design, result, { samples: 400, seed: 1 });
      for (const m of Object.values(u.metrics)) {
        expect(m.low).toBeLessThanOrEqual(m.nominal);
        expect(m.high).toBeGreaterThanOrEqual(m.nominal);
        expect(m.low).toBeLessThan(m.high);
      }
    }
  });

  it("intervals shrink when the ranges shrink, and vanish with exact tables", () => {
    const { design, result } = run("edge-npu");
    const width = (k: number) => {
      const ranges = { high: 1 + (RANGE_FACTORS.high - 1) * k, medium: 1 + (RANGE_FACTORS.medium - 1) * k, low: 1 + (RANGE_FACTORS.low - 1) * k };
      const e = energyUncertainty(design, result, { samples: 400, seed: 2, ranges }).metrics.energyJ;
      return e.high - e.low;
    };
    const [full, half, tenth, none] = [width(1), width(0.5), width(0.1), width(0)];
    expect(half).toBeLessThan(full);
    expect(tenth).toBeLessThan(half);
    expect(none).toBeLessThan(1e-12 * result.energyJ);
  });

  it("reproducible with a seed; another seed draws other samples", () => {
    const { design, result } = run("mcu-class");
    const a = energyUncertainty(design, result, { samples: 200, seed: 7 });
    const b = energyUncertainty(design, result, { samples: 200, seed: 7 });
    const c = energyUncertainty(design, result, { samples: 200, seed: 8 });
    expect(a).toEqual(b);
    expect(c.metrics.energyJ.low).not.toBe(a.metrics.energyJ.low);
  });

  it("factors are log-uniform on [1/k, k]: a low-confidence factor's log has mean 0 and variance (ln 2)^2 / 3", () => {
    const f = new FactorDraws(20_000, 3).of("x", "low");
    const logs = Array.from(f, Math.log);
    const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
    const variance = logs.reduce((a, b) => a + (b - mean) ** 2, 0) / logs.length;
    expect(Math.max(...f)).toBeLessThanOrEqual(2);
    expect(Math.min(...f)).toBeGreaterThanOrEqual(0.5);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(variance).toBeCloseTo(Math.LN2 ** 2 / 3, 2);
  });

  it("interval: quantiles by linear interpolation", () => {
    expect(interval(2, [1, 2, 3, 4, 5], 0.5)).toEqual({ nominal: 2, mean: 3, low: 2, median: 3, high: 4 });
  });
});
