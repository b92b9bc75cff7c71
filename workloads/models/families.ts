/** Model families with their own builders (not the generic transformer): Mamba-style SSMs and MobileViT-like hybrids. */
import { InputError } from "../../common/input-error.js";
import { MODEL_PRESETS, type ModelPresetName } from "../model-presets.js";
import type { ModelShape, Trace } from "../trace.js";
import type { BuildOptions } from "../transformer-builder.js";
import { describeVariant, resolveVariant, type VariantChoice } from "../workload-spec.js";
import { precisionPolicy } from "../variants/precision-policy.js";
import { buildMambaTrace } from "./mamba.js";
import { buildMobileVitTrace } from "./mobilevit.js";

export function buildFamilyTrace(name: ModelPresetName, options: BuildOptions, precision: VariantChoice, where: string): Trace {
  const p = MODEL_PRESETS[name];
  const phase = options.phase ?? "prefill";
  const reject = (what: string, why: string) => {
    throw new InputError(where, { path: `/${what}`, expected: why, found: name });
  };
  if (options.tokens) reject("tokens", "token pruning on a transformer model");
  if (options.exit) reject("exit", "early exit on a transformer model");
  if (options.ffn) reject("ffn", "an FFN variant on a model with FFN blocks");
  if (options.generate) reject("generate", "generation on a transformer decoder");
  if (options.kvHeads) reject("kvHeads", "a KV-head count on a model with attention heads");
  const seqLen = phase === "decode" ? 1 : options.seqLen ?? p.defaultSeqLen;
  if (!Number.isInteger(seqLen) || seqLen < 1) throw new InputError(where, { path: "/seq", expected: "a positive integer", found: String(seqLen) });
  const shape: ModelShape = {
    name, layers: p.layers, dModel: p.dModel, heads: p.heads, kvHeads: p.kvHeads, dHead: p.dModel / p.heads, dFF: p.dFF, ffn: p.ffn, norm: p.norm,
    normPlacement: p.normPlacement, causal: p.causal, seqLen, batch: options.batch ?? 1, phase, contextLen: phase === "decode" ? options.contextLen ?? p.defaultSeqLen : 0,
  };
  const policy = precisionPolicy(precision);
  switch (p.family) {
    case "mamba":
      if (options.attention && options.attention.kind !== "dense") reject("attention", "an attention variant on a model with attention (Mamba has none)");
      return buildMambaTrace(shape, policy, { precision: describeVariant(precision) });
    case "mobilevit": {
      if (phase === "decode") reject("phase", "prefill or train (MobileViT is an image encoder)");
      const attention = options.attention ?? resolveVariant("attention", "dense", {}, { file: where, path: "/attention" });
      return buildMobileVitTrace(shape, policy, attention, { attention: describeVariant(attention), precision: describeVariant(precision) });
    }
    default:
      throw new Error(`no builder for family ${p.family}`);
  }
}
