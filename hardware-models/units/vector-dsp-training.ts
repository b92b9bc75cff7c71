/**
 * The vector DSP's lowerings of training's ops (vector-dsp.ts has the forward ones and the format):
 * gradients of softmax, normalisation, activations, gathers and the selective scan, dropout, and
 * the optimizer's passes. Each mix is read off the function's derivative, step by step; a
 * subtraction counts as an add, a fused multiply-add as a mac, and reductions across a row are the
 * per-row tree reductions the forward lowerings use.
 *
 *   softmax'   dS = P (dP - rowsum(dP P))                  mul, add (row sum), add, mul; 1 reduction
 *   layernorm' xh = (x - mu) r, g = dy gamma,
 *              dx = r (g - mean g - xh mean(g xh)),
 *              dgamma += dy xh, dbeta += dy                 (Ba et al. 2016; mu, r saved by the forward)
 *   rmsnorm'   xh = x r, g = dy gamma, dx = r (g - xh mean(g xh)), dgamma += dy xh
 *   gelu'      0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 a x^2), t = tanh(c (x + a x^3)), times dy
 *   silu'      s (1 + x (1 - s)) dy, s = 1 / (1 + exp(-x))
 *   relu', max'  a compare and a select (dy where the input won)
 *   exp'       dy y;  softplus'  dy / (1 + exp(-x));  dropout'  dy x mask / (1 - p)
 *   gather'    scatter-add: one address per row, one add per element into the destination
 *   scan'      the states are recomputed, not stored (Gu & Dao 2023, sec. 3.3.2), then the reverse
 *              recurrence dh_t = exp(dt A) dh_(t+1) + C dy; dC += h dy; d(dt A) = dh h_(t-1) exp(dt A);
 *              dA, ddt accumulate; dB += dh dt x; dx += dh dt B
 *
 * Dropout draws one uniform per element from Philox-4x32-10 (Salmon et al., SC 2011: 10 rounds of
 * two 32-bit multiplies and the xors and key additions for 4 words, as PyTorch's fused dropout
 * draws them), compares it with p and scales the kept values. The optimizer's passes fold bias
 * corrections and learning rate into per-step scalars (Kingma & Ba 2015; Loshchilov & Hutter 2019
 * for AdamW's decoupled decay).
 */
import type { ElementwiseFn, Op } from "../../workloads/trace.js";
import type { Lowering, Mix } from "./vector-dsp.js";

/** Elementwise functions training adds, forward mixes (per element). */
export const TRAINING_ELEMENTWISE_LOWERING: Record<"dropout" | "adam-moment1" | "adam-moment2" | "adam-update" | "momentum" | "sgd-update", Mix> = {
  // Philox-4x32-10 per element: 20 multiplies and ~60 add-class ops per 4 words; compare; scale.
  dropout: { mul: 6, add: 15, max: 1 },
  // m <- b1 m + (1 - b1) g
  "adam-moment1": { mul: 1, mac: 1 },
  // v <- b2 v + (1 - b2) g^2
  "adam-moment2": { mul: 2, mac: 1 },
  // p <- p - lr (m / (sqrt(v) + eps)) - lr wd p: sqrt as x rsqrt(x), + eps, 1/x, times m, two updates.
  "adam-update": { rsqrt: 1, mul: 2, add: 1, reciprocal: 1, mac: 2 },
  // b <- mu b + g
  momentum: { mac: 1 },
  // p <- p - lr g
  "sgd-update": { mac: 1 },
};

/** Gradient mixes of elementwise functions (per element, dy and the saved input streamed). */
const ELEMENTWISE_GRADIENT: Record<ElementwiseFn, Mix> = {
  add: {},
  copy: {},
  mul: { mul: 1 },
  max: { max: 1, mul: 1 },
  relu: { max: 1, mul: 1 },
  exp: { mul: 1 },
  softplus: { exp: 1, add: 1, reciprocal: 1, mul: 1 },
  gelu: { mul: 8, mac: 6, add: 1, exp: 1, reciprocal: 1 },
  silu: { exp: 1, reciprocal: 1, add: 3, mul: 3 },
  dropout: { mul: 1 },
  // The optimizer's passes are not differentiated; their "gradient" is never emitted.
  "adam-moment1": {},
  "adam-moment2": {},
  "adam-update": {},
  momentum: {},
  "sgd-update": {},
};

const plain = (perElement: Mix, perRow: Mix = {}, reductionsPerRow = 0, passesIfSpilled = 1): Lowering =>
  ({ perElement, perRow, reductionsPerRow, passesIfSpilled, spillsIntermediate: false });

/** The lowering of an op with `grad: true` (the gradient of its kind's function). */
export function gradientLowering(op: Op): Lowering {
  switch (op.kind) {
    case "softmax":
      return plain({ mul: 2, add: 2 }, {}, 1, 2);
    case "layernorm":
      if (op.norm === "rms") return plain({ mul: 3, mac: 3 }, { mul: 1 }, 1, 2);
      return plain({ add: 4, mul: 3, mac: 3 }, { mul: 2 }, 2, 2);
    case "elementwise":
      return plain(ELEMENTWISE_GRADIENT[op.fn]);
    case "gather":
      return plain({ add: 1 }, { add: 1 });
    case "scan":
      // Recomputed forward (mul 2, exp 1, mac 2) and the reverse recurrence (mul 4, mac 6).
      return plain({ mul: 6, exp: 1, mac: 8 });
    default:
      throw new Error(`${op.kind} ops have no gradient lowering (their backward is written as other ops)`);
  }
}
