import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { parameterCount, readModelConfig, type ModelDefinition } from "./model-config.js";
import { modelConfigOf, parseWorkloadSection } from "./workload-file.js";
import { buildPresetTrace, buildWorkload } from "./transformer-builder.js";
import { opMacs, type Trace } from "./trace.js";
import { InputError } from "../common/input-error.js";
import { partitionWorkload } from "./parallel/partition.js";
import { checkServedModel } from "./serving-iteration.js";

const MODELS = join(import.meta.dirname, "..", "examples", "models");
const HERE = join(MODELS, "workload.yaml");

function definition(file: string): ModelDefinition {
  const { config, name } = modelConfigOf(file, HERE, "/modelConfig");
  return readModelConfig(config, { file, path: "" }, name);
}

function fromConfig(file: string, extra: Record<string, unknown> = {}): Trace {
  return buildWorkload(parseWorkloadSection({ modelConfig: file, ...extra }, HERE, "/workload"), HERE);
}

const macs = (t: Trace) => t.ops.reduce((s, o) => s + opMacs(o), 0);
const weightElements = (t: Trace) => t.tensors.filter((x) => x.role === "weight").reduce((s, x) => s + x.shape.reduce((a, b) => a * b, 1), 0);

describe("model configs: traces match the presets that describe the same model", () => {
  const pairs = [
    ["bert-base-uncased.json", "bert-base", 128],
    ["gpt2.json", "gpt2-small", 256],
    ["llama-2-7b.json", "llama2-7b", 256],
    ["vit-base-patch16-224.json", "vit-b16", 197],
    ["deit-tiny-patch16-224.json", "deit-tiny", 197],
    ["whisper-tiny.json", "whisper-tiny-encoder", 1500],
  ] as const;
  for (const [file, preset, seq] of pairs) {
    it(`${file} = ${preset} (ops, tensors, MACs) at seq ${seq}`, () => {
      const ours = fromConfig(file, { seq });
      const theirs = buildPresetTrace(preset, { seqLen: seq });
      expect(ours.ops).toEqual(theirs.ops);
      expect(ours.tensors).toEqual(theirs.tensors);
      expect(macs(ours)).toBe(macs(theirs));
      expect({ ...ours.model, name: preset }).toEqual(theirs.model);
    });
  }

  it("vision configs default to the patch grid plus the class token: (224/16)^2 + 1 = 197", () => {
    expect(fromConfig("deit-small-patch16-224.json").model.seqLen).toBe(197);
    expect(fromConfig("deit-small-patch16-224.json", { patch: 32 }).model.seqLen).toBe(50);
    expect(fromConfig("deit-small-patch16-224.json", { image: 384 }).model.seqLen).toBe(577);
  });
});

describe("model configs: parameter counts match the published ones", () => {
  // [file, published count, the published figure's last digit (a count within one of it matches, rounded or truncated), what]
  const published = [
    ["bert-base-uncased.json", 110e6, 1e6, "total"], // Devlin et al. 2019, Section 3: 110M
    ["gpt2.json", 124e6, 1e6, "total"], // openai/gpt-2 README: 124M
    ["llama-2-7b.json", 6.7e9, 0.1e9, "total"], // Touvron et al. 2023 (LLaMA), Table 2: 6.7B
    ["mistral-7b.json", 7.3e9, 0.1e9, "total"], // Mistral AI, Announcing Mistral 7B: 7.3B
    ["mixtral-8x7b.json", 47e9, 1e9, "total"], // Jiang et al. 2024, Section 2: 47B
    ["mixtral-8x7b.json", 13e9, 1e9, "active"], // Jiang et al. 2024, Section 2: 13B active
    ["vit-base-patch16-224.json", 86e6, 1e6, "total"], // Dosovitskiy et al. 2021, Table 1: 86M
    ["deit-tiny-patch16-224.json", 5e6, 1e6, "total"], // Touvron et al. 2021, Table 1: 5M
    ["deit-small-patch16-224.json", 22e6, 1e6, "total"], // Touvron et al. 2021, Table 1: 22M
  ] as const;
  for (const [file, count, digit, what] of published) {
    it(`${file}: ${what} ${count.toExponential(2)} within ${digit.toExponential(0)}`, () => {
      const n = parameterCount(definition(file));
      expect(Math.abs(n[what] - count)).toBeLessThan(digit);
    });
  }

  it("whisper-tiny: 37.76M from its config (encoder 8.21M); the paper's Table 1 says 39M (docs/workloads.md)", () => {
    const n = parameterCount(definition("whisper-tiny.json"));
    expect(n.total).toBe(37_760_640);
    expect(n.total - n.parts.decoder! - n.parts.tokenEmbedding!).toBe(8_208_384);
  });

  it("hand-derived: bert-base-uncased is 109,482,240 (embeddings 23,837,184 + 12 x 7,087,872 + pooler 590,592)", () => {
    const n = parameterCount(definition("bert-base-uncased.json"));
    expect(n.parts.blocks).toBe(12 * 7_087_872);
    expect(n.total).toBe(109_482_240);
  });

  it("a trace's weights are the count's matrices and norms (Llama and Mixtral have no biases)", () => {
    for (const file of ["llama-2-7b.json", "mixtral-8x7b.json"]) {
      const def = definition(file);
      const n = parameterCount(def);
      expect(weightElements(fromConfig(file, { seq: 64 }))).toBe(n.parts.blocks! + n.parts.finalNorm!);
    }
  });
});

describe("model configs: what configs add to presets", () => {
  it("Mistral's sliding window masks attention only past the window", () => {
    const within = fromConfig("mistral-7b.json", { seq: 2048, layers: 1 });
    const beyond = fromConfig("mistral-7b.json", { seq: 8192, layers: 1 });
    expect(JSON.stringify(within.ops.find((o) => o.id === "L0.qk"))).not.toMatch(/sparsity/);
    expect(JSON.stringify(beyond.ops.find((o) => o.id === "L0.qk"))).toMatch(/sparsity/);
    expect(beyond.model.variants?.attention).toMatch(/^local:window=4096/);
    const dense = fromConfig("mistral-7b.json", { seq: 8192, layers: 1, attention: "dense" });
    expect(macs(beyond)).toBeLessThan(macs(dense));
  });

  it("Mixtral's FFN is a top-2 mixture of 8 experts; experts and topk are shape fields", () => {
    const t = fromConfig("mixtral-8x7b.json", { seq: 128, layers: 1 });
    expect(t.model.variants?.ffn).toBe("moe:experts=8,topk=2,capacity=1");
    expect(fromConfig("mixtral-8x7b.json", { seq: 128, layers: 1, experts: 4, topk: 1 }).model.variants?.ffn).toBe("moe:experts=4,topk=1,capacity=1");
  });

  it("shape fields replace the preset's: half the layers, half the MACs; heads keep MHA multi-head", () => {
    const full = buildWorkload(parseWorkloadSection({ model: "bert-base", seq: 128 }, HERE, "/workload"));
    const half = buildWorkload(parseWorkloadSection({ model: "bert-base", seq: 128, layers: 6 }, HERE, "/workload"));
    expect(macs(half) * 2).toBe(macs(full));
    const heads = buildWorkload(parseWorkloadSection({ model: "bert-base", seq: 128, heads: 8, dModel: 512, dFF: 2048 }, HERE, "/workload"));
    expect(heads.model).toMatchObject({ heads: 8, kvHeads: 8, dHead: 64, dModel: 512, dFF: 2048 });
  });

  it("bad shapes and configs are input errors naming the field", () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as InputError).message;
      }
      throw new Error("no error");
    };
    expect(err(() => fromConfig("bert-base-uncased.json", { heads: 7 }))).toMatch(/heads/);
    expect(err(() => fromConfig("bert-base-uncased.json", { patch: 8 }))).toMatch(/vision model/);
    expect(err(() => buildWorkload(parseWorkloadSection({ model: "mamba-130m", layers: 4 }, HERE, "/workload")))).toMatch(/transformer model/);
    expect(err(() => readModelConfig({ model_type: "t5" }, { file: "x.json", path: "" }))).toMatch(/model_type/);
    expect(err(() => readModelConfig({ model_type: "bert", hidden_size: 768 }, { file: "x.json", path: "" }))).toMatch(/num_hidden_layers|num_attention_heads/);
    expect(err(() => parseWorkloadSection({ model: "bert-base", modelConfig: "gpt2.json" }, HERE, "/workload"))).toMatch(/one of model/);
    expect(err(() => parseWorkloadSection({ modelConfig: "missing.json" }, HERE, "/workload"))).toMatch(/no such file/);
  });
});

describe("model configs and shape fields elsewhere: honoured or refused, never ignored", () => {
  it("a system split over devices builds the config's model with its shape fields", () => {
    const spec = parseWorkloadSection({ modelConfig: "gpt2.json", seq: 128, layers: 4 }, HERE, "/workload");
    const split = partitionWorkload(spec, { data: 1, tensor: 2, pipeline: 2, expert: 1 }, { devicesPerNode: 4, hostLink: false });
    expect(split.stages.map((s) => s.layers)).toEqual([[0, 2], [2, 4]]);
    expect(split.stages[0]!.trace.model).toMatchObject({ name: "gpt2", heads: 6 });
  });

  it("a served model with a config or shape fields is refused", () => {
    expect(() => checkServedModel(parseWorkloadSection({ model: "gpt2-small", layers: 4 }, HERE, "/model"))).toThrow(/served models do not take/);
    expect(() => checkServedModel(parseWorkloadSection({ modelConfig: "gpt2.json" }, HERE, "/model"))).toThrow(/served models do not take/);
  });
});
