/**
 * The fused attention backward (FlashAttention, Dao et al., NeurIPS 2022, Appendix B.4, Algorithm
 * 4): a training trace's attention backward, written by autodiff as the standard five ops
 *
 *   dP~ = dO V^T,  dV = P~^T dO,  (dropout') dP,  dS = softmax'(dP, P),  dQ = dS K,  dK = Q^T dS
 *
 * (Algorithm 3's textbook order, with P~ the dropped probabilities), is rewritten to run tiled on
 * chip. The outer loop goes over blocks of Bc = ceil(M / 4d) keys (line 2), so Tc = ceil(N / Bc)
 * blocks (line 3); per block K_j and V_j are loaded once, and for every query block Q_i, O_i, dO_i and
 * dQ_i are loaded, S_ij and P_ij recomputed from Q_i K_j^T and the saved softmax statistics (lines
 * 11-15, dropout mask regenerated), and dQ_i written back (line 21); dK_j and dV_j are written once
 * (line 24). HBM traffic per head, in elements:
 *
 *   K, V once          2 N d
 *   Q, O, dO           3 Tc N d   (line 10, once per key block)
 *   dQ                 (2 Tc - 1) N d   (read and written per key block; its zero start not read)
 *   dK, dV             2 N d
 *
 * = (5 Tc + 3) N d = Theta(N^2 d^2 / M) (Theorem 5), against Theta(N d + N^2) for the standard
 * backward. The softmax statistics (2 Tc N: l and m) are left out, as the forward's are.
 *
 * In ops: the scores' recompute (QK^T again, pass recompute, and exp) is inserted before the group;
 * every tensor of size N x N lives inside the units; each op's operands carry how many times they
 * come from memory (`fusion.inputPasses`: 0 when another op of the group loaded them in the same
 * iteration) and dQ's output is written Tc times.
 */
import type { ElementwiseOp, MatmulOp, Op, SoftmaxOp, TensorSpec, Trace } from "../workloads/trace.js";

/** Dao et al. 2022, Algorithm 4 line 2: key block columns Bc = ceil(M / 4d) for M on-chip elements. */
export function flashKeyBlockColumns(bufferElements: number, headDim: number): number {
  return Math.max(1, Math.ceil(bufferElements / (4 * headDim)));
}

/** Indices of a forward group's ops in the trace. */
export interface ForwardGroup {
  qk: number;
  softmax: number;
  dropout: number | undefined;
  av: number;
}

/** Indices of the group's backward ops (as autodiff writes them). */
export interface BackwardGroup {
  avGradA: number;
  avGradB: number;
  dropoutGrad: number | undefined;
  softmaxGrad: number;
  qkGradA: number;
  qkGradB: number;
}

/** The group's backward ops, found by what they read and write; undefined when the trace has none (inference) or they differ. */
export function backwardGroup(trace: Trace, g: ForwardGroup, readers: ReadonlyMap<string, number[]>, producer: ReadonlyMap<string, number>): BackwardGroup | undefined {
  const ops = trace.ops;
  const probs = ops[g.softmax]!.outputs[0]!;
  const attended = g.dropout === undefined ? probs : ops[g.dropout]!.outputs[0]!;
  const av = ops[g.av]! as MatmulOp, qk = ops[g.qk]! as MatmulOp;
  if (av.sparsity || qk.sparsity) return undefined;
  const softmaxGrad = (readers.get(probs) ?? []).find((j) => ops[j]!.kind === "softmax" && (ops[j] as SoftmaxOp).grad && ops[j]!.inputs[1] === probs);
  if (softmaxGrad === undefined) return undefined;
  let dP = ops[softmaxGrad]!.inputs[0]!;
  let dropoutGrad: number | undefined;
  if (g.dropout !== undefined) {
    dropoutGrad = producer.get(dP);
    const d = dropoutGrad === undefined ? undefined : ops[dropoutGrad]!;
    if (!d || d.kind !== "elementwise" || !d.grad || d.fn !== "dropout") return undefined;
    dP = d.inputs[0]!;
  }
  const avGradA = producer.get(dP);
  if (avGradA === undefined || ops[avGradA]!.kind !== "matmul" || ops[avGradA]!.inputs[1] !== av.inputs[1]) return undefined;
  const dO = ops[avGradA]!.inputs[0]!;
  // dV = P~^T dO reads (P~, dO); dQ = dS K reads (dS, K); dK = Q^T dS reads (Q, dS).
  const avGradB = (readers.get(attended) ?? []).find((j) => j !== g.av && ops[j]!.kind === "matmul" && ops[j]!.inputs[0] === attended && ops[j]!.inputs[1] === dO);
  const dS = ops[softmaxGrad]!.outputs[0]!;
  const onS = (readers.get(dS) ?? []).filter((j) => ops[j]!.kind === "matmul");
  const qkGradA = onS.find((j) => ops[j]!.inputs[0] === dS && ops[j]!.inputs[1] === qk.inputs[1]);
  const qkGradB = onS.find((j) => ops[j]!.inputs[0] === qk.inputs[0] && ops[j]!.inputs[1] === dS);
  if (avGradB === undefined || qkGradA === undefined || qkGradB === undefined) return undefined;
  return { avGradA, avGradB, dropoutGrad, softmaxGrad, qkGradA, qkGradB };
}

export interface BackwardRewrite {
  /** Replaced ops by index. */
  ops: [number, Op][];
  /** The recompute ops, to insert before op `before`. */
  before: number;
  recompute: Op[];
  tensors: TensorSpec[];
  onChip: string[];
  keyBlockPasses: number;
}

export function fuseBackward(trace: Trace, b: BackwardGroup, f: { qk: MatmulOp; softmax: SoftmaxOp; dropout: Op | undefined; av: MatmulOp }, keyBlockColumns: number): BackwardRewrite {
  const ops = trace.ops;
  const spec = new Map(trace.tensors.map((t) => [t.name, t]));
  const group = `${f.qk.id}+${f.softmax.id}+${f.av.id}.backward`;
  // Tc: key blocks over the keys (QK^T's n).
  const tc = Math.ceil(f.qk.n / keyBlockColumns);
  // The group is one kernel (FlashAttention's backward), opened by the recomputed QK^T: its launch overhead is charged there.
  const fused = (op: Op, inputPasses: number[], outputPasses = 1, opensKernel = false): Op => ({ ...op, fusion: { group, kvPasses: tc, inputPasses, outputPasses, ...(opensKernel ? { opensKernel } : {}) } }) as Op;
  const tensors: TensorSpec[] = [];
  const onChip: string[] = [];
  const fresh = (like: string, suffix: string, precision?: TensorSpec["precision"]) => {
    const t = spec.get(like)!;
    const name = `${like}${suffix}`;
    tensors.push({ ...t, name, role: "activation", ...(precision ? { precision } : {}) });
    onChip.push(name);
    return name;
  };
  // Recompute S = Q K^T (Q from memory once per key block, K once) and P = exp(S - lse).
  const scores = fresh(f.qk.outputs[0]!, "@fa");
  const probs = fresh(f.softmax.outputs[0]!, "@fa");
  const recompute: Op[] = [
    { ...fused(f.qk, [tc, 1], 1, true), id: `${f.qk.id}@fa`, outputs: [scores], pass: "recompute" } as Op,
    {
      id: `${f.softmax.id}@fa`, layer: f.softmax.layer, kind: "elementwise", fn: "exp", elements: f.softmax.rows * f.softmax.cols * f.softmax.batchCount,
      inputs: [scores], outputs: [probs], pass: "recompute", fusion: { group, kvPasses: tc, inputPasses: [0] },
    } satisfies ElementwiseOp,
  ];
  let attended = probs;
  if (f.dropout) {
    // The mask is regenerated from the random generator's state (Algorithm 4 line 14).
    attended = fresh(f.dropout.outputs[0]!, "@fa");
    const mask = fresh(f.dropout.outputs[1]!, "@fa");
    recompute.push({ ...fused(f.dropout, [0]), id: `${f.dropout.id}@fa`, inputs: [probs], outputs: [attended, mask], pass: "recompute" } as Op);
  }
  const replaced: [number, Op][] = [];
  const op = (i: number) => ops[i]!;
  // dP~ = dO V^T: dO once per key block (this op loads it), V once; dP~ stays on chip.
  onChip.push(op(b.avGradA).outputs[0]!);
  replaced.push([b.avGradA, fused(op(b.avGradA), [tc, 1])]);
  // dV = P~^T dO: P~ recomputed, dO already on chip.
  replaced.push([b.avGradB, fused({ ...op(b.avGradB), inputs: [attended, ...op(b.avGradB).inputs.slice(1)] } as Op, [0, 0])]);
  if (b.dropoutGrad !== undefined) {
    const d = op(b.dropoutGrad);
    onChip.push(d.outputs[0]!);
    replaced.push([b.dropoutGrad, fused({ ...d, inputs: [d.inputs[0]!, f.dropout ? `${f.dropout.outputs[1]!}@fa` : d.inputs[1]!] } as Op, [0, 0])]);
  }
  // dS = P (dP - D), D = rowsum(dO o O): O read once per key block (line 19); dS stays on chip.
  const sg = op(b.softmaxGrad);
  onChip.push(sg.outputs[0]!);
  replaced.push([b.softmaxGrad, fused({ ...sg, inputs: [sg.inputs[0]!, probs, f.av.outputs[0]!] } as Op, [0, 0, tc])]);
  // dQ = dS K: K on chip; dQ read and written back once per key block. dK^T = dS^T Q: Q on chip.
  replaced.push([b.qkGradA, fused(op(b.qkGradA), [0, 0], tc)]);
  replaced.push([b.qkGradB, fused(op(b.qkGradB), [0, 0])]);
  return { ops: replaced, before: Math.min(b.avGradA, b.avGradB), recompute, tensors, onChip, keyBlockPasses: tc };
}
