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
import { convGemm, convLayerTrace, convOperandElements, convProblem, type ConvShape } from "../workloads/conv.js";
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
