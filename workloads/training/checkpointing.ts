/**
 * Activation checkpointing: which forward ops the backward runs again, so that the forward need not
 * keep their outputs.
 *
 *   none       every tensor the backward reads is kept from the forward. A transformer layer then
 *              keeps sbh (34 + 5 a s / h) bytes with 16-bit activations and one-byte dropout masks
 *              (Korthikanti et al., "Reducing Activation Recomputation in Large Transformer
 *              Models", MLSys 2023 / arXiv:2205.05198, sec. 4.1, eq. 1; s tokens per sequence, b
 *              sequences, h hidden size, a heads)
 *   selective  the attention core's memory-heavy, cheap part is recomputed (the QK^T product, the
 *              softmax and its dropout; Korthikanti et al. sec. 5): a layer keeps 34 sbh; the extra
 *              work is one QK^T per layer
 *   full       only each segment's input is kept (Chen et al., "Training Deep Nets with Sublinear
 *              Memory Cost", 2016): segments of `every` layers, each recomputed whole before its
 *              backward. L layers keep ceil(L / every) inputs of 2 sbh and, while one segment is
 *              differentiated, its `every` layers' activations: memory ~ L/k + k, least at k ~ sqrt(L);
 *              the extra work is one forward of the layers
 */
import type { Op, TensorSpec } from "../trace.js";
import type { RecomputeSegment } from "./autodiff.js";

export const CHECKPOINT_MODES = ["none", "full", "selective"] as const;
export type CheckpointMode = (typeof CHECKPOINT_MODES)[number];

/** The recompute segments of a forward op list (indices into it), for a checkpointing mode. */
export function recomputePlan(forward: readonly Op[], mode: CheckpointMode, every: number, tensors: readonly TensorSpec[]): RecomputeSegment[] {
  if (mode === "none") return [];
  const layers = forward.filter((o) => o.layer >= 0).reduce((m, o) => Math.max(m, o.layer), -1);
  // The final norm and the head carry layer = the layer count: they are not part of a segment.
  const inLayers = (op: Op) => op.layer >= 0 && op.layer < layers;
  if (mode === "full") {
    const segments = new Map<number, number[]>();
    forward.forEach((op, i) => {
      if (!inLayers(op)) return;
      const s = Math.floor(op.layer / every);
      (segments.get(s) ?? segments.set(s, []).get(s)!).push(i);
    });
    return [...segments.values()].map((ops) => ({ ops }));
  }
  // Selective: per attention softmax (its output feeds a matmul as A: the probabilities), the
  // QK^T that produced its input, the softmax, and the dropout of its output.
  const producer = new Map<string, number>();
  forward.forEach((op, i) => op.outputs.forEach((t) => producer.set(t, i)));
  const readers = new Map<string, number[]>();
  forward.forEach((op, i) => op.inputs.forEach((t) => (readers.get(t) ?? readers.set(t, []).get(t)!).push(i)));
  const precision = new Map(tensors.map((t) => [t.name, t.precision]));
  const segments = new Map<number, Set<number>>();
  forward.forEach((op, i) => {
    if (op.kind !== "softmax" || !inLayers(op)) return;
    const probs = op.outputs[0]!;
    const after = readers.get(probs) ?? [];
    const attention = after.some((j) => forward[j]!.kind === "matmul" && forward[j]!.inputs[0] === probs) ||
      after.some((j) => isDropout(forward[j]!) && (readers.get(forward[j]!.outputs[0]!) ?? []).some((k) => forward[k]!.kind === "matmul"));
    if (!attention) return;
    const set = segments.get(op.layer) ?? new Set<number>();
    const qk = producer.get(op.inputs[0]!);
    if (qk !== undefined && forward[qk]!.kind === "matmul") set.add(qk);
    set.add(i);
    for (const j of after) if (isDropout(forward[j]!) && precision.get(forward[j]!.outputs[1] ?? "") === "int8") set.add(j);
    segments.set(op.layer, set);
  });
  return [...segments.values()].map((s) => ({ ops: [...s].sort((a, b) => a - b) }));
}

function isDropout(op: Op): boolean {
  return op.kind === "elementwise" && op.fn === "dropout";
}
