import { describe, expect, it } from "vitest";
import { vectorDsp, lanesAt, type DspSpec } from "./vector-dsp.js";
import { EnergyTable } from "../technology/energy-table.js";
import type { SoftmaxOp, LayerNormOp, ElementwiseOp } from "../../workloads/trace.js";
import type { OpContext } from "../unit-model.js";
import type { MemoryLevel } from "../memory-hierarchy.js";

const energy = new EnergyTable({ nodeNm: 45, voltageV: 0.9, flavor: "hp" });
const env = { file: "t.yaml", path: "/units/dsp", name: "dsp", nodeNm: 45, voltageV: 0.9, frequencyHz: 1e9, energy };
const dsp = (extra: Record<string, unknown> = {}): DspSpec =>
  vectorDsp.resolve({ kind: "dsp", lanes: 16, laneBits: 32, precisions: ["fp16", "fp32", "int8"], localMemory: "64 KiB", ...extra }, env);
const level = { name: "sram", index: 0, capacityBytes: 1 << 30, bandwidthBytesPerSecond: 1e12 } as MemoryLevel;
const ctx = (p: "fp16" | "int8" = "fp16"): OpContext => ({ inputs: [{ precision: p, level: 0, bytes: 1 << 20 }], output: { precision: p, level: 0, bytes: 1 << 20 }, memory: [level] });
const softmax: SoftmaxOp = { id: "s", layer: 0, kind: "softmax", rows: 1, cols: 1024, batchCount: 1, inputs: ["x"], outputs: ["y"] };

describe("vector DSP lowering", () => {
  it("lanes grow with narrower precisions (sub-word SIMD)", () => {
    const s = dsp();
    expect(lanesAt(s, "fp32")).toBe(16);
    expect(lanesAt(s, "fp16")).toBe(32);
    expect(lanesAt(s, "int8")).toBe(64);
  });

  it("softmax on the baseline ISA: hand-counted instructions", () => {
    // fp16: 32 lanes, 1024 cols -> 32 vectors per row. Per element: max 1, sub 1, exp (1 mul + 3 add
    // + 4 mac), accumulate 1 add, normalise 1 mul = 12 instructions per vector. Per row: reciprocal
    // (1 add + 2 mac + 2 mul) = 5, two tree reductions of log2(32) = 5 steps each = 10.
    const cost = vectorDsp.cost(dsp(), softmax, ctx());
    expect(cost.computeCycles).toBe(32 * 12 + 5 + 10);
    const s = dsp();
    const laneOps = (name: string) => cost.actionCounts[s.actions.findIndex((a) => a.name === name)]!;
    expect(laneOps("mac.fp16")).toBe(1024 * 4 + 2);
    expect(laneOps("max.fp16")).toBe(1024);
    expect(laneOps("instruction")).toBe(32 * 12 + 5 + 10);
  });

  it("a native exp instruction cuts softmax cycles and energy per element", () => {
    const base = vectorDsp.cost(dsp(), softmax, ctx());
    const native = dsp({ instructions: { exp: { cycles: 1 } } });
    const fast = vectorDsp.cost(native, softmax, ctx());
    expect(fast.computeCycles).toBe(32 * 5 + 5 + 10);
    const energyOf = (s: DspSpec, c: typeof base) => c.actionCounts.reduce((sum, n, i) => sum + n * s.actions[i]!.energyPj, 0);
    expect(energyOf(native, fast)).toBeLessThan(energyOf(dsp(), base));
  });

  it("a row that does not fit in local memory streams three times (softmax) or twice (layernorm)", () => {
    const small = dsp({ localMemory: "1 KiB" });
    const wide: SoftmaxOp = { ...softmax, cols: 4096 };
    const c = vectorDsp.cost(small, wide, ctx());
    expect(c.readBytes[0]).toBe(3 * 4096 * 2 + 4096 * 2); // x three times + the stored exponentials
    const ln: LayerNormOp = { id: "n", layer: 0, kind: "layernorm", rows: 1, cols: 4096, norm: "layer", inputs: ["x", "g", "b"], outputs: ["y"] };
    const lnCtx: OpContext = { ...ctx(), inputs: [0, 1, 2].map(() => ({ precision: "fp16" as const, level: 0, bytes: 4096 * 2 })) };
    expect(vectorDsp.cost(small, ln, lnCtx).readBytes[0]).toBe(2 * 4096 * 2 + 2 * 4096 * 2);
  });

  it("an unsupported precision is infeasible with a reason", () => {
    const add: ElementwiseOp = { id: "a", layer: 0, kind: "elementwise", fn: "add", elements: 10, inputs: ["x"], outputs: ["y"] };
    const f = vectorDsp.check(dsp({ precisions: ["int8"] }), add, ctx("fp16"));
    expect(f.ok).toBe(false);
    if (!f.ok) expect(f.reason).toMatch(/supports only int8/);
  });
});
