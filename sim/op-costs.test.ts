/**
 * The compiled path (op costs remembered per design and placement, each distinct op costed once)
 * against the plain path (every op costed afresh): whole Results, bit for bit, on every design
 * preset x the golden matrix's workloads and on random designs.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { simulate, simulateSummary, type SimulateOptions } from "./engine.js";
import { designPresetNames, loadDesign, locateDesign, resolveDesign } from "../hardware-models/design-loader.js";
import { readDocument } from "../common/document.js";
import { buildPresetTrace, type BuildOptions } from "../workloads/transformer-builder.js";
import { resolveVariant } from "../workloads/workload-spec.js";
import { memoStats } from "../common/memo.js";
import { GOLDEN_WORKLOADS } from "../test/support/golden-workloads.js";
import type { Design } from "../hardware-models/design.js";
import type { Trace } from "../workloads/trace.js";

const W = { file: "<test>", path: "" };
// The golden matrix's workloads (test/golden.test.ts), a generation and variants that change op shapes.
const WORKLOADS: [string, string, BuildOptions][] = [
  ...GOLDEN_WORKLOADS,
  ["gpt2-small 32 + 24 generated", "gpt2-small", { seqLen: 32, generate: 24 }],
  ["bert-base s256 block-sparse", "bert-base", { seqLen: 256, attention: resolveVariant("attention", "block-sparse", {}, W) }],
];

/**
 * The plain path's outcome, then the compiled path's twice (cold, then remembered): all must be
 * equal. Without the per-op list, summary mode too: its totals are the Result's, and the full
 * Result it builds when asked (after another evaluation has reused the timeline's arrays) is the
 * plain path's.
 */
function expectSame(design: Design, trace: Trace, options: SimulateOptions = {}): void {
  const plain = simulate(design, trace, { ...options, reference: true });
  const cold = simulate(design, trace, options);
  const warm = simulate(design, trace, options);
  expect(cold).toStrictEqual(plain);
  expect(warm).toStrictEqual(plain);
  if (options.perOp !== false || options.keepTimeline) return;
  const summary = simulateSummary(design, trace, { ...options, reference: true });
  const compiled = simulateSummary(design, trace, options);
  // A sweep point's evaluation: a design never seen before, its table not remembered, its sums in
  // reused arrays (filled by the same evaluation just before: sums not zeroed would double).
  const forgetful = simulateSummary({ ...design }, trace, { ...options, remember: false });
  simulateSummary({ ...design }, trace, { ...options, remember: false, summaryOnly: true });
  const point = simulateSummary({ ...design }, trace, { ...options, remember: false, summaryOnly: true });
  simulate(design, trace, options);
  if (!plain.ok || !summary.ok || !compiled.ok || !forgetful.ok || !point.ok) {
    expect(summary).toStrictEqual(plain);
    expect(compiled).toStrictEqual(plain);
    expect(forgetful).toStrictEqual(plain);
    expect(point).toStrictEqual(plain);
    return;
  }
  expect(point.result).toThrow(/summaryOnly/);
  const { bytesByLevel, areaByComponentMm2, dieAreaByBlockMm2, breakdown, timeline, powerTrace, ops, ...totals } = plain.result;
  void [areaByComponentMm2, dieAreaByBlockMm2, breakdown, timeline, powerTrace, ops];
  const levelBytes = design.memory.map((level) => bytesByLevel[level.name]);
  expect(summary.summary).toStrictEqual({ ...totals, levelBytes });
  expect(compiled.summary).toStrictEqual({ ...totals, levelBytes });
  expect(forgetful.summary).toStrictEqual({ ...totals, levelBytes });
  expect(point.summary).toStrictEqual({ ...totals, levelBytes });
  expect(compiled.result()).toStrictEqual(plain.result);
  expect(summary.result()).toStrictEqual(plain.result);
}

/**
 * Designs resolved by parts from `variants`, each evaluated as a sweep point would be (summary, not
 * remembered) `rounds` times over, each equal to the plain path; returns the latencies in cycles.
 */
function inRounds(rounds: number, variants: unknown[], file: string, trace: Trace): number[] {
  const latencies: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const doc of variants) {
      const design = resolveDesign(structuredClone(doc), file, { reuseParts: true });
      // A unit's first sight fills the costs another such table filled before (a sweep point's
      // changed unit): the whole Result, per-op list included, is the plain path's.
      expect(simulate(design, trace, { remember: false })).toStrictEqual(simulate(design, trace, { reference: true }));
      const plain = simulateSummary(design, trace, { reference: true });
      const compiled = simulateSummary(design, trace, { remember: false });
      expect(compiled.ok && compiled.summary).toStrictEqual(plain.ok && plain.summary);
      const point = simulateSummary(design, trace, { remember: false, summaryOnly: true });
      expect(point.ok && point.summary).toStrictEqual(plain.ok && plain.summary);
      if (plain.ok) latencies.push(plain.summary.latencyCycles);
    }
  }
  return latencies;
}

describe("compiled op costs: bit-identical to the plain path", () => {
  for (const preset of designPresetNames()) {
    it(`${preset} x the golden workloads, summary and per-op`, () => {
      const design = loadDesign(preset);
      for (const [, model, options] of WORKLOADS) {
        const trace = buildPresetTrace(model, options);
        expectSame(design, trace, { perOp: false });
        expectSame(design, trace, { perOp: true, keepTimeline: true });
      }
    });
  }

  it("on random designs (array shape, dataflow, buffers, DSP lanes, bandwidths, fused attention, op overheads)", () => {
    const file = locateDesign("edge-npu");
    const base = readDocument(file);
    fc.assert(fc.property(
      fc.record({
        rows: fc.constantFrom(4, 16, 32, 128), cols: fc.constantFrom(4, 16, 64), dataflow: fc.constantFrom("os", "ws", "is"),
        buffer: fc.constantFrom("2 KiB", "16 KiB", "64 KiB", "1 MiB"), lanes: fc.constantFrom(4, 16, 64), local: fc.constantFrom("4 KiB", "64 KiB"),
        dram: fc.constantFrom("4 GB/s", "17.1 GB/s", "200 GB/s"), glb: fc.constantFrom("64 KiB", "320 KiB", "4 MiB"),
        fused: fc.boolean(), overhead: fc.constantFrom("0 s", "2 us"), count: fc.constantFrom(1, 4),
        workload: fc.constantFrom(...WORKLOADS.map((w) => w[0])),
      }),
      (p) => {
        const doc = structuredClone(base) as Record<string, any>;
        Object.assign(doc.units.npu, { rows: p.rows, cols: p.cols, dataflow: p.dataflow, buffers: { ifmap: p.buffer, filter: p.buffer, ofmap: p.buffer }, count: p.count });
        Object.assign(doc.units.dsp, { lanes: p.lanes, localMemory: p.local });
        doc.memory[0].bandwidth = p.dram;
        doc.memory[1].capacity = p.glb;
        doc.mapping.fusedAttention = p.fused;
        doc.system = { opOverhead: { default: p.overhead } };
        const design = resolveDesign(doc, file);
        const [, model, options] = WORKLOADS.find((w) => w[0] === p.workload)!;
        const trace = buildPresetTrace(model, options);
        expectSame(design, trace, { perOp: true });
        expectSame(design, trace, { perOp: false });
      },
    ), { numRuns: 30 });
  });

  it("designs resolved by parts share a unit's op costs only where nothing else they read changed (clock, levels, op overheads)", () => {
    // Resolved by parts, the DSP is one object in all of these; its costs may be reused across
    // designs only when the levels, the reference clock and the op kinds' overhead and efficiency
    // are the same too. Each design three times (the first sees the pair, the second keeps it,
    // the third reads it), each equal to the plain path.
    const file = locateDesign("edge-npu");
    const base = readDocument(file) as Record<string, unknown> & { memory: Record<string, unknown>[]; technology: Record<string, unknown> };
    const variants: unknown[] = [
      base,
      { ...base, memory: [{ ...base.memory[0], bandwidth: "3 GB/s" }, ...base.memory.slice(1)] },
      { ...base, system: { opOverhead: { softmax: "2 us", layernorm: "1 us" }, opEfficiency: { softmax: 0.5 } } },
      { ...base, technology: { ...base.technology, frequency: "700 MHz" } },
    ];
    const trace = buildPresetTrace("bert-base", { seqLen: 64 });
    const shared = () => memoStats().find((m) => m.name === "sim.unit-op-costs")!.hits;
    const before = shared();
    inRounds(3, variants, file, trace);
    expect(shared()).toBeGreaterThan(before); // the third round read shared costs
  });

  it("designs that assign ops alike share the timeline's unit and batch arrays, and only those (mapping, issue slots)", () => {
    // a100-like's vector unit shares the tensor cores' issue slots (one timeline track); the same
    // mapping without that sharing, and the dynamic matmuls on the vector unit, assign differently.
    // Each design in rounds, so a later one would find an earlier one's arrays if the sharing
    // ignored what differs.
    const file = locateDesign("a100-like");
    const base = readDocument(file) as Record<string, any>;
    const { sharesIssueWith, ...vector } = base.units.vector;
    void sharesIssueWith;
    const variants: unknown[] = [
      base,
      { ...base, units: { ...base.units, vector } },
      { ...base, mapping: { ...base.mapping, dynamicMatmul: "vector" } },
      { ...base, units: { ...base.units, vector }, mapping: { ...base.mapping, dynamicMatmul: "vector" } },
    ];
    const trace = buildPresetTrace("bert-base", { seqLen: 128 });
    const latencies = new Set(inRounds(2, variants, file, trace));
    expect(latencies.size).toBe(3); // the variants schedule differently (the last two alike: QK^T and AV on the vector unit serialise it anyway)
  });

  it("an infeasible design gives the plain path's reasons", () => {
    const trace = buildPresetTrace("bert-base", { seqLen: 32 });
    const design = loadDesign("mcu-class");
    expect(simulate(design, trace).ok).toBe(false);
    expectSame(design, trace);
  });

  it("costs each distinct op once per design: bert-base's 144 ops are 12 layers of the same shapes", () => {
    const design = loadDesign("edge-npu");
    const trace = buildPresetTrace("bert-base", { seqLen: 96 });
    const misses = () => memoStats().find((m) => m.name === "dsp.compiled-lowering")!.misses;
    const before = misses();
    simulate(design, trace, { perOp: false });
    const costed = misses() - before;
    const shapes = new Set(trace.ops.map((o) => JSON.stringify({ ...o, id: 0, layer: 0, inputs: 0, outputs: 0 })));
    // The DSP compiles a lowering per op it costs (its memo is keyed by op object): at most once per
    // distinct shape, where the plain path costs every op.
    expect(costed).toBeGreaterThan(0);
    expect(costed).toBeLessThanOrEqual(shapes.size);
    expect(trace.ops.length).toBeGreaterThan(4 * shapes.size);
    simulate(design, trace, { perOp: false });
    expect(misses() - before).toBe(costed);
  });
});
