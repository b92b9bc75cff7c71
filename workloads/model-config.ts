/**
 * Models as data: the shape fields of a Hugging Face `config.json` read into a model definition
 * the transformer builder turns into a trace, and the parameter count the configuration implies.
 *
 * Field names are those of the `transformers` configuration classes (BertConfig, GPT2Config,
 * LlamaConfig, MistralConfig, MixtralConfig, ViTConfig/DeiTConfig, WhisperConfig). What each family
 * contributes beyond the transformer blocks (embeddings, biases, heads, conv stems) is counted for the
 * parameter total only; traces stay blocks-only, as for presets (docs/workloads.md). A field a
 * config may leave out takes the `transformers` configuration class's documented default:
 * GPT2Config n_inner None = 4 n_embd, LlamaConfig num_key_value_heads None = num_attention_heads,
 * BertConfig type_vocab_size 2, ViTConfig num_channels 3.
 *
 * Parameter count (per layer, d = hidden, h heads, g KV heads, dh = d / h, f = FFN width):
 *   attention  d (h + 2g) dh + h dh d  (+ (h + 2g) dh + d biases where the family has them)
 *   FFN        2 d f (+ f + d biases) for GELU; 3 d f for SwiGLU; E x 3 d f + d E (router) for MoE
 *   norms      2 x (2d) for LayerNorm (gain, bias), 2 x d for RMSNorm
 * plus the family's embeddings, final norm, pooler, classifier or LM head, as listed in countParts.
 */
import { InputError } from "../common/input-error.js";
import type { ModelPreset } from "./model-presets.js";

/** A model the builder can trace: a preset's fields plus what configs add. */
export interface ModelDefinition extends ModelPreset {
  name: string;
  /** What the parameter count adds around the blocks (configs only). */
  extras?: ParameterExtras;
}

/** The parts of a model outside the transformer blocks, for the parameter count. */
export interface ParameterExtras {
  /** Attention and FFN projections carry biases (BERT, GPT-2, ViT, Whisper) or not (Llama, Mistral). */
  biases: boolean;
  /** Whisper: K projection without bias. */
  keyBias?: boolean;
  vocab?: number;
  /** Learned (or stored sinusoidal) position table rows. */
  positions?: number;
  /** BERT's token-type embeddings. */
  tokenTypes?: number;
  /** A norm right after the embeddings (BERT). */
  embeddingNorm?: boolean;
  /** BERT's pooler (d x d + d). */
  pooler?: boolean;
  /** An LM head separate from the token embedding. */
  untiedHead?: boolean;
  /** Image classifier head (classes), for vision models. */
  classes?: number;
  /** Whisper: the two-conv audio stem (mel bins in) and the decoder the encoder serves. */
  whisper?: { melBins: number; decoderLayers: number; decoderHeads: number; decoderFfn: number; targetPositions: number };
}

type Config = Record<string, unknown>;
interface Where { file: string; path: string }

/** The config.json's `model_type` values this reader understands. */
export const CONFIG_MODEL_TYPES = ["bert", "gpt2", "llama", "mistral", "mixtral", "vit", "deit", "whisper"] as const;

/** Read a config.json object into a model definition. */
export function readModelConfig(config: Config, where: Where, name?: string): ModelDefinition {
  const type = config.model_type;
  const int = (key: string, fallback?: number): number => {
    const v = config[key] ?? fallback;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
      throw new InputError(where.file, { path: `${where.path}/${key}`, expected: "a positive integer (a shape field of the config)", found: v === undefined ? "nothing" : JSON.stringify(v) });
    }
    return v;
  };
  const optionalInt = (key: string): number | undefined => (config[key] === undefined || config[key] === null ? undefined : int(key));
  const label = name ?? (typeof config._name_or_path === "string" && config._name_or_path !== "" ? config._name_or_path : String(type));
  const source = `Hugging Face config.json (${label}), model_type ${String(type)}`;
  switch (type) {
    case "bert": {
      const d = int("hidden_size"), heads = int("num_attention_heads"), positions = int("max_position_embeddings");
      return {
        name: label, family: "transformer", layers: int("num_hidden_layers"), dModel: d, heads, kvHeads: heads, dFF: int("intermediate_size"),
        ffn: "gelu", norm: "layer", normPlacement: "post", causal: false, defaultSeqLen: positions, maxSeqLen: positions, vocab: int("vocab_size"), positions: "learned", tiedEmbedding: true,
        source, extras: { biases: true, vocab: int("vocab_size"), positions, tokenTypes: int("type_vocab_size", 2), embeddingNorm: true, pooler: true },
      };
    }
    case "gpt2": {
      const d = int("n_embd"), positions = int("n_positions");
      return {
        name: label, family: "transformer", layers: int("n_layer"), dModel: d, heads: int("n_head"), kvHeads: int("n_head"), dFF: optionalInt("n_inner") ?? 4 * d,
        ffn: "gelu", norm: "layer", normPlacement: "pre", causal: true, defaultSeqLen: positions, maxSeqLen: positions, vocab: int("vocab_size"), positions: "learned", tiedEmbedding: true,
        source, extras: { biases: true, vocab: int("vocab_size"), positions },
      };
    }
    case "llama":
    case "mistral":
    case "mixtral": {
      const heads = int("num_attention_heads"), positions = int("max_position_embeddings");
      const experts = type === "mixtral" ? int("num_local_experts") : undefined;
      const window = optionalInt("sliding_window");
      return {
        name: label, family: "transformer", layers: int("num_hidden_layers"), dModel: int("hidden_size"), heads, kvHeads: optionalInt("num_key_value_heads") ?? heads, dFF: int("intermediate_size"),
        ffn: "swiglu", norm: "rms", normPlacement: "pre", causal: true, defaultSeqLen: positions, maxSeqLen: positions, vocab: int("vocab_size"), positions: "none",
        tiedEmbedding: config.tie_word_embeddings === true,
        source, extras: { biases: false, vocab: int("vocab_size"), untiedHead: config.tie_word_embeddings !== true },
        ...(window !== undefined ? { window } : {}),
        ...(experts !== undefined ? { moe: { experts, topk: int("num_experts_per_tok") } } : {}),
      };
    }
    case "vit":
    case "deit": {
      const image = int("image_size"), patch = int("patch_size");
      if (image % patch !== 0) throw new InputError(where.file, { path: `${where.path}/patch_size`, expected: `a divisor of image_size (${image})`, found: String(patch) });
      // DeiT's distilled models (model_type deit) carry a distillation token next to the class token (Touvron et al. 2021, Section 5).
      const extraTokens = type === "deit" ? 2 : 1;
      const seq = (image / patch) ** 2 + extraTokens;
      const classes = config.id2label !== null && typeof config.id2label === "object" ? Object.keys(config.id2label).length : undefined;
      return {
        name: label, family: "transformer", layers: int("num_hidden_layers"), dModel: int("hidden_size"), heads: int("num_attention_heads"), kvHeads: int("num_attention_heads"), dFF: int("intermediate_size"),
        ffn: "gelu", norm: "layer", normPlacement: "pre", causal: false, defaultSeqLen: seq, maxSeqLen: seq,
        source, vision: { image, patch, extraTokens, channels: int("num_channels", 3) },
        extras: { biases: config.qkv_bias !== false, ...(classes ? { classes } : {}) },
      };
    }
    case "whisper": {
      const heads = int("encoder_attention_heads"), frames = int("max_source_positions");
      return {
        name: label, family: "transformer", layers: int("encoder_layers"), dModel: int("d_model"), heads, kvHeads: heads, dFF: int("encoder_ffn_dim"),
        ffn: "gelu", norm: "layer", normPlacement: "pre", causal: false, defaultSeqLen: frames, maxSeqLen: frames,
        source: `${source}: the encoder (30 s of audio, max_source_positions frames after the stride-2 stem)`,
        extras: {
          biases: true, keyBias: false, vocab: int("vocab_size"), positions: frames,
          whisper: { melBins: int("num_mel_bins"), decoderLayers: int("decoder_layers"), decoderHeads: int("decoder_attention_heads"), decoderFfn: int("decoder_ffn_dim"), targetPositions: int("max_target_positions") },
        },
      };
    }
    default:
      throw new InputError(where.file, { path: `${where.path}/model_type`, expected: `a model_type this reader knows: ${CONFIG_MODEL_TYPES.join(", ")}`, found: JSON.stringify(type) });
  }
}

/** Parameters of one transformer layer (attention, FFN, norms) as the definition describes it. */
function layerParameters(def: ModelDefinition, e: ParameterExtras): number {
  const { dModel: d, heads: h, kvHeads: g, dFF: f } = def;
  const dh = d / h;
  const attention = d * (h + 2 * g) * dh + h * dh * d + (e.biases ? (h + 2 * g) * dh + d - (e.keyBias === false ? g * dh : 0) : 0);
  const ffn = def.moe ? def.moe.experts * 3 * d * f + d * def.moe.experts : def.ffn === "swiglu" ? 3 * d * f : 2 * d * f + (e.biases ? f + d : 0);
  return attention + ffn + 2 * normParameters(def);
}

function normParameters(def: ModelDefinition): number {
  return def.norm === "layer" ? 2 * def.dModel : def.dModel;
}

/** Parameters the model has in total, and those one token uses (they differ for MoE), by part. */
export function parameterCount(def: ModelDefinition): { total: number; active: number; parts: Record<string, number> } {
  const d = def.dModel, e = def.extras ?? { biases: false };
  const parts: Record<string, number> = { blocks: def.layers * layerParameters(def, e) };
  if (e.vocab) parts.tokenEmbedding = e.vocab * d;
  if (e.positions && !e.whisper) parts.positionEmbedding = e.positions * d;
  if (e.tokenTypes) parts.tokenTypeEmbedding = e.tokenTypes * d;
  if (e.embeddingNorm) parts.embeddingNorm = normParameters(def);
  if (def.normPlacement === "pre") parts.finalNorm = normParameters(def);
  if (e.pooler) parts.pooler = d * d + d;
  if (e.untiedHead && e.vocab) parts.lmHead = e.vocab * d;
  if (def.vision) {
    const { image, patch, extraTokens, channels } = def.vision;
    parts.patchEmbedding = channels * patch * patch * d + d;
    parts.classTokens = extraTokens * d;
    parts.positionEmbedding = ((image / patch) ** 2 + extraTokens) * d;
    if (e.classes) parts.classifier = d * e.classes + e.classes;
  }
  if (e.whisper) {
    const w = e.whisper;
    // Two convolutions of filter width 3 (mel bins -> d, d -> d, with biases; Radford et al. 2022, Section 2.2) and the encoder's position table.
    parts.audioStem = w.melBins * d * 3 + d + d * d * 3 + d;
    parts.positionEmbedding = (e.positions ?? 0) * d;
    // The decoder: self-attention, cross-attention (K without bias, as in the encoder), FFN, three LayerNorms per layer; its position table and final norm.
    const attention = 4 * d * d + 3 * d;
    parts.decoder = w.decoderLayers * (2 * attention + 2 * d * w.decoderFfn + w.decoderFfn + d + 3 * 2 * d) + w.targetPositions * d + 2 * d;
  }
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  const inactiveExperts = def.moe ? def.layers * (def.moe.experts - def.moe.topk) * 3 * d * def.dFF : 0;
  return { total, active: total - inactiveExperts, parts };
}
