/**
 * Compute and data-movement fidelity (issue 15), end to end through the engine: overlapped folds
 * on a weight-stationary array.
 */
import { describe, expect, it } from "vitest";
import { simulate } from "../sim/engine.js";
import { loadDesign, locateDesign, resolveDesign } from "../hardware-models/design-loader.js";
import { readDocument } from "../common/document.js";
import { TRACE_VERSION, type Op, type TensorSpec, type Trace } from "../workloads/trace.js";
import type { Design } from "../hardware-models/design.js";
import type { Precision } from "../workloads/precision.js";

/** A preset's document with some fields changed. */
function variant(preset: string, edit: (doc: Record<string, any>) => void): Design {
  const file = locateDesign(preset);
  const doc = structuredClone(readDocument(file)) as Record<string, any>;
  edit(doc);
  return resolveDesign(doc, file);
}

/** A chain of GEMMs x_{i+1} = x_i W_i (an MLP without activations): `widths` gives each x's width. */
export function gemmChain(rows: number, widths: number[], precision: Precision): Trace {
  const tensors: TensorSpec[] = [{ name: "x0", shape: [rows, widths[0]!], precision, role: "activation" }];
  const ops: Op[] = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    const k = widths[i]!, n = widths[i + 1]!;
    tensors.push({ name: `w${i}`, shape: [k, n], precision, role: "weight" }, { name: `x${i + 1}`, shape: [rows, n], precision, role: "activation" });
    ops.push({ id: `gemm${i}`, layer: i, kind: "matmul", m: rows, n, k, batchCount: 1, inputs: [`x${i}`, `w${i}`], outputs: [`x${i + 1}`] });
  }
  return {
    version: TRACE_VERSION,
    model: {
      name: "gemm-chain", layers: ops.length, dModel: widths[0]!, heads: 1, kvHeads: 1, dHead: 1, dFF: 0, ffn: "gelu", norm: "layer",
      normPlacement: "pre", causal: false, seqLen: rows, batch: 1, phase: "prefill", contextLen: 0,
    },
    tensors, ops,
  };
}

describe("systolic fold overlap (issue 15, item 1)", () => {
  // 2,048 rows through 1024 -> 4096 -> 1024 -> 4096 -> 1024, int8: 8 weight tiles of 4 MiB from DDR3.
  const chain = gemmChain(2048, [1024, 4096, 1024, 4096, 1024], "int8");
  const utilisation = (design: Design) => {
    const o = simulate(design, chain);
    if (!o.ok) throw new Error(JSON.stringify(o.infeasible));
    return o.result;
  };

  it("tpuv1-like (weights double-buffered, as the TPU's matrix unit) reaches >= 85% of peak on a compute-bound GEMM chain", () => {
    const on = utilisation(loadDesign("tpuv1-like"));
    const off = utilisation(variant("tpuv1-like", (d) => { d.units.mxu.doubleBuffered = false; }));
    // SCALE-Sim's folds: M / (M + 2R + C - 2) = 2048 / 2814 = 72.8% at best.
    expect(off.utilization).toBeLessThan(2048 / 2814 + 1e-9);
    expect(on.utilization).toBeGreaterThanOrEqual(0.85);
    for (const r of [on, off]) for (const op of r.ops) expect(op.boundBy).toBe("compute");
    // The shadow weight registers: 64 Ki bytes of area beside the array.
    const mxuArea = (d: Design) => d.units.find((u) => u.name === "mxu")!.areaByComponentMm2;
    expect(mxuArea(loadDesign("tpuv1-like")).shadowRegisters).toBeGreaterThan(0);
  });

  it("double buffering is refused with SCALE-Sim's traffic model (whose folds do not overlap)", () => {
    expect(() => variant("tpuv1-like", (d) => { d.units.mxu.trafficModel = "scalesim-v2"; })).toThrow(/doubleBuffered/);
  });
});
