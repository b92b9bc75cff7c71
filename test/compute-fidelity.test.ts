/**
 * Compute and data-movement fidelity (issue 15), end to end through the engine: overlapped folds
 * on a weight-stationary array.
 */
import { describe, expect, it } from "vitest";
import { simulate } from "../sim/engine.js";
import { engineTrace } from "../sim/attention-fusion.js";
import { loadDesign, locateDesign, resolveDesign } from "../hardware-models/design-loader.js";
import { readDocument } from "../common/document.js";
import { TRACE_VERSION, type Op, type TensorSpec, type Trace } from "../workloads/trace.js";
import type { Design } from "../hardware-models/design.js";
import type { Precision } from "../workloads/precision.js";
import { buildPresetTrace } from "../workloads/transformer-builder.js";
import { resolveVariant } from "../workloads/workload-spec.js";

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

describe("multi-precision MAC arrays (issue 15, item 3)", () => {
  const gemm = (design: Design, a: Precision, b: Precision) => {
    const trace = gemmChain(1024, [1024, 1024], a);
    trace.tensors = trace.tensors.map((t) => (t.role === "weight" ? { ...t, precision: b } : t));
    const o = simulate(design, trace);
    return o.ok ? o.result : undefined;
  };

  it("int8 on the a100-like fp16 tensor cores runs at twice the MAC rate (A100 whitepaper: 624 int8 TOPS vs 312 fp16 TFLOPS)", () => {
    const a100 = loadDesign("a100-like");
    const fp16 = gemm(a100, "fp16", "fp16")!, int8 = gemm(a100, "int8", "int8")!;
    const cycles = (r: typeof fp16) => r.ops[0]!.computeCycles;
    expect(cycles(int8)).toBeLessThan(cycles(fp16) * 0.6);
    expect(int8.breakdown.byAction["tensor.mac.int8xint8"]!.count).toBe(1024 ** 3);
    // Each mode's MAC at its own price: int8 x int8 = the table's mac.int8.
    expect(int8.breakdown.byAction["tensor.mac.int8xint8"]!.energyPj / 1024 ** 3).toBeCloseTo(a100.energy.macPj("int8"), 12);
  });

  it("tpuv1-like runs 8-bit x 16-bit at half speed and 16 x 16 at quarter speed (Jouppi et al. 2017), no longer infeasible", () => {
    const tpu = loadDesign("tpuv1-like");
    const c = (a: Precision, b: Precision) => gemm(tpu, a, b)!.ops[0]!.computeCycles;
    const base = c("int8", "int8");
    expect(c("int16", "int8")).toBe(2 * base);
    expect(c("int8", "int16")).toBe(2 * base);
    expect(c("int16", "int16")).toBe(4 * base);
    expect(gemm(tpu, "fp16", "fp16")).toBeUndefined(); // no float mode
  });

  it("a mixed W4A8 mode is priced from both widths: sqrt(mult.int4 x mult.int8) + add.int32", () => {
    const d = variant("edge-npu", (doc) => { doc.units.npu.precisionModes = [{ weights: "int4", activations: "int8", rate: 2 }]; });
    const r = gemm(d, "int8", "int4")!;
    const e = d.energy;
    const mac = r.breakdown.byAction["npu.mac.int4xint8"]!;
    expect(mac.energyPj / mac.count).toBeCloseTo(Math.sqrt(e.get("mult.int4") * e.get("mult.int8")) + e.get("add.int32"), 12);
    // At rate 2 it is faster than the native int8 mode, and cheaper per MAC.
    const native = gemm(loadDesign("edge-npu"), "int8", "int4")!;
    expect(r.ops[0]!.computeCycles).toBeLessThan(native.ops[0]!.computeCycles);
    expect(mac.energyPj / mac.count).toBeLessThan(e.macPj("int8"));
  });

  it("a rate that is neither an integer nor 1/integer is refused with its path", () => {
    expect(() => variant("edge-npu", (doc) => { doc.units.npu.precisionModes = [{ weights: "int4", activations: "int8", rate: 1.5 }]; })).toThrow(/precisionModes\/0\/rate/);
  });
});

describe("precision policies keep softmax and layernorm in a chosen precision (issue 15, item 3)", () => {
  it("uniform int8 with nonlinear fp16: matmuls on the int8 array, softmax and layernorm in fp16 on the DSP", () => {
    const where = { file: "test", path: "" };
    const trace = (nonlinear: string) => buildPresetTrace("bert-base", { seqLen: 128, precision: resolveVariant("precision", "uniform", { precision: "int8", nonlinear }, where) });
    const design = loadDesign("edge-npu");
    const run = (nonlinear: string) => {
      const o = simulate(design, trace(nonlinear));
      if (!o.ok) throw new Error(JSON.stringify(o.infeasible));
      return o.result;
    };
    const same = run("same"), fp16 = run("fp16");
    for (const op of trace("fp16").ops) if (op.kind === "softmax" || op.kind === "layernorm") expect(op.computePrecision).toBe("fp16");
    expect(fp16.breakdown.byAction["npu.mac.int8"]!.count).toBe(same.breakdown.byAction["npu.mac.int8"]!.count);
    const dspOps = (r: typeof same, p: string) => Object.keys(r.breakdown.byAction).filter((k) => k.startsWith("dsp.") && k.endsWith(`.${p}`));
    expect(dspOps(fp16, "fp16").length).toBeGreaterThan(0);
    const kindEnergy = (r: typeof same, kind: string) => r.breakdown.byOpKind[kind]!.dynamicEnergyPj;
    // fp16 lanes: half the int8 lanes and dearer arithmetic.
    expect(kindEnergy(fp16, "softmax")).toBeGreaterThan(kindEnergy(same, "softmax"));
    expect(kindEnergy(fp16, "layernorm")).toBeGreaterThan(kindEnergy(same, "layernorm"));
  });
});

describe("sparse and windowed attention move data as their pattern does (issue 15, item 5)", () => {
  const where = { file: "test", path: "" };

  it("local attention's energy grows with slope <= 1.1 per doubling of n from 2K to 16K tokens (edge-npu)", () => {
    const local = resolveVariant("attention", "local", { window: 256, block: 64 }, where);
    const design = loadDesign("edge-npu");
    const energy = (n: number) => {
      const o = simulate(design, buildPresetTrace("bert-base", { seqLen: n, attention: local }), { perOp: false });
      if (!o.ok) throw new Error(JSON.stringify(o.infeasible));
      return o.result.energyPj;
    };
    const e = [2048, 4096, 8192, 16384].map(energy);
    // b20c378: 1.06, 1.14, 1.25 (the QK^T and AV re-fetches and AV's partial sums grew as n^2).
    for (let i = 1; i < e.length; i++) expect(Math.log2(e[i]! / e[i - 1]!)).toBeLessThanOrEqual(1.1);
  });

  it("fused attention charges the probabilities to a reader outside the group (SpAtten's token importance)", () => {
    const fusedNpu = variant("edge-npu", (d) => { d.mapping.fusedAttention = true; });
    const trace = buildPresetTrace("bert-base", { seqLen: 256, tokens: resolveVariant("tokens", "prune", { keep: 0.9 }, where) });
    const o = simulate(fusedNpu, trace);
    if (!o.ok) throw new Error(JSON.stringify(o.infeasible));
    const op = (id: string) => o.result.ops.find((x) => x.id === id)!;
    const shared = (x: ReturnType<typeof op>, dir: "readBytes" | "writeBytes") => Object.entries(x.bytesByLevel).filter(([k]) => !k.includes(".")).reduce((s, [, b]) => s + b[dir], 0);
    const probs = trace.tensors.find((t) => t.name === "L1.probs")!;
    const probsBytes = probs.shape.reduce((a, b) => a * b, 1); // int8
    // The importance op reads P from memory; the fused softmax writes it there once; AV takes it on chip.
    expect(shared(op("L1.importance"), "readBytes")).toBeGreaterThanOrEqual(probsBytes);
    expect(shared(op("L1.softmax"), "writeBytes")).toBe(probsBytes);
    const av = engineTrace(trace, fusedNpu).ops.find((x) => x.id === "L1.av")!;
    if (av.kind !== "matmul" || !av.fusion?.inputPasses) throw new Error("L1.av should be fused with P taken on chip");
    expect(av.fusion.inputPasses[0]).toBe(0);
    expect(shared(op("L1.av"), "readBytes")).toBe(av.k * av.n * av.batchCount * av.fusion.inputPasses[1]!); // V's passes only
    // A layer whose P nobody else reads (no importance op: the last layer) writes none.
    const quiet = trace.ops.filter((x) => x.kind === "softmax" && !trace.ops.some((y) => y.id === x.id.replace("softmax", "importance")));
    expect(quiet.length).toBeGreaterThan(0);
    for (const sm of quiet) expect(shared(op(sm.id), "writeBytes")).toBe(0);
  });
});

describe("SM-like units share their issue slots (issue 15, item 2)", () => {
  const attention = (design: Design) => {
    const o = simulate(design, buildPresetTrace("bert-base", { seqLen: 4096, batch: 4, precision: "fp16" }));
    if (!o.ok) throw new Error(JSON.stringify(o.infeasible));
    const ops = o.result.ops.filter((x) => x.layer === 0 && /\.(qk|softmax|av)$/.test(x.id));
    const span = Math.max(...ops.map((x) => x.endCycles)) - Math.min(...ops.map((x) => x.startCycles));
    const busy = ops.reduce((s, x) => s + x.latencyCycles, 0);
    const macs = ops.reduce((s, x) => s + x.macs, 0);
    return { span, busy, utilisation: macs / (design.units[0]!.peakMacsPerCycle * span) };
  };
  const fused = (share: boolean) => variant("a100-like", (d) => {
    d.mapping.fusedAttention = true;
    if (!share) delete d.units.vector.sharesIssueWith;
  });

  it("a100-like: softmax takes the tensor cores' issue slots, so fused attention's ops run one after another", () => {
    expect(loadDesign("a100-like").issueGroup).toEqual([0, 0]);
    const shared = attention(fused(true)), apart = attention(fused(false));
    expect(shared.span).toBeCloseTo(shared.busy, 6);
    expect(apart.span).toBeLessThan(apart.busy);
    // FlashAttention-2 reaches 50-73% of the A100's peak (Dao 2023, abstract); FlashAttention
    // (head dim 64) lower. The model, head dim 64: below FA2's best, and below the unshared figure.
    expect(shared.utilisation).toBeLessThan(0.73);
    expect(shared.utilisation).toBeLessThan(apart.utilisation);
  });

  it("a unit cannot share the issue slots of a unit that shares another's", () => {
    expect(() => variant("a100-like", (d) => { d.units.tensor.sharesIssueWith = "vector"; })).toThrow(/sharesIssueWith/);
  });
});
