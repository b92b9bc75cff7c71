import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { simulate } from "./engine.js";
import { loadDesign, resolveDesign } from "../hardware-models/design-loader.js";
import { buildPresetTrace } from "../workloads/transformer-builder.js";
import { energyScaleFrom45nm } from "../hardware-models/technology/node-scaling.js";
import { readDocument } from "../common/document.js";
import { locateDesign } from "../hardware-models/design-loader.js";
import type { Result } from "./result.js";
import type { Design } from "../hardware-models/design.js";

function run(design: Design, model = "bert-base", seqLen = 64): Result {
  const outcome = simulate(design, buildPresetTrace(model, { seqLen }));
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.infeasible));
  return outcome.result;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));

/** A design document with some fields changed (for properties over design parameters). */
function variant(preset: string, edit: (doc: Record<string, any>) => void): Design {
  const file = locateDesign(preset);
  const doc = structuredClone(readDocument(file)) as Record<string, any>;
  edit(doc);
  return resolveDesign(doc, file);
}

const withSystem = () => variant("edge-npu", (doc) => {
  doc.system = { opOverhead: { default: "2 us", matmul: "5 us" }, opEfficiency: { softmax: 0.5 }, staticPower: "3 W" };
});

describe("engine: breakdowns sum to totals", () => {
  for (const preset of ["edge-npu", "tpuv1-like", "mcu-class", "edge-npu + system"]) {
    it(preset, () => {
      const design = preset.endsWith("system") ? withSystem() : loadDesign(preset);
      const r = run(design, preset === "mcu-class" ? "deit-tiny" : "bert-base");
      close(sum(r.ops.map((o) => o.energyPj)), r.energyPj);
      close(sum(r.ops.map((o) => o.latencyCycles)), r.serialLatencyCycles);
      close(sum(r.breakdown.byLayer.map((l) => l.latencyCycles)), r.serialLatencyCycles);
      close(sum(r.breakdown.byLayer.map((l) => l.energyPj)), r.energyPj);
      close(sum(Object.values(r.breakdown.byOpKind).map((k) => k.energyPj)), r.energyPj);
      close(sum(r.breakdown.byUnit.map((u) => u.energyPj)) + sum(r.breakdown.byLevel.map((l) => l.energyPj)) + r.systemEnergyPj + r.chipEnergyPj, r.energyPj);
      close(sum(Object.values(r.breakdown.byAction).map((a) => a.energyPj)), r.dynamicEnergyPj);
      close(r.dynamicEnergyPj + r.leakageEnergyPj + r.systemEnergyPj + r.chipEnergyPj, r.energyPj);
      close(sum(Object.values(r.breakdown.byComponent).map((c) => c.energyPj)), r.chipEnergyPj);
      close(sum(r.ops.map((o) => o.chipEnergyPj)), r.chipEnergyPj);
      close(sum(r.ops.map((o) => o.systemEnergyPj ?? 0)), r.systemEnergyPj);
      close(sum(r.ops.map((o) => o.macs)), r.macs);
      expect(r.peakPowerW).toBeGreaterThanOrEqual(r.averagePowerW);
      for (const o of r.ops) expect(o.stallCycles).toBeGreaterThanOrEqual(-1e-9);
    });
  }
});

describe("engine: the design's system section", () => {
  it("adds opOverhead per op execution, divides by opEfficiency and charges static power x latency", () => {
    const base = run(loadDesign("edge-npu"));
    const sys = run(withSystem());
    const f = base.frequencyHz;
    for (const [i, o] of sys.ops.entries()) {
      const b = base.ops[i]!;
      const overhead = (o.kind === "matmul" ? 5e-6 : 2e-6) * f * o.weight * o.count;
      close(o.latencyCycles, overhead + b.latencyCycles / (o.kind === "softmax" ? 0.5 : 1));
      close(o.dynamicEnergyPj, b.dynamicEnergyPj);
    }
    close(sys.systemEnergyPj, 3 * sys.latencySeconds * 1e12);
    expect(sys.latencySeconds).toBeGreaterThan(base.latencySeconds);
    expect(base.systemEnergyPj).toBe(0);
  });
});

describe("engine: a fused attention group is one kernel", () => {
  it("its launch overhead is charged once, on the op that opens it (QK^T); every other op pays its own", () => {
    const fused = (overhead: boolean) => variant("edge-npu", (doc) => {
      doc.mapping.fusedAttention = true;
      if (overhead) doc.system = { opOverhead: { default: "7 us" } };
    });
    const withOverhead = run(fused(true)), without = run(fused(false));
    const f = without.frequencyHz;
    let charged = 0;
    for (const [i, o] of withOverhead.ops.entries()) {
      const extra = o.latencyCycles - without.ops[i]!.latencyCycles;
      if (extra > 1e-9 * f) charged++;
      close(extra, extra > 1e-9 * f ? 7e-6 * f * o.weight * o.count : 0);
    }
    // bert-base: 12 layers, one group each (QK^T, softmax, AV): the softmax and AV launch nothing.
    const softmaxes = withOverhead.ops.filter((o) => o.kind === "softmax");
    expect(softmaxes).toHaveLength(12);
    for (const o of softmaxes) close(o.latencyCycles, without.ops[withOverhead.ops.indexOf(o)]!.latencyCycles);
    expect(charged).toBe(withOverhead.ops.length - 2 * 12);
  });
});

describe("engine: energy = sum of actions x table", () => {
  it("the array's MAC energy is MACs x (8-bit multiply + 32-bit add) x node scale", () => {
    const design = loadDesign("edge-npu");
    const r = run(design);
    const scale = energyScaleFrom45nm(16, 0.8, "lp");
    const mac = r.breakdown.byAction["npu.mac.int8"]!;
    expect(mac.count).toBe(r.macs);
    close(mac.energyPj, r.macs * (0.2 + 0.1) * scale);
  });

  it("DRAM energy is bytes x pJ/bit x 8", () => {
    const design = loadDesign("edge-npu");
    const r = run(design);
    const dram = design.memory[0]!;
    close(r.breakdown.byAction["dram.read"]!.energyPj, r.bytesByLevel.dram!.readBytes * dram.readPjPerByte);
    expect(dram.readPjPerByte).toBeCloseTo(8 * 0.8 * 8, 10);
  });

  it("leakage energy = total leakage power x latency", () => {
    const design = loadDesign("edge-npu");
    const r = run(design);
    close(r.leakageEnergyPj, design.leakagePowerW * r.latencySeconds * 1e12);
  });

  it("every weight byte is read from DRAM at least once on the edge NPU", () => {
    const r = run(loadDesign("edge-npu"));
    expect(r.bytesByLevel.dram!.readBytes).toBeGreaterThanOrEqual(r.weightBytes);
  });
});

describe("engine: properties", () => {
  it("is deterministic: the same inputs give byte-identical results", () => {
    const a = JSON.stringify(run(loadDesign("edge-npu")));
    const b = JSON.stringify(run(loadDesign("edge-npu")));
    expect(a).toBe(b);
  });

  it("more bandwidth at any level never increases latency", () => {
    const base = loadDesign("edge-npu");
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 1 }), fc.double({ min: 1, max: 64, noNaN: true }), fc.constantFrom(16, 64, 200), fc.constantFrom("bert-base", "gpt2-small"),
      (level, factor, seq, model) => {
        const faster = { ...base, memory: base.memory.map((l, i) => (i === level ? { ...l, bandwidthBytesPerSecond: l.bandwidthBytesPerSecond * factor } : l)) };
        expect(run(faster, model, seq).latencyCycles).toBeLessThanOrEqual(run(base, model, seq).latencyCycles * (1 + 1e-12));
      },
    ), { numRuns: 25 });
  });

  it("more systolic buffer never increases DRAM bytes", () => {
    fc.assert(fc.property(
      fc.constantFrom("ifmap", "filter", "ofmap"), fc.constantFrom(2, 4, 16), fc.constantFrom(32, 128, 384),
      (buffer, factor, seq) => {
        const small = variant("edge-npu", (d) => { d.units.npu.buffers = { ifmap: "8 KiB", filter: "8 KiB", ofmap: "8 KiB" }; });
        const big = variant("edge-npu", (d) => { d.units.npu.buffers = { ifmap: "8 KiB", filter: "8 KiB", ofmap: "8 KiB", [buffer]: `${8 * factor} KiB` }; });
        const dram = (r: Result) => r.bytesByLevel.dram!.readBytes + r.bytesByLevel.dram!.writeBytes;
        expect(dram(run(big, "bert-base", seq))).toBeLessThanOrEqual(dram(run(small, "bert-base", seq)));
      },
    ), { numRuns: 20 });
  });

  it("a design that cannot hold the weights is infeasible with the reason, not an exception", () => {
    const outcome = simulate(loadDesign("mcu-class"), buildPresetTrace("bert-base", { seqLen: 32 }));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.infeasible.reasons[0]!.reason).toMatch(/do not fit in flash/);
  });

  it("op kinds the mapping does not name go to a unit that runs them", () => {
    const d = variant("edge-npu", (doc) => { doc.mapping = { default: "npu" }; });
    const outcome = simulate(d, buildPresetTrace("bert-base", { seqLen: 16 }));
    expect(outcome.ok).toBe(true);
    if (outcome.ok) expect(outcome.result.ops.find((o) => o.kind === "softmax")!.unit).toBe("dsp");
  });

  it("an op kind mapped to a unit that cannot run it is infeasible", () => {
    const d = variant("edge-npu", (doc) => { doc.mapping = { default: "npu", softmax: "npu" }; });
    const outcome = simulate(d, buildPresetTrace("bert-base", { seqLen: 16 }));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.infeasible.reasons.some((r) => /does not run softmax/.test(r.reason))).toBe(true);
  });

  it("early exit: an op with execution probability w costs w x its cost", () => {
    const design = loadDesign("edge-npu");
    const trace = buildPresetTrace("bert-base", { seqLen: 32 });
    const full = simulate(design, trace);
    const half = simulate(design, { ...trace, ops: trace.ops.map((o) => (o.layer >= 6 ? { ...o, weight: 0.5 } : o)) });
    if (!full.ok || !half.ok) throw new Error("infeasible");
    const late = (r: Result) => sum(r.breakdown.byLayer.filter((l) => l.layer >= 6).map((l) => l.latencyCycles));
    close(late(half.result), late(full.result) / 2);
  });
});

describe("engine: bytes per op", () => {
  it("with buffers that hold everything, each matmul moves exactly its operands and its output", () => {
    const design = variant("edge-npu", (d) => {
      d.units.npu.buffers = { ifmap: "64 MiB", filter: "64 MiB", ofmap: "64 MiB" };
    });
    const n = 64, d = 768;
    const r = run(design, "bert-base", n);
    const qkv = r.ops.find((o) => o.id === "L0.qkv")!;
    const moved = (o: typeof qkv) => Object.entries(o.bytesByLevel).filter(([k]) => !k.includes(".")).reduce((s, [, b]) => s + b.readBytes + b.writeBytes, 0);
    // int8: A = n x d, B = d x 3d weights, C = n x 3d.
    expect(moved(qkv)).toBe(n * d + d * 3 * d + n * 3 * d);
    // The weights and the trace input come from DRAM; the output stays in the global buffer.
    expect(qkv.bytesByLevel.dram!.readBytes).toBe(d * 3 * d + n * d);
    expect(qkv.bytesByLevel.glb!.writeBytes).toBe(n * 3 * d);
    const qk = r.ops.find((o) => o.id === "L0.qk")!;
    // 12 heads of (n x 64) . (64 x n): A and B are slices of qkv, C the n x n scores.
    expect(moved(qk)).toBe(12 * (n * 64 + 64 * n + n * n));
    const softmax = r.ops.find((o) => o.id === "L0.softmax")!;
    expect(moved(softmax)).toBe(2 * 12 * n * n);
  });
});

describe("engine: concurrent units on the timeline", () => {
  for (const [preset, model] of [["edge-npu", "bert-base"], ["tpuv1-like", "gpt2-small"], ["mcu-class", "deit-tiny"]] as const) {
    it(`${preset}: busiest unit <= latency <= sum of busy times; dynamic energy independent of overlap`, () => {
      const design = loadDesign(preset);
      const trace = buildPresetTrace(model, { seqLen: 128 });
      const overlapped = simulate(design, trace);
      const serial = simulate(design, trace, { concurrency: false });
      if (!overlapped.ok || !serial.ok) throw new Error("infeasible");
      const r = overlapped.result, s = serial.result;
      const busy = (res: Result) => {
        const perUnit = new Map<string, number>();
        for (const o of res.ops) perUnit.set(o.unit, (perUnit.get(o.unit) ?? 0) + o.latencyCycles);
        return [...perUnit.values()];
      };
      expect(r.latencyCycles).toBeLessThanOrEqual(sum(busy(r)) * (1 + 1e-9));
      expect(r.latencyCycles).toBeGreaterThanOrEqual(Math.max(...busy(r)) * (1 - 1e-9));
      close(s.latencyCycles, s.serialLatencyCycles);
      expect(r.latencyCycles).toBeLessThanOrEqual(s.latencyCycles * (1 + 1e-9));
      close(r.dynamicEnergyPj, s.dynamicEnergyPj);
      expect(r.energyPj).toBeLessThanOrEqual(s.energyPj * (1 + 1e-9)); // less leakage time
      expect(r.peakPowerW).toBeGreaterThanOrEqual(r.averagePowerW);
      for (const o of r.ops) expect(o.endCycles).toBeLessThanOrEqual(r.latencyCycles * (1 + 1e-9));
    });
  }

  it("the DSP's softmax of some heads runs beside the array's QK^T of the next", () => {
    const o = simulate(loadDesign("edge-npu"), buildPresetTrace("bert-base", { seqLen: 512 }), { keepTimeline: true });
    if (!o.ok) throw new Error("infeasible");
    const events = o.result.timeline!;
    const qk = events.filter((e) => e.op === "L0.qk");
    const sm = events.filter((e) => e.op === "L0.softmax");
    expect(qk.length).toBeGreaterThan(1);
    // Some softmax chunk starts before the last QK^T chunk ends.
    expect(Math.min(...sm.map((e) => e.startCycles))).toBeLessThan(Math.max(...qk.map((e) => e.endCycles)));
    // A chunk never starts before its producer chunk ends.
    for (const e of sm) expect(e.startCycles).toBeGreaterThanOrEqual(qk.find((q) => q.chunk === e.chunk)!.endCycles - 1e-6);
  });

  it("a longer power window never reports a higher peak", () => {
    const design = loadDesign("edge-npu");
    const trace = buildPresetTrace("bert-base", { seqLen: 128 });
    const peak = (w: number) => { const o = simulate(design, trace, { powerWindowSeconds: w }); return o.ok ? o.result.peakPowerW : NaN; };
    expect(peak(1e-7)).toBeGreaterThanOrEqual(peak(1e-5));
    expect(peak(1e-5)).toBeGreaterThanOrEqual(peak(1));
  });
});
