/**
 * The optimizer step: per parameter tensor, the passes over its gradient and state, and the bytes
 * of state it keeps. With 16-bit parameters and master weights (mixed precision, Micikevicius et
 * al., ICLR 2018) the update runs on an fp32 copy and the result is cast back; fp16 gradients are
 * first unscaled (loss scaling; bf16 needs none).
 *
 *   sgd       p -= lr g                                          state: none
 *   momentum  b = mu b + g; p -= lr b                            state: b (fp32)
 *   adam(w)   m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 *             p -= lr (m^ / (sqrt(v^) + eps) + wd p)             state: m, v (fp32)
 *
 * Bytes per parameter with Adam, 16-bit weights and fp32 master weights: 2 (weights) + 2 (gradients)
 * + 4 + 4 + 4 (master, m, v) = 16, the figure of Rajbhandari et al. (ZeRO, SC 2020, sec. 3.1: "2
 * Psi + 2 Psi + 12 Psi = 16 Psi bytes" for mixed-precision Adam).
 *
 * Each pass is one elementwise op over the tensor (one kernel per tensor per pass, as PyTorch's
 * for-loop implementation; its multi-tensor and fused implementations launch fewer kernels over
 * the same bytes). The first input of each pass is its fp32 state, so the vector unit computes in fp32.
 */
import type { Precision } from "../precision.js";
import type { TraceWriter } from "../trace-writer.js";
import type { ElementwiseOp } from "../trace.js";
import { elementsOf } from "./autodiff.js";

export const OPTIMIZER_KINDS = ["sgd", "momentum", "adam", "adamw"] as const;
export type OptimizerKind = (typeof OPTIMIZER_KINDS)[number];

/** Append the optimizer step for every weight with a gradient (`gradients`: weight -> gradient buffer). */
export function appendOptimizer(w: TraceWriter, gradients: ReadonlyMap<string, string>, kind: OptimizerKind, masterWeights: boolean): void {
  const spec = new Map(w.tensors.map((t) => [t.name, t]));
  const op = (id: string, layer: number, fn: ElementwiseOp["fn"], elements: number, inputs: string[], output: string) =>
    w.op({ id, layer, kind: "elementwise", fn, elements, inputs, outputs: [output], pass: "optimizer" });
  for (const [weight, grad] of gradients) {
    const p = spec.get(weight)!;
    const n = elementsOf(p);
    const layer = weightLayer(weight);
    const wide = (p.precision === "fp16" || p.precision === "bf16") && masterWeights;
    const state = (name: string, precision: Precision = "fp32") => w.tensor(`${weight}.${name}`, p.shape, "optimizer-state", precision);
    // fp16 gradients were computed from a scaled loss: unscale (and check for overflow) first.
    if (p.precision === "fp16") op(`${weight}.unscale`, layer, "mul", n, [grad], grad);
    const master = wide ? state("master") : weight;
    switch (kind) {
      case "sgd":
        op(`${weight}.sgd`, layer, "sgd-update", n, [master, grad], master);
        break;
      case "momentum": {
        const b = state("momentum");
        op(`${weight}.momentum`, layer, "momentum", n, [b, grad], b);
        op(`${weight}.sgd`, layer, "sgd-update", n, [master, b], master);
        break;
      }
      case "adam":
      case "adamw": {
        const m = state("adam.m"), v = state("adam.v");
        op(`${weight}.adam.m`, layer, "adam-moment1", n, [m, grad], m);
        op(`${weight}.adam.v`, layer, "adam-moment2", n, [v, grad], v);
        op(`${weight}.adam.update`, layer, "adam-update", n, [master, m, v], master);
        break;
      }
      default: {
        const never: never = kind;
        throw new Error(`unknown optimizer ${String(never)}`);
      }
    }
    if (wide) op(`${weight}.cast`, layer, "copy", n, [master], weight);
  }
}

/** The layer a weight belongs to, from its name ("L3.wqkv" -> 3; embeddings and heads: -1). */
export function weightLayer(weight: string): number {
  const m = /^(?:gen\.)?L(\d+)\./.exec(weight);
  return m ? Number(m[1]) : -1;
}
