import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { convDims, convGemm, convInputFootprintElements, convMacs, convOperandElements, convProblem, matmulAElements, type ConvShape } from "./conv.js";
import { opMacs } from "./trace.js";
import { convOp } from "./conv.js";

// ResNet-50 conv3_x 3x3 (He et al., CVPR 2016, Table 1): 28 x 28 x 128 -> 128, pad 1.
const resnet3x3: ConvShape = { batch: 1, inH: 28, inW: 28, inChannels: 128, outChannels: 128, kernelH: 3, kernelW: 3, padH: 1, padW: 1 };

describe("conv shapes: MACs and operand sizes by hand", () => {
  it("standard 3x3, stride 1, padding 1 (same size out)", () => {
    expect(convDims(resnet3x3)).toMatchObject({ outH: 28, outW: 28, channelsPerGroup: 128, windowH: 3 });
    // m = 28*28, n = 128, k = 128*9, one group.
    expect(convGemm(resnet3x3)).toEqual({ m: 784, n: 128, k: 1152, batchCount: 1 });
    expect(convMacs(resnet3x3)).toBe(784 * 128 * 1152); // 115,605,504
    expect(convOperandElements(resnet3x3)).toEqual({ input: 28 * 28 * 128, weights: 128 * 9 * 128, output: 28 * 28 * 128 });
  });

  it("stride 2 with padding 1: (56 + 2 - 3) / 2 + 1 = 28 (floor)", () => {
    const c: ConvShape = { batch: 2, inH: 56, inW: 56, inChannels: 64, outChannels: 128, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1 };
    expect(convDims(c)).toMatchObject({ outH: 28, outW: 28 });
    expect(convGemm(c)).toEqual({ m: 2 * 28 * 28, n: 128, k: 64 * 9, batchCount: 1 });
    expect(convOperandElements(c)).toEqual({ input: 2 * 56 * 56 * 64, weights: 128 * 9 * 64, output: 2 * 28 * 28 * 128 });
  });

  it("no padding: 7 x 7 input, 3 x 3 kernel -> 5 x 5 (SCALE-Sim's Inc5b_3x3 test layer)", () => {
    const c: ConvShape = { batch: 1, inH: 7, inW: 7, inChannels: 192, outChannels: 384, kernelH: 3, kernelW: 3 };
    expect(convGemm(c)).toEqual({ m: 25, n: 384, k: 1728, batchCount: 1 });
  });

  it("depthwise (groups = channels): one 1-column GEMM per channel, 9 MACs per output", () => {
    const c: ConvShape = { batch: 1, inH: 32, inW: 32, inChannels: 96, outChannels: 96, kernelH: 3, kernelW: 3, padH: 1, padW: 1, groups: 96 };
    expect(convGemm(c)).toEqual({ m: 1024, n: 1, k: 9, batchCount: 96 });
    expect(convMacs(c)).toBe(32 * 32 * 96 * 9);
    expect(convOperandElements(c).weights).toBe(96 * 9);
  });

  it("grouped (ResNeXt, 32 groups): MACs and weights divided by the groups", () => {
    const c: ConvShape = { batch: 1, inH: 14, inW: 14, inChannels: 256, outChannels: 256, kernelH: 3, kernelW: 3, padH: 1, padW: 1, groups: 32 };
    expect(convGemm(c)).toEqual({ m: 196, n: 8, k: 8 * 9, batchCount: 32 });
    expect(convMacs(c)).toBe(196 * 256 * 8 * 9);
    expect(convOperandElements(c).weights).toBe(256 * 9 * 8);
  });

  it("dilation 2 widens the window to 5: (20 + 0 - 5) + 1 = 16", () => {
    const c: ConvShape = { batch: 1, inH: 20, inW: 20, inChannels: 8, outChannels: 8, kernelH: 3, kernelW: 3, dilationH: 2, dilationW: 2 };
    expect(convDims(c)).toMatchObject({ windowH: 5, outH: 16, outW: 16 });
  });

  it("a conv op's MACs are its GEMM's", () => {
    expect(opMacs(convOp("c", 0, resnet3x3, ["x", "w"], "y"))).toBe(convMacs(resnet3x3));
  });

  it("rejects groups that do not divide the channels and windows larger than the input", () => {
    expect(convProblem({ ...resnet3x3, groups: 3 })).toMatch(/groups/);
    expect(convProblem({ ...resnet3x3, inH: 1, padH: 0 })).toMatch(/no output pixels/);
    expect(() => convGemm({ ...resnet3x3, groups: 3 })).toThrow(/invalid conv/);
  });
});

describe("the input footprint (halo'd tiles, not im2col)", () => {
  it("the whole input of a 3x3 same conv is the input, 9x less than im2col", () => {
    const g = convGemm(resnet3x3);
    expect(matmulAElements({ ...g, conv: resnet3x3 })).toBe(28 * 28 * 128);
    expect(g.m * g.k / (28 * 28 * 128)).toBe(9);
  });

  it("one output row needs 3 input rows; a block of 5 pixels of a row needs 3 x 7 pixels", () => {
    // r = 1 whole output row: (1 - 1) x 1 + 3 = 3 input rows x 28 columns x 128 channels.
    expect(convInputFootprintElements(resnet3x3, 28, 1152)).toBe(3 * 28 * 128);
    // 5 pixels of one row: 3 rows x ((5 - 1) + 3) columns.
    expect(convInputFootprintElements(resnet3x3, 5, 1152)).toBe(3 * 7 * 128);
    // A K slice of 32 columns (one tap, 32 channels): capped by the slice itself, 28 x 32.
    expect(convInputFootprintElements(resnet3x3, 28, 32)).toBe(28 * 32);
    // 14 rows (half the image): 13 + 3 = 16 input rows.
    expect(convInputFootprintElements(resnet3x3, 14 * 28, 1152)).toBe(16 * 28 * 128);
  });

  it("never more than im2col; a 1x1 stride-2 conv reads only the pixels it samples", () => {
    const c: ConvShape = { batch: 1, inH: 28, inW: 28, inChannels: 64, outChannels: 128, kernelH: 1, kernelW: 1, strideH: 2, strideW: 2 };
    const g = convGemm(c);
    expect(convInputFootprintElements(c, g.m, g.k)).toBe(14 * 14 * 64);
  });

  it("grows with the pixels and the columns, and is at most pixels x columns (property)", () => {
    fc.assert(fc.property(
      fc.record({ side: fc.integer({ min: 3, max: 40 }), c: fc.integer({ min: 1, max: 64 }), kernel: fc.constantFrom(1, 3, 5), stride: fc.constantFrom(1, 2), pad: fc.integer({ min: 0, max: 2 }), batch: fc.integer({ min: 1, max: 3 }) }),
      fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }),
      ({ side, c, kernel, stride, pad, batch }, u, v) => {
        const conv: ConvShape = { batch, inH: side, inW: side, inChannels: c, outChannels: 8, kernelH: kernel, kernelW: kernel, strideH: stride, strideW: stride, padH: pad, padW: pad };
        if (convProblem(conv)) return;
        const { m, k } = convGemm(conv);
        const p = Math.max(1, Math.floor(u * m)), q = Math.max(1, Math.floor(v * k));
        const f = convInputFootprintElements(conv, p, q);
        expect(f).toBeLessThanOrEqual(p * q);
        expect(convInputFootprintElements(conv, Math.min(m, p + 1), q)).toBeGreaterThanOrEqual(f);
        expect(convInputFootprintElements(conv, p, Math.min(k, q + 1))).toBeGreaterThanOrEqual(f);
        expect(convInputFootprintElements(conv, m, k)).toBeLessThanOrEqual(convOperandElements(conv).input);
      },
    ), { numRuns: 300 });
  });
});
