/** Peak training memory against the published figures, and a step's Result by pass. */
import { describe, expect, it } from "vitest";
import { buildPresetTrace } from "../workloads/transformer-builder.js";
import { resolveVariant } from "../workloads/workload-spec.js";
import { MODEL_PRESETS } from "../workloads/model-presets.js";
import { loadDesign } from "../hardware-models/design-loader.js";
import { traceLayout } from "./placement.js";
import { simulate } from "./engine.js";
import { trainingSummary } from "./training-summary.js";

const W = { file: "<test>", path: "" };

describe("peak training memory of GPT-2 1.5B (gpt2-xl), sequence 1,024, micro-batch 1", () => {
  // Model states: 16 bytes per parameter with mixed-precision Adam (Rajbhandari et al., ZeRO, SC
  // 2020, sec. 3.1: "at least 24 GB" for GPT-2 1.5B). Activations: sbh (34 + 5 a s / h) per layer
  // (Korthikanti et al. 2022, eq. 1). The peak holds both, plus the loss's logits and the working
  // set of the first backward ops: a few percent.
  const { layers: L, dModel: h, heads: a } = MODEL_PRESETS["gpt2-xl"];
  const s = 1024, b = 1;
  const trace = buildPresetTrace("gpt2-xl", { phase: "train", seqLen: s, batch: b, train: resolveVariant("train", "adamw", {}, W) });
  const params = trace.tensors.filter((t) => t.role === "weight").reduce((n, t) => n + t.shape.reduce((x, y) => x * y, 1), 0);
  const states = 16 * params;
  const activations = L * (34 * s * b * h + 5 * a * s * s * b);
  it("model states 16 bytes per parameter (24.9 GB), activations per Korthikanti (9.0 GB), workspace a few percent", () => {
    const peak = traceLayout(trace).peakMemoryBytes;
    expect(states / 1e9).toBeCloseTo(24.91, 2);
    expect(activations / 1e9).toBeCloseTo(8.97, 2);
    expect(peak).toBeGreaterThan(states + activations);
    expect(peak / (states + activations)).toBeLessThan(1.05);
  });
  it("the summary splits the peak into what it holds", () => {
    const design = loadDesign("a100-like");
    const small = buildPresetTrace("gpt2-small", { phase: "train", seqLen: 128, batch: 2, train: resolveVariant("train", "adamw", { checkpointing: "selective" }, W) });
    const outcome = simulate(design, small);
    if (!outcome.ok) throw new Error(outcome.infeasible.reasons[0]!.reason);
    const summary = trainingSummary(small, design, outcome.result);
    const m = summary.memory;
    expect(m.gradientBytes).toBe(m.weightBytes);
    expect(m.optimizerStateBytes).toBe(6 * m.weightBytes);
    expect(m.weightBytes + m.gradientBytes + m.optimizerStateBytes + m.storedActivationBytes + m.workspaceBytes).toBe(m.peakBytes);
    // Every op is in one pass: the passes' energies sum to the step's; the backward does about 2x the
    // forward's MACs (the units' MAC counts round a split over 108 replicas up: 1e-4 of the trace's exact 2x).
    const passes = Object.values(summary.byPass);
    expect(passes.reduce((e, p) => e + p.energyJ, 0)).toBeCloseTo(outcome.result.energyJ, 9);
    expect(summary.byPass.backward.macs / summary.byPass.forward.macs).toBeCloseTo(2, 3);
    expect(summary.byPass.recompute.macs).toBeGreaterThan(0);
  });
});
