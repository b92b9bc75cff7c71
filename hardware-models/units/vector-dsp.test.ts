import { describe, expect, it } from "vitest";
import { vectorDsp, lanesAt, type DspSpec } from "./vector-dsp.js";
import { EnergyTable } from "../technology/energy-table.js";
import type { SoftmaxOp, LayerNormOp, ElementwiseOp, SortOp } from "../../workloads/trace.js";
import type { OpContext } from "../unit-model.js";
import type { MemoryLevel } from "../memory-hierarchy.js";
import { convOp } from "../../workloads/conv.js";

const energy = new EnergyTable({ nodeNm: 45, voltageV: 0.9, flavor: "hp" });
const env = { file: "t.yaml", path: "/units/dsp", name: "dsp", nodeNm: 45, voltageV: 0.9, frequencyHz: 1e9, energy };
type DspSection = Parameters<typeof vectorDsp.resolve>[0];
const dsp = (extra: Partial<DspSection> = {}): DspSpec =>
  vectorDsp.resolve({ kind: "dsp", lanes: 16, laneBits: 32, precisions: ["fp16", "fp32", "int8"], localMemory: "64 KiB", ...extra }, env);
const level = { name: "sram", index: 0, capacityBytes: 1 << 30, bandwidthBytesPerSecond: 1e12 } as MemoryLevel;
const ctx = (p: "fp16" | "int8" = "fp16"): OpContext => ({ inputs: [{ precision: p, level: 0, bytes: 1 << 20, isWeight: false, tensor: 0 }], output: { precision: p, level: 0, bytes: 1 << 20, isWeight: false, tensor: 1 }, memory: [level] });
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
    const laneOps = (name: string) => cost.counts[s.actions.list.findIndex((a) => a.name === name)]!;
    expect(laneOps("mac.fp16")).toBe(1024 * 4 + 2);
    expect(laneOps("max.fp16")).toBe(1024);
    expect(laneOps("instruction")).toBe(32 * 12 + 5 + 10);
  });

  it("a native exp instruction cuts softmax cycles and energy per element", () => {
    const base = vectorDsp.cost(dsp(), softmax, ctx());
    const native = dsp({ instructions: { exp: { cycles: 1 } } });
    const fast = vectorDsp.cost(native, softmax, ctx());
    expect(fast.computeCycles).toBe(32 * 5 + 5 + 10);
    const energyOf = (s: DspSpec, c: typeof base) => c.counts.reduce((sum, n, i) => sum + n * s.actions.list[i]!.energyPj, 0);
    expect(energyOf(native, fast)).toBeLessThan(energyOf(dsp(), base));
  });

  it("a row that does not fit in local memory streams three times (softmax) or twice (layernorm)", () => {
    const small = dsp({ localMemory: "1 KiB" });
    const wide: SoftmaxOp = { ...softmax, cols: 4096 };
    const c = vectorDsp.cost(small, wide, ctx());
    expect(c.readBytes[0]).toBe(3 * 4096 * 2 + 4096 * 2); // x three times + the stored exponentials
    const ln: LayerNormOp = { id: "n", layer: 0, kind: "layernorm", rows: 1, cols: 4096, norm: "layer", inputs: ["x", "g", "b"], outputs: ["y"] };
    const lnCtx: OpContext = { ...ctx(), inputs: [0, 1, 2].map((tensor) => ({ precision: "fp16" as const, level: 0, bytes: 4096 * 2, isWeight: false, tensor })) };
    expect(vectorDsp.cost(small, ln, lnCtx).readBytes[0]).toBe(2 * 4096 * 2 + 2 * 4096 * 2);
  });

  it("a top-k sort: ceil(log2 k) compare-and-move steps per key; a move is two register-file accesses and no arithmetic", () => {
    // 4 rows of 1,024 fp16 keys, top 32: 5 steps per key, each a max and a copy lane-op.
    const sort: SortOp = { id: "t", layer: 0, kind: "sort", length: 1024, batchCount: 4, topk: 32, inputs: ["x"], outputs: ["y"] };
    const s = dsp();
    const cost = vectorDsp.cost(s, sort, ctx());
    const laneOps = (name: string) => cost.counts[s.actions.list.findIndex((a) => a.name === name)]!;
    expect(laneOps("copy.fp16")).toBe(4 * 1024 * 5);
    expect(laneOps("max.fp16")).toBe(4 * 1024 * 5);
    // Horowitz's table prices no arithmetic for a move: read and write one fp16 element of the register file.
    const rf = energy.sramPjPerByte(s.registerFileBytes);
    expect(s.actions.list.find((a) => a.name === "copy.fp16")!.energyPj).toBeCloseTo(2 * 2 * rf, 12);
  });

  it("an unsupported precision is infeasible with a reason", () => {
    const add: ElementwiseOp = { id: "a", layer: 0, kind: "elementwise", fn: "add", elements: 10, inputs: ["x"], outputs: ["y"] };
    const f = vectorDsp.check(dsp({ precisions: ["int8"] }), add, ctx("fp16"));
    expect(f.ok).toBe(false);
    if (!f.ok) expect(f.reason.reason).toMatch(/supports only int8/);
  });
});

describe("attention-specific DSP instructions", () => {
  const energyOf = (s: DspSpec, c: ReturnType<typeof vectorDsp.cost>) => c.counts.reduce((sum, n, i) => sum + n * s.actions.list[i]!.energyPj, 0);

  it("a fused subtract-exp-sum instruction: 32 x 3 + 5 + 10 ALU cycles; the three passes' loads then bound it", () => {
    const s = dsp({ instructions: { softmaxStep: { cycles: 1 } } });
    const c = vectorDsp.cost(s, softmax, ctx());
    expect(c.counts[s.actions.list.findIndex((a) => a.name === "instruction")]).toBe(32 * 3 + 5 + 10);
    // Loads: the row three times + the output store, 2 KiB each, 64 B per vector load/store.
    expect(c.computeCycles).toBe((3 * 2048 + 2048) / 64);
  });

  it("online softmax: one instruction and a multiply per element, two passes when a row spills", () => {
    const s = dsp({ instructions: { onlineSoftmax: { cycles: 2 } } });
    expect(vectorDsp.cost(s, softmax, ctx()).computeCycles).toBe(32 * (2 + 1) + 5 + 10);
    const small = dsp({ localMemory: "1 KiB", instructions: { onlineSoftmax: { cycles: 2 } } });
    const wide: SoftmaxOp = { ...softmax, cols: 4096 };
    expect(vectorDsp.cost(small, wide, ctx()).readBytes[0]).toBe(2 * 4096 * 2 + 4096 * 2);
  });

  it("per element, softmax cycles and energy fall: baseline > fused step > online", () => {
    const base = dsp(), step = dsp({ instructions: { softmaxStep: {} } }), online = dsp({ instructions: { onlineSoftmax: {} } });
    const [cb, cs, co] = [base, step, online].map((s) => vectorDsp.cost(s, softmax, ctx()));
    expect(cb!.computeCycles).toBeGreaterThan(cs!.computeCycles);
    expect(cs!.computeCycles).toBeGreaterThan(co!.computeCycles);
    expect(energyOf(base, cb!)).toBeGreaterThan(energyOf(step, cs!));
  });

  it("a fused instruction's default energy is its parts' arithmetic with one register-file round trip", () => {
    const s = dsp({ instructions: { layernormStep: {} } });
    const lane = s.actions.list.find((a) => a.name === "layernormStep.fp16")!.energyPj;
    const rf = energy.sramPjPerByte(s.registerFileBytes);
    expect(lane).toBeCloseTo(energy.get("add.fp16") + energy.get("mult.fp16") + energy.get("mult.fp16") + energy.get("add.fp16") + 3 * 2 * rf, 10);
  });

  it("an int8 dot-product instruction runs a DSP matmul with 4x the MACs per instruction", () => {
    const mm = { id: "m", layer: 0, kind: "matmul" as const, m: 16, n: 256, k: 64, batchCount: 1, inputs: ["a", "b"], outputs: ["c"] };
    const mmCtx: OpContext = { inputs: [{ precision: "int8", level: 0, bytes: 1 << 20, isWeight: false, tensor: 0 }, { precision: "int8", level: 0, bytes: 1 << 20, isWeight: false, tensor: 1 }], output: { precision: "int8", level: 0, bytes: 1 << 20, isWeight: false, tensor: 2 }, memory: [level] };
    const issued = (s: DspSpec) => vectorDsp.cost(s, mm, mmCtx).counts[s.actions.list.findIndex((a) => a.name === "instruction")];
    expect(issued(dsp())).toBe(16 * 64 * Math.ceil(256 / 16)); // int32 accumulator lanes: 16
    expect(issued(dsp({ instructions: { dot: {} } }))).toBe(16 * 64 * Math.ceil(256 / 64)); // 4 int8 MACs per 32-bit lane: 64
  });
});

describe("the same trace on a DSP with and without attention instructions (presets)", () => {
  it("mcu-helium-attn spends fewer cycles and less energy per softmax and layernorm element than mcu-helium", async () => {
    const { loadDesign } = await import("../design-loader.js");
    const { simulate } = await import("../../sim/engine.js");
    const { buildPresetTrace } = await import("../../workloads/transformer-builder.js");
    const trace = buildPresetTrace("deit-tiny");
    const per = (name: string, kind: string) => {
      const o = simulate(loadDesign(name), trace);
      if (!o.ok) throw new Error(o.infeasible.reasons[0]!.reason);
      const ops = o.result.ops.filter((x) => x.kind === kind);
      const elements = kind === "softmax" ? 12 * 3 * 197 * 197 : 25 * 197 * 192;
      return { cycles: ops.reduce((s, x) => s + x.computeCycles, 0) / elements, energy: ops.reduce((s, x) => s + x.dynamicEnergyPj, 0) / elements };
    };
    for (const kind of ["softmax", "layernorm"]) {
      const base = per("mcu-helium", kind), attn = per("mcu-helium-attn", kind);
      expect(attn.cycles).toBeLessThan(base.cycles);
      expect(attn.energy).toBeLessThan(base.energy);
    }
  });
});

describe("vector DSP convolutions", () => {
  const conv = { batch: 1, inH: 28, inW: 28, inChannels: 32, outChannels: 32, kernelH: 3, kernelW: 3, padH: 1, padW: 1 };
  const op = convOp("c", 0, conv, ["x", "w"], "y");
  const convCtx: OpContext = {
    inputs: [{ precision: "int8", level: 0, bytes: 28 * 28 * 32, isWeight: false, tensor: 0 }, { precision: "int8", level: 0, bytes: 32 * 9 * 32, isWeight: true, tensor: 1 }],
    output: { precision: "int8", level: 0, bytes: 28 * 28 * 32, isWeight: false, tensor: 2 }, memory: [level],
  };
  it("fetches the input once when a 3-row line buffer fits a quarter of local memory, the im2col rows when not", () => {
    // Line buffer: 3 rows x 28 x 32 int8 = 2,688 B. 64 KiB: fits; filters (9,216 B) fit half.
    const fits = vectorDsp.cost(dsp(), op, convCtx);
    expect(fits.readBytes[0]).toBe(28 * 28 * 32 + 32 * 9 * 32);
    // 8 KiB local memory: the line buffer (2,688 B) does not fit 2 KiB; the im2col A is 784 x 288.
    const small = vectorDsp.cost(dsp({ localMemory: "8 KiB" }), op, convCtx);
    const gemm = vectorDsp.cost(dsp({ localMemory: "8 KiB" }), { ...op, conv: undefined }, convCtx);
    expect(small.readBytes[0]).toBe(gemm.readBytes[0]);
    expect(small.readBytes[0]).toBeGreaterThanOrEqual(784 * 288);
    // The compute is the GEMM's either way.
    expect(fits.computeCycles).toBe(vectorDsp.cost(dsp(), { ...op, conv: undefined }, convCtx).computeCycles);
  });
});
