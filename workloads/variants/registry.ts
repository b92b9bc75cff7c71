/**
 * Every workload variant kind, its category and its keys: the one source for CLI parsing
 * (`--attention KIND:key=value,...`), YAML workload sections, `attnsim trace --list` and docs.
 * The builder (../transformer-builder.ts and the files beside this one) gives each kind its meaning.
 */

export type ParamType = "integer" | "number" | "string" | "precision" | "list";

export interface ParamSpec {
  type: ParamType;
  description: string;
  default?: number | string | number[];
  min?: number;
  max?: number;
  /** Another key of the same variant this one may not exceed (MoE: topk <= experts). */
  atMost?: string;
  enum?: readonly string[];
}

export interface VariantSpec {
  category: VariantCategory;
  description: string;
  source: string;
  keys: Record<string, ParamSpec>;
}

export const VARIANT_CATEGORIES = ["attention", "precision", "tokens", "exit", "ffn", "train"] as const;
export type VariantCategory = (typeof VARIANT_CATEGORIES)[number];

/** A precision policy's softmax/layernorm arithmetic (issue 15: int8 deployments dequantise for them). */
const NONLINEAR: ParamSpec = {
  type: "string", default: "same", enum: ["same", "fp32", "fp16", "bf16"],
  description: "precision softmax and layernorm compute in (inputs dequantised on load, e.g. I-BERT's and FasterTransformer's int8 paths keep them in fp16/fp32); same: the input's",
};
const block: ParamSpec = { type: "integer", description: "block size of the sparse layout (tokens)", default: 32, min: 1 };

/** A training step's settings, shared by every optimizer (workloads/training/, docs/training.md). */
const training: Record<string, ParamSpec> = {
  microBatches: { type: "integer", description: "micro-batches per step (gradient accumulation); the batch is one micro-batch", default: 1, min: 1 },
  checkpointing: { type: "string", description: "activation checkpointing: none, full (recompute whole layers), selective (recompute the attention core)", default: "none", enum: ["none", "full", "selective"] },
  every: { type: "integer", description: "full checkpointing: layers per checkpointed segment (one stored input per segment)", default: 1, min: 1 },
  dropout: { type: "number", description: "dropout probability; -1: the model's own (bert, gpt2: 0.1; llama2, mamba: 0)", default: -1, min: -1, max: 0.99 },
  master: { type: "string", description: "fp32 master weights for 16-bit parameters (mixed precision), or none", default: "fp32", enum: ["fp32", "none"] },
  head: { type: "string", description: "loss head: lm (next-token logits over the vocabulary), classifier (first token), none (a pipeline stage: the output's gradient arrives); auto: lm for decoders, classifier otherwise", default: "auto", enum: ["auto", "lm", "classifier", "none"] },
  classes: { type: "integer", description: "classifier head: classes", default: 2, min: 1 },
};
const seed: ParamSpec = { type: "integer", description: "seed of the random layout", default: 1 };

export const VARIANTS = {
  dense: {
    category: "attention", description: "full softmax attention (QK^T, softmax, AV per head)",
    source: "Vaswani et al., NeurIPS 2017", keys: {},
  },
  "block-sparse": {
    category: "attention", description: "block-sparse scores: each block row keeps density x its blocks",
    source: "Child et al. 2019 (Sparse Transformer); Gray et al. 2017 (block-sparse kernels)",
    keys: {
      block, density: { type: "number", description: "fraction of blocks kept per block row", default: 0.25, min: 0, max: 1 },
      layout: { type: "string", description: "random (seeded) or diagonal (the blocks nearest the diagonal)", default: "random", enum: ["random", "diagonal"] },
      seed,
    },
  },
  local: {
    category: "attention", description: "sliding-window attention", source: "Beltagy et al. 2020 (Longformer); Child et al. 2019",
    keys: { window: { type: "integer", description: "window in tokens (both sides together; causal: the past window)", default: 256, min: 1 }, block },
  },
  strided: {
    category: "attention", description: "Sparse Transformer strided (or fixed) pattern", source: "Child et al. 2019, Generating Long Sequences with Sparse Transformers",
    keys: {
      stride: { type: "integer", description: "stride l (~sqrt(n) in the paper)", default: 64, min: 1 },
      variant: { type: "string", description: "strided or fixed", default: "strided", enum: ["strided", "fixed"] },
      summary: { type: "integer", description: "fixed pattern: summary positions c per stride", default: 8, min: 1 },
      block,
    },
  },
  bigbird: {
    category: "attention", description: "global + sliding-window + random blocks", source: "Zaheer et al., NeurIPS 2020 (BigBird)",
    keys: {
      block: { ...block, default: 64 },
      global: { type: "integer", description: "global blocks", default: 2, min: 0 },
      window: { type: "integer", description: "sliding-window blocks", default: 3, min: 1 },
      random: { type: "integer", description: "random blocks per block row", default: 3, min: 0 },
      seed,
    },
  },
  longformer: {
    category: "attention", description: "sliding window + global tokens", source: "Beltagy et al. 2020 (Longformer)",
    keys: {
      window: { type: "integer", description: "window in tokens (both sides together)", default: 512, min: 1 },
      global: { type: "integer", description: "global tokens at the start of the sequence", default: 1, min: 0 },
      block,
    },
  },
  "adaptive-span": {
    category: "attention", description: "each head attends to its last `span` tokens", source: "Sukhbaatar et al., ACL 2019 (Adaptive Attention Span)",
    keys: {
      spans: { type: "list", description: "span per head, cycled over heads (e.g. 64|128|512)", default: [128] },
      block,
    },
  },
  linformer: {
    category: "attention", description: "keys and values projected from n to k rows (E, F)", source: "Wang et al. 2020, Linformer: Self-Attention with Linear Complexity",
    keys: { k: { type: "integer", description: "projected length", default: 256, min: 1 } },
  },
  performer: {
    category: "attention", description: "FAVOR+ positive random features: phi(Q) (phi(K)^T V)", source: "Choromanski et al., ICLR 2021 (Performer)",
    keys: { features: { type: "integer", description: "random features m", default: 256, min: 1 } },
  },
  reformer: {
    category: "attention", description: "LSH attention: hash, sort by bucket, attend within chunks", source: "Kitaev et al., ICLR 2020 (Reformer)",
    keys: {
      rounds: { type: "integer", description: "hash rounds", default: 2, min: 1 },
      buckets: { type: "integer", description: "hash buckets", default: 32, min: 2 },
      chunk: { type: "integer", description: "chunk length (attends to its own and the previous chunk)", default: 64, min: 1 },
    },
  },
  uniform: {
    category: "precision", description: "one precision for weights and activations", source: "-",
    keys: { precision: { type: "precision", description: "fp32, fp16, bf16, int8, int4, ternary, binary", default: "int8" }, nonlinear: NONLINEAR },
  },
  mixed: {
    category: "precision", description: "first/last layers at `edge`, the rest at `rest`; scores and softmax at `scores`; KV cache at `kv`",
    source: "mixed-precision practice, e.g. Dettmers et al. 2022 (LLM.int8()), Frantar et al. 2023 (GPTQ keeps outliers/edges wider)",
    keys: {
      rest: { type: "precision", description: "weights of the middle layers", default: "int4" },
      edge: { type: "precision", description: "weights of the first and last `edgeLayers` layers", default: "int8" },
      edgeLayers: { type: "integer", description: "layers at each end kept at `edge`", default: 1, min: 0 },
      activations: { type: "precision", description: "activations", default: "int8" },
      scores: { type: "precision", description: "attention scores and probabilities", default: "int8" },
      kv: { type: "precision", description: "KV cache", default: "int8" },
      nonlinear: NONLINEAR,
    },
  },
  prune: {
    category: "tokens", description: "cascade token (and head) pruning: layer l keeps keep^(l-start+1) of the tokens",
    source: "Wang et al., HPCA 2021 (SpAtten: cascade token and head pruning)",
    keys: {
      keep: { type: "number", description: "fraction of tokens each pruning layer keeps", default: 0.9, min: 0, max: 1 },
      start: { type: "integer", description: "first layer that prunes", default: 1, min: 0 },
      heads: { type: "number", description: "fraction of heads each pruning layer keeps", default: 1, min: 0, max: 1 },
    },
  },
  "early-exit": {
    category: "exit", description: "exit after some layers with given probabilities; ops carry P(reach their layer)",
    source: "Xin et al., ACL 2020 (DeeBERT); Schwartz et al., ACL 2020",
    keys: {
      layers: { type: "list", description: "exit points (after these layers), e.g. 4|8", default: [6] },
      probabilities: { type: "list", description: "probability of exiting at each exit point, e.g. 0.3|0.3", default: [0.5] },
      classes: { type: "integer", description: "outputs of each exit classifier", default: 2, min: 1 },
    },
  },
  moe: {
    category: "ffn", description: "mixture-of-experts FFN: router, top-k dispatch, experts, combine",
    source: "Shazeer et al., ICLR 2017; Fedus et al., JMLR 2022 (Switch Transformer: capacity factor)",
    keys: {
      experts: { type: "integer", description: "experts per layer", default: 8, min: 1 },
      topk: { type: "integer", description: "experts per token", default: 2, min: 1, atMost: "experts" },
      capacity: { type: "number", description: "capacity factor (expert buffer = capacity x tokens x topk / experts)", default: 1.25, min: 0.01 },
    },
  },
  sgd: {
    category: "train", description: "one training step with plain SGD (p -= lr g)", source: "Robbins & Monro 1951", keys: training,
  },
  momentum: {
    category: "train", description: "SGD with momentum (one fp32 buffer per parameter)", source: "Polyak 1964; Sutskever et al., ICML 2013", keys: training,
  },
  adam: {
    category: "train", description: "Adam (two fp32 moments per parameter)", source: "Kingma & Ba, ICLR 2015", keys: training,
  },
  adamw: {
    category: "train", description: "AdamW: Adam with decoupled weight decay", source: "Loshchilov & Hutter, ICLR 2019", keys: training,
  },
} as const satisfies Record<string, VariantSpec>;

export type VariantKind = keyof typeof VARIANTS;
export const VARIANT_KINDS = Object.keys(VARIANTS) as VariantKind[];

export function kindsOf(category: VariantCategory): VariantKind[] {
  return VARIANT_KINDS.filter((k) => VARIANTS[k].category === category);
}
