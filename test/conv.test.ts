/**
 * Convolutions end to end (issue 15): a conv layer's DRAM traffic against its compulsory traffic
 * (input + filters + output, each moved once) on array presets, the same layer as an im2col GEMM
 * beside it, and properties over random layers.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { simulate } from "../sim/engine.js";
import { loadDesign, locateDesign, resolveDesign } from "../hardware-models/design-loader.js";
import { readDocument } from "../common/document.js";
import { convGemm, convLayerTrace, convMacs, convOperandElements, convProblem, type ConvShape } from "../workloads/conv.js";
import { bytesFor, type Precision } from "../workloads/precision.js";
import type { Trace } from "../workloads/trace.js";
import type { Design } from "../hardware-models/design.js";
import type { Result, SimOutcome } from "../sim/result.js";

/** Classic CNN layers (NHWC, one image). */
const LAYERS: [string, ConvShape][] = [
  ["resnet50 conv3_x 3x3", { batch: 1, inH: 28, inW: 28, inChannels: 128, outChannels: 128, kernelH: 3, kernelW: 3, padH: 1, padW: 1 }],
  ["resnet50 conv2_x 3x3 stride 2", { batch: 1, inH: 56, inW: 56, inChannels: 64, outChannels: 64, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1 }],
  ["vgg16 conv4_1 3x3", { batch: 1, inH: 28, inW: 28, inChannels: 256, outChannels: 512, kernelH: 3, kernelW: 3, padH: 1, padW: 1 }],
  ["resnet50 stem 7x7 stride 2", { batch: 1, inH: 224, inW: 224, inChannels: 3, outChannels: 64, kernelH: 7, kernelW: 7, strideH: 2, strideW: 2, padH: 3, padW: 3 }],
  ["mobilenet-v2 depthwise 3x3", { batch: 1, inH: 56, inW: 56, inChannels: 144, outChannels: 144, kernelH: 3, kernelW: 3, padH: 1, padW: 1, groups: 144 }],
  ["mobilenet-v2 depthwise 3x3 at 14x14", { batch: 1, inH: 14, inW: 14, inChannels: 576, outChannels: 576, kernelH: 3, kernelW: 3, padH: 1, padW: 1, groups: 576 }],
  ["resnet50 conv5_x 3x3", { batch: 1, inH: 7, inW: 7, inChannels: 512, outChannels: 512, kernelH: 3, kernelW: 3, padH: 1, padW: 1 }],
  ["resnet18 conv4_x 3x3", { batch: 1, inH: 14, inW: 14, inChannels: 256, outChannels: 256, kernelH: 3, kernelW: 3, padH: 1, padW: 1 }],
];

function compulsoryBytes(conv: ConvShape, p: Precision): number {
  const e = convOperandElements(conv);
  return bytesFor(e.input + e.weights + e.output, p);
}

/** The same layer as an im2col GEMM: A is the expanded m x k matrix (what convs were before). */
function im2colTrace(conv: ConvShape, p: Precision): Trace {
  const t = convLayerTrace(conv, p);
  const op = t.ops[0]!;
  if (op.kind !== "matmul") throw new Error("a conv is a matmul");
  const { conv: _shape, ...gemm } = op;
  return { ...t, tensors: t.tensors.map((x) => (x.name === "x" ? { ...x, shape: [op.batchCount, op.m, op.k] } : x)), ops: [gemm] };
}

function result(o: SimOutcome): Result {
  if (!o.ok) throw new Error(o.infeasible.reasons.map((r) => r.reason).join("; "));
  return o.result;
}

/** Bytes read and written at the design's outermost level (DRAM). */
function dramBytes(design: Design, r: Result): number {
  const level = r.bytesByLevel[design.memory[0]!.name]!;
  return level.readBytes + level.writeBytes;
}

function variant(preset: string, edit: (doc: Record<string, any>) => void): Design {
  const file = locateDesign(preset);
  const doc = structuredClone(readDocument(file)) as Record<string, any>;
  edit(doc);
  return resolveDesign(doc, file);
}

describe("conv DRAM traffic within 1.5x of compulsory when the operands fit on chip", () => {
  const designs: [string, Design][] = [
    ["tpuv1-like (256x256 ws, 24 MiB buffer)", loadDesign("tpuv1-like")],
    ["tpuv1-like, output-stationary", variant("tpuv1-like", (d) => { d.units.mxu.dataflow = "os"; d.units.mxu.doubleBuffered = false; })],
    ["edge-npu (32x32 ws, 320 KiB GLB)", loadDesign("edge-npu")],
  ];
  for (const [label, design] of designs) {
    const p: Precision = "int8";
    const onChipBytes = design.memory.filter((m) => !m.offChip).reduce((s, m) => s + m.capacityBytes, 0);
    const fitting = LAYERS.filter(([, conv]) => compulsoryBytes(conv, p) <= onChipBytes);
    it(`${label}: at least two of the layers fit on chip`, () => expect(fitting.length).toBeGreaterThanOrEqual(2));
    for (const [name, conv] of fitting) {
      it(`${label}: ${name}`, () => {
        const compulsory = compulsoryBytes(conv, p);
        const conv2d = dramBytes(design, result(simulate(design, convLayerTrace(conv, p))));
        const im2col = dramBytes(design, result(simulate(design, im2colTrace(conv, p))));
        expect(conv2d / compulsory).toBeLessThanOrEqual(1.5);
        expect(conv2d).toBeGreaterThanOrEqual(compulsory);
        // The im2col GEMM moves its expanded A (the conv op must not): where that matrix outweighs
        // the compulsory bytes twice over, the GEMM moves more than 1.5x the conv's bytes.
        const g = convGemm(conv);
        expect(im2col).toBeGreaterThanOrEqual(conv2d);
        if (bytesFor(g.m * g.k * g.batchCount, p) > 2 * compulsory) expect(im2col / conv2d).toBeGreaterThan(1.5);
      });
    }
  }
});

/** Presets whose units run matmuls, with the precision their arrays take (systolic, tensor cores, DSP, crossbars). */
const PRESETS: [string, Precision][] = [
  ["a100-like", "fp16"], ["jetson-orin-like", "int8"], ["tpuv1-like", "int8"], ["edge-npu", "int8"],
  ["heterogeneous", "int8"], ["sram-cim", "int8"], ["rram-imc-edge", "int8"], ["mcu-helium", "int8"],
];
const presetDesigns = new Map(PRESETS.map(([p]) => [p, loadDesign(p)]));

const convShape = fc.record({
  batch: fc.integer({ min: 1, max: 2 }), side: fc.integer({ min: 4, max: 40 }), inChannels: fc.integer({ min: 1, max: 96 }),
  outChannels: fc.integer({ min: 1, max: 160 }), kernel: fc.constantFrom(1, 3, 5, 7), stride: fc.constantFrom(1, 2),
  pad: fc.integer({ min: 0, max: 3 }), dilation: fc.constantFrom(1, 1, 2), depthwise: fc.boolean(),
}).map(({ batch, side, inChannels, outChannels, kernel, stride, pad, dilation, depthwise }): ConvShape => ({
  batch, inH: side, inW: side, inChannels, outChannels: depthwise ? inChannels : outChannels, kernelH: kernel, kernelW: kernel,
  strideH: stride, strideW: stride, padH: pad, padW: pad, dilationH: dilation, dilationW: dilation, groups: depthwise ? inChannels : 1,
}));

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));

describe("conv properties over random layers and presets", () => {
  it("more output channels (filters) never take less time", () => {
    fc.assert(fc.property(fc.constantFrom(...PRESETS), convShape, fc.integer({ min: 1, max: 64 }), ([preset, p], conv, more) => {
      if (convProblem(conv) || (conv.groups ?? 1) > 1) return;
      const design = presetDesigns.get(preset)!;
      const small = simulate(design, convLayerTrace(conv, p), { perOp: false });
      const big = simulate(design, convLayerTrace({ ...conv, outChannels: conv.outChannels + more }, p), { perOp: false });
      if (!small.ok || !big.ok) return;
      expect(big.result.latencyCycles, `${preset} ${JSON.stringify(conv)} +${more}`).toBeGreaterThanOrEqual(small.result.latencyCycles / (1 + 1e-9));
    }), { numRuns: 150 });
  });

  it("breakdowns sum to totals; MACs are the conv's; compiled costs equal the plain path's", () => {
    fc.assert(fc.property(fc.constantFrom(...PRESETS), convShape, ([preset, p], conv) => {
      if (convProblem(conv)) return;
      const design = presetDesigns.get(preset)!;
      const trace = convLayerTrace(conv, p);
      const compiled = simulate(design, trace);
      const plain = simulate(design, trace, { reference: true });
      if (!compiled.ok || !plain.ok) return;
      const r = compiled.result;
      expect(r).toEqual(plain.result);
      expect(r.macs).toBe(convMacs(conv));
      close(sum(r.ops.map((o) => o.energyPj)), r.energyPj);
      close(sum(r.breakdown.byLayer.map((l) => l.energyPj)), r.energyPj);
      close(sum(r.breakdown.byUnit.map((u) => u.energyPj)) + sum(r.breakdown.byLevel.map((l) => l.energyPj)) + r.systemEnergyPj + r.chipEnergyPj, r.energyPj);
      close(sum(Object.values(r.breakdown.byAction).map((a) => a.energyPj)), r.dynamicEnergyPj);
      close(r.dynamicEnergyPj + r.leakageEnergyPj + r.systemEnergyPj + r.chipEnergyPj, r.energyPj);
      close(sum(r.ops.map((o) => o.macs)), r.macs);
    }), { numRuns: 100 });
  });

  it("an array never fetches more than the im2col GEMM would", () => {
    fc.assert(fc.property(fc.constantFrom(...PRESETS.slice(0, 5)), convShape, ([preset, p], conv) => {
      if (convProblem(conv)) return;
      const design = presetDesigns.get(preset)!;
      const a = simulate(design, convLayerTrace(conv, p), { perOp: false });
      const b = simulate(design, im2colTrace(conv, p), { perOp: false });
      if (!a.ok || !b.ok) return;
      expect(dramBytes(design, a.result)).toBeLessThanOrEqual(dramBytes(design, b.result) * (1 + 1e-9));
    }), { numRuns: 100 });
  });
});

describe("the compiled op-cost table keys conv ops by their conv shape", () => {
  it("two convs with the same GEMM and operand sizes but different windows cost apart, compiled as plain", () => {
    // A 5x1 and a 1x5 window on 56x56x128 (padded to keep 56x56): the same m, n, k and input
    // size, but an array row tile (32 output pixels of one row) needs 5 input rows under the 5x1
    // window and 1 under the 1x5, so output-stationary edge-npu tiles them differently.
    const tall: ConvShape = { batch: 1, inH: 56, inW: 56, inChannels: 128, outChannels: 512, kernelH: 5, kernelW: 1, padH: 2 };
    const wide: ConvShape = { ...tall, kernelH: 1, kernelW: 5, padH: 0, padW: 2 };
    const a = convLayerTrace(tall, "int8"), b = convLayerTrace(wide, "int8");
    const trace: Trace = {
      ...a,
      tensors: [...a.tensors, ...b.tensors.map((t) => ({ ...t, name: `${t.name}2` }))],
      ops: [a.ops[0]!, { ...b.ops[0]!, id: "conv2", inputs: ["x2", "w2"], outputs: ["y2"] }],
    };
    const design = variant("edge-npu", (d) => { d.units.npu.dataflow = "os"; });
    const compiled = result(simulate(design, trace)), plain = result(simulate(design, trace, { reference: true }));
    expect(compiled).toEqual(plain);
    const traffic = (r: Result, i: number) => Object.values(r.ops[i]!.bytesByLevel).reduce((s, l) => s + l.readBytes + l.writeBytes, 0);
    expect(traffic(plain, 1)).not.toBe(traffic(plain, 0));
  });
});
