/**
 * Least squares with bounds, for calibration's linear case (energy is linear in per-action
 * energies; latency in per-op overheads).
 *
 * `nnls` is Lawson & Hanson's active-set algorithm ("Solving Least Squares Problems", 1974, ch. 23;
 * the algorithm behind scipy.optimize.nnls): min ||A x - b|| subject to x >= 0. The unconstrained
 * sub-problems are solved through the normal equations with columns scaled to unit norm (mathjs
 * lusolve); calibration problems have a handful of columns, so that is accurate enough and cheap.
 *
 * `boundedLeastSquares` adds upper bounds by clamping: a variable that ends above its bound is fixed
 * there, its column moved to the right-hand side, and the rest re-fitted, until none is above. That is
 * exact when at most one bound binds and a good approximation otherwise (full BVLS, Stark & Parker
 * 1995, swaps variables in and out of both bounds; not needed at calibration's sizes so far).
 */
import { mathjs } from "../common/mathjs.js";

/** Solve the unconstrained least squares on the given columns; returns the coefficients. */
function solveColumns(A: number[][], b: number[], columns: number[]): number[] {
  const n = A.length, k = columns.length;
  const scale = columns.map((j) => Math.sqrt(A.reduce((s, row) => s + row[j]! ** 2, 0)) || 1);
  const ata: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const atb = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    const row = A[i]!;
    for (let p = 0; p < k; p++) {
      const ap = row[columns[p]!]! / scale[p]!;
      atb[p]! += ap * b[i]!;
      for (let q = 0; q < k; q++) ata[p]![q]! += ap * (row[columns[q]!]! / scale[q]!);
    }
  }
  // A tiny ridge keeps exactly collinear columns solvable (their split is then arbitrary).
  for (let p = 0; p < k; p++) ata[p]![p]! += 1e-12;
  const solution = mathjs().lusolve(ata, atb) as number[][];
  return solution.map((row, p) => row[0]! / scale[p]!);
}

/** min ||A x - b||, x >= 0 (Lawson-Hanson). */
export function nnls(A: number[][], b: number[], maxIterations = 500): number[] {
  const p = A[0]?.length ?? 0;
  const x = new Array<number>(p).fill(0);
  const passive = new Set<number>();
  const gradient = () => {
    const r = b.map((bi, i) => bi - A[i]!.reduce((s, a, j) => s + a * x[j]!, 0));
    return Array.from({ length: p }, (_, j) => A.reduce((s, row, i) => s + row[j]! * r[i]!, 0));
  };
  const tolerance = 1e-12 * Math.max(1, Math.sqrt(b.reduce((s, v) => s + v * v, 0)));
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const w = gradient();
    let best = -1;
    for (let j = 0; j < p; j++) if (!passive.has(j) && w[j]! > tolerance && (best < 0 || w[j]! > w[best]!)) best = j;
    if (best < 0) break;
    passive.add(best);
    for (;;) {
      const cols = [...passive].sort((a, c) => a - c);
      const z = solveColumns(A, b, cols);
      if (z.every((v) => v > 0)) {
        x.fill(0);
        cols.forEach((j, k) => (x[j] = z[k]!));
        break;
      }
      // Step from x toward z as far as feasibility allows, then drop variables that hit zero.
      let alpha = Infinity;
      cols.forEach((j, k) => {
        if (z[k]! <= 0) alpha = Math.min(alpha, x[j]! / (x[j]! - z[k]!));
      });
      cols.forEach((j, k) => (x[j] = x[j]! + alpha * (z[k]! - x[j]!)));
      for (const j of cols) if (x[j]! <= 1e-15) {
        x[j] = 0;
        passive.delete(j);
      }
      if (passive.size === 0) break;
    }
  }
  return x;
}

/** min ||A x - b||, 0 <= x <= upper (NNLS, then clamp-and-refit; see the header). */
export function boundedLeastSquares(A: number[][], b: number[], upper: number[]): number[] {
  const p = upper.length;
  const fixed = new Map<number, number>();
  for (let round = 0; round <= p; round++) {
    const free = Array.from({ length: p }, (_, j) => j).filter((j) => !fixed.has(j));
    const rhs = b.map((bi, i) => bi - [...fixed].reduce((s, [j, v]) => s + A[i]![j]! * v, 0));
    const sub = nnls(A.map((row) => free.map((j) => row[j]!)), rhs);
    const x = new Array<number>(p).fill(0);
    for (const [j, v] of fixed) x[j] = v;
    free.forEach((j, k) => (x[j] = sub[k]!));
    let worst = -1;
    for (const j of free) if (x[j]! > upper[j]! && (worst < 0 || x[j]! / upper[j]! > x[worst]! / upper[worst]!)) worst = j;
    if (worst < 0) return x;
    fixed.set(worst, upper[worst]!);
  }
  return upper.slice();
}
