/**
 * Results that physics says are monotone (issue 15, item 4), as fast-check properties over random
 * shapes and presets:
 *   work       a matmul with more rows, columns, depth or batch items never takes less time;
 *   capacity   a larger on-chip shared level or unit buffer never moves more bytes off chip;
 *   bandwidth  a faster memory level never makes a design slower.
 * Each failed on the code issue 15 started from (b20c378): the replication split's rounding
 * (a100-like 1280x768x3072 ran 31% faster than 1216x768x3072), and greedy first-fit placement
 * (a larger L2 let an early tensor in that pushed later, more-read tensors out to DRAM).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { simulate } from "../sim/engine.js";
import { loadDesign, locateDesign, resolveDesign } from "../hardware-models/design-loader.js";
import { readDocument } from "../common/document.js";
import { buildOperatorTrace } from "../workloads/operator.js";
import { buildPresetTrace } from "../workloads/transformer-builder.js";
import { resolveVariant } from "../workloads/workload-spec.js";
import type { Design } from "../hardware-models/design.js";
import type { Trace } from "../workloads/trace.js";
import type { Result } from "../sim/result.js";
import type { Precision } from "../workloads/precision.js";

const TOLERANCE = 1 + 1e-9;

function result(design: Design, trace: Trace): Result | undefined {
  const outcome = simulate(design, trace, { perOp: false });
  return outcome.ok ? outcome.result : undefined;
}

/** A preset's document with some fields changed. */
function variant(preset: string, edit: (doc: Record<string, any>) => void): Design {
  const file = locateDesign(preset);
  const doc = structuredClone(readDocument(file)) as Record<string, any>;
  edit(doc);
  return resolveDesign(doc, file);
}

/** Presets that run matmuls, with the precision their arrays take. */
const MATMUL_PRESETS: [string, Precision][] = [
  ["a100-like", "fp16"], ["mi210-like", "fp16"], ["jetson-orin-like", "int8"], ["tpuv1-like", "int8"],
  ["edge-npu", "int8"], ["heterogeneous", "int8"], ["sram-cim", "int8"], ["mcu-helium", "int8"],
];
const designs = new Map(MATMUL_PRESETS.map(([p]) => [p, loadDesign(p)]));

describe("monotone by construction (issue 15)", () => {
  it("more work never takes less time: a matmul grown in m, n, k or batch, on every preset", () => {
    const dims = ["m", "n", "k", "batch"] as const;
    fc.assert(fc.property(
      fc.constantFrom(...MATMUL_PRESETS),
      fc.record({ m: fc.integer({ min: 1, max: 3000 }), n: fc.integer({ min: 1, max: 3000 }), k: fc.integer({ min: 1, max: 3000 }), batch: fc.integer({ min: 1, max: 24 }) }),
      fc.constantFrom(...dims), fc.integer({ min: 1, max: 300 }),
      ([preset, precision], shape, dim, grow) => {
        const design = designs.get(preset)!;
        const bigger = { ...shape, [dim]: shape[dim] + (dim === "batch" ? Math.ceil(grow / 30) : grow) };
        const small = result(design, buildOperatorTrace({ operator: "matmul", ...shape, precision }));
        const big = result(design, buildOperatorTrace({ operator: "matmul", ...bigger, precision }));
        if (!small || !big) return; // a shape that does not fit this preset
        expect(big.latencyCycles, `${preset} ${JSON.stringify(shape)} -> ${JSON.stringify(bigger)}`).toBeGreaterThanOrEqual(small.latencyCycles / TOLERANCE);
      },
    ), { numRuns: 300, seed: 15 });
  });

  it("the a100-like cliff of the issue: 1280x768x3072 is not faster than 1216x768x3072", () => {
    const design = designs.get("a100-like")!;
    const t = (m: number) => result(design, buildOperatorTrace({ operator: "matmul", m, n: 768, k: 3072, precision: "fp16" }))!.latencyCycles;
    expect(t(1280)).toBeGreaterThanOrEqual(t(1216));
  });

  /** Presets with an on-chip shared level (the last memory level) and the workloads to place in it. */
  const CAPACITY_CASES: [string, string][] = [["jetson-orin-like", "l2"], ["edge-npu", "glb"], ["tpuv1-like", "unified-buffer"]];
  const performer = resolveVariant("attention", "performer", {}, { file: "test", path: "" });
  const offChip = (r: Result, level: string) => r.bytesByLevel[level]!.readBytes + r.bytesByLevel[level]!.writeBytes;

  it("more on-chip capacity never moves more off-chip bytes (shared level)", () => {
    fc.assert(fc.property(
      fc.constantFrom(...CAPACITY_CASES), fc.integer({ min: 256, max: 4096 }), fc.double({ min: 1.1, max: 4, noNaN: true }),
      fc.constantFrom("bert-base", "bert-large", "gpt2-small", "performer"), fc.constantFrom(256, 1024),
      ([preset, level], kib, factor, model, seqLen) => {
        const sized = (bytes: number) => variant(preset, (d) => {
          d.memory.find((l: { name: string }) => l.name === level).capacity = `${Math.round(bytes)} B`;
        });
        const trace = model === "performer" ? buildPresetTrace("bert-base", { seqLen, attention: performer }) : buildPresetTrace(model, { seqLen });
        const small = result(sized(kib * 1024), trace), big = result(sized(kib * 1024 * factor), trace);
        if (!small || !big) return;
        const dram = small.breakdown.byLevel[0]!.level;
        expect(offChip(big, dram), `${preset} ${level} ${kib} KiB x ${factor} ${model} ${seqLen}`).toBeLessThanOrEqual(offChip(small, dram) * TOLERANCE);
      },
    ), { numRuns: 60, seed: 15 });
  });

  it("the edge-npu global buffer of the issue: 1280 KiB moves no more DRAM bytes than 640 KiB (was +11.5%)", () => {
    const sized = (kib: number) => variant("edge-npu", (d) => { d.memory[1].capacity = `${kib} KiB`; });
    const trace = buildPresetTrace("bert-base", { seqLen: 1024 });
    expect(offChip(result(sized(1280), trace)!, "dram")).toBeLessThanOrEqual(offChip(result(sized(640), trace)!, "dram"));
  });

  it("more bandwidth never slows a design (any level, any preset, transformer workloads)", () => {
    fc.assert(fc.property(
      fc.constantFrom("a100-like", "jetson-orin-like", "tpuv1-like", "edge-npu", "heterogeneous"), fc.integer({ min: 0, max: 1 }),
      fc.double({ min: 1.01, max: 16, noNaN: true }), fc.constantFrom("bert-base", "gpt2-small"), fc.constantFrom(32, 128, 512),
      (preset, level, factor, model, seqLen) => {
        const base = designs.get(preset)!;
        const faster = { ...base, memory: base.memory.map((l, i) => (i === level ? { ...l, bandwidthBytesPerSecond: l.bandwidthBytesPerSecond * factor } : l)) };
        const trace = buildPresetTrace(model, { seqLen });
        const slow = result(base, trace), fast = result(faster, trace);
        if (!slow || !fast) return;
        const what = `${preset} level ${level} x${factor} ${model} ${seqLen}`;
        // Op by op (and so one op after another) strictly. On the timeline, concurrent ops share a
        // level's bandwidth, and a faster split of one op may move more bytes past a neighbour: the
        // list schedule is not monotone in general (Graham's anomalies); the largest shift seen on
        // the presets is 1.1e-4 (a100-like, gpt2-small 128 tokens, 16 cycles of 143,101).
        expect(fast.serialLatencyCycles, what).toBeLessThanOrEqual(slow.serialLatencyCycles * TOLERANCE);
        expect(fast.latencyCycles, what).toBeLessThanOrEqual(slow.latencyCycles * (1 + 1e-3));
      },
    ), { numRuns: 40, seed: 15 });
  });
});
