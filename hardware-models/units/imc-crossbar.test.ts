import { describe, expect, it } from "vitest";
import { IMC_REFERENCE_POINT, imcCrossbar, residentWeightBytes, type ImcSpec } from "./imc-crossbar.js";
import { EnergyTable } from "../technology/energy-table.js";
import type { MatmulOp } from "../../workloads/trace.js";
import type { OpContext } from "../unit-model.js";
import type { MemoryLevel } from "../memory-hierarchy.js";
import { convOp } from "../../workloads/conv.js";
import { loadDesign } from "../design-loader.js";
import { simulate } from "../../sim/engine.js";
import { buildPresetTrace } from "../../workloads/transformer-builder.js";

// At the IMC defaults' own reference point (22 nm, 0.85 V), where periphery energies are the table's.
const energy = new EnergyTable({ nodeNm: IMC_REFERENCE_POINT.nodeNm, voltageV: IMC_REFERENCE_POINT.voltageV, flavor: "hp" });
const env = { file: "t.yaml", path: "/units/imc", name: "imc", nodeNm: IMC_REFERENCE_POINT.nodeNm, voltageV: IMC_REFERENCE_POINT.voltageV, frequencyHz: 1e9, energy };
type ImcSection = Parameters<typeof imcCrossbar.resolve>[0];
const spec = (extra: Partial<ImcSection> = {}, resident = false): ImcSpec => ({
  ...imcCrossbar.resolve({ kind: "imc", technology: "analog", arrays: 64, rows: 128, cols: 128, cellBits: 2, adcBits: 5, columnsPerAdc: 8, inputSparsity: 0.25, ...extra }, env),
  weightsResident: resident,
});
const level = { name: "dram", index: 0, capacityBytes: 1 << 30, bandwidthBytesPerSecond: 1e12, offChip: true, writable: true } as MemoryLevel;
const ctx = (isWeight: boolean): OpContext => ({
  inputs: [{ precision: "int8", level: 0, bytes: 1 << 20, isWeight: false, tensor: 0 }, { precision: "int8", level: 0, bytes: 1 << 20, isWeight, tensor: 1 }],
  output: { precision: "int8", level: 0, bytes: 1 << 20, isWeight: false, tensor: 2 }, memory: [level],
});
const mm = (m: number, n: number, k: number, batchCount = 1): MatmulOp => ({ id: "x", layer: 0, kind: "matmul", m, n, k, batchCount, inputs: ["a", "b"], outputs: ["c"] });
const count = (s: ImcSpec, c: ReturnType<typeof imcCrossbar.cost>, name: string) => c.counts[s.actions.list.findIndex((a) => a.name === name)]!;

describe("IMC crossbar: counts from the mapping formulas", () => {
  // A 64 x 300 x 200 int8 GEMM on 128 x 128 arrays of 2-bit cells, 1-bit DACs, 8 columns per ADC:
  // slices = 4, input cycles = 8, columns = 1,200, row tiles = 2, column tiles = 10 -> 20 arrays.
  const s = spec({}, true);
  const op = mm(64, 300, 200);
  const c = imcCrossbar.cost(s, op, ctx(true));

  it("ADC conversions = m x input cycles x (n x slices) x row tiles", () => {
    expect(count(s, c, "adc")).toBe(64 * 8 * 1200 * 2);
  });
  it("DAC (word-line) activations = m x input cycles x k x column tiles", () => {
    expect(count(s, c, "dac")).toBe(64 * 8 * 200 * 10);
  });
  it("cell reads = m x input cycles x k x columns x (1 - input sparsity)", () => {
    expect(count(s, c, "cell.read")).toBe(64 * 8 * 200 * 1200 * 0.75);
  });
  it("cycles = rounds x m x input cycles x columns per ADC (20 arrays needed, 64 available: 1 round)", () => {
    expect(c.computeCycles).toBe(64 * 8 * 8);
  });
  it("resident weights are not written per inference; ADC energy = 10 fJ/step x 2^5", () => {
    expect(count(s, c, "cell.write")).toBe(0);
    expect(s.actions.list.find((a) => a.name === "adc")!.energyPj).toBeCloseTo(0.32, 12); // at the defaults' own point
  });
  it("weights that do not all fit are reprogrammed per op: k x n x slices cells, energy and latency", () => {
    const r = imcCrossbar.cost({ ...s, weightsResident: false }, op, ctx(true));
    expect(count(s, r, "cell.write")).toBe(200 * 1200);
    expect(r.computeCycles).toBe(64 * 8 * 8 + 128 * 50e-9 * 1e9); // + one round of row-parallel writes
  });
  it("K and V (no static weights) are written per input, for every head", () => {
    const qk = mm(128, 128, 64, 12);
    const r = imcCrossbar.cost(s, qk, ctx(false));
    expect(count(s, r, "cell.write")).toBe(64 * 128 * 4 * 12);
    // 12 heads x (1 row tile x 4 column tiles) = 48 arrays <= 64: one round.
    expect(r.computeCycles).toBe(128 * 8 * 8 + 64 * 50e-9 * 1e9);
  });
  it("more tiles than arrays run in rounds", () => {
    const big = imcCrossbar.cost(s, mm(16, 2048, 1024), ctx(true));
    // 8 row tiles x 64 column tiles = 512 arrays -> 8 rounds.
    expect(big.computeCycles).toBe(8 * 16 * 8 * 8);
  });
  it("refuses dynamic operands when told to, naming the mapping fix", () => {
    const f = imcCrossbar.check(spec({ dynamicOperands: "reject" }), mm(8, 8, 8), ctx(false));
    expect(f.ok).toBe(false);
    if (!f.ok) {
      expect(f.reason.class).toBe("dynamic-operand");
      expect(f.reason.reason).toMatch(/mapping\.dynamicMatmul/);
    }
  });
  it("refuses floating-point operands", () => {
    const f = imcCrossbar.check(s, mm(8, 8, 8), { ...ctx(true), inputs: [{ precision: "fp16", level: 0, bytes: 1, isWeight: false, tensor: 0 }, { precision: "int8", level: 0, bytes: 1, isWeight: true, tensor: 1 }] });
    expect(f.ok).toBe(false);
    if (!f.ok) expect(f.reason.class).toBe("precision");
  });
  it("bind: weights stay resident when the distinct weight tensors mapped here fit the arrays at once", () => {
    const weight = (tensor: number, bytes: number) => ({ op: mm(8, 8, 8), ctx: { ...ctx(true), inputs: [ctx(true).inputs[0]!, { precision: "int8" as const, level: 0, bytes, isWeight: true, tensor }] } });
    // The same tensor read by two ops counts once; a dynamic B (not a weight) not at all.
    const assigned = [weight(1, 1000), weight(1, 1000), weight(2, 500), { op: mm(8, 8, 8), ctx: ctx(false) }];
    expect(residentWeightBytes(assigned)).toBe(1500);
    const unbound = spec();
    expect(imcCrossbar.bind!(unbound, assigned).weightsResident).toBe(true);
    expect(imcCrossbar.bind!({ ...unbound, capacityBytes: 1499 }, assigned).weightsResident).toBe(false);
  });
  it("digital CIM writes a bit at the SRAM-curve energy of the design's node (Horowitz 8 KB: 10 pJ / 64 bit at 45 nm)", () => {
    const digital = imcCrossbar.resolve({ kind: "imc", technology: "digital", arrays: 8, inputSparsity: 0.5 }, env);
    expect(digital.actions.list.find((a) => a.name === "cell.write")!.energyPj).toBeCloseTo(energy.sramPjPerByte(8192) / 8, 12);
  });
  it("input sparsity is data: fewer active input bits, less cell energy", () => {
    const dense = spec({ inputSparsity: 0 }), sparse = spec({ inputSparsity: 0.9 });
    expect(count(sparse, imcCrossbar.cost(sparse, op, ctx(true)), "cell.read")).toBeLessThan(count(dense, imcCrossbar.cost(dense, op, ctx(true)), "cell.read"));
  });
});

describe("IMC designs", () => {
  it("rram-imc-edge keeps deit-tiny's weights resident and sends QK^T and AV to the DSP", () => {
    const o = simulate(loadDesign("rram-imc-edge"), buildPresetTrace("deit-tiny"));
    if (!o.ok) throw new Error(o.infeasible.reasons[0]!.reason);
    expect(o.result.breakdown.byAction["crossbars.cell.write"]).toBeUndefined();
    expect(o.result.ops.find((x) => x.id === "L0.qk")!.unit).toBe("dsp");
    expect(o.result.ops.find((x) => x.id === "L0.qkv")!.unit).toBe("crossbars");
  });
  it("sram-cim cannot hold bert-base's weights: it rewrites them, and the result shows the write energy", () => {
    const o = simulate(loadDesign("sram-cim"), buildPresetTrace("bert-base", { seqLen: 128 }));
    if (!o.ok) throw new Error(o.infeasible.reasons[0]!.reason);
    expect(o.result.breakdown.byAction["cim.cell.write"]!.energyPj).toBeGreaterThan(0);
  });
  it("a heterogeneous design: latency between the busiest unit and the sum of all units' busy time", () => {
    const o = simulate(loadDesign("heterogeneous"), buildPresetTrace("bert-base", { seqLen: 256 }));
    if (!o.ok) throw new Error(o.infeasible.reasons[0]!.reason);
    const busy = new Map<string, number>();
    for (const op of o.result.ops) busy.set(op.unit, (busy.get(op.unit) ?? 0) + op.latencyCycles);
    expect([...busy.keys()].sort()).toEqual(["cim", "dsp", "npu"]);
    const total = [...busy.values()].reduce((a, b) => a + b, 0);
    expect(o.result.latencyCycles).toBeLessThanOrEqual(total * (1 + 1e-9));
    expect(o.result.latencyCycles).toBeGreaterThanOrEqual(Math.max(...busy.values()) * (1 - 1e-9));
    expect(o.result.peakPowerW).toBeGreaterThanOrEqual(o.result.averagePowerW);
  });
});

describe("IMC crossbar: convolutions", () => {
  it("streams the input image once per round, not the im2col rows; the counts are the GEMM's", () => {
    // 14 x 14 x 64 -> 64, 3x3, padding 1: GEMM 196 x 64 x 576 (5 x 4 = 20 arrays: one round).
    const conv = { batch: 1, inH: 14, inW: 14, inChannels: 64, outChannels: 64, kernelH: 3, kernelW: 3, padH: 1, padW: 1 };
    const op = convOp("c", 0, conv, ["a", "b"], "c");
    const s = spec({}, true);
    const asConv = imcCrossbar.cost(s, op, ctx(true));
    const asGemm = imcCrossbar.cost(s, { ...op, conv: undefined }, ctx(true));
    expect(asConv.readBytes[0]).toBe(14 * 14 * 64);
    expect(asGemm.readBytes[0]).toBe(196 * 576);
    expect(asConv.computeCycles).toBe(asGemm.computeCycles);
    expect(count(s, asConv, "adc")).toBe(count(s, asGemm, "adc"));
  });
});
