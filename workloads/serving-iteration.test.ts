import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { buildIterationTrace } from "./serving-iteration.js";
import { buildPresetTrace } from "./transformer-builder.js";
import { opMacs, type Trace } from "./trace.js";
import { parseTrace } from "./trace-io.js";
import { resolveVariant, type WorkloadSpec } from "./workload-spec.js";
import { InputError } from "../common/input-error.js";

const W = { file: "<test>", path: "" };
const macs = (t: Trace) => t.ops.reduce((a, op) => a + opMacs(op), 0);
const gpt2: WorkloadSpec = { model: "gpt2-small" };
const llamaGqa: WorkloadSpec = { model: "llama2-7b", kvHeads: 8, precision: resolveVariant("precision", "uniform", { precision: "fp16" }, W) };

/** MACs per layer by hand (Vaswani et al. 2017): projections and FFN over T tokens, attention per sequence. */
function handMacs(spec: { layers: number; d: number; h: number; kvh: number; dh: number; dFF: number; ffnMats: number }, seqs: { queries: number; context: number }[], shared = 0): number {
  const T = seqs.reduce((a, s) => a + s.queries, shared);
  const projections = T * spec.d * (spec.h + 2 * spec.kvh) * spec.dh + T * spec.h * spec.dh * spec.d;
  const ffn = spec.ffnMats * T * spec.d * spec.dFF;
  const attention = seqs.reduce((a, s) => a + 2 * spec.h * s.queries * (s.context + s.queries) * spec.dh, 0);
  return spec.layers * (projections + ffn + attention);
}
const GPT2 = { layers: 12, d: 768, h: 12, kvh: 12, dh: 64, dFF: 3072, ffnMats: 2 };
const LLAMA_GQA = { layers: 32, d: 4096, h: 32, kvh: 8, dh: 128, dFF: 11008, ffnMats: 3 };

describe("a serving iteration's trace", () => {
  it("has the hand-derived MACs for any batch (projections and FFN over T, attention per sequence)", () => {
    fc.assert(fc.property(
      fc.array(fc.record({ queries: fc.integer({ min: 1, max: 64 }), context: fc.integer({ min: 0, max: 300 }) }), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 0, max: 5 }),
      (seqs, shared) => {
        expect(macs(buildIterationTrace(gpt2, seqs, { sharedTokens: shared }))).toBe(handMacs(GPT2, seqs, shared));
      },
    ), { numRuns: 25, seed: 3 });
    const seqs = [{ queries: 1, context: 500 }, { queries: 40, context: 0 }];
    expect(macs(buildIterationTrace(llamaGqa, seqs))).toBe(handMacs(LLAMA_GQA, seqs));
  });

  it("one decode step or one prompt costs what the single-inference builder's decode or prefill trace does", () => {
    for (const context of [1, 37, 512]) {
      expect(macs(buildIterationTrace(gpt2, [{ queries: 1, context }]))).toBe(macs(buildPresetTrace("gpt2-small", { phase: "decode", contextLen: context })));
    }
    expect(macs(buildIterationTrace(gpt2, [{ queries: 128, context: 0 }]))).toBe(macs(buildPresetTrace("gpt2-small", { seqLen: 128 })));
  });

  it("is a valid trace file (schema and integrity: names resolve, one producer per tensor)", () => {
    const trace = buildIterationTrace(gpt2, [{ queries: 1, context: 10 }, { queries: 20, context: 5 }, { queries: 7, context: 0 }], { sharedTokens: 2 });
    expect(() => parseTrace(JSON.parse(JSON.stringify(trace)), "<test>")).not.toThrow();
    expect(trace.model.variants?.iteration).toBe("1 decode + prefill 20@5 7@0 + 2 tokens without attention");
  });

  it("builds the first layers only when asked (identical layers: the cost model extrapolates)", () => {
    const one = buildIterationTrace(gpt2, [{ queries: 3, context: 9 }], { layers: 2 });
    expect(new Set(one.ops.map((o) => o.layer))).toEqual(new Set([0, 1, 2]));
    expect(one.model.layers).toBe(2);
  });

  it("refuses what a served model cannot be (encoders, per-inference shapes, prefill-only attention)", () => {
    expect(() => buildIterationTrace({ model: "bert-base" }, [{ queries: 1, context: 1 }])).toThrow(InputError);
    expect(() => buildIterationTrace({ model: "gpt2-small", seq: 128 }, [{ queries: 1, context: 1 }])).toThrow(/per-inference shape/);
    expect(() => buildIterationTrace({ model: "gpt2-small", attention: resolveVariant("attention", "linformer", {}, W) }, [{ queries: 1, context: 1 }])).toThrow(/token by token/);
  });
});
