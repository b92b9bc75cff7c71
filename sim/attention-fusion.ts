/**
 * Fused attention (FlashAttention, Dao et al., NeurIPS 2022): QK^T -> softmax -> AV tiled to the
 * on-chip buffer, so the n x n scores never leave the units. A mapping choice
 * (`mapping.fusedAttention: true`), applied here to the trace before placement:
 *
 *   - every softmax whose input is a matmul's output and whose output is a matmul's A operand forms
 *     a group (QK^T, softmax, AV); its scores and probabilities live inside the units (no traffic at
 *     any memory level, no capacity used there);
 *   - the query dimension is tiled into blocks of Br rows, Algorithm 1 line 1 of the paper:
 *     Bc = ceil(M / 4d), Br = min(Bc, d), with M the on-chip buffer of the unit that runs QK^T (in
 *     elements) and d the head dimension; K and V are read once per query block: Tr = ceil(n / Br)
 *     times; Q is read once and O written once.
 *
 * Memory traffic per head is then n d (Q) + 2 n d Tr (K, V) + n d (O) = Theta(n^2 d^2 / M), against
 * Theta(n d + n^2) unfused (the scores written and read back). Compute is unchanged; the online
 * softmax's rescaling of partial outputs (deferred to the end in FlashAttention-2) is not counted.
 */
import type { Design } from "../hardware-models/design.js";
import { ownedMemo } from "../common/memo.js";
import { bytesFor } from "../workloads/precision.js";
import type { MatmulOp, Op, TensorSpec, Trace } from "../workloads/trace.js";

export interface FusionSummary {
  groups: number;
  /** Query rows per block (Br) and K/V passes (Tr) of the first group. */
  queryBlockRows: number;
  kvPasses: number;
  bufferBytes: number;
}

const fused = ownedMemo<Trace, number, { trace: Trace; summary: FusionSummary }>("sim.fused-attention");

/** Dao et al. 2022, Algorithm 1: query block rows for head dimension d and M on-chip elements. */
export function flashQueryBlockRows(bufferElements: number, headDim: number): number {
  const bc = Math.ceil(bufferElements / (4 * headDim));
  return Math.max(1, Math.min(bc, headDim));
}

export function fuseAttention(trace: Trace, design: Design): { trace: Trace; summary: FusionSummary } {
  const unit = design.units[design.mapping.unitByKind.matmul]!;
  const bufferBytes = unit.localBufferBytes;
  return fused.lookup(trace, bufferBytes) ?? fused.store(trace, bufferBytes, fuse(trace, bufferBytes));
}

function fuse(trace: Trace, bufferBytes: number): { trace: Trace; summary: FusionSummary } {
  const producer = new Map<string, number>();
  trace.ops.forEach((op, i) => op.outputs.forEach((t) => producer.set(t, i)));
  const firstReader = new Map<string, number>();
  trace.ops.forEach((op, i) => {
    const a = op.inputs[0];
    if (op.kind === "matmul" && a !== undefined && !firstReader.has(a)) firstReader.set(a, i);
  });
  const precisionOf = new Map(trace.tensors.map((t) => [t.name, t.precision]));
  const ops: Op[] = [...trace.ops];
  const onChip = new Set<string>();
  const summary: FusionSummary = { groups: 0, queryBlockRows: 0, kvPasses: 0, bufferBytes };
  trace.ops.forEach((op, s) => {
    if (op.kind !== "softmax") return;
    const scores = op.inputs[0]!, probs = op.outputs[0]!;
    const q = producer.get(scores), v = firstReader.get(probs);
    if (q === undefined || v === undefined) return;
    const qk = trace.ops[q]!, av = trace.ops[v]!;
    if (qk.kind !== "matmul" || av.kind !== "matmul" || qk.repeat || av.repeat) return;
    const elementBytes = bytesFor(1, precisionOf.get(qk.inputs[0]!) ?? "fp16");
    const br = flashQueryBlockRows(Math.floor(bufferBytes / elementBytes), qk.k);
    const kvPasses = Math.ceil(qk.m / br);
    const group = `${qk.id}+${op.id}+${av.id}`;
    ops[q] = { ...(qk as MatmulOp), fusion: { group, kvPasses } };
    ops[s] = { ...op, fusion: { group, kvPasses } };
    ops[v] = { ...(av as MatmulOp), fusion: { group, kvPasses } };
    onChip.add(scores).add(probs);
    if (summary.groups === 0) Object.assign(summary, { queryBlockRows: br, kvPasses });
    summary.groups++;
  });
  const tensors: TensorSpec[] = trace.tensors.map((t) => (onChip.has(t.name) ? { ...t, onChip: true } : t));
  return { trace: { ...trace, tensors, ops }, summary };
}
