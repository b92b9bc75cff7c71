/**
 * The feed-forward block of one layer: dense (GELU: up, act, down; SwiGLU: gate+up, SiLU, product,
 * down) or a mixture of experts (Shazeer et al. 2017; Fedus et al. 2022):
 *
 *   router      T x d x E MACs, softmax over E, top-k selection per token
 *   dispatch    T k token rows of d moved to their experts
 *   experts     a active experts, each over its capacity c = ceil(capacity x T k / E) slots
 *               (padded, as capacity-based dispatch computes), MACs a c d dFF (2 or 3 matrices)
 *   combine     T k rows moved back, scaled by their gate, summed over k
 *
 * With balanced routing (the load-balancing loss's aim) the expected number of distinct experts
 * T k assignments reach is a = E (1 - (1 - 1/E)^(T k)), rounded up: decode with one token activates
 * k experts, a long prefill all E. Every expert's weights exist as tensors (memory footprint); the
 * expert matmul reads only the active experts' weights (its batch).
 */
import type { TraceWriter } from "../trace-writer.js";
import type { FfnKind } from "../trace.js";
import type { VariantChoice } from "../workload-spec.js";
import type { PrecisionPolicy } from "./precision-policy.js";

export interface FfnContext {
  w: TraceWriter;
  layer: number;
  layers: number;
  prefix: string;
  batch: number;
  tokens: number;
  dModel: number;
  dFF: number;
  ffn: FfnKind;
  precision: PrecisionPolicy;
  input: string;
  /** Creates (once) or returns a weight tensor; generation steps share the prefill's weights. */
  weight: (name: string, dims: number[]) => string;
  /** Name prefix of this layer's weights. */
  weightPrefix: string;
  /** MoE: experts whose weights exist (the expert weight tensors' first dimension). */
  expertsTotal?: number;
}

/** Expected distinct experts reached by `assignments` uniform picks among `experts`. */
export function expectedActiveExperts(experts: number, assignments: number): number {
  return Math.min(experts, Math.ceil(experts * (1 - (1 - 1 / experts) ** assignments) - 1e-9));
}

export function emitFfn(c: FfnContext, choice: VariantChoice | undefined): string {
  if (!choice) return denseFfn(c, c.tokens * c.batch, 1, c.input, "");
  if (choice.kind !== "moe") throw new Error(`${choice.kind} is not an FFN variant`);
  return moe(c, choice.params as { experts: number; topk: number; capacity: number });
}

/** Up (or gate+up), activation, down over `rows` rows, `batchCount` times (experts). */
function denseFfn(c: FfnContext, rows: number, batchCount: number, input: string, tag: string): string {
  const { w, prefix: L, layer, dModel: d, dFF } = c;
  const act = c.precision.activations;
  const upWidth = c.ffn === "swiglu" ? 2 * dFF : dFF;
  const shape = (width: number) => (batchCount > 1 ? [batchCount, rows, width] : [rows, width]);
  const w1 = c.weight(`${c.weightPrefix}.${tag}w1`, batchCount > 1 ? [c.expertsTotal ?? batchCount, d, upWidth] : [d, upWidth]);
  const up = w.tensor(`${L}.${tag}up`, shape(upWidth), "activation", act);
  w.op({ id: `${L}.${tag}ffn_up`, layer, kind: "matmul", m: rows, n: upWidth, k: d, batchCount, inputs: [input, w1], outputs: [up] });
  let hidden: string;
  if (c.ffn === "swiglu") {
    const gate = w.tensor(`${L}.${tag}gate`, shape(dFF), "activation", act);
    w.op({ id: `${L}.${tag}silu`, layer, kind: "elementwise", fn: "silu", elements: batchCount * rows * dFF, inputs: [up], outputs: [gate] });
    hidden = w.tensor(`${L}.${tag}act`, shape(dFF), "activation", act);
    w.op({ id: `${L}.${tag}gate_mul`, layer, kind: "elementwise", fn: "mul", elements: batchCount * rows * dFF, inputs: [gate, up], outputs: [hidden] });
  } else {
    hidden = w.tensor(`${L}.${tag}act`, shape(dFF), "activation", act);
    w.op({ id: `${L}.${tag}gelu`, layer, kind: "elementwise", fn: "gelu", elements: batchCount * rows * dFF, inputs: [up], outputs: [hidden] });
  }
  const w2 = c.weight(`${c.weightPrefix}.${tag}w2`, batchCount > 1 ? [c.expertsTotal ?? batchCount, dFF, d] : [dFF, d]);
  const down = w.tensor(`${L}.${tag}ffn`, shape(d), "activation", act);
  w.op({ id: `${L}.${tag}ffn_down`, layer, kind: "matmul", m: rows, n: d, k: dFF, batchCount, inputs: [hidden, w2], outputs: [down] });
  return down;
}

function moe(c: FfnContext, p: { experts: number; topk: number; capacity: number }): string {
  const { w, prefix: L, layer, dModel: d } = c;
  const E = p.experts, k = p.topk; // topk <= experts is checked at input (registry: atMost)
  const T = c.tokens * c.batch;
  const act = c.precision.activations;
  const router = c.weight(`${c.weightPrefix}.router`, [d, E]);
  const logits = w.tensor(`${L}.router_logits`, [T, E], "activation", c.precision.scores);
  w.op({ id: `${L}.router`, layer, kind: "matmul", m: T, n: E, k: d, batchCount: 1, inputs: [c.input, router], outputs: [logits] });
  const gates = w.tensor(`${L}.router_probs`, [T, E], "activation", c.precision.scores);
  w.op({ id: `${L}.router_softmax`, layer, kind: "softmax", rows: T, cols: E, batchCount: 1, inputs: [logits], outputs: [gates] });
  const choice = w.tensor(`${L}.router_topk`, [T, k], "activation", c.precision.index);
  w.op({ id: `${L}.router_topk`, layer, kind: "sort", length: E, batchCount: T, topk: k, inputs: [gates], outputs: [choice] });
  const active = expectedActiveExperts(E, T * k);
  const capacity = Math.max(1, Math.ceil((p.capacity * T * k) / E));
  const dispatched = w.tensor(`${L}.dispatched`, [active, capacity, d], "activation", act);
  w.op({ id: `${L}.dispatch`, layer, kind: "gather", rows: Math.min(T * k, active * capacity), cols: d, inputs: [c.input, choice], outputs: [dispatched] });
  const experts = denseFfn({ ...c, expertsTotal: E }, capacity, active, dispatched, "experts.");
  const gathered = w.tensor(`${L}.combine_rows`, [T, k, d], "activation", act);
  w.op({ id: `${L}.combine`, layer, kind: "gather", rows: T * k, cols: d, inputs: [experts, choice], outputs: [gathered] });
  const scaled = w.tensor(`${L}.combine_scaled`, [T, k, d], "activation", act);
  w.op({ id: `${L}.combine_gate`, layer, kind: "elementwise", fn: "mul", elements: T * k * d, inputs: [gathered, gates], outputs: [scaled] });
  if (k === 1) return scaled;
  const out = w.tensor(`${L}.moe_out`, [T, d], "activation", act);
  w.op({ id: `${L}.combine_sum`, layer, kind: "elementwise", fn: "add", elements: T * (k - 1) * d, inputs: [scaled], outputs: [out] });
  return out;
}
