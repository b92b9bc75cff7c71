/**
 * Precision policies: which precision each tensor gets. `uniform` sets weights and activations to
 * one precision; `mixed` keeps the first and last `edgeLayers` layers' weights at `edge` and the rest
 * at `rest`, with separate precisions for activations, attention scores/probabilities and the KV
 * cache. Precision flows into tensor bytes and, through the operands, into the MAC kind.
 */
import type { Precision } from "../precision.js";
import type { VariantChoice } from "../workload-spec.js";

export interface PrecisionPolicy {
  weights(layer: number, layers: number): Precision;
  activations: Precision;
  scores: Precision;
  kv: Precision;
  /** Sparse-layout and routing indices. */
  index: Precision;
  /** What softmax and layernorm compute in, when not their input's precision. */
  nonlinear?: Precision;
}

function nonlinear(p: Record<string, string | number>): Pick<PrecisionPolicy, "nonlinear"> {
  const n = p.nonlinear;
  return n === undefined || n === "same" ? {} : { nonlinear: n as Precision };
}

export function precisionPolicy(choice: VariantChoice): PrecisionPolicy {
  const p = choice.params as Record<string, string | number>;
  switch (choice.kind) {
    case "uniform": {
      const precision = p.precision as Precision;
      return { weights: () => precision, activations: precision, scores: precision, kv: precision, index: "int32", ...nonlinear(p) };
    }
    case "mixed": {
      const edgeLayers = p.edgeLayers as number;
      return {
        weights: (layer, layers) => (layer < edgeLayers || layer >= layers - edgeLayers ? (p.edge as Precision) : (p.rest as Precision)),
        activations: p.activations as Precision,
        scores: p.scores as Precision,
        kv: p.kv as Precision,
        index: "int32",
        ...nonlinear(p),
      };
    }
    default:
      throw new Error(`${choice.kind} is not a precision policy`);
  }
}
