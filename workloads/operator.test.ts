import { describe, expect, it } from "vitest";
import { buildOperatorTrace, parseOperatorSection } from "./operator.js";
import { parseWorkloadSection } from "./workload-file.js";
import { buildWorkload } from "./transformer-builder.js";
import { opMacs, opElements } from "./trace.js";

describe("operator workloads", () => {
  it("a matmul is one op with its MACs, operands and precision", () => {
    const trace = buildOperatorTrace(parseOperatorSection({ operator: "matmul", m: 64, n: 128, k: 256, batch: 3 }, "f.yaml", "/workload"));
    expect(trace.ops).toHaveLength(1);
    expect(opMacs(trace.ops[0]!)).toBe(64 * 128 * 256 * 3);
    expect(trace.tensors.map((t) => t.precision)).toEqual(["fp16", "fp16", "fp16"]);
    expect(trace.model.name).toBe("matmul 64x128x256 batch 3 fp16");
  });

  it("softmax, layernorm and elementwise shapes; count becomes a repeat", () => {
    const softmax = buildOperatorTrace(parseOperatorSection({ operator: "softmax", rows: 4, cols: 8, batch: 2, count: 3 }, "f", "/w"));
    expect(opElements(softmax.ops[0]!)).toBe(64);
    expect(softmax.ops[0]!.repeat).toEqual({ count: 3 });
    const ln = buildOperatorTrace(parseOperatorSection({ operator: "layernorm", rows: 16, cols: 32, precision: "int8" }, "f", "/w"));
    expect(opElements(ln.ops[0]!)).toBe(512);
    const gelu = buildOperatorTrace(parseOperatorSection({ operator: "elementwise", fn: "gelu", elements: 1000 }, "f", "/w"));
    expect(gelu.ops[0]).toMatchObject({ kind: "elementwise", fn: "gelu", elements: 1000 });
  });

  it("workload sections take either model or operator, with precise errors", () => {
    expect(buildWorkload(parseWorkloadSection({ operator: "matmul", m: 2, n: 2, k: 2 }, "f", "/workload")).ops).toHaveLength(1);
    expect(() => parseWorkloadSection({}, "f.yaml", "/workload")).toThrow(/f\.yaml: \/workload: expected one of model: .*, modelConfig: .* or operator: .*found none/);
    expect(() => parseWorkloadSection({ model: "bert-base", operator: "matmul" }, "f.yaml", "/workload")).toThrow(/found more than one/);
    expect(() => parseWorkloadSection({ operator: "matmul", m: 2, n: 2 }, "f.yaml", "/workload")).toThrow(/\/workload\/k: expected a positive integer/);
    expect(() => parseWorkloadSection({ operator: "softmax", rows: 2, cols: 2, k: 3 }, "f.yaml", "/workload")).toThrow(/\/workload\/k: expected only rows, cols, batch, count, precision for a softmax/);
    expect(() => parseWorkloadSection({ operator: "elementwise", elements: 2, fn: "tanh" }, "f.yaml", "/workload")).toThrow(/\/workload\/fn: expected a function: add, mul/);
    expect(() => parseWorkloadSection({ operator: "pool", m: 1 }, "f.yaml", "/workload")).toThrow(/\/workload\/operator: expected one of "matmul", "softmax", "layernorm", "elementwise", "collective", "conv", found "pool"/);
  });

  it("a conv is one conv op: its im2col GEMM, the input image, stride/padding/groups defaulted", () => {
    const spec = parseOperatorSection({ operator: "conv", inH: 56, inW: 56, inChannels: 64, outChannels: 128, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, batch: 2, precision: "int8" }, "f", "/w");
    const trace = buildOperatorTrace(spec);
    // (56 + 2 - 3) / 2 + 1 = 28: m = 2 x 28 x 28, k = 64 x 9.
    expect(trace.ops[0]).toMatchObject({ kind: "matmul", m: 2 * 28 * 28, n: 128, k: 576, batchCount: 1, conv: { batch: 2, strideH: 2, padH: 1 } });
    expect(trace.tensors[0]!.shape).toEqual([2, 56, 56, 64]);
    expect(trace.model.name).toBe("conv 56x56x64 -> 128 k3x3 s2 p1 batch 2 int8");
    const dw = buildOperatorTrace(parseOperatorSection({ operator: "conv", inH: 8, inW: 8, inChannels: 32, outChannels: 32, kernelH: 3, kernelW: 3, groups: 32 }, "f", "/w"));
    expect(opMacs(dw.ops[0]!)).toBe(6 * 6 * 32 * 9);
    expect(() => parseWorkloadSection({ operator: "conv", inH: 8, inW: 8, inChannels: 32, outChannels: 32, kernelH: 3, kernelW: 3, groups: 3 }, "f.yaml", "/workload")).toThrow(/\/workload: expected a valid convolution, found groups \(3\) must divide/);
    expect(() => parseWorkloadSection({ operator: "conv", inH: 8, inW: 8, inChannels: 32, outChannels: 32, kernelH: 3, kernelW: 3, padH: -1 }, "f.yaml", "/workload")).toThrow(/\/workload\/padH/);
    expect(() => parseWorkloadSection({ operator: "conv", inH: 8, inW: 8, inChannels: 32, outChannels: 32, kernelH: 3 }, "f.yaml", "/workload")).toThrow(/\/workload\/kernelW: expected a positive integer/);
  });
});
