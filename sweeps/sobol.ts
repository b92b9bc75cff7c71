/**
 * Variance-based global sensitivity (Sobol' indices) by the Saltelli scheme: two independent
 * sample matrices A and B (n x k, uniform on the unit cube), and for each input i the matrix AB_i
 * (A with column i taken from B); n (k + 2) evaluations in all.
 *
 *   first order  S_i  = mean(f(B) (f(AB_i) - f(A))) / V      (Saltelli et al. 2010, Table 2 (b))
 *   total        ST_i = mean((f(A) - f(AB_i))^2) / (2 V)      (Jansen 1999; Saltelli et al. 2010, Table 2 (f))
 *   V            the variance of f over A and B together
 *
 * f(B) enters the first-order estimator centred on the mean (the same expectation, a smaller variance
 * when the mean is far from zero; Sobol' 2001 recommends centring).
 * Evaluations that are not finite (a design point that is infeasible or fails) are left out pair by
 * pair: an index uses the rows where every value it needs is finite; how many were used is reported.
 * Sources: A. Saltelli et al., "Variance based sensitivity analysis of model output. Design and
 * estimator for the total sensitivity index", Comput. Phys. Commun. 181 (2010) 259-270;
 * M. J. W. Jansen, Comput. Phys. Commun. 117 (1999) 35-43.
 */
import { mulberry32 } from "../common/random.js";

export interface SobolIndices {
  first: number[];
  total: number[];
  /** Rows (of n) each input's indices used. */
  used: number[];
  variance: number;
}

/** The sample matrices' points: A, B, then AB_0 .. AB_{k-1}, each n rows of k coordinates in [0, 1). */
export function saltelliPoints(dims: number, n: number, seed: number): { a: number[][]; b: number[][]; ab: number[][][] } {
  const random = mulberry32(seed);
  const a = Array.from({ length: n }, () => Array.from({ length: dims }, random));
  const b = Array.from({ length: n }, () => Array.from({ length: dims }, random));
  const ab = Array.from({ length: dims }, (_, i) => a.map((row, j) => row.map((x, d) => (d === i ? b[j]![d]! : x))));
  return { a, b, ab };
}

/** Indices from the evaluations at saltelliPoints' points (same order). */
export function sobolFromValues(fA: ArrayLike<number>, fB: ArrayLike<number>, fAB: readonly ArrayLike<number>[]): SobolIndices {
  const n = fA.length;
  const finite: number[] = [];
  for (let j = 0; j < n; j++) {
    if (Number.isFinite(fA[j]!)) finite.push(fA[j]!);
    if (Number.isFinite(fB[j]!)) finite.push(fB[j]!);
  }
  const mean = finite.reduce((s, x) => s + x, 0) / finite.length;
  const variance = finite.reduce((s, x) => s + (x - mean) ** 2, 0) / finite.length;
  const first: number[] = [], total: number[] = [], used: number[] = [];
  for (const fi of fAB) {
    let s1 = 0, st = 0, m = 0;
    for (let j = 0; j < n; j++) {
      const a = fA[j]!, b = fB[j]!, x = fi[j]!;
      if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(x)) continue;
      s1 += (b - mean) * (x - a);
      st += (a - x) ** 2;
      m++;
    }
    first.push(variance > 0 && m > 0 ? s1 / m / variance : 0);
    total.push(variance > 0 && m > 0 ? st / m / 2 / variance : 0);
    used.push(m);
  }
  return { first, total, used, variance };
}

/** Sobol' indices of f over the unit cube [0, 1)^dims with n base samples. */
export function sobolIndices(f: (x: number[]) => number, dims: number, n: number, seed: number): SobolIndices {
  const { a, b, ab } = saltelliPoints(dims, n, seed);
  return sobolFromValues(a.map(f), b.map(f), ab.map((m) => m.map(f)));
}
