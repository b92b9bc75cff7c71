/**
 * Transformer shapes from the models' published configurations. Each entry cites where its numbers
 * come from. Only the transformer blocks are modelled: token/patch embeddings, convolutional
 * stems and classifier / LM heads are outside the trace (docs/workloads.md says why and how big
 * they are).
 */
import type { FfnKind, NormKind } from "./trace.js";

export type ModelFamily = "transformer" | "mamba" | "mobilevit";

export interface ModelPreset {
  /** transformer: the generic builder; mamba, mobilevit: their own builders in models/. */
  family: ModelFamily;
  layers: number;
  dModel: number;
  heads: number;
  kvHeads: number;
  dFF: number;
  ffn: FfnKind;
  norm: NormKind;
  normPlacement: "pre" | "post";
  causal: boolean;
  /** Sequence length used when the user gives none (e.g. ViT's 196 patches + class token). */
  defaultSeqLen: number;
  /** Longest sequence the model was trained for (a warning, not a limit). */
  maxSeqLen: number;
  /**
   * Training (workloads/training/): the token vocabulary (the embedding table and the LM head; absent
   * for models that do not read tokens), learned position embeddings or none (rotary or no positions),
   * whether the LM head reuses the token embedding, and the dropout the model was trained with.
   */
  vocab?: number;
  positions?: "learned" | "none";
  tiedEmbedding?: boolean;
  dropout?: number;
  /** Sliding-window attention (Mistral): each token attends to the last `window` tokens. */
  window?: number;
  /** Mixture-of-experts FFN (Mixtral): experts per layer and experts per token. */
  moe?: { experts: number; topk: number };
  /** Vision transformers: image and patch side in pixels, tokens besides the patches (class, distillation), input channels. */
  vision?: { image: number; patch: number; extraTokens: number; channels: number };
  source: string;
}

export const MODEL_PRESETS = {
  "bert-base": {
    family: "transformer", layers: 12, dModel: 768, heads: 12, kvHeads: 12, dFF: 3072, ffn: "gelu", norm: "layer", normPlacement: "post", causal: false,
    defaultSeqLen: 128, maxSeqLen: 512, vocab: 30522, positions: "learned", tiedEmbedding: true, dropout: 0.1,
    source: "Devlin et al., NAACL 2019, BERT_BASE (L=12, H=768, A=12); dFF = 4H per Vaswani et al. 2017 and the released config; vocab 30,522 WordPiece tokens, 512 learned positions, dropout 0.1 (released bert_config.json)",
  },
  "bert-large": {
    family: "transformer", layers: 24, dModel: 1024, heads: 16, kvHeads: 16, dFF: 4096, ffn: "gelu", norm: "layer", normPlacement: "post", causal: false,
    defaultSeqLen: 384, maxSeqLen: 512, vocab: 30522, positions: "learned", tiedEmbedding: true, dropout: 0.1,
    source: "Devlin et al., NAACL 2019, BERT_LARGE (L=24, H=1024, A=16), dFF = 4H; vocab 30,522, learned positions, dropout 0.1 (released config)",
  },
  "vit-ti16": {
    family: "transformer", layers: 12, dModel: 192, heads: 3, kvHeads: 3, dFF: 768, ffn: "gelu", norm: "layer", normPlacement: "pre", causal: false,
    defaultSeqLen: 197, maxSeqLen: 197, vision: { image: 224, patch: 16, extraTokens: 1, channels: 3 },
    source: "Steiner et al., TMLR 2022 (How to train your ViT), ViT-Ti/16: width 192, depth 12, MLP 768, heads 3; 224x224 input -> 14x14 patches + class token = 197",
  },
  "vit-b16": {
    family: "transformer", layers: 12, dModel: 768, heads: 12, kvHeads: 12, dFF: 3072, ffn: "gelu", norm: "layer", normPlacement: "pre", causal: false,
    defaultSeqLen: 197, maxSeqLen: 197, vision: { image: 224, patch: 16, extraTokens: 1, channels: 3 },
    source: "Dosovitskiy et al., ICLR 2021, Table 1, ViT-Base (12 layers, hidden 768, MLP 3072, 12 heads); /16 patches at 224x224 -> 197 tokens",
  },
  "deit-tiny": {
    family: "transformer", layers: 12, dModel: 192, heads: 3, kvHeads: 3, dFF: 768, ffn: "gelu", norm: "layer", normPlacement: "pre", causal: false,
    defaultSeqLen: 197, maxSeqLen: 197, vision: { image: 224, patch: 16, extraTokens: 1, channels: 3 },
    source: "Touvron et al., ICML 2021, Table 1, DeiT-Ti (embedding 192, 3 heads, 12 layers, 224 px, 197 tokens without the distillation token); MLP ratio 4",
  },
  "whisper-tiny-encoder": {
    family: "transformer", layers: 4, dModel: 384, heads: 6, kvHeads: 6, dFF: 1536, ffn: "gelu", norm: "layer", normPlacement: "pre", causal: false,
    defaultSeqLen: 1500, maxSeqLen: 1500,
    source: "Radford et al., 2022 (Whisper), Table 1, tiny: 4 layers, width 384, 6 heads; 30 s of audio -> 3000 mel frames -> 1500 positions after the stride-2 conv stem; MLP 4x width",
  },
  "gpt2-small": {
    family: "transformer", layers: 12, dModel: 768, heads: 12, kvHeads: 12, dFF: 3072, ffn: "gelu", norm: "layer", normPlacement: "pre", causal: true,
    defaultSeqLen: 1024, maxSeqLen: 1024, vocab: 50257, positions: "learned", tiedEmbedding: true, dropout: 0.1,
    source: "Radford et al., 2019 (GPT-2), smallest model: 12 layers, d_model 768, context 1024, vocabulary 50,257; 12 heads, 4x MLP, learned positions, tied LM head and dropout 0.1 per the released config (openai/gpt-2 hparams, resid/attn/embd pdrop)",
  },
  "gpt2-xl": {
    family: "transformer", layers: 48, dModel: 1600, heads: 25, kvHeads: 25, dFF: 6400, ffn: "gelu", norm: "layer", normPlacement: "pre", causal: true,
    defaultSeqLen: 1024, maxSeqLen: 1024, vocab: 50257, positions: "learned", tiedEmbedding: true, dropout: 0.1,
    source: "Radford et al., 2019 (GPT-2), Table 2, the largest model: 48 layers, d_model 1600, 1542M parameters; 25 heads (dHead 64), 4x MLP, vocabulary 50,257, tied LM head, dropout 0.1 per the released config; the ZeRO paper's 1.5B example (Rajbhandari et al., SC 2020)",
  },
  "llama2-7b": {
    family: "transformer", layers: 32, dModel: 4096, heads: 32, kvHeads: 32, dFF: 11008, ffn: "swiglu", norm: "rms", normPlacement: "pre", causal: true,
    defaultSeqLen: 4096, maxSeqLen: 4096, vocab: 32000, positions: "none", tiedEmbedding: false, dropout: 0,
    source: "Touvron et al., 2023 (Llama 2), 7B: dim 4096, 32 layers, 32 heads (no GQA at 7B), SwiGLU hidden 11008, RMSNorm, context 4096, 32k-token vocabulary, rotary positions (no table), separate LM head, no dropout",
  },
  "mamba-130m": {
    family: "mamba", layers: 24, dModel: 768, heads: 1, kvHeads: 1, dFF: 1536, ffn: "gelu", norm: "rms", normPlacement: "pre", causal: true,
    defaultSeqLen: 1024, maxSeqLen: 2048, vocab: 50280, positions: "none", tiedEmbedding: true, dropout: 0,
    source: "Gu & Dao 2023 (Mamba), mamba-130m (GPT-NeoX tokenizer, vocab 50,280, tied head, no dropout, per the released config): d_model 768, 24 layers, d_state 16, expand 2 (inner 1536), d_conv 4, dt_rank ceil(768/16) = 48; no attention, no MLP",
  },
  "mobilevit-s-like": {
    family: "mobilevit", layers: 9, dModel: 240, heads: 4, kvHeads: 4, dFF: 480, ffn: "gelu", norm: "layer", normPlacement: "pre", causal: false,
    defaultSeqLen: 256, maxSeqLen: 256,
    source: "Mehta & Rastegari, ICLR 2022 (MobileViT), MobileViT-S at 256x256: MV2 blocks (expansion 4) and MobileViT blocks d = 144/192/240 with L = 2/4/3 transformer layers, 2x2 patches, FFN 2d, 4 heads; 'seq' is the image side in pixels",
  },
} as const satisfies Record<string, ModelPreset>;

export type ModelPresetName = keyof typeof MODEL_PRESETS;
export const MODEL_PRESET_NAMES = Object.keys(MODEL_PRESETS) as ModelPresetName[];

export function isModelPreset(name: string): name is ModelPresetName {
  return Object.hasOwn(MODEL_PRESETS, name);
}
