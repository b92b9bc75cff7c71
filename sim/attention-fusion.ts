/**
 * Fused attention (FlashAttention, Dao et al., NeurIPS 2022): QK^T -> softmax -> AV tiled to the
 * on-chip buffer, so the n x n scores never leave the units. A mapping choice
 * (`mapping.fusedAttention: true`), applied here to the trace before placement:
 *
 *   - every softmax whose input is a matmul's output and whose output is a matmul's A operand forms
 *     a group (QK^T, softmax, AV); its scores and probabilities live inside the units (no traffic at
 *     any memory level, no capacity used there), unless a forward op outside the group reads them:
 *     then the group writes them to memory once (placed like any tensor) for that reader;
 *   - the query dimension is tiled into blocks of Br rows, Algorithm 1 line 1 of the paper:
 *     Bc = ceil(M / 4d), Br = min(Bc, d), with M the on-chip buffer of the unit that runs QK^T (in
 *     elements) and d the head dimension; K and V are read once per query block: Tr = ceil(n / Br)
 *     times; Q is read once and O written once.
 *
 * Memory traffic per head is then n d (Q) + 2 n d Tr (K, V) + n d (O) = Theta(n^2 d^2 / M), against
 * Theta(n d + n^2) unfused (the scores written and read back). Compute is unchanged; the online
 * softmax's rescaling of partial outputs (deferred to the end in FlashAttention-2) is not counted.
 *
 * Training: dropout between the softmax and AV joins the group (its mask is regenerated, not kept),
 * and the group's backward is fused as the paper's Algorithm 4 (attention-fusion-backward.ts), with
 * the scores recomputed. A group whose backward cannot be fused is left unfused: its backward reads
 * the probabilities, which must then be kept in memory.
 */
import type { Design } from "../hardware-models/design.js";
import { ownedMemo } from "../common/memo.js";
import { bytesFor } from "../workloads/precision.js";
import type { MatmulOp, Op, TensorSpec, Trace } from "../workloads/trace.js";
import { backwardGroup, flashKeyBlockColumns, fuseBackward } from "./attention-fusion-backward.js";

export interface FusionSummary {
  groups: number;
  /** Query rows per block (Br) and K/V passes (Tr) of the first group. */
  queryBlockRows: number;
  kvPasses: number;
  bufferBytes: number;
  /** Training: backward groups fused (FlashAttention's Algorithm 4), and the passes over Q, O, dO and dQ (Tc) of the first. */
  backwardGroups?: number;
  keyBlockPasses?: number;
}

const fused = ownedMemo<Trace, number, { trace: Trace; summary: FusionSummary }>("sim.fused-attention");

/** Dao et al. 2022, Algorithm 1: query block rows for head dimension d and M on-chip elements. */
export function flashQueryBlockRows(bufferElements: number, headDim: number): number {
  const bc = Math.ceil(bufferElements / (4 * headDim));
  return Math.max(1, Math.min(bc, headDim));
}

/** The trace as the engine runs it on `design` (fused when its mapping says so). */
export function engineTrace(trace: Trace, design: Design): Trace {
  return design.mapping.fusedAttention ? fuseAttention(trace, design).trace : trace;
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
  const readers = new Map<string, number[]>();
  trace.ops.forEach((op, i) => op.inputs.forEach((t) => (readers.get(t) ?? readers.set(t, []).get(t)!).push(i)));
  const precisionOf = new Map(trace.tensors.map((t) => [t.name, t.precision]));
  const ops: Op[] = [...trace.ops];
  const onChip = new Set<string>();
  const summary: FusionSummary = { groups: 0, queryBlockRows: 0, kvPasses: 0, bufferBytes };
  const inserted = new Map<number, Op[]>();
  const added: TensorSpec[] = [];
  trace.ops.forEach((op, s) => {
    if (op.kind !== "softmax" || op.grad) return;
    const scores = op.inputs[0]!, probs = op.outputs[0]!;
    // Training puts dropout between the softmax and AV; FlashAttention fuses it (and regenerates
    // the mask in the backward from the random generator's state).
    const dropout = (readers.get(probs) ?? []).find((j) => { const o = trace.ops[j]!; return o.kind === "elementwise" && o.fn === "dropout" && !o.grad; });
    const attended = dropout === undefined ? probs : trace.ops[dropout]!.outputs[0]!;
    const q = producer.get(scores), v = firstReader.get(attended);
    if (q === undefined || v === undefined) return;
    const qk = trace.ops[q]!, av = trace.ops[v]!;
    if (qk.kind !== "matmul" || av.kind !== "matmul" || qk.repeat || av.repeat) return;
    const elementBytes = bytesFor(1, precisionOf.get(qk.inputs[0]!) ?? "fp16");
    const bufferElements = Math.floor(bufferBytes / elementBytes);
    const br = flashQueryBlockRows(bufferElements, qk.k);
    // A training trace reads the probabilities again in its backward: the group fuses only when
    // its backward does too (else the probabilities must be kept in memory).
    const group = `${qk.id}+${op.id}+${av.id}`;
    const backward = backwardGroup(trace, { qk: q, softmax: s, dropout, av: v }, readers, producer);
    const forwardOnly = [probs, attended].every((t) => (readers.get(t) ?? []).every((j) => j === s || j === v || j === dropout));
    if (!backward && trace.model.phase === "train" && !forwardOnly) return;
    const kvPasses = Math.ceil(qk.m / br);
    // A forward op outside the group that reads the scores or the probabilities (SpAtten's token
    // importance) needs them in memory: the group writes them out once, and its own consumer still
    // takes them on chip (issue 15: they used to be free for every reader, at every level).
    const outsideReader = (t: string) => (readers.get(t) ?? []).some((j) => {
      const o = trace.ops[j]!;
      return j !== s && j !== v && j !== dropout && !("grad" in o && o.grad) && o.pass !== "backward" && o.pass !== "recompute";
    });
    const keepScores = outsideReader(scores), keepProbs = outsideReader(probs);
    ops[q] = { ...(qk as MatmulOp), fusion: { group, kvPasses, opensKernel: true } };
    ops[s] = { ...op, fusion: { group, kvPasses, ...(keepScores ? { inputPasses: [0] } : {}) } };
    ops[v] = { ...(av as MatmulOp), fusion: { group, kvPasses, ...(keepProbs && dropout === undefined ? { inputPasses: [0, kvPasses] } : {}) } };
    if (!keepScores) onChip.add(scores);
    if (!keepProbs) onChip.add(probs);
    if (dropout !== undefined) {
      ops[dropout] = { ...trace.ops[dropout]!, fusion: { group, kvPasses } } as Op;
      for (const t of trace.ops[dropout]!.outputs) onChip.add(t);
    }
    if (backward) {
      const rewrite = fuseBackward(trace, backward, { qk: qk as MatmulOp, softmax: op, dropout: dropout === undefined ? undefined : trace.ops[dropout]!, av: av as MatmulOp }, flashKeyBlockColumns(bufferElements, qk.k));
      for (const [i, replaced] of rewrite.ops) ops[i] = replaced;
      inserted.set(rewrite.before, rewrite.recompute);
      added.push(...rewrite.tensors);
      for (const t of rewrite.onChip) onChip.add(t);
      summary.backwardGroups = (summary.backwardGroups ?? 0) + 1;
      if (summary.backwardGroups === 1) summary.keyBlockPasses = rewrite.keyBlockPasses;
    }
    if (summary.groups === 0) Object.assign(summary, { queryBlockRows: br, kvPasses });
    summary.groups++;
  });
  const tensors: TensorSpec[] = [...trace.tensors, ...added].map((t) => (onChip.has(t.name) ? { ...t, onChip: true } : t));
  const all = inserted.size === 0 ? ops : ops.flatMap((op, i) => [...(inserted.get(i) ?? []), op]);
  return { trace: { ...trace, tensors, ops: all }, summary };
}
