/** Training-step traces against closed forms and published figures (docs/training.md). */
import { describe, expect, it } from "vitest";
import { buildPresetTrace, type BuildOptions } from "../transformer-builder.js";
import { checkTraceIntegrity, parseTrace } from "../trace-io.js";
import { isResident, opMacs, type MatmulOp, type Op, type Trace } from "../trace.js";
import { bytesFor } from "../precision.js";
import { resolveVariant } from "../workload-spec.js";
import { MODEL_PRESETS } from "../model-presets.js";
import { storedActivations } from "./training-trace.js";

const W = { file: "<test>", path: "" };
const train = (params: Record<string, unknown> = {}, kind = "adamw") => resolveVariant("train", kind, params, W);
const build = (model: string, options: BuildOptions, params: Record<string, unknown> = {}, kind = "adamw") =>
  buildPresetTrace(model, { phase: "train", ...options, train: train(params, kind) });
const macs = (ops: readonly Op[]) => ops.reduce((s, o) => s + opMacs(o) * (o.repeat?.count ?? 1), 0);
const byPass = (t: Trace, pass: string) => t.ops.filter((o) => (o.pass ?? "forward") === pass);
const elements = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

describe("backward matmuls: data and weight gradients, 2x the forward", () => {
  const cases: [string, BuildOptions][] = [
    ["bert-base", { seqLen: 64, batch: 2 }],
    ["gpt2-small", { seqLen: 64 }],
    ["llama2-7b", { seqLen: 32, kvHeads: 8 }],
    ["gpt2-small", { seqLen: 64, ffn: resolveVariant("ffn", "moe", { experts: 4, topk: 2 }, W) }],
    ["bert-base", { seqLen: 128, attention: resolveVariant("attention", "local", { window: 32, block: 16 }, W) }],
    ["mamba-130m", { seqLen: 64 }],
  ];
  for (const [model, options] of cases) {
    it(`${model} ${JSON.stringify(Object.keys(options))}: every matmul's dA and dB have its MACs`, () => {
      const t = build(model, options);
      const ids = new Map(t.ops.map((o) => [o.id, o]));
      const forward = byPass(t, "forward").filter((o): o is MatmulOp => o.kind === "matmul");
      expect(forward.length).toBeGreaterThan(0);
      for (const f of forward) {
        for (const g of ["dA", "dB"]) {
          const b = ids.get(`${f.id}.${g}`);
          expect(b, `${f.id}.${g}`).toBeDefined();
          expect(opMacs(b!)).toBe(opMacs(f));
        }
      }
      const backward = byPass(t, "backward").filter((o) => o.kind === "matmul");
      expect(macs(backward)).toBe(2 * macs(forward));
    });
  }
});

describe("a whole training step against hand counts: 6 x parameters x tokens + attention", () => {
  // FLOPs = 2 MACs. Forward per token: 2 N (every matmul weight once; Kaplan et al. 2020, sec. 2.1)
  // plus attention's QK^T and AV, 2 x 2 n d per layer (dense: the full n x n, masked or not).
  // Training = forward + backward (2x forward): 6 N T + 12 L n d T. N counts the parameters that
  // matmuls read: the layers' 4 d^2 + 2 d dFF, and the head (the tied token table for an LM).
  const cases: { model: "bert-base" | "gpt2-small"; seq: number; batch: number; head: number }[] = [
    { model: "bert-base", seq: 128, batch: 32, head: 2 },
    { model: "gpt2-small", seq: 1024, batch: 8, head: 50257 },
  ];
  for (const c of cases) {
    it(`${c.model}, seq ${c.seq}, batch ${c.batch}`, () => {
      const p = MODEL_PRESETS[c.model];
      const t = build(c.model, { seqLen: c.seq, batch: c.batch });
      const T = c.seq * c.batch;
      const headRows = c.head === 2 ? c.batch : T;
      const N = p.layers * (4 * p.dModel ** 2 + 2 * p.dModel * p.dFF);
      const hand = 6 * N * T + 12 * p.layers * c.seq * p.dModel * T + 6 * headRows * p.dModel * c.head;
      expect(2 * macs(t.ops)).toBe(hand);
      // Against all parameters (embeddings and norms included), the usual 6 N T is within a few %.
      const params = t.tensors.filter((x) => x.role === "weight").reduce((s, x) => s + elements(x.shape), 0);
      expect(Math.abs(2 * macs(t.ops) / (6 * params * T + 12 * p.layers * c.seq * p.dModel * T) - 1)).toBeLessThan(0.25);
    });
  }
});

describe("activation memory per layer: Korthikanti et al. 2022, eq. 1, sbh (34 + 5 a s / h)", () => {
  // 16-bit activations, one-byte dropout masks, no tensor or sequence parallelism.
  const korthikanti = (s: number, b: number, h: number, a: number) => s * b * h * 34 + 5 * a * s * s * b;
  for (const [model, s, b] of [["gpt2-small", 256, 2], ["bert-base", 128, 4], ["gpt2-xl", 128, 1]] as const) {
    const { dModel: h, heads: a, layers } = MODEL_PRESETS[model];
    it(`${model} s=${s} b=${b}: none keeps 34 sbh + 5 as^2 b, selective 34 sbh, full 2 sbh`, () => {
      const middle = (t: Trace) => storedActivations(t).byLayer.get(Math.floor(layers / 2));
      expect(middle(build(model, { seqLen: s, batch: b }))).toBe(korthikanti(s, b, h, a));
      expect(middle(build(model, { seqLen: s, batch: b }, { checkpointing: "selective" }))).toBe(34 * s * b * h);
      expect(middle(build(model, { seqLen: s, batch: b }, { checkpointing: "full" }))).toBe(2 * s * b * h);
    });
  }
});

describe("checkpointing: memory against recompute, closed forms", () => {
  const model = "gpt2-small", s = 256, b = 2;
  const { layers: L, dModel: h, heads: a } = MODEL_PRESETS[model];
  const base = build(model, { seqLen: s, batch: b });
  const forwardLayerMacs = macs(byPass(base, "forward").filter((o) => o.layer >= 0 && o.layer < L));
  it("selective recomputes QK^T only: h s^2 d MACs per sequence per layer", () => {
    const t = build(model, { seqLen: s, batch: b }, { checkpointing: "selective" });
    expect(macs(byPass(t, "recompute"))).toBe(L * b * s * s * h);
  });
  for (const every of [1, 2, 3, 4, 6, 12]) {
    it(`full, segments of ${every}: one forward of the layers again; ceil(L / k) inputs kept`, () => {
      const t = build(model, { seqLen: s, batch: b }, { checkpointing: "full", every });
      expect(macs(byPass(t, "recompute"))).toBe(forwardLayerMacs);
      const byLayer = storedActivations(t).byLayer;
      const kept = [...byLayer.entries()].filter(([l]) => l >= 0 && l < L).reduce((x, [, v]) => x + v, 0);
      // Each segment's input is the previous segment's output; the first's is the embedding's
      // (2 sbh, with its dropout mask, sbh).
      expect(kept).toBe((Math.ceil(L / every) - 1) * 2 * s * b * h);
      expect(byLayer.get(-1)).toBe(3 * s * b * h);
    });
  }
  it("stored bytes fall from none to selective to full; recompute work rises", () => {
    const stored = (c: string) => storedActivations(build(model, { seqLen: s, batch: b }, { checkpointing: c })).bytes;
    expect(stored("selective")).toBe(stored("none") - L * 5 * a * s * s * b);
    expect(stored("full")).toBeLessThan(stored("selective"));
  });
});

describe("optimizer state and mixed precision: Rajbhandari et al. 2020 (ZeRO), sec. 3.1", () => {
  it("Adam with fp16 weights and fp32 master weights keeps 16 bytes per parameter (GPT-2 1.5B: 'at least 24 GB')", () => {
    const t = build("gpt2-xl", { seqLen: 8 });
    const params = t.tensors.filter((x) => x.role === "weight").reduce((s, x) => s + elements(x.shape), 0);
    const resident = t.tensors.filter((x) => isResident(x.role)).reduce((s, x) => s + bytesFor(elements(x.shape), x.precision), 0);
    expect(resident).toBe(16 * params);
    expect(params).toBeGreaterThan(1.5e9);
    expect(resident / 1e9).toBeCloseTo(24.9, 1); // the paper's 16 x 1.5e9 = 24 GB, for the 1.5B rounding
  });
  it("SGD keeps weights and gradients and the master copy: 2 + 2 + 4; momentum adds 4", () => {
    const bytes = (kind: string) => {
      const t = build("bert-base", { seqLen: 8 }, {}, kind);
      const params = t.tensors.filter((x) => x.role === "weight").reduce((s, x) => s + elements(x.shape), 0);
      return t.tensors.filter((x) => isResident(x.role)).reduce((s, x) => s + bytesFor(elements(x.shape), x.precision), 0) / params;
    };
    expect(bytes("sgd")).toBe(8);
    expect(bytes("momentum")).toBe(12);
    expect(bytes("adam")).toBe(16);
  });
  it("fp32 training needs no master copy or unscale; bf16 no unscale", () => {
    const fp32 = build("bert-base", { seqLen: 8, precision: "fp32" });
    expect(fp32.ops.some((o) => o.id.endsWith(".cast") || o.id.endsWith(".unscale"))).toBe(false);
    const bf16 = build("bert-base", { seqLen: 8, precision: "bf16" });
    expect(bf16.ops.some((o) => o.id.endsWith(".unscale"))).toBe(false);
    expect(bf16.ops.some((o) => o.id.endsWith(".cast"))).toBe(true);
  });
});

describe("gradient accumulation", () => {
  it("k micro-batches: k x the forward and backward work, the optimizer once, the gradients added in place", () => {
    const one = build("bert-base", { seqLen: 64, batch: 2 });
    const four = build("bert-base", { seqLen: 64, batch: 2 }, { microBatches: 4 });
    expect(macs(four.ops)).toBe(4 * macs(one.ops));
    expect(byPass(four, "optimizer").length).toBe(byPass(one, "optimizer").length);
    const accumulate = four.ops.filter((o) => /\.grad\.acc\d+$/.test(o.id));
    expect(accumulate.length).toBeGreaterThan(0);
    for (const o of accumulate) expect(o.inputs[0]).toBe(o.outputs[0]);
    // The same activations live for one micro-batch at a time: stored bytes do not grow.
    expect(storedActivations(four).bytes).toBe(storedActivations(one).bytes);
  });
});

describe("training traces are valid traces", () => {
  for (const [model, options] of [["gpt2-small", { seqLen: 32 }], ["bert-base", { seqLen: 32, ffn: resolveVariant("ffn", "moe", {}, W) }], ["mamba-130m", { seqLen: 32 }], ["mobilevit-s-like", {}]] as const) {
    it(`${model}: integrity and the schema (JSON round trip)`, () => {
      const t = build(model, options, { checkpointing: "full", microBatches: 2 });
      checkTraceIntegrity(t, "<test>");
      expect(parseTrace(JSON.parse(JSON.stringify(t)), "<test>").ops.length).toBe(t.ops.length);
      expect(t.model.phase).toBe("train");
    });
  }
  it("int8 training is refused with the reason", () => {
    expect(() => build("bert-base", { seqLen: 8, precision: "int8" })).toThrow(/float weights and activations/);
  });
  it("a classifier has no vocabulary head; an LM head needs a vocabulary", () => {
    expect(() => build("vit-b16", {}, { head: "lm" })).toThrow(/classifier head/);
    const t = build("vit-b16", {});
    expect(t.ops.find((o) => o.id === "head.logits")).toMatchObject({ m: 1, n: 2 });
  });
});
