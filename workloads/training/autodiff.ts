/**
 * Reverse-mode differentiation of a trace: the backward pass as ops with their true shapes, written
 * after the forward ops, from the gradient of one tensor (the loss's logits, or a pipeline stage's
 * output) back to every weight. Each op kind has its rule (docs/training.md):
 *
 *   matmul C = A B       dA = dC B^T (m x k, summed over n)    dB = A^T dC (k x n, summed over m)
 *                        both have the forward's MACs, so a matmul's backward is 2x its forward;
 *                        a block-sparse operand keeps its mask (the transposed grid is taken to
 *                        keep the same blocks: exact for the symmetric patterns, a count for the rest)
 *   softmax              dX = softmax'(dP, P)          (needs its output)
 *   layernorm            dX, dgamma, dbeta = norm'(dY, X, gamma)  (one kernel, as PyTorch's)
 *   add, copy            the gradient passes through (a weight added to a larger tensor, such as a
 *                        position table, gets it summed over the broadcast: one reduction op)
 *   mul                  dX = dZ Y, dY = dZ X
 *   gelu, silu, relu,
 *   exp, softplus, max   dX = f'(dY, X) (exp: needs its output)
 *   dropout              dX = dY mask / (1 - p)
 *   gather               a scatter-add of dY into the gathered rows (the index needs no gradient)
 *   sort                 none: it produces indices
 *   scan                 dX, ddt, dBC, dA = scan'(dY, inputs): one kernel that recomputes the states
 *   collective           all-reduce: passes through (its backward is the identity of the partial
 *                        sums); all-to-all: the same exchange backwards; send and recv swap, as do
 *                        all-gather and reduce-scatter
 *
 * A tensor read by several ops gets the sum of their gradients (an add per extra contribution); a
 * weight gradient is written into its buffer (role `gradient`) and later contributions, and with
 * gradient accumulation every contribution, are added into it in place.
 *
 * Recomputation (activation checkpointing): a plan groups forward ops into segments; before the
 * backward reaches a segment's last op, the segment's ops are run again (pass `recompute`, outputs
 * renamed `NAME@rc`) and its backward reads the recomputed tensors, so the forward need not keep them.
 */
import { PRECISIONS, type Precision } from "../precision.js";
import type { CollectiveOp } from "../collective.js";
import type { MatmulOp, Op, Sparsity, TensorSpec } from "../trace.js";
import type { TraceWriter } from "../trace-writer.js";

export interface RecomputeSegment {
  /** Forward op indices, in forward order. */
  ops: number[];
}

export interface BackwardOptions {
  /** The tensor whose gradient starts the backward pass, and the tensor that holds that gradient. */
  seed: { tensor: string; gradient: string };
  /** Forward ops to run again before their segment's backward. */
  recompute?: RecomputeSegment[];
  /** Every weight-gradient contribution is added into its buffer (gradient accumulation). */
  accumulate: boolean;
  /** Trace inputs whose gradients are wanted too (a pipeline stage sends its input's back). */
  inputs?: string[];
}

export interface BackwardResult {
  /** Weight name -> its gradient buffer. */
  gradients: Map<string, string>;
  /** Wanted input -> the tensor holding its gradient. */
  inputGradients: Map<string, string>;
}

const isFloat = (p: Precision) => PRECISIONS[p].family === "float";

/** The forward tensors an op's backward reads (besides its output's gradient). */
export function savedTensors(op: Op): string[] {
  switch (op.kind) {
    case "matmul":
      return op.inputs.slice(0, 2);
    case "softmax":
      return [op.outputs[0]!];
    case "layernorm":
    case "scan":
      return op.inputs;
    case "elementwise":
      if (op.fn === "add" || op.fn === "copy") return [];
      if (op.fn === "exp") return [op.outputs[0]!];
      if (op.fn === "dropout") return [op.outputs[1]!];
      return op.fn === "mul" ? op.inputs : [op.inputs[0]!];
    case "gather":
    case "sort":
    case "collective":
      return [];
    default: {
      const never: never = op;
      throw new Error(`autodiff: unknown op ${(never as Op).kind}`);
    }
  }
}

/**
 * Append the backward pass of `forward` (ops already in `w`, in order) to `w`. Ops it writes carry
 * pass "backward" or "recompute".
 */
export function appendBackward(w: TraceWriter, forward: readonly Op[], options: BackwardOptions): BackwardResult {
  const spec = new Map<string, TensorSpec>(w.tensors.map((t) => [t.name, t]));
  const tensor = (name: string) => {
    const t = spec.get(name);
    if (!t) throw new Error(`autodiff: no tensor ${name}`);
    return t;
  };
  const newTensor = (name: string, like: TensorSpec, role: TensorSpec["role"] = "activation", shape = like.shape) => {
    if (spec.has(name)) throw new Error(`autodiff: tensor ${name} exists`);
    w.tensor(name, shape, role, like.precision);
    spec.set(name, w.tensors[w.tensors.length - 1]!);
    return name;
  };

  // Which tensors carry a gradient: float weights, and what float ops compute from them.
  const needs = new Set<string>();
  for (const t of w.tensors) if (t.role === "weight" && isFloat(t.precision)) needs.add(t.name);
  needs.add(options.seed.tensor);
  for (const t of options.inputs ?? []) needs.add(t);
  for (const op of forward) {
    if (op.kind === "sort") continue;
    if (op.inputs.some((i) => needs.has(i) && isFloat(tensor(i).precision))) for (const o of op.outputs) if (isFloat(tensor(o).precision)) needs.add(o);
  }
  const differentiable = (name: string) => needs.has(name) && isFloat(tensor(name).precision);

  // Recomputation: a segment runs again just before the first backward (in reverse order) that
  // reads one of its outputs: its own last op, or an op outside every segment that keeps one.
  const segments = options.recompute ?? [];
  const inSegment = new Set(segments.flatMap((s) => s.ops));
  const triggers = new Map<number, RecomputeSegment[]>();
  for (const segment of segments) {
    const outputs = new Set(segment.ops.flatMap((i) => forward[i]!.outputs));
    let at = Math.max(...segment.ops);
    forward.forEach((op, j) => {
      if (!inSegment.has(j) && j > at && savedTensors(op).some((t) => outputs.has(t))) at = j;
    });
    (triggers.get(at) ?? triggers.set(at, []).get(at)!).push(segment);
  }
  const rc = new Map<string, string>();
  const saved = (name: string) => rc.get(name) ?? name;
  const recompute = (segment: RecomputeSegment) => {
    for (const i of segment.ops) {
      const op = forward[i]!;
      const outputs = op.outputs.map((o) => newTensor(`${o}@rc`, tensor(o)));
      w.op({ ...op, id: `${op.id}@rc`, inputs: op.inputs.map(saved), outputs, pass: "recompute" } as Op);
      op.outputs.forEach((o, j) => rc.set(o, outputs[j]!));
    }
  };

  // Gradients: contributions per tensor, merged when the tensor's producer is differentiated.
  const pending = new Map<string, { gradient: string; elements: number }[]>();
  const weightGrads = new Map<string, string>();
  let counter = 0;
  const emit = (op: Op) => w.op({ ...op, pass: "backward" } as Op);
  /**
   * The tensor a gradient of `t` is written to: a weight's buffer when it is the first contribution,
   * else a fresh tensor, of `elements` when the op writes only part of t (a slice of a fused output).
   */
  const target = (t: string, elements?: number): string => {
    const like = tensor(t);
    if (like.role === "weight" && !weightGrads.has(t) && !options.accumulate) {
      const name = newTensor(`${t}.grad`, like, "gradient");
      weightGrads.set(t, name);
      return name;
    }
    // A slice of t (a fused projection's Q part), or a convolution's column buffer (the
    // matmul read t through overlapping windows, im2col: its gradient is the columns' gradient).
    const part = elements !== undefined && elements !== elementsOf(like) ? [elements] : like.shape;
    return newTensor(`d.${t}#${++counter}`, like, "activation", part);
  };
  /** `g` (just written, or an alias of another gradient) is part of t's gradient, over `elements` of it. */
  const contribute = (t: string, g: string, layer: number, elements: number) => {
    const like = tensor(t);
    if (like.role !== "weight") {
      (pending.get(t) ?? pending.set(t, []).get(t)!).push({ gradient: g, elements });
      return;
    }
    const buffer = weightGrads.get(t);
    if (buffer === g) return; // written straight into the buffer
    // Into the buffer: a sum over a broadcast (a position table added to every sequence) when it is
    // the first contribution, else an in-place add (tied weights, gradient accumulation).
    const name = buffer ?? newTensor(`${t}.grad`, like, "gradient");
    weightGrads.set(t, name);
    const first = buffer === undefined && !options.accumulate;
    emit({ id: `${name}.${first ? "reduce" : `acc${++counter}`}`, layer, kind: "elementwise", fn: "add", elements: first ? elements : elementsOf(like), inputs: first ? [g] : [name, g], outputs: [name] });
  };
  /**
   * The gradient of t from its contributions: one as it is; slices of it (the Q, K and V parts of a
   * fused projection's output) joined by one concatenation, as autograd joins a split's gradients;
   * overlapping ones summed by adds.
   */
  const gradientOf = (t: string, layer: number): string | undefined => {
    const parts = pending.get(t);
    if (!parts || parts.length === 0) return undefined;
    if (parts.length === 1) return parts[0]!.gradient;
    const like = tensor(t);
    const full = elementsOf(like);
    const merged = newTensor(`d.${t}#${++counter}`, like);
    if (parts.every((p) => p.elements < full) && parts.reduce((s, p) => s + p.elements, 0) <= full) {
      const cols = like.shape.at(-1)!;
      emit({ id: `d.${t}.concat`, layer, kind: "gather", rows: full / cols, cols, inputs: parts.map((p) => p.gradient), outputs: [merged] });
      return merged;
    }
    let sum = parts[0]!.gradient;
    parts.slice(1).forEach((p, k) => {
      const out = k === parts.length - 2 ? merged : newTensor(`d.${t}#${++counter}`, like);
      emit({ id: `d.${t}.sum${++counter}`, layer, kind: "elementwise", fn: "add", elements: full, inputs: [sum, p.gradient], outputs: [out] });
      sum = out;
    });
    return merged;
  };
  pending.set(options.seed.tensor, [{ gradient: options.seed.gradient, elements: elementsOf(tensor(options.seed.tensor)) }]);

  for (let i = forward.length - 1; i >= 0; i--) {
    for (const segment of triggers.get(i) ?? []) recompute(segment);
    const op = forward[i]!;
    const out = op.outputs[0]!;
    if (!needs.has(out)) continue;
    const L = op.layer;
    const dOut = gradientOf(out, L);
    if (dOut === undefined) continue;
    switch (op.kind) {
      case "matmul": {
        const [a, b, index] = op.inputs as [string, string, string | undefined];
        const extra = index ? [index] : [];
        if (differentiable(a)) {
          const da = target(a, op.m * op.k * op.batchCount);
          emit({ ...matmulShape(op, "dA"), id: `${op.id}.dA`, layer: L, inputs: [dOut, saved(b), ...extra], outputs: [da] });
          contribute(a, da, L, Math.min(op.m * op.k * op.batchCount, elementsOf(tensor(a))));
        }
        if (differentiable(b)) {
          const db = target(b, op.k * op.n * op.batchCount);
          const transposed = op.sparsity?.operand === "output";
          emit({ ...matmulShape(op, "dB"), id: `${op.id}.dB`, layer: L, inputs: transposed ? [dOut, saved(a), ...extra] : [saved(a), dOut, ...extra], outputs: [db] });
          contribute(b, db, L, Math.min(op.k * op.n * op.batchCount, elementsOf(tensor(b))));
        }
        break;
      }
      case "softmax": {
        const x = op.inputs[0]!;
        if (!differentiable(x)) break;
        const dx = target(x);
        emit({ ...op, id: `${op.id}.grad`, grad: true, inputs: [dOut, saved(out), ...op.inputs.slice(1)], outputs: [dx] });
        contribute(x, dx, L, elementsOf(tensor(x)));
        break;
      }
      case "layernorm": {
        const [x, ...params] = op.inputs as [string, ...string[]];
        const trained = [x, ...params].filter(differentiable);
        if (trained.length === 0) break;
        const targets = trained.map(target);
        emit({ ...op, id: `${op.id}.grad`, grad: true, inputs: [dOut, saved(x), ...params], outputs: targets });
        trained.forEach((p, k) => contribute(p, targets[k]!, L, elementsOf(tensor(p))));
        break;
      }
      case "elementwise": {
        if (op.fn === "add" || op.fn === "copy") {
          for (const x of op.inputs) if (differentiable(x)) contribute(x, dOut, L, Math.min(op.elements, elementsOf(tensor(x))));
          break;
        }
        if (op.fn === "mul") {
          op.inputs.forEach((x, k) => {
            if (!differentiable(x)) return;
            const dx = target(x);
            emit({ id: `${op.id}.grad${k}`, layer: L, kind: "elementwise", fn: "mul", elements: op.elements, inputs: [dOut, ...op.inputs.filter((_, j) => j !== k).map(saved)], outputs: [dx] });
            contribute(x, dx, L, elementsOf(tensor(x)));
          });
          break;
        }
        const x = op.inputs[0]!;
        if (!differentiable(x)) break;
        const dx = target(x);
        emit({ id: `${op.id}.grad`, layer: L, kind: "elementwise", fn: op.fn, grad: true, elements: op.elements, inputs: [dOut, ...savedTensors(op).map(saved)], outputs: [dx] });
        contribute(x, dx, L, elementsOf(tensor(x)));
        break;
      }
      case "gather": {
        const data = op.inputs.filter(differentiable);
        const index = op.inputs.filter((x) => !isFloat(tensor(x).precision));
        for (const [k, x] of data.entries()) {
          const like = tensor(x);
          // Each data input gets its rows back (a concatenation splits by the inputs' sizes).
          const cols = index.length > 0 ? op.cols : Math.max(1, Math.round(elementsOf(like) / op.rows));
          const dx = target(x, op.rows * cols);
          emit({ id: `${op.id}.grad${data.length > 1 ? k : ""}`, layer: L, kind: "gather", grad: true, rows: op.rows, cols, inputs: [dOut, ...index], outputs: [dx] });
          contribute(x, dx, L, Math.min(elementsOf(like), op.rows * cols));
        }
        break;
      }
      case "sort":
        break;
      case "scan": {
        const data = op.inputs.filter(differentiable);
        if (data.length === 0) break;
        const targets = data.map(target);
        emit({ ...op, id: `${op.id}.grad`, grad: true, inputs: [dOut, ...op.inputs.map(saved)], outputs: targets });
        data.forEach((x, k) => contribute(x, targets[k]!, L, elementsOf(tensor(x))));
        break;
      }
      case "collective": {
        const x = op.inputs[0]!;
        if (!differentiable(x)) break;
        if (op.collective === "all-reduce" || op.collective === "host-transfer") {
          contribute(x, dOut, L, elementsOf(tensor(x)));
          break;
        }
        const dx = target(x);
        const swap: Partial<Record<CollectiveOp["collective"], CollectiveOp["collective"]>> = { "all-gather": "reduce-scatter", "reduce-scatter": "all-gather", send: "recv", recv: "send" };
        const reverse = swap[op.collective] ?? op.collective;
        emit({ ...op, id: `${op.id}.grad`, collective: reverse, inputs: [dOut], outputs: [dx] });
        contribute(x, dx, L, elementsOf(tensor(x)));
        break;
      }
      default: {
        const never: never = op;
        throw new Error(`autodiff: unknown op ${(never as Op).kind}`);
      }
    }
  }
  const inputGradients = new Map<string, string>();
  for (const t of options.inputs ?? []) {
    const g = gradientOf(t, forward[0]?.layer ?? 0);
    if (g !== undefined) inputGradients.set(t, g);
  }
  return { gradients: weightGrads, inputGradients };
}

export function elementsOf(t: TensorSpec): number {
  return t.shape.reduce((a, b) => a * b, 1);
}

/**
 * The shapes of a matmul's two gradients. dA = dC B^T is m x k with inner dimension n (inputs dC,
 * B); dB = A^T dC is k x n with inner dimension m (inputs A, dC). With an output mask (QK^T), dC is
 * sparse, and dB is written as its transpose dB^T = dC^T A (n x k; inputs dC, A) so that the sparse
 * operand stays the A operand: an output mask becomes an A mask of both. An A mask (AV) becomes
 * dA's output mask and the A mask of dB = A^T dC.
 */
export function matmulShape(op: MatmulOp, which: "dA" | "dB"): Pick<MatmulOp, "kind" | "m" | "n" | "k" | "batchCount" | "sparsity"> {
  const sparsity = (operand: Sparsity["operand"]): { sparsity?: Sparsity } => (op.sparsity ? { sparsity: { ...op.sparsity, operand } } : {});
  if (which === "dA") return { kind: "matmul", m: op.m, n: op.k, k: op.n, batchCount: op.batchCount, ...sparsity(op.sparsity?.operand === "a" ? "output" : "a") };
  if (op.sparsity?.operand === "output") return { kind: "matmul", m: op.n, n: op.k, k: op.m, batchCount: op.batchCount, ...sparsity("a") };
  return { kind: "matmul", m: op.k, n: op.n, k: op.m, batchCount: op.batchCount, ...sparsity("a") };
}
