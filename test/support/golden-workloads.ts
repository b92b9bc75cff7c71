/** The golden matrix's workloads (test/golden.test.ts), shared with the tests that run every preset over them. */
import type { BuildOptions } from "../../workloads/transformer-builder.js";

export const GOLDEN_WORKLOADS: [string, string, BuildOptions][] = [
  ["bert-base s128", "bert-base", { seqLen: 128 }],
  ["bert-base s512 fp16", "bert-base", { seqLen: 512, precision: "fp16" }],
  ["deit-tiny", "deit-tiny", {}],
  ["whisper-tiny-encoder", "whisper-tiny-encoder", {}],
  ["gpt2-small decode ctx512 batch4", "gpt2-small", { phase: "decode", contextLen: 512, batch: 4 }],
  ["llama2-7b decode ctx2048", "llama2-7b", { phase: "decode", contextLen: 2048 }],
  ["mobilevit-s-like 256 (conv ops)", "mobilevit-s-like", {}],
];
