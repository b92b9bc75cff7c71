import { describe, expect, it } from "vitest";
import { buildPresetTrace, presetShape } from "./transformer-builder.js";
import { MODEL_PRESETS, MODEL_PRESET_NAMES } from "./model-presets.js";
import { opMacs, type Trace } from "./trace.js";
import { parseTrace } from "./trace-io.js";
import { bytesFor } from "./precision.js";
import { InputError } from "../common/input-error.js";

function macsOfLayer(trace: Trace, layer: number): number {
  return trace.ops.filter((o) => o.layer === layer).reduce((s, o) => s + opMacs(o), 0);
}

describe("transformer builder: MACs equal the closed form", () => {
  it("bert-base at n=128: 4nd^2 + 2n^2d + 2nd*dFF per layer", () => {
    const n = 128, d = 768, dFF = 3072;
    const trace = buildPresetTrace("bert-base", { seqLen: n });
    const expected = 4 * n * d * d + 2 * n * n * d + 2 * n * d * dFF;
    expect(expected).toBe(931_135_488);
    for (let l = 0; l < 12; l++) expect(macsOfLayer(trace, l)).toBe(expected);
  });

  for (const name of MODEL_PRESET_NAMES.filter((n) => MODEL_PRESETS[n].family === "transformer")) {
    it(`${name}: every layer, prefill, batch 2`, () => {
      const p = MODEL_PRESETS[name];
      const n = Math.min(p.defaultSeqLen, 256), B = 2;
      const trace = buildPresetTrace(name, { seqLen: n, batch: B });
      const d = p.dModel, h = p.heads, kvh = p.kvHeads, dh = d / h, T = B * n;
      const ffnMatrices = p.ffn === "swiglu" ? 3 : 2;
      const expected = T * d * (h + 2 * kvh) * dh + T * h * dh * d + 2 * B * h * n * n * dh + ffnMatrices * T * d * p.dFF;
      for (let l = 0; l < p.layers; l++) expect(macsOfLayer(trace, l)).toBe(expected);
      expect(trace.ops.filter((o) => o.layer >= p.layers).every((o) => opMacs(o) === 0)).toBe(true);
    });
  }

  it("llama2-7b decode: one token against contextLen cached tokens", () => {
    const ctx = 1000;
    const trace = buildPresetTrace("llama2-7b", { phase: "decode", contextLen: ctx });
    const d = 4096, dFF = 11008;
    const expected = 4 * d * d + 2 * d * (ctx + 1) + 3 * d * dFF;
    expect(macsOfLayer(trace, 0)).toBe(expected);
    expect(macsOfLayer(trace, 31)).toBe(expected);
  });
});

describe("transformer builder: tensors and bytes", () => {
  it("decode reads the whole KV cache: 2 x layers x kvHeads x dHead x context x bytes", () => {
    const ctx = 512;
    const trace = buildPresetTrace("gpt2-small", { phase: "decode", contextLen: ctx, precision: "fp16" });
    const cache = trace.tensors.filter((t) => t.name.endsWith("cache"));
    const bytes = cache.reduce((s, t) => s + bytesFor(t.shape.reduce((a, b) => a * b, 1), t.precision), 0);
    expect(bytes).toBe(2 * 12 * 12 * 64 * ctx * 2);
    const qk = trace.ops.find((o) => o.id === "L0.qk")!;
    expect(qk.inputs[1]).toBe("L0.kcache");
  });

  it("weights per layer are 4d^2 + 2 d dFF elements (MHA, GELU) plus norm parameters", () => {
    const trace = buildPresetTrace("bert-base", { seqLen: 64, precision: "int8" });
    const layer0 = trace.tensors.filter((t) => t.role === "weight" && t.name.startsWith("L0."));
    const elements = layer0.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
    expect(elements).toBe(4 * 768 * 768 + 2 * 768 * 3072 + 4 * 768);
  });

  it("precision flows into every tensor", () => {
    const trace = buildPresetTrace("vit-ti16", { precision: { weights: "int4", activations: "fp16" } });
    expect(trace.tensors.filter((t) => t.role === "weight").every((t) => t.precision === "int4")).toBe(true);
    expect(trace.tensors.filter((t) => t.role !== "weight").every((t) => t.precision === "fp16")).toBe(true);
  });

  it("every preset's trace passes the schema and the integrity checks", () => {
    for (const name of MODEL_PRESET_NAMES) {
      for (const phase of MODEL_PRESETS[name].family === "mobilevit" ? (["prefill"] as const) : (["prefill", "decode"] as const)) {
        const trace = buildPresetTrace(name, phase === "decode" ? { phase, contextLen: 64 } : { seqLen: MODEL_PRESETS[name].family === "mobilevit" ? 256 : 32 });
        expect(() => parseTrace(JSON.parse(JSON.stringify(trace)), `${name}.json`)).not.toThrow();
      }
    }
  });

  it("pre-norm models end with a final norm; post-norm models do not", () => {
    expect(buildPresetTrace("gpt2-small", { seqLen: 8 }).ops.at(-1)!.id).toBe("final.ln");
    expect(buildPresetTrace("bert-base", { seqLen: 8 }).ops.at(-1)!.id).toBe("L11.ln2");
  });

  it("decoder prefill stores K and V for later decode steps", () => {
    const trace = buildPresetTrace("gpt2-small", { seqLen: 16 });
    const kv = trace.tensors.find((t) => t.name === "L0.kv")!;
    expect(kv.role).toBe("kv-cache");
    expect(kv.shape.reduce((a, b) => a * b, 1)).toBe(2 * 12 * 16 * 64);
  });
});

describe("transformer builder: bad shapes", () => {
  it("an unknown preset names the presets", () => {
    expect(() => presetShape("bert-huge")).toThrow(InputError);
    expect(() => presetShape("bert-huge")).toThrow(/bert-base/);
  });
  it("decode needs one new token and a context", () => {
    expect(() => presetShape("gpt2-small", { phase: "decode", seqLen: 4, contextLen: 8 })).toThrow(/1 new token/);
    expect(() => presetShape("gpt2-small", { phase: "decode", contextLen: 0 })).toThrow(/cached token/);
  });
});
